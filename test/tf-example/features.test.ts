/**
 * denseFeatures: tf.Example features (and their defaults) into dense tensors of each feature's
 * exact dtype storage.
 */
import { describe, expect, it } from 'vitest';
import { denseFeatures, type ExampleFeatures } from '../../lib/tf-example/features.ts';
import type { DType, HostTensor } from '../../lib/tensors/host-tensor.ts';
import type { ExampleFeatureSpec } from '../../lib/tensors/signature.ts';

const feature = (key: string, dtype: DType, defaultValue: HostTensor | null = null): ExampleFeatureSpec => ({
  key,
  dtype,
  shape: [1],
  defaultValue,
  tensorName: `${key}:0`,
});

describe('denseFeatures', () => {
  it('fills each dtype\'s storage, from the examples or the default', () => {
    const examples: ExampleFeatures[] = [new Map([['x', [0.5]], ['n', [7]], ['h', [0.1]]]), new Map()];
    const tensors = denseFeatures(examples, [
      feature('x', 'DT_FLOAT', { dtype: 'DT_FLOAT', shape: [1], values: new Float32Array([-1]) }),
      feature('n', 'DT_INT64', { dtype: 'DT_INT64', shape: [1], values: new BigInt64Array([2n ** 60n + 1n]) }),
      feature('h', 'DT_HALF', { dtype: 'DT_HALF', shape: [1], values: new Uint16Array([0x3c00]) }),
    ]);
    expect(tensors.x).toEqual({ dtype: 'DT_FLOAT', shape: [2, 1], values: new Float32Array([0.5, -1]) });
    expect(tensors.n).toEqual({ dtype: 'DT_INT64', shape: [2, 1], values: new BigInt64Array([7n, 2n ** 60n + 1n]) });
    // 0.1 → the nearest binary16 (0x2e66); the default's bits are kept.
    expect(tensors.h).toEqual({ dtype: 'DT_HALF', shape: [2, 1], values: new Uint16Array([0x2e66, 0x3c00]) });
  });

  it('refuses an example that lacks a required feature', () => {
    expect(() => denseFeatures([new Map()], [feature('x', 'DT_FLOAT')])).toThrow("Example 0 lacks the required feature 'x'");
  });
});
