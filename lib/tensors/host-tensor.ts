/**
 * Engine-neutral tensors: what crosses the boundary between codecs, ModelService hooks and an
 * engine. Plain typed arrays, so no engine's memory management leaks into user code.
 * @module engine/tensor
 */

/** TensorFlow dtypes by their TF Serving names (as metadata prints them). */
export const DTYPES = [
  'DT_FLOAT',
  'DT_DOUBLE',
  'DT_HALF',
  'DT_INT8',
  'DT_INT16',
  'DT_INT32',
  'DT_INT64',
  'DT_UINT8',
  'DT_UINT16',
  'DT_UINT32',
  'DT_UINT64',
  'DT_BOOL',
  'DT_STRING',
] as const;

export type DType = (typeof DTYPES)[number];

/**
 * Element storage per dtype:
 * - DT_FLOAT, DT_HALF: Float32Array; DT_DOUBLE: Float64Array
 * - DT_INT8/16/32, DT_UINT8/16: Int32Array; DT_UINT32: Float64Array (exact up to 2^32)
 * - DT_INT64: BigInt64Array; DT_UINT64: BigUint64Array (values beyond 2^53 stay exact)
 * - DT_BOOL: Uint8Array of 0/1
 * - DT_STRING: an array of byte strings
 */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array
  | Uint8Array
  | Uint8Array[];

/** A dense tensor in host memory, row-major. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  values: TensorValues;
}

/** Named tensors: a signature's inputs or outputs keyed by their signature (alias) names. */
export type TensorMap = Record<string, HostTensor>;

/** Number of elements a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Allocates storage of the right kind for `size` elements of `dtype`. */
export function allocateValues(dtype: DType, size: number): TensorValues {
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_HALF':
      return new Float32Array(size);
    case 'DT_DOUBLE':
    case 'DT_UINT32':
      return new Float64Array(size);
    case 'DT_INT64':
      return new BigInt64Array(size);
    case 'DT_UINT64':
      return new BigUint64Array(size);
    case 'DT_BOOL':
      return new Uint8Array(size);
    case 'DT_STRING':
      return new Array<Uint8Array>(size);
    default:
      return new Int32Array(size);
  }
}

/** True for the dtypes whose values are floating point. */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'DT_FLOAT' || dtype === 'DT_DOUBLE' || dtype === 'DT_HALF';
}

/** Inclusive value range of the integer dtypes that store in Int32Array or Float64Array. */
export const INTEGER_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  DT_INT8: [-128, 127],
  DT_INT16: [-32768, 32767],
  DT_INT32: [-2147483648, 2147483647],
  DT_UINT8: [0, 255],
  DT_UINT16: [0, 65535],
  DT_UINT32: [0, 4294967295],
};
