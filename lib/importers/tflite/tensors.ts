/**
 * TFLite tensor data → host tensors: dtypes, little-endian buffers, float16, affine dequantization
 * (per tensor or per channel along `quantized_dimension`), and layout permutations.
 * @module importers/tflite/tensors
 */
import { sizeOf, type DType, type HostTensor } from '../../tensors/host-tensor.ts';
import { halfToFloat } from '../../tensors/float16.ts';
import type { TfliteQuantization, TfliteTensor } from './reader.ts';
import { TENSOR_TYPES, type TensorTypeName } from './schema.ts';

/** TensorType → TF dtype and element size, for the types this importer can carry. */
const TYPES: Partial<Record<TensorTypeName, { dtype: DType; size: number }>> = {
  FLOAT32: { dtype: 'DT_FLOAT', size: 4 },
  FLOAT16: { dtype: 'DT_HALF', size: 2 },
  FLOAT64: { dtype: 'DT_DOUBLE', size: 8 },
  INT8: { dtype: 'DT_INT8', size: 1 },
  UINT8: { dtype: 'DT_UINT8', size: 1 },
  INT16: { dtype: 'DT_INT16', size: 2 },
  UINT16: { dtype: 'DT_UINT16', size: 2 },
  INT32: { dtype: 'DT_INT32', size: 4 },
  UINT32: { dtype: 'DT_UINT32', size: 4 },
  INT64: { dtype: 'DT_INT64', size: 8 },
  UINT64: { dtype: 'DT_UINT64', size: 8 },
  BOOL: { dtype: 'DT_BOOL', size: 1 },
  STRING: { dtype: 'DT_STRING', size: 0 },
};

export function typeName(type: number): string {
  return TENSOR_TYPES[type] ?? `TensorType(${type})`;
}

/** The TF dtype a TFLite tensor type is stored as, or undefined when unsupported. */
export function storedDType(type: number): DType | undefined {
  return TYPES[TENSOR_TYPES[type]]?.dtype;
}

/** True for integer tensors with affine quantization: their real values are scale·(q − zero_point). */
export function isQuantized(tensor: TfliteTensor): boolean {
  const name = TENSOR_TYPES[tensor.type];
  return !!tensor.quantization && (name === 'INT8' || name === 'UINT8' || name === 'INT16' || name === 'INT32' || name === 'INT64');
}

/**
 * The dtype the graph computes a tensor in: quantized and float16/float64 tensors are computed
 * in float32 (TF.js's only float type); everything else keeps its type.
 */
export function graphDType(tensor: TfliteTensor): DType | undefined {
  const stored = storedDType(tensor.type);
  if (!stored) return undefined;
  if (isQuantized(tensor) || stored === 'DT_HALF' || stored === 'DT_DOUBLE') return 'DT_FLOAT';
  return stored;
}

/**
 * Decodes a constant tensor's buffer. Quantized integers come back dequantized (DT_FLOAT),
 * float16 as float32. Returns a reason string when the data does not fit the tensor.
 */
export function decodeConstant(tensor: TfliteTensor, data: Uint8Array): HostTensor | string {
  const type = TYPES[TENSOR_TYPES[tensor.type]];
  if (!type) return `type ${typeName(tensor.type)} is not supported`;
  const shape = tensor.shape;
  const count = sizeOf(shape);
  if (type.dtype === 'DT_STRING') return decodeStrings(data, shape);
  if (data.byteLength !== count * type.size) {
    return `holds ${data.byteLength} bytes, but ${typeName(tensor.type)} [${shape}] needs ${count * type.size}`;
  }
  // Copied into an aligned buffer (file data need not be aligned for the element size).
  const copy = new Uint8Array(data).buffer;
  const view = new DataView(copy);
  let values: HostTensor['values'];
  switch (type.dtype) {
    case 'DT_FLOAT':
      values = new Float32Array(copy);
      break;
    case 'DT_DOUBLE':
      values = Float32Array.from(new Float64Array(copy));
      break;
    case 'DT_HALF':
      values = Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
      break;
    case 'DT_INT8':
      values = new Int8Array(copy);
      break;
    case 'DT_UINT8':
      values = new Uint8Array(copy);
      break;
    case 'DT_INT16':
      values = new Int16Array(copy);
      break;
    case 'DT_UINT16':
      values = new Uint16Array(copy);
      break;
    case 'DT_INT32':
      values = new Int32Array(copy);
      break;
    case 'DT_UINT32':
      values = new Uint32Array(copy);
      break;
    case 'DT_INT64':
      values = new BigInt64Array(copy);
      break;
    case 'DT_UINT64':
      values = new BigUint64Array(copy);
      break;
    case 'DT_BOOL':
      values = new Uint8Array(copy).map((b) => (b ? 1 : 0));
      break;
    default:
      return `type ${typeName(tensor.type)} is not supported`;
  }
  if (isQuantized(tensor)) {
    const ints = values instanceof BigInt64Array ? Float64Array.from(values, Number) : (values as ArrayLike<number>);
    const real = dequantize(ints, shape, tensor.quantization!);
    return typeof real === 'string' ? real : { dtype: 'DT_FLOAT', shape, values: real };
  }
  const dtype = type.dtype === 'DT_HALF' || type.dtype === 'DT_DOUBLE' ? 'DT_FLOAT' : type.dtype;
  return { dtype, shape, values };
}

