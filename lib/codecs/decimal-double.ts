/**
 * Decimal → double without building a string for `Number()`: the double nearest to
 * (high·10^lowDigits + low)·10^exponent, exactly as `Number()` rounds it, for up to 18
 * significant digits. Used by the JSON reader for numbers like `0.12345678901234567` (the 17
 * digits Python and JavaScript write for a double), which Clinger's one-operation fast path
 * cannot take because the digits exceed 2^53.
 *
 * The value is formed in double-double arithmetic (Dekker's exact product, Knuth's exact sum)
 * with an error below 2^-90 of it; its rounding to a double is then certain unless the value lies
 * within that error of a point halfway between two doubles — then the caller asks `Number()`.
 * @module codecs/decimal-double
 */

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Exponents with a double-double power of ten in the tables. */
export const MIN_DECIMAL_EXPONENT = -60;
export const MAX_DECIMAL_EXPONENT = 40;

const SPLITTER = 2 ** 27 + 1;

// 10^e ≈ POWER_HIGH + POWER_LOW (a double-double, exact for 0 ≤ e ≤ 22), with POWER_HIGH split
// into two halves of at most 26 bits for Dekker's product.
const SIZE = MAX_DECIMAL_EXPONENT - MIN_DECIMAL_EXPONENT + 1;
const POWER_HIGH = new Float64Array(SIZE);
const POWER_LOW = new Float64Array(SIZE);
const POWER_HIGH_HIGH = new Float64Array(SIZE);
const POWER_HIGH_LOW = new Float64Array(SIZE);
for (let e = MIN_DECIMAL_EXPONENT; e <= MAX_DECIMAL_EXPONENT; e++) {
  const i = e - MIN_DECIMAL_EXPONENT;
  const high = Number(`1e${e}`);
  POWER_HIGH[i] = high;
  POWER_LOW[i] = powerRemainder(e, high);
  const c = high * SPLITTER;
  POWER_HIGH_HIGH[i] = c - (c - high);
  POWER_HIGH_LOW[i] = high - POWER_HIGH_HIGH[i];
}

/** 10^e − high (high being 10^e rounded to a double), to double precision, from exact integers. */
function powerRemainder(e: number, high: number): number {
  // high = mantissa · 2^shift exactly.
  let shift = Math.floor(Math.log2(high)) - 52;
  let mantissa = high / 2 ** shift;
  while (!Number.isInteger(mantissa)) {
    shift--;
    mantissa = high / 2 ** shift;
  }
  const m = BigInt(mantissa);
  if (e >= 0) {
    // 10^e − m·2^shift, all integers when shift ≥ 0.
    const exact = 10n ** BigInt(e);
    const rounded = shift >= 0 ? m << BigInt(shift) : null;
    if (rounded === null) return 0; // high < 2^53 is exact
    return Number(exact - rounded);
  }
  // 10^e − m·2^shift = (2^−shift − m·10^−e) / (10^−e · 2^−shift), shift < 0 here.
  const tenPower = 10n ** BigInt(-e);
  const twoPower = 1n << BigInt(-shift);
  const numerator = twoPower - m * tenPower;
  return Number(numerator) / (Number(tenPower) * Number(twoPower));
}

/** The gap between a double of biased exponent b and the next one up: 2^(b − 1075). */
const ULP = Float64Array.from({ length: 2048 }, (_, b) => 2 ** (Math.max(b, 1) - 1075));

/** Scratch for a double's bits. */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * The double nearest to (high·10^lowDigits + low)·10^exponent, ties to even — the value
 * `Number()` gives for the same decimal — or NaN when the exponent is out of the tables or the
 * value lies too near a halfway point to decide without exact arithmetic.
 * @param high the first (at most nine) significant digits, an integer below 10^9
 * @param low the next `lowDigits` (at most nine) digits, an integer below 10^lowDigits
 */
export function decimalToDouble(high: number, low: number, lowDigits: number, exponent: number): number {
  // M = x + low exactly: high·10^lowDigits needs at most 30 + 21 bits.
  const x = high * EXACT_POWERS[lowDigits];
  const s = x + low;
  if (s === 0) return 0;
  if (s < 9007199254740992) {
    // Clinger: exact digits and an exact power of ten, one correctly rounded operation.
    if (exponent >= 0 && exponent <= 22) return s * EXACT_POWERS[exponent];
    if (exponent < 0 && exponent >= -22) return s / EXACT_POWERS[-exponent];
  }
  if (exponent < MIN_DECIMAL_EXPONENT || exponent > MAX_DECIMAL_EXPONENT) return NaN;
  const t = low - (s - x); // M = s + t exactly (Fast2Sum: x ≥ low)
  const i = exponent - MIN_DECIMAL_EXPONENT;
  const powerHigh = POWER_HIGH[i];
  // Dekker: s·powerHigh = p + pe exactly.
  const p = s * powerHigh;
  const c = s * SPLITTER;
  const sHigh = c - (c - s);
  const sLow = s - sHigh;
  const ph = POWER_HIGH_HIGH[i];
  const pl = POWER_HIGH_LOW[i];
  const pe = sHigh * ph - p + sHigh * pl + sLow * ph + sLow * pl;
  // The small terms: errors of at most 2^-100 of the value.
  const w = pe + s * POWER_LOW[i] + t * powerHigh;
  const r = p + w;
  const error = w - (r - p); // p + w − r exactly (Fast2Sum: |p| ≥ |w|)
  // r is the nearest double to p + w; the true value differs from p + w by far less than
  // 2^-90·r. r is also its nearest double unless |error| is that close to half the gap to the
  // neighbour on its side (below a power of two that gap is half as wide).
  F64[0] = r;
  const hi = U32[HIGH_WORD];
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff) return NaN;
  const ulp = ULP[biased];
  const powerOfTwo = (hi & 0xfffff) === 0 && U32[1 - HIGH_WORD] === 0;
  const half = error < 0 && powerOfTwo ? ulp / 4 : ulp / 2;
  const distance = Math.abs(Math.abs(error) - half);
  return distance > ulp * 2 ** -30 ? r : NaN;
}
