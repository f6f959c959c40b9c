/**
 * IEEE 754 binary16 (float16) ↔ number. JavaScript has no float16, so DT_HALF host tensors hold
 * the 16 bits in a Uint16Array; this is the one conversion every reader and writer uses (TF
 * Serving JSON, the TF.js engine, TensorFlow/TFLite/Keras importers).
 * @module tensors/float16
 */

/** One float16, given as its 16 bits, → number (exact: every float16 is a float32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * A number → the bits of the nearest float16, ties to even (rounded once, from the double, as
 * IEEE does). Beyond ±65504 by half an ulp or more is ±Infinity; NaN is the quiet NaN 0x7e00.
 */
export function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  // 65520 is halfway between 65504 (odd significand) and 2^16: the tie rounds up, to Infinity.
  if (abs >= 65520) return sign | 0x7c00;
  if (abs < 2 ** -14) return sign | roundHalfEven(abs * 2 ** 24); // subnormal (1024 is the smallest normal)
  let exponent = Math.floor(Math.log2(abs));
  if (2 ** exponent > abs) exponent--;
  else if (2 ** (exponent + 1) <= abs) exponent++;
  // A significand of 2048 carries into the exponent field, as it should.
  return sign | (((exponent + 15) << 10) + roundHalfEven((abs / 2 ** exponent) * 1024) - 1024);
}

/** Many float16s (bits) → float32. */
export function halfsToFloats(halfs: ArrayLike<number>): Float32Array {
  return Float32Array.from(halfs, halfToFloat);
}

/** Many numbers → float16 bits, each rounded to nearest even. */
export function floatsToHalfs(values: ArrayLike<number>): Uint16Array {
  return Uint16Array.from(values, floatToHalf);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
