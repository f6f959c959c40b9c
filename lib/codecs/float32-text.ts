/**
 * Float32 values as TF Serving's JSON text, fast: the fewest significant digits p (searched by
 * halves over 1..9) for which `x.toPrecision(p)` reads back as the same float32, written the way
 * `String()` writes that decimal, with `.0` on integral values (`3.0`, `0.1`, `1.5e-7`, `1e+30`).
 *
 * The digits come from integer arithmetic on exact doubles instead of `toPrecision` calls: for
 * 1e-14 ≤ |x| < 1e9 the first nine significant digits of x, `n = ⌊x·10^k⌋`, are computed exactly
 * (one product while 10^k has at most 28 bits, beyond that 10^k split into two 26-bit halves, so
 * each partial product of the 24-bit float32 significand is exact), and rounding them to p digits
 * is integer arithmetic. Whether p digits read back as x is a comparison with x's rounding
 * interval when no end of it lies near a candidate (almost always; 7, 8 and 9 digits are then
 * tested at once), else one correctly rounded multiply or divide by an exact power of ten, as
 * Number() reads. Values outside that range take the reference ({@link formatFloat32Reference}),
 * which asks `toPrecision`. Text is written as ASCII bytes, many values per call (AsciiWriter).
 * @module codecs/float32-text
 */

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** 10^k = POW10_HIGH[k] + POW10_LOW[k], each with at most 26 significant bits (Veltkamp's split). */
const POW10_HIGH = POW10.map((p) => {
  const c = p * (2 ** 27 + 1);
  return c - (c - p);
});
const POW10_LOW = POW10.map((p, k) => p - POW10_HIGH[k]);

const FLOAT32_EXACT_INTEGER_LIMIT = 2 ** 24;
const ONE_E8 = 1e8;
const ONE_E9 = 1e9;

// ASCII codes written.
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const LOWER_E = 0x65;
const COMMA = 0x2c;

/** `NaN`, `Infinity` or `-Infinity` for a non-finite number. */
function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** Appends `.0` to a plain integer literal so it reads as a float (`3` → `3.0`; `1e+30` stays). */
function withDecimalPoint(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT || c === LOWER_E || c === 0x45) return s;
  }
  return `${s}.0`;
}

/**
 * The reference definition, one `toPrecision` per step of the search (about 1 µs a value); the
 * fast path must agree with it byte for byte, and takes it where it cannot decide exactly.
 */
export function formatFloat32Reference(x: number): string {
  x = Math.fround(x);
  if (!Number.isFinite(x)) return nonFinite(x);
  if (x === 0) return 1 / x < 0 ? '-0.0' : '0.0';
  // Below 2^24 float32 holds every integer exactly and nothing shorter names it.
  if (Number.isInteger(x) && Math.abs(x) < FLOAT32_EXACT_INTEGER_LIMIT) return `${x}.0`;
  // The fewest significant digits that read back as x, searched by halves; nine always do.
  let low = 1;
  let high = 9;
  let best = Number(x.toPrecision(9));
  while (low < high) {
    const precision = (low + high) >> 1;
    const candidate = Number(x.toPrecision(precision));
    if (Math.fround(candidate) === x) {
      best = candidate;
      high = precision;
    } else {
      low = precision + 1;
    }
  }
  if (low === 9) best = Number(x.toPrecision(9));
  // String() of the shorter double writes the same digits in JS's usual fixed/exponent form.
  return withDecimalPoint(String(best));
}

/** Scratch for a float32's bits. */
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** 10^0 … 10^9 as int32s. */
const INT_POW10 = Int32Array.from(POW10.slice(0, 10));

/** 1 / 10^j (rounded), to divide by multiplying; the quotient is corrected afterwards. */
const RECIPROCAL10 = POW10.map((p) => 1 / p);

/**
 * Per biased binary exponent (1..254) of a float32 x in [2^e, 2^(e+1)): the k that puts x·10^k
 * in [1e8, 1e9) when x is below K_THRESHOLD (k − 1 at or above it), and half of x's ulp.
 */
