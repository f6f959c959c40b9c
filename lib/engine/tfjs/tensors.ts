/**
 * Host tensors ↔ TF.js tensors. TF.js has no 64-bit integers, so DT_INT64/UINT64 travel as int32
 * when every value fits, and are refused (not silently wrapped) otherwise.
 * @module engine/tfjs/tensors
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.ts';
import type { DType, HostTensor } from '../../tensors/host-tensor.ts';

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

/** Creates a TF.js tensor (the caller disposes it). */
export function toTfTensor(host: HostTensor, inputName: string): tf.Tensor {
  const dtype = tfjsDType(host.dtype);
  const { values } = host;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    return tf.tensor(narrowToInt32(values, inputName), host.shape, 'int32');
  }
  if (Array.isArray(values)) return tf.tensor(values, host.shape, 'string');
  if (dtype === 'int32' && !(values instanceof Int32Array)) {
    return tf.tensor(Int32Array.from(values as ArrayLike<number>), host.shape, 'int32');
  }
  if (dtype === 'float32' && !(values instanceof Float32Array)) {
    return tf.tensor(Float32Array.from(values as ArrayLike<number>), host.shape, 'float32');
  }
  return tf.tensor(values as tf.TypedArray, host.shape, dtype);
}

function narrowToInt32(values: BigInt64Array | BigUint64Array, inputName: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value > 2147483647n || value < -2147483648n) {
      throw new InvalidArgumentError(
        `Input '${inputName}' value ${value} does not fit in 32 bits; the TF.js engine computes DT_INT64 as int32`,
      );
    }
    out[i] = Number(value);
  }
  return out;
}

/** Reads a TF.js tensor into host memory as `dtype` (does not dispose it). */
export async function toHostTensor(tensor: tf.Tensor, dtype: DType): Promise<HostTensor> {
  const shape = tensor.shape.slice();
  if (tensor.dtype === 'string') {
    const bytes = (await tensor.bytes()) as Uint8Array[];
    return { dtype: 'DT_STRING', shape, values: bytes };
  }
  const data = (await tensor.data()) as ArrayLike<number>;
  switch (dtype) {
    case 'DT_INT64':
      return { dtype, shape, values: BigInt64Array.from(data, (v) => BigInt(Math.trunc(v))) };
    case 'DT_UINT64':
      return { dtype, shape, values: BigUint64Array.from(data, (v) => BigInt(Math.trunc(v))) };
    case 'DT_DOUBLE':
    case 'DT_UINT32':
      return { dtype, shape, values: Float64Array.from(data) };
    case 'DT_BOOL':
      return { dtype, shape, values: Uint8Array.from(data) };
    case 'DT_FLOAT':
    case 'DT_HALF':
      return { dtype, shape, values: data instanceof Float32Array ? data : Float32Array.from(data) };
    case 'DT_STRING':
      throw new Error(`Output declared DT_STRING but the engine produced ${tensor.dtype}`);
    default:
      return { dtype, shape, values: data instanceof Int32Array ? data : Int32Array.from(data) };
  }
}
