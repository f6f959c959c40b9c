/**
 * Signatures as JSON, for the model folders `lambda-serving convert` and packaging write (a TF.js
 * graph model's `userDefinedMetadata.lambdaServing`, the ONNX folder's `lambda-serving-onnx.json`):
 * typed arrays (tf.Example feature defaults) become `{ "@typedArray": <constructor name>,
 * "base64": <little-endian bytes> }`, bigints strings, undefined fields drop. Engine-neutral: no
 * TF.js or ONNX Runtime code is loaded to read them back.
 * @module tensors/signature-json
 */
import { DTYPES, type DType } from './host-tensor.ts';
import type { SignatureMap } from './signature.ts';

/** `signatures` as JSON-safe data; `signaturesFromJson` reverses it. */
export function signaturesToJson(signatures: SignatureMap): unknown {
  return encodeJson(signatures);
}

/**
 * Signatures read back from what `signaturesToJson` wrote; throws an Error naming `where` and the
 * first malformed entry.
 */
export function signaturesFromJson(stored: unknown, where: string): SignatureMap {
  const problem = signatureMapProblem(stored);
  if (problem) throw new Error(`${where} ${problem}`);
  return reviveTypedArrays(stored, where) as SignatureMap;
}

function encodeJson(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    return {
      '@typedArray': value.constructor.name,
      base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  if (Array.isArray(value)) return value.map(encodeJson);
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => field !== undefined)
        .map(([key, field]) => [key, encodeJson(field)]),
    );
  }
  return value;
}

function signatureMapProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'is not an object';
  for (const [key, signature] of Object.entries(value)) {
    if (!isRecord(signature) || typeof signature.methodName !== 'string') return `['${key}'] has no methodName`;
    for (const side of ['inputs', 'outputs'] as const) {
      const specs = signature[side];
      if (!isRecord(specs)) return `['${key}'] has no ${side}`;
      for (const [alias, spec] of Object.entries(specs)) {
        if (!isRecord(spec) || typeof spec.tensorName !== 'string' || !DTYPES.includes(spec.dtype as DType)) {
          return `['${key}'].${side}['${alias}'] needs a tensorName and a dtype`;
        }
      }
    }
  }
  return undefined;
}

/** Every host tensor storage (see DTypeStorage), by constructor name as `signaturesToJson` stores it. */
const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  BigInt64Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  BigUint64Array,
};

function reviveTypedArrays(value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => reviveTypedArrays(item, where));
  if (!isRecord(value)) return value;
  const name = value['@typedArray'];
  if (typeof name === 'string' && typeof value.base64 === 'string') {
    const Constructor = Object.hasOwn(TYPED_ARRAYS, name) ? TYPED_ARRAYS[name] : undefined;
    if (!Constructor) throw new Error(`${where}: unknown typed array ${name}`);
    // Copied into a fresh buffer: aligned for the element size.
    return new Constructor(Uint8Array.from(Buffer.from(value.base64, 'base64')).buffer);
  }
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, reviveTypedArrays(field, where)]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