const K_ESTIMATE = new Int32Array(256);
const K_THRESHOLD = new Float64Array(256);
const HALF_ULP = new Float64Array(256);
for (let biased = 1; biased < 255; biased++) {
  const e = biased - 127;
  const decade = Math.floor(e * Math.log10(2));
  K_ESTIMATE[biased] = 8 - decade;
  const next = Number(`1e${decade + 1}`);
  K_THRESHOLD[biased] = next < 2 ** (e + 1) ? next : Infinity;
  HALF_ULP[biased] = 2 ** (e - 24);
}

/** How close (in units of the ninth digit) an end of the rounding interval may come to an integer before the exact test takes over. */
const MARGIN = 2 ** -20;

/** The number of digits searchExactly settled on. */
let searchedPrecision = 0;

/**
 * The search by halves for x = n.… × 10^−k (n its first nine digits, `nine` them rounded half
 * up with the fraction) where the quick test cannot decide. Each candidate is compared with x's
 * rounding interval (low9, high9) in ninth-digit units when `inside` tells (no end of the
 * interval near an integer), else read back as Number() would: one correctly rounded operation
 * on exact operands. Returns the digits; their number in searchedPrecision.
 */
function searchExactly(x: number, n: number, nine: number, k: number, low9: number, high9: number, inside: boolean): number {
  let low = 1;
  let high = 9;
  while (low < high) {
    const p = (low + high) >> 1;
    const rounded = roundHalfUp(n, 9 - p);
    let readsBack: boolean;
    if (inside) {
      readsBack = rounded > low9 && rounded < high9;
    } else {
      const e = 9 - p - k;
      const candidate = rounded / POW10[9 - p];
      readsBack = Math.fround(e >= 0 ? candidate * POW10[e] : candidate / POW10[-e]) === x;
    }
    if (readsBack) high = p;
    else low = p + 1;
  }
  searchedPrecision = low;
  return low === 9 ? nine : roundHalfUp(n, 9 - low) / POW10[9 - low];
}

/** n (below 10^9) rounded half up to a multiple of 10^j, 1 ≤ j ≤ 8. */
function roundHalfUp(n: number, j: number): number {
  const unit = POW10[j];
  const shifted = n + unit / 2;
  let rounded = Math.floor(shifted * RECIPROCAL10[j]) * unit;
  if (rounded > shifted) rounded -= unit;
  else if (rounded + unit <= shifted) rounded += unit;
  return rounded;
}

/** Scratch for formatFloat32's bytes. */
const TEXT = new Uint8Array(64);

/**
 * The shortest decimal that reads back as the same float32 (`Math.fround(Number(s)) === x`), so
 * `Math.fround(0.1)` writes as `0.1`, not `0.10000000149011612`. Integral values get `.0`
 * (`3` → `3.0`); very large or small magnitudes use exponent form (`1e+30`, `1.5e-7`). `x` is
 * rounded to float32 first.
 */
export function formatFloat32(x: number): string {
  F32[0] = x;
  const end = writeFloat32s(TEXT, 0, F32, I32, 0, 1);
  return String.fromCharCode.apply(null, TEXT.subarray(0, end) as unknown as number[]);
}

/** ASCII tens and ones digits of 0..99. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = ZERO + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/**
 * Writes the nine digits of `d` (10^8 ≤ d < 10^9) at `at` — always nine, without branches; the
 * caller keeps as many as it needs and writes over the rest.
 */
