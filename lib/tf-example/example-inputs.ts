/**
 * A signature whose graph parsed tf.Example (the ParseExample was replaced at import) takes one
 * DT_STRING input of serialized Examples — from `:predict` with `{"b64": ...}` values, or from
 * `:classify`/`:regress`, whose JSON examples are serialized into the same input first, so every
 * protocol reaches the hooks with the same request. Here they become the dense feature tensors.
 * @module tf-example/example-inputs
 */
import { InvalidArgumentError } from '../errors.ts';
import type { HostTensor, TensorMap } from '../tensors/host-tensor.ts';
import type { Signature } from '../tensors/signature.ts';
import { decodeExample, denseFeatures, ExampleType, type ExampleFeatures } from './features.ts';

/** The dense features to feed, from the signature's one input of serialized tf.Examples. */
export function exampleFeatures(inputs: TensorMap, signature: Signature, signatureName: string): TensorMap {
  const names = Object.keys(signature.inputs);
  const serialized = names.length === 1 ? inputs[names[0]]?.values : undefined;
  if (!Array.isArray(serialized)) {
    throw new InvalidArgumentError(`Signature '${signatureName}' takes serialized tf.Example strings`);
  }
  const parsed = serialized.map((bytes, i) => decodeExample(bytes, `Input example ${i}`));
  return denseFeatures(parsed, signature.examples!.features);
}

/**
 * Serializes examples (TF Serving's JSON examples, `context` already merged) into the DT_STRING
 * tensor a tf.Example signature takes. Numbers become int64_list for features the signature
 * declares as integers, float_list otherwise.
 */
export function serializeExamples(examples: ExampleFeatures[], signature: Signature): HostTensor {
  const dtypes = new Map(signature.examples?.features.map((feature) => [feature.key, feature.dtype]));
  const values = examples.map((example) => {
    const feature: Record<string, unknown> = {};
    for (const [key, items] of example) {
      if (items.length && items[0] instanceof Uint8Array) feature[key] = { bytes_list: { value: items } };
      else if (isIntegerFeature(dtypes.get(key), items as number[])) feature[key] = { int64_list: { value: items } };
      else feature[key] = { float_list: { value: items } };
    }
    return ExampleType.encode(ExampleType.fromObject({ features: { feature } })).finish();
  });
  return { dtype: 'DT_STRING', shape: [values.length], values };
}

function isIntegerFeature(dtype: string | undefined, items: number[]): boolean {
  if (dtype !== undefined) return dtype === 'DT_INT64' || dtype === 'DT_INT32';
  return items.every((item) => Number.isInteger(item));
}
