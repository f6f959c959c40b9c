/**
 * IEEE 754 binary16 (float16) decoding, shared by the importers: TensorFlow's DT_HALF tensors and
 * checkpoints, TFLite FLOAT16 buffers and Keras HDF5 float16 datasets. JavaScript has no float16.
 * @module importers/float16
 */

/** One float16, given as its 16 bits, → number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Many float16s → float32. */
export function halfsToFloats(halfs: Uint16Array): Float32Array {
  return Float32Array.from(halfs, halfToFloat);
}