function writeNineDigits(bytes: Uint8Array, at: number, d: number): void {
  const high = (d / 10000) | 0; // five digits
  const low = d - high * 10000; // four
  const first = (high / 1000) | 0; // two
  const middle = high - first * 1000; // three
  const third = (middle / 100) | 0;
  const fourth = (middle - third * 100) << 1;
  const sixth = (low / 100) | 0;
  const eighth = (low - sixth * 100) << 1;
  bytes[at] = DIGIT_PAIRS[first << 1];
  bytes[at + 1] = DIGIT_PAIRS[(first << 1) + 1];
  bytes[at + 2] = ZERO + third;
  bytes[at + 3] = DIGIT_PAIRS[fourth];
  bytes[at + 4] = DIGIT_PAIRS[fourth + 1];
  bytes[at + 5] = DIGIT_PAIRS[sixth << 1];
  bytes[at + 6] = DIGIT_PAIRS[(sixth << 1) + 1];
  bytes[at + 7] = DIGIT_PAIRS[eighth];
  bytes[at + 8] = DIGIT_PAIRS[eighth + 1];
}

/** The most bytes writeFloat32s may touch for one value (it writes some scratch digits past its end). */
const MAX_FLOAT32_TEXT = 32;

/**
 * Writes the float32 text (see {@link formatFloat32}) of `values[start]` … `values[end - 1]`,
 * separated by commas, at `at`; `bitsOf` are the same values' float32 bits (an Int32Array view of
 * `values`). `bytes` must have MAX_FLOAT32_TEXT + 1 bytes of room per value. Returns the end;
 * bytes past it may have been written over. One loop for every value, so no call per value.
 */