/** scale·(q − zero_point), per tensor or per channel along `quantizedDimension`. */
export function dequantize(values: ArrayLike<number>, shape: readonly number[], q: TfliteQuantization): Float32Array | string {
  const { scale, zeroPoint } = q;
  const out = new Float32Array(values.length);
  if (scale.length === 1) {
    const zp = zeroPoint[0] ?? 0;
    for (let i = 0; i < values.length; i++) out[i] = scale[0] * (values[i] - zp);
    return out;
  }
  const axis = q.quantizedDimension;
  if (axis < 0 || axis >= shape.length || shape[axis] !== scale.length) {
    return `has ${scale.length} per-channel scales for dimension ${axis} of shape [${shape}]`;
  }
  if (zeroPoint.length !== 0 && zeroPoint.length !== 1 && zeroPoint.length !== scale.length) {
    return `has ${zeroPoint.length} zero points for ${scale.length} scales`;
  }
  const inner = sizeOf(shape.slice(axis + 1));
  const channels = shape[axis];
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const zp = zeroPoint.length === scale.length ? zeroPoint[c] : (zeroPoint[0] ?? 0);
    out[i] = scale[c] * (values[i] - zp);
  }
  return out;
}

/** TFLite's string buffer: int32 count, count+1 int32 offsets, then the bytes. */
function decodeStrings(data: Uint8Array, shape: number[]): HostTensor | string {
  const count = sizeOf(shape);
  if (data.byteLength < 4 * (count + 2)) return `string buffer of ${data.byteLength} bytes is too short for ${count} strings`;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getInt32(0, true) !== count) return `string buffer holds ${view.getInt32(0, true)} strings, shape [${shape}] needs ${count}`;
  const values: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const start = view.getInt32(4 + 4 * i, true);
    const end = view.getInt32(8 + 4 * i, true);
    if (start < 0 || end < start || end > data.byteLength) return `string ${i} lies outside its buffer`;
    values.push(data.slice(start, end));
  }
  return { dtype: 'DT_STRING', shape, values };
}

/** Permutes a dense tensor's dimensions: output dim k is input dim `perm[k]`. */
export function transposeTensor(tensor: HostTensor, perm: readonly number[]): HostTensor {
  const { shape } = tensor;
  const values = tensor.values as Float32Array;
  const outShape = perm.map((axis) => shape[axis]);
  const inStrides = strides(shape);
  const outStrides = strides(outShape);
  // The same storage as the input (any numeric dtype's typed array).
  const out = new (values.constructor as Float32ArrayConstructor)(values.length);
  const rank = shape.length;
  for (let o = 0; o < values.length; o++) {
    let rest = o;
    let source = 0;
    for (let k = 0; k < rank; k++) {
      const index = Math.floor(rest / outStrides[k]);
      rest -= index * outStrides[k];
      source += index * inStrides[perm[k]];
    }
    out[o] = values[source];
  }
  return { dtype: tensor.dtype, shape: outShape, values: out };
}

function strides(shape: readonly number[]): number[] {
  const result = new Array<number>(shape.length);
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    result[k] = stride;
    stride *= shape[k];
  }
  return result;
}
