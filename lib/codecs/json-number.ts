/**
 * The common JSON number, read fast: an optional `-`, digits, an optional fraction, no exponent,
 * at most 18 significant digits — what tensors are written with. Its value is the double
 * `Number()` would give (Clinger's one operation for up to nine digits, else decimalToDouble),
 * without a substring. Anything else (exponents, more digits, integers from 2^53 on, malformed
 * text) is left to the caller's full reader.
 * @module codecs/json-number
 */
import { decimalToDouble } from './decimal-double.ts';

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

export const TWO_TO_53 = 2 ** 53;
/** 10^0 … 10^22: the powers of ten a double holds exactly. */
export const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** The value of the last number readPlainNumber read. */
export const plainNumber = new Float64Array(1);

/**
 * Reads a plain number at `pos` of `text`: returns where it ends, its value in plainNumber[0];
 * or −1 when the text there is anything else.
 */
export function readPlainNumber(text: string, pos: number): number {
  let c = text.charCodeAt(pos);
  let negative = false;
  if (c === MINUS) {
    negative = true;
    c = text.charCodeAt(++pos);
  }
  // The first nine significant digits go into the int32 `high`, the next nine into `low`.
  const integerStart = pos;
  let high = 0;
  // A lone 0 holds no significant digit.
  let integerDigits = 0;
  if (c === ZERO) {
    c = text.charCodeAt(++pos);
    if (c >= ZERO && c <= NINE) return -1; // a leading zero stands alone
  } else if (c > ZERO && c <= NINE) {
    do {
      high = (Math.imul(high, 10) + (c - ZERO)) | 0;
      c = text.charCodeAt(++pos);
    } while (c >= ZERO && c <= NINE);
    integerDigits = pos - integerStart;
  } else {
    return -1;
  }
  if (c === DOT) {
    if (integerDigits > 9) return -1;
    const fractionStart = ++pos;
    c = text.charCodeAt(pos);
    if (!(c >= ZERO && c <= NINE)) return -1;
    const highEnd = fractionStart + 9 - integerDigits;
    while (pos < highEnd && c >= ZERO && c <= NINE) {
      high = high * 10 + (c - ZERO);
      c = text.charCodeAt(++pos);
    }
    let low = 0;
    let lowDigits = 0;
    if (c >= ZERO && c <= NINE) {
      const lowStart = pos;
      do {
        low = low * 10 + (c - ZERO);
        c = text.charCodeAt(++pos);
      } while (c >= ZERO && c <= NINE && pos < lowStart + 9);
      lowDigits = pos - lowStart;
      if (c >= ZERO && c <= NINE) return -1; // more than 18 digits
    }
    if (c === LOWER_E || c === UPPER_E) return -1;
    const fractionDigits = pos - fractionStart;
    // Clinger for nine digits or fewer: exact digits, one correctly rounded division.
    const value = lowDigits === 0 ? high / EXACT_POWERS_OF_TEN[fractionDigits] : decimalToDouble(high, low, lowDigits, -fractionDigits);
    if (value !== value) return -1;
    plainNumber[0] = negative ? -value : value;
    return pos;
  }
  if (c === LOWER_E || c === UPPER_E) return -1;
  let value = high;
  if (integerDigits > 9) {
    // A long integer, read again in two parts; from 2^53 on it is the caller's (a bigint).
    if (integerDigits > 18) return -1;
    const split = pos - 9;
    let head = 0;
    let tail = 0;
    for (let k = integerStart; k < split; k++) head = head * 10 + (text.charCodeAt(k) - ZERO);
    for (let k = split; k < pos; k++) tail = tail * 10 + (text.charCodeAt(k) - ZERO);
    value = head * EXACT_POWERS_OF_TEN[9] + tail;
    if (value >= TWO_TO_53) return -1;
  }
  plainNumber[0] = negative ? -value : value;
  return pos;
}