function writeFloat32s(bytes: Uint8Array, at: number, values: Float32Array, bitsOf: Int32Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if (i > start) bytes[at++] = COMMA;
    const x = values[i];
    const bits = bitsOf[i];
    const magnitudeBits = bits & 0x7fffffff;
    if (magnitudeBits >= 0x7f800000) {
      at = writeAscii(bytes, at, nonFinite(x));
      continue;
    }
    // A '-' that only stays for negative x: no branch on the sign.
    bytes[at] = MINUS;
    at += bits >>> 31;
    const magnitude = Math.abs(x);
    if (magnitude < FLOAT32_EXACT_INTEGER_LIMIT && magnitude === Math.floor(magnitude)) {
      // An integer below 2^24 (0 included): its digits and `.0`.
      let count = 1;
      while (count < 8 && magnitude >= POW10[count]) count++;
      writeNineDigits(bytes, at, magnitude * INT_POW10[9 - count] + ONE_E8 * +(magnitude === 0));
      if (magnitude === 0) bytes[at] = ZERO;
      at += count;
      bytes[at++] = DOT;
      bytes[at++] = ZERO;
      continue;
    }
    // x = n.… × 10^−k with n its first nine digits, 10^8 ≤ n < 10^9; magnitudes outside about
    // 1e-14 … 1e9 go to the reference.
    const biased = magnitudeBits >>> 23;
    let k = K_ESTIMATE[biased];
    if (magnitude >= K_THRESHOLD[biased]) k--;
    if (k < 0 || k > 22) {
      at = writeAscii(bytes, at - (bits >>> 31), formatFloat32Reference(x));
      continue;
    }
    // y = x·10^k = a + b exactly, n = ⌊y⌋. Up to k = 12, 10^k has at most 28 significant bits and
    // a alone is exact (b = 0); beyond, 10^k is split in two halves of 26 bits. a − n is exact
    // (Sterbenz), so comparing c with −b compares y − n with 0, ½ and 1 exactly.
    let a: number;
    let b = 0;
    let n: number;
    let c: number;
    if (k <= 12) {
      a = magnitude * POW10[k];
      n = Math.floor(a);
      c = a - n;
    } else {
      a = magnitude * POW10_HIGH[k];
      b = magnitude * POW10_LOW[k];
      n = Math.floor(a + b);
      c = a - n;
      if (c < -b) {
        n--;
        c += 1;
      } else if (c - 1 >= -b) {
        n++;
        c -= 1;
      }
    }
    // Outside [1e8, 1e9) only when x is within rounding of a power of ten.
    if (n < ONE_E8 || n >= ONE_E9) {
      at = writeAscii(bytes, at - (bits >>> 31), formatFloat32Reference(x));
      continue;
    }
    const n32 = n | 0;
    // toPrecision rounds half up: for nine digits the fraction y − n decides.
    const nine = n32 + +(c - 0.5 >= -b);
    // x's float32 rounding interval (low9, high9) in units of the ninth digit; below a power of
    // two it is half as wide.
    const halfUlp = HALF_ULP[biased];
    const scale = POW10[k];
    const low9 = (magnitude - ((magnitudeBits & 0x7fffff) === 0 ? halfUlp / 2 : halfUlp)) * scale;
    const high9 = (magnitude + halfUlp) * scale;
    const lowFraction = low9 - Math.floor(low9);
    const highFraction = high9 - Math.floor(high9);
    let precision: number;
    let digits: number;
    if (lowFraction < MARGIN || lowFraction > 1 - MARGIN || highFraction < MARGIN || highFraction > 1 - MARGIN) {
      digits = searchExactly(magnitude, n, nine, k, low9, high9, false);
      precision = searchedPrecision;
    } else {
      // p digits read back as x iff n rounded half up to p digits (an integer in ninth-digit
      // units) lies inside (low9, high9): no end is near an integer, so the comparison is exact.
      // Most float32s need 7 to 9 digits: test 8, 7 and 6 without branching on the answers.
      const r8 = ((n32 + 5) / 10) | 0;
      const r7 = ((n32 + 50) / 100) | 0;
      const r6 = ((n32 + 500) / 1000) | 0;
      const in8 = +((r8 * 10 - low9) * (high9 - r8 * 10) > 0);
      const in7 = +((r7 * 100 - low9) * (high9 - r7 * 100) > 0);
      const in6 = +((r6 * 1000 - low9) * (high9 - r6 * 1000) > 0);
      if (in6 === 0 && (magnitudeBits & 0x7fffff) !== 0) {
        // x's interval is symmetric (x is no power of two), so when p digits read back, so do
        // p + 1 (they are nearer to x): the search by halves ends at the fewest, 9, 8 or 7 here,
        // and r7 reading back implies r8 does — this picks r7, r8 or nine without a branch.
        precision = 9 - in8 - in7;
        digits = nine + in8 * (r8 - nine) + in7 * (r7 - r8);
      } else {
        digits = searchExactly(magnitude, n, nine, k, low9, high9, true);
        precision = searchedPrecision;
      }
    }
    digits |= 0;
    // Rounding up may carry into one more digit (99.96 → 100); trailing zeros go.
    let count = precision + +(digits === INT_POW10[precision]);
    let exponent = 9 - precision - k;
    for (;;) {
      const tenth = (digits / 10) | 0;
      if (tenth * 10 !== digits) break;
      digits = tenth;
      exponent++;
      count--;
    }
    // The decimal is 0.d₁…d_count × 10^point; `padded` is its digits filled out to nine.
    const point = count + exponent;
    const padded = digits * INT_POW10[9 - count];
    if (point <= 0 && point > -6) {
      // 0.000ddd
      bytes[at] = ZERO;
      bytes[at + 1] = DOT;
      // Five zeros, of which the digits overwrite all but −point.
      bytes[at + 2] = ZERO;
      bytes[at + 3] = ZERO;
      bytes[at + 4] = ZERO;
      bytes[at + 5] = ZERO;
      bytes[at + 6] = ZERO;
      at += 2 - point;
      writeNineDigits(bytes, at, padded);
      at += count;
      continue;
    }
    if (point > 0 && point < count) {
      // ddd.ddd: the digits one place right, the integer part moved back over the gap.
      writeNineDigits(bytes, at + 1, padded);
      for (let j = 0; j < point; j++) bytes[at + j] = bytes[at + j + 1];
      bytes[at + point] = DOT;
      at += count + 1;
      continue;
    }
    if (point <= 0) {
      // d.ddde-x (x < 1e9 here, so only small magnitudes)
      writeNineDigits(bytes, at + 1, padded);
      bytes[at] = bytes[at + 1];
      if (count > 1) {
        bytes[at + 1] = DOT;
        at += count + 1;
      } else {
        at += 1;
      }
      const power = 1 - point; // 10^−power
      bytes[at++] = LOWER_E;
      bytes[at++] = MINUS;
      if (power >= 10) {
        const tens = (power / 10) | 0;
        bytes[at++] = ZERO + tens;
        bytes[at++] = ZERO + power - tens * 10;
      } else {
        bytes[at++] = ZERO + power;
      }
      continue;
    }
    // An integer of at most nine digits (x < 1e9 here): digits, zeros, `.0`.
    writeNineDigits(bytes, at, padded);
    at += point;
    bytes[at++] = DOT;
    bytes[at++] = ZERO;
  }
  return at;
}

