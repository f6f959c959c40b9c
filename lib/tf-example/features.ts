/**
 * tf.Example in TypeScript, for graphs whose ParseExample was replaced at import: serialized
 * protos (predict with `{"b64": ...}` strings) and TF Serving's JSON examples (classify/regress)
 * both become the dense feature tensors the graph is fed.
 * @module codecs/tf-example
 */
import protobuf from 'protobufjs';
import { InvalidArgumentError } from '../errors.ts';
import type { ExampleFeatureSpec } from '../tensors/signature.ts';
import { allocateValues, sizeOf, type HostTensor, type TensorMap } from '../tensors/host-tensor.ts';
import { floatToHalf, halfsToFloats } from '../tensors/float16.ts';
import type { JsonValue } from '../codecs/tensor-json.ts';

/** One example: feature key → its values (float_list / int64_list as numbers, bytes_list as bytes). */
export type ExampleFeatures = Map<string, number[] | Uint8Array[]>;

// Field numbers from tensorflow/core/example/example.proto and feature.proto.
const root = protobuf.parse(`
syntax = "proto3";
message BytesList { repeated bytes value = 1; }
message FloatList { repeated float value = 1 [packed = true]; }
message Int64List { repeated int64 value = 1 [packed = true]; }
message Feature { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
message Features { map<string, Feature> feature = 1; }
message Example { Features features = 1; }
`, { keepCase: true }).root;
export const ExampleType = root.lookupType('Example');

interface FeatureMessage {
  bytes_list?: { value?: Uint8Array[] };
  float_list?: { value?: number[] };
  int64_list?: { value?: (number | { toNumber(): number })[] };
}

/** Decodes one serialized tf.Example. */
export function decodeExample(bytes: Uint8Array, where: string): ExampleFeatures {
  let message: { features?: { feature?: Record<string, FeatureMessage> } };
  try {
    message = ExampleType.toObject(ExampleType.decode(bytes), { longs: Number, arrays: true }) as typeof message;
  } catch (error) {
    throw new InvalidArgumentError(`${where} is not a serialized tf.Example: ${(error as Error).message}`);
  }
  const features: ExampleFeatures = new Map();
  for (const [key, feature] of Object.entries(message.features?.feature ?? {})) {
    if (feature.bytes_list) features.set(key, feature.bytes_list.value ?? []);
    else if (feature.float_list) features.set(key, feature.float_list.value ?? []);
    else if (feature.int64_list) features.set(key, (feature.int64_list.value ?? []).map(Number));
  }
  return features;
}

/**
 * TF Serving's JSON examples: `{"feature": value | [values]}` with numbers, strings or
 * `{"b64": ...}`; `context` features apply to every example that lacks them.
 */
export function jsonExamples(examples: JsonValue, context: JsonValue | undefined): ExampleFeatures[] {
  if (!Array.isArray(examples) || examples.length === 0) throw new InvalidArgumentError("'examples' must be a non-empty list of objects");
  const shared = context === undefined ? new Map() : jsonFeatures(context, 'context');
  return examples.map((example, i) => new Map([...shared, ...jsonFeatures(example, `examples[${i}]`)]));
}

function jsonFeatures(value: JsonValue, where: string): ExampleFeatures {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`${where} must be an object of features`);
  const features: ExampleFeatures = new Map();
  for (const [key, raw] of Object.entries(value)) {
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.every((item) => typeof item === 'number' || typeof item === 'bigint')) {
      features.set(key, items.map(Number));
    } else if (items.every((item) => typeof item === 'string' || (item !== null && typeof item === 'object' && 'b64' in item))) {
      features.set(key, items.map((item) => (typeof item === 'string' ? new TextEncoder().encode(item) : Buffer.from(String((item as { b64: string }).b64), 'base64'))));
    } else {
      throw new InvalidArgumentError(`${where}.${key} must be a number, a string, {"b64": ...} or a list of one kind`);
    }
  }
  return features;
}

/** The dense tensors ParseExample would have produced, keyed by feature key. */
export function denseFeatures(examples: ExampleFeatures[], specs: ExampleFeatureSpec[]): TensorMap {
  const tensors: TensorMap = {};
  for (const spec of specs) {
    const perExample = sizeOf(spec.shape);
    const values = allocateValues(spec.dtype, examples.length * perExample);
    examples.forEach((example, i) => {
      const given = example.get(spec.key);
      const source = given ?? defaultValues(spec, i);
      if (source.length !== perExample) {
        throw new InvalidArgumentError(`Example ${i}: feature '${spec.key}' has ${source.length} values, the model expects ${perExample} (shape [${spec.shape}])`);
      }
      for (let j = 0; j < perExample; j++) setValue(values, i * perExample + j, source[j], spec, i);
    });
    tensors[spec.key] = { dtype: spec.dtype, shape: [examples.length, ...spec.shape], values } as HostTensor;
  }
  return tensors;
}

function defaultValues(spec: ExampleFeatureSpec, index: number): ArrayLike<number | bigint | Uint8Array> {
  if (!spec.defaultValue) throw new InvalidArgumentError(`Example ${index} lacks the required feature '${spec.key}'`);
  const values = spec.defaultValue.values;
  if (Array.isArray(values)) return values;
  return spec.defaultValue.dtype === 'DT_HALF' ? halfsToFloats(values as Uint16Array) : Array.from(values as ArrayLike<number>);
}

function setValue(values: HostTensor['values'], at: number, value: number | bigint | Uint8Array, spec: ExampleFeatureSpec, index: number): void {
  if (Array.isArray(values)) {
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`Example ${index}: feature '${spec.key}' must hold bytes (${spec.dtype})`);
    values[at] = value;
  } else if (value instanceof Uint8Array) {
    throw new InvalidArgumentError(`Example ${index}: feature '${spec.key}' must hold numbers (${spec.dtype})`);
  } else if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    values[at] = BigInt(value);
  } else if (spec.dtype === 'DT_HALF') {
    values[at] = floatToHalf(Number(value));
  } else {
    values[at] = Number(value);
  }
}
