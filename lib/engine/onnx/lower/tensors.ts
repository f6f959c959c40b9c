/**
 * TensorFlow dtypes in ONNX terms, and host tensors as ONNX initializers (raw little-endian bytes).
 * @module engine/onnx/lower/tensors
 */
import { FailedPreconditionError } from '../../../errors.ts';
import type { DType, HostTensor } from '../../../tensors/host-tensor.ts';
import { floatToHalf } from '../../../tensors/float16.ts';
import { ONNX_DTYPE, type TensorProto } from '../onnx-proto.ts';

/** ONNX element type of each host dtype. */
export const ONNX_TYPE_OF: Record<DType, number> = {
  DT_FLOAT: ONNX_DTYPE.FLOAT,
  DT_DOUBLE: ONNX_DTYPE.DOUBLE,
  DT_HALF: ONNX_DTYPE.FLOAT16,
  DT_INT8: ONNX_DTYPE.INT8,
  DT_INT16: ONNX_DTYPE.INT16,
  DT_INT32: ONNX_DTYPE.INT32,
  DT_INT64: ONNX_DTYPE.INT64,
  DT_UINT8: ONNX_DTYPE.UINT8,
  DT_UINT16: ONNX_DTYPE.UINT16,
  DT_UINT32: ONNX_DTYPE.UINT32,
  DT_UINT64: ONNX_DTYPE.UINT64,
  DT_BOOL: ONNX_DTYPE.BOOL,
  DT_STRING: ONNX_DTYPE.STRING,
};

/** A TF dtype attribute's value as a host dtype; refuses the ones ONNX Runtime cannot hold. */
export function hostDType(value: string, where: string): DType {
  if (value in ONNX_TYPE_OF) return value as DType;
  throw new FailedPreconditionError(`${where}: dtype ${value} has no ONNX equivalent here`);
}

export function tensorProto(name: string, tensor: HostTensor): TensorProto {
  const { values } = tensor;
  if (Array.isArray(values)) return { name, dims: tensor.shape, data_type: ONNX_DTYPE.STRING, string_data: values };
  const view = values as ArrayBufferView;
  return { name, dims: tensor.shape, data_type: ONNX_TYPE_OF[tensor.dtype], raw_data: new Uint8Array(view.buffer, view.byteOffset, view.byteLength) };
}

/** A 1-D int64 host tensor. */
export function int64s(values: readonly (number | bigint)[]): HostTensor<'DT_INT64'> {
  return { dtype: 'DT_INT64', shape: [values.length], values: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** A scalar of `dtype` holding `value`. */
export function scalarOf(dtype: DType, value: number): HostTensor {
  switch (dtype) {
    case 'DT_INT64':
      return { dtype, shape: [], values: BigInt64Array.of(BigInt(value)) };
    case 'DT_UINT64':
      return { dtype, shape: [], values: BigUint64Array.of(BigInt(value)) };
    case 'DT_FLOAT':
      return { dtype, shape: [], values: Float32Array.of(value) };
    case 'DT_DOUBLE':
      return { dtype, shape: [], values: Float64Array.of(value) };
    case 'DT_HALF':
      return { dtype, shape: [], values: Uint16Array.of(floatToHalf(value)) };
    case 'DT_INT32':
      return { dtype, shape: [], values: Int32Array.of(value) };
    case 'DT_INT16':
      return { dtype, shape: [], values: Int16Array.of(value) };
    case 'DT_INT8':
      return { dtype, shape: [], values: Int8Array.of(value) };
    case 'DT_UINT8':
    case 'DT_BOOL':
      return { dtype, shape: [], values: Uint8Array.of(value) };
    case 'DT_UINT16':
      return { dtype, shape: [], values: Uint16Array.of(value) };
    case 'DT_UINT32':
      return { dtype, shape: [], values: Uint32Array.of(value) };
    default:
      throw new FailedPreconditionError(`no ${dtype} scalar constant`);
  }
}