function writeAscii(bytes: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  return at;
}

/**
 * A growable buffer of ASCII bytes for writing many numbers without a string per value; `text()`
 * gives what was written.
 */
export class AsciiWriter {
  bytes = new Uint8Array(1 << 16);
  length = 0;

  /** Makes room for `count` more bytes and returns the buffer (which may have been replaced). */
  reserve(count: number): Uint8Array {
    const needed = this.length + count;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return this.bytes;
  }

  /** Appends one ASCII character. */
  byte(code: number): void {
    this.reserve(1)[this.length++] = code;
  }

  /** Appends a string of ASCII characters. */
  ascii(text: string): void {
    this.length = writeAscii(this.reserve(text.length), this.length, text);
  }

  /** Appends the float32 text of `x` (see {@link formatFloat32}). */
  float32(x: number): void {
    F32[0] = x;
    this.length = writeFloat32s(this.reserve(MAX_FLOAT32_TEXT), this.length, F32, I32, 0, 1);
  }

  /**
   * Appends `values[start]`, `values[start + 1]`, … (`count` of them, as float32s) separated by
   * commas; with `bits`, `values` is a Float32Array and `bits` an Int32Array view of it.
   */
  float32s(values: ArrayLike<number>, bits: Int32Array | undefined, start: number, count: number): void {
    if (count === 0) return;
    const bytes = this.reserve(count * (MAX_FLOAT32_TEXT + 1));
    let at = this.length;
    if (bits) {
      at = writeFloat32s(bytes, at, values as Float32Array, bits, start, start + count);
    } else {
      for (let i = start; i < start + count; i++) {
        if (i > start) bytes[at++] = COMMA;
        F32[0] = values[i];
        at = writeFloat32s(bytes, at, F32, I32, 0, 1);
      }
    }
    this.length = at;
  }

  /** The text written so far (ASCII: one byte is one character). */
  text(): string {
    return asciiText(this.bytes, this.length);
  }

  /** Empties the buffer, giving back memory a very large text took. */
  clear(): void {
    this.length = 0;
    if (this.bytes.length > 1 << 20) this.bytes = new Uint8Array(1 << 16);
  }
}

const asciiDecoder = new TextDecoder();

/** ASCII bytes as a string: Node's latin1 copy where there is a Buffer (faster), else a TextDecoder. */
function asciiText(bytes: Uint8Array, length: number): string {
  if (typeof Buffer === 'function') return Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');
  return asciiDecoder.decode(bytes.subarray(0, length));
}

/** For tests: whether x takes the fast path (not the toPrecision reference). */
export function isFastFloat32(x: number): boolean {
  F32[0] = x;
  const magnitude = Math.abs(F32[0]);
  if (!Number.isFinite(magnitude) || Number.isInteger(magnitude)) return true;
  const biased = (I32[0] & 0x7fffffff) >>> 23;
  const k = K_ESTIMATE[biased] - +(magnitude >= K_THRESHOLD[biased]);
  if (k < 0 || k > 22) return false;
  const n = Math.floor(magnitude * POW10[k]);
  return n >= ONE_E8 && n < ONE_E9;
}
