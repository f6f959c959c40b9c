/**
 * Host tensors ↔ TF.js tensors. TF.js has no 64-bit integers (nor uint32), so DT_INT64/UINT64/UINT32
 * travel as int32 when every value fits, and are refused (not silently wrapped) otherwise.
 * @module engine/tfjs/tensors
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.ts';
import { STORAGE, allocateValues, type DType, type HostTensor, type TensorValues } from '../../tensors/host-tensor.ts';
import { floatsToHalfs, halfsToFloats } from '../../tensors/float16.ts';

/** The TF.js dtype that carries each TensorFlow dtype. */
export function tfjsDType(dtype: DType): tf.DataType {
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_HALF':
    case 'DT_DOUBLE':
      return 'float32';
    case 'DT_BOOL':
      return 'bool';
    case 'DT_STRING':
      return 'string';
    default:
      return 'int32';
  }
}

/** The TensorFlow dtype a TF.js dtype stands for when a model declares nothing more precise. */
export function tensorflowDType(dtype: string | undefined): DType {
  switch (dtype) {
    case 'int32':
      return 'DT_INT32';
    case 'bool':
      return 'DT_BOOL';
    case 'string':
      return 'DT_STRING';
    case 'complex64':
      throw new Error('complex64 tensors are not supported');
    default:
      return 'DT_FLOAT';
  }
}

/**
 * Creates a TF.js tensor (the caller disposes it). TF.js computes in float32, int32, bool and
 * string: narrower integers widen to int32, DT_HALF's bits and DT_DOUBLE become float32, and
 * DT_UINT32/INT64/UINT64 values beyond int32 are refused rather than wrapped.
 */
export function toTfTensor(host: HostTensor, inputName: string): tf.Tensor {
  const { dtype, shape, values } = host;
  if (Array.isArray(values)) return tf.tensor(values, shape, 'string');
  switch (dtype) {
    case 'DT_HALF':
      return tf.tensor(halfsToFloats(values as Uint16Array), shape, 'float32');
    case 'DT_BOOL':
      return tf.tensor(values as Uint8Array, shape, 'bool');
  }
  if (values instanceof Float32Array || values instanceof Int32Array) return tf.tensor(values, shape, tfjsDType(dtype));
  if (values instanceof Float64Array) return tf.tensor(Float32Array.from(values), shape, 'float32');
  return tf.tensor(narrowToInt32(values, dtype, inputName), shape, 'int32');
}

/** Int8/16, Uint8/16 widen exactly; Uint32 and 64-bit values must fit in int32. */
function narrowToInt32(
  values: Int8Array | Int16Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array,
  dtype: DType,
  inputName: string,
): Int32Array {
  if (!(values instanceof Uint32Array || values instanceof BigInt64Array || values instanceof BigUint64Array)) {
    return Int32Array.from(values);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value > 2147483647 || value < -2147483648) {
      throw new InvalidArgumentError(
        `Input '${inputName}' value ${value} does not fit in 32 bits; the TF.js engine computes ${dtype} as int32`,
      );
    }
    out[i] = Number(value);
  }
  return out;
}

/**
 * Reads a TF.js tensor into host memory as `dtype` (does not dispose it), in that dtype's exact
 * storage: float32 results are rounded to DT_HALF's nearest binary16; int32 results narrowed to
 * DT_INT8/16 and DT_UINT8/16/32 wrap modulo 2^bits, as TensorFlow's own overflow and casts do.
 */
export async function toHostTensor(tensor: tf.Tensor, dtype: DType): Promise<HostTensor> {
  const shape = tensor.shape.slice();
  if (tensor.dtype === 'string') {
    const bytes = (await tensor.bytes()) as Uint8Array[];
    return { dtype: 'DT_STRING', shape, values: bytes };
  }
  const data = (await tensor.data()) as Float32Array | Int32Array | Uint8Array;
  switch (dtype) {
    case 'DT_INT64':
      return { dtype, shape, values: BigInt64Array.from(data, (v) => BigInt(Math.trunc(v))) };
    case 'DT_UINT64':
      return { dtype, shape, values: BigUint64Array.from(data, (v) => BigInt(Math.trunc(v))) };
    case 'DT_HALF':
      return { dtype, shape, values: floatsToHalfs(data) };
    case 'DT_STRING':
      throw new Error(`Output declared DT_STRING but the engine produced ${tensor.dtype}`);
    default: {
      if (data instanceof STORAGE[dtype]) return { dtype, shape, values: data } as HostTensor;
      const values = allocateValues(dtype, data.length) as Exclude<TensorValues, BigInt64Array | BigUint64Array | Uint8Array[]>;
      values.set(data);
      return { dtype, shape, values } as HostTensor;
    }
  }
}
