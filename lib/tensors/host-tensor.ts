/**
 * Engine-neutral tensors: what crosses the boundary between codecs, ModelService hooks and an
 * engine. Plain typed arrays, so no engine's memory management leaks into user code.
 * @module tensors/host-tensor
 */
import { halfsToFloats } from './float16.ts';

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
 * The exact element storage of each dtype: one typed array per dtype, so a value is never widened
 * on the way between a codec and an engine.
 * - DT_HALF: the IEEE binary16 bits (`halfToFloat` / `floatToHalf` in ./float16.ts convert)
 * - DT_INT64 / DT_UINT64: bigints, exact beyond 2^53
 * - DT_BOOL: 0 or 1
 * - DT_STRING: one byte string per element
 */
export interface DTypeStorage {
  DT_FLOAT: Float32Array;
  DT_DOUBLE: Float64Array;
  DT_HALF: Uint16Array;
  DT_INT8: Int8Array;
  DT_INT16: Int16Array;
  DT_INT32: Int32Array;
  DT_INT64: BigInt64Array;
  DT_UINT8: Uint8Array;
  DT_UINT16: Uint16Array;
  DT_UINT32: Uint32Array;
  DT_UINT64: BigUint64Array;
  DT_BOOL: Uint8Array;
  DT_STRING: Uint8Array[];
}

/** The values array of a `D` tensor. */
export type ValuesOf<D extends DType> = DTypeStorage[D];

/** Any dtype's values array. */
export type TensorValues = ValuesOf<DType>;

/** The dtypes stored in a typed array (all but DT_STRING). */
export type NumericDType = Exclude<DType, 'DT_STRING'>;

/** The typed-array constructor of each numeric dtype. */
export const STORAGE: { readonly [D in NumericDType]: new (length: number) => ValuesOf<D> } = {
  DT_FLOAT: Float32Array,
  DT_DOUBLE: Float64Array,
  DT_HALF: Uint16Array,
  DT_INT8: Int8Array,
  DT_INT16: Int16Array,
  DT_INT32: Int32Array,
  DT_INT64: BigInt64Array,
  DT_UINT8: Uint8Array,
  DT_UINT16: Uint16Array,
  DT_UINT32: Uint32Array,
  DT_UINT64: BigUint64Array,
  DT_BOOL: Uint8Array,
};

/** A dense tensor in host memory, row-major; `values` is the dtype's {@link DTypeStorage}. */
export interface HostTensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  values: ValuesOf<D>;
}

/** Named tensors: a signature's inputs or outputs keyed by their signature (alias) names. */
export type TensorMap = Record<string, HostTensor>;

/** Number of elements a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Zeroed storage of the exact kind for `size` elements of `dtype` (DT_STRING: empty slots). */
export function allocateValues<D extends DType>(dtype: D, size: number): ValuesOf<D> {
  if (dtype === 'DT_STRING') return new Array<Uint8Array>(size) as ValuesOf<D>;
  return new STORAGE[dtype as NumericDType](size) as ValuesOf<D>;
}

/**
 * A numeric tensor's values as numbers: DT_HALF decoded from its bits, 64-bit integers converted
 * (approximate beyond 2^53), the rest as they are. Throws for DT_STRING.
 */
export function numbersOf(tensor: HostTensor): ArrayLike<number> {
  const { dtype, values } = tensor;
  if (Array.isArray(values)) throw new TypeError(`${dtype} values are not numbers`);
  if (dtype === 'DT_HALF') return halfsToFloats(values as Uint16Array);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return Float64Array.from(values, Number);
  return values as ArrayLike<number>;
}

/** True for the dtypes whose values are floating point. */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'DT_FLOAT' || dtype === 'DT_DOUBLE' || dtype === 'DT_HALF';
}

/** Inclusive value range of the integer dtypes whose values are JavaScript numbers (not bigints). */
export const INTEGER_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  DT_INT8: [-128, 127],
  DT_INT16: [-32768, 32767],
  DT_INT32: [-2147483648, 2147483647],
  DT_UINT8: [0, 255],
  DT_UINT16: [0, 65535],
  DT_UINT32: [0, 4294967295],
};
