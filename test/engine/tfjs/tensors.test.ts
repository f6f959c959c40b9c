/**
 * Host tensors ↔ TF.js tensors: exact host storage widens to what TF.js computes in (float32,
 * int32, bool, string) on the way in, and narrows back into the declared dtype on the way out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import { toHostTensor, toTfTensor } from '../../../lib/engine/tfjs/tensors.ts';
import { InvalidArgumentError } from '../../../lib/errors.ts';
import type { DType, HostTensor } from '../../../lib/tensors/host-tensor.ts';

beforeAll(async () => {
  await initBackend('cpu', () => {});
});

async function toTfjs(host: HostTensor): Promise<{ dtype: string; values: unknown[] }> {
  const tensor = toTfTensor(host, 'x');
  try {
    return { dtype: tensor.dtype, values: Array.from((await tensor.data()) as ArrayLike<unknown>) };
  } finally {
    tensor.dispose();
  }
}

async function fromTfjs(values: number[], tfDtype: 'float32' | 'int32' | 'bool', dtype: DType): Promise<HostTensor> {
  const tensor = tf.tensor(values, [values.length], tfDtype);
  try {
    return await toHostTensor(tensor, dtype);
  } finally {
    tensor.dispose();
  }
}

describe('toTfTensor', () => {
  it('widens the small integer dtypes to int32 exactly', async () => {
    expect(await toTfjs({ dtype: 'DT_INT8', shape: [2], values: new Int8Array([-128, 127]) })).toEqual({ dtype: 'int32', values: [-128, 127] });
    expect(await toTfjs({ dtype: 'DT_INT16', shape: [2], values: new Int16Array([-32768, 32767]) })).toEqual({ dtype: 'int32', values: [-32768, 32767] });
    expect(await toTfjs({ dtype: 'DT_UINT8', shape: [2], values: new Uint8Array([0, 255]) })).toEqual({ dtype: 'int32', values: [0, 255] });
    expect(await toTfjs({ dtype: 'DT_UINT16', shape: [1], values: new Uint16Array([65535]) })).toEqual({ dtype: 'int32', values: [65535] });
    expect(await toTfjs({ dtype: 'DT_UINT32', shape: [2], values: new Uint32Array([0, 2147483647]) })).toEqual({ dtype: 'int32', values: [0, 2147483647] });
  });

  it('refuses DT_UINT32 values beyond int32, naming the input, instead of wrapping them', () => {
    const host: HostTensor = { dtype: 'DT_UINT32', shape: [2], values: new Uint32Array([1, 4294967295]) };
    expect(() => toTfTensor(host, 'ids')).toThrow(InvalidArgumentError);
    expect(() => toTfTensor(host, 'ids')).toThrow("Input 'ids' value 4294967295 does not fit in 32 bits; the TF.js engine computes DT_UINT32 as int32");
  });

  it('keeps refusing DT_INT64 beyond int32 and passing it within', async () => {
    expect(() => toTfTensor({ dtype: 'DT_INT64', shape: [1], values: new BigInt64Array([2n ** 31n]) }, 'n')).toThrow(/Input 'n' value 2147483648/);
    expect(await toTfjs({ dtype: 'DT_INT64', shape: [1], values: new BigInt64Array([-5n]) })).toEqual({ dtype: 'int32', values: [-5] });
  });

  it('gives DT_HALF bits and DT_DOUBLE to TF.js as float32 values', async () => {
    expect(await toTfjs({ dtype: 'DT_HALF', shape: [3], values: new Uint16Array([0x3c00, 0x2e66, 0xfc00]) })).toEqual({
      dtype: 'float32',
      values: [1, 0.0999755859375, -Infinity],
    });
    expect(await toTfjs({ dtype: 'DT_DOUBLE', shape: [1], values: new Float64Array([0.5]) })).toEqual({ dtype: 'float32', values: [0.5] });
  });

  it('passes float32, int32, bool and strings through', async () => {
    expect(await toTfjs({ dtype: 'DT_FLOAT', shape: [1], values: new Float32Array([1.5]) })).toEqual({ dtype: 'float32', values: [1.5] });
    expect(await toTfjs({ dtype: 'DT_INT32', shape: [1], values: new Int32Array([-7]) })).toEqual({ dtype: 'int32', values: [-7] });
    expect(await toTfjs({ dtype: 'DT_BOOL', shape: [2], values: new Uint8Array([1, 0]) })).toEqual({ dtype: 'bool', values: [1, 0] });
    const strings = toTfTensor({ dtype: 'DT_STRING', shape: [1], values: [new Uint8Array([104, 105])] }, 'x');
    expect(strings.dtype).toBe('string');
    strings.dispose();
  });
});

describe('toHostTensor', () => {
  it('narrows into each declared dtype\'s exact storage', async () => {
    expect((await fromTfjs([-128, 127], 'int32', 'DT_INT8')).values).toEqual(new Int8Array([-128, 127]));
    expect((await fromTfjs([-32768, 32767], 'int32', 'DT_INT16')).values).toEqual(new Int16Array([-32768, 32767]));
    expect((await fromTfjs([0, 255], 'int32', 'DT_UINT8')).values).toEqual(new Uint8Array([0, 255]));
    expect((await fromTfjs([0, 65535], 'int32', 'DT_UINT16')).values).toEqual(new Uint16Array([0, 65535]));
    expect((await fromTfjs([0, 2147483647], 'int32', 'DT_UINT32')).values).toEqual(new Uint32Array([0, 2147483647]));
    expect((await fromTfjs([3], 'int32', 'DT_INT32')).values).toEqual(new Int32Array([3]));
    expect((await fromTfjs([0.5], 'float32', 'DT_DOUBLE')).values).toEqual(new Float64Array([0.5]));
    expect((await fromTfjs([0.5], 'float32', 'DT_FLOAT')).values).toEqual(new Float32Array([0.5]));
    expect((await fromTfjs([1, 0], 'bool', 'DT_BOOL')).values).toEqual(new Uint8Array([1, 0]));
    expect((await fromTfjs([-3], 'int32', 'DT_INT64')).values).toEqual(new BigInt64Array([-3n]));
  });

  it('rounds float32 results to the nearest binary16 for DT_HALF', async () => {
    const half = await fromTfjs([0.1, 1, 65504, 1e6], 'float32', 'DT_HALF');
    expect(half.values).toEqual(new Uint16Array([0x2e66, 0x3c00, 0x7bff, 0x7c00]));
  });

  it('wraps int32 results beyond a narrow dtype modulo 2^bits, as TensorFlow\'s integer overflow does', async () => {
    expect((await fromTfjs([128, 300], 'int32', 'DT_INT8')).values).toEqual(new Int8Array([-128, 44]));
    expect((await fromTfjs([-1], 'int32', 'DT_UINT32')).values).toEqual(new Uint32Array([4294967295]));
  });
});
