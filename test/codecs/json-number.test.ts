/**
 * Numbers read without Number(): decimalToDouble and readPlainNumber must give exactly the
 * double Number() gives (or decline), and parseJson built on them must read every number as
 * before — the same doubles, -0, bigints from 2^53 on — whatever the digits, the exponent or the
 * closeness to a halfway point between two doubles.
 */
import { describe, expect, it } from 'vitest';
import { decimalToDouble } from '../../lib/codecs/decimal-double.ts';
import { plainNumber, readPlainNumber } from '../../lib/codecs/json-number.ts';
import { parseJson } from '../../lib/codecs/tensor-json.ts';
import { mulberry32 } from '../../scripts/mulberry32.ts';

const next = mulberry32(20261129);
const below = (n: number) => next() % n;
const doubleBits = new Float64Array(1);
const doubleWords = new Uint32Array(doubleBits.buffer);

/** A random finite double with its biased exponent in [low, high]. */
function randomDouble(low: number, high: number): number {
  doubleWords[0] = next();
  doubleWords[1] = ((next() & 0x800fffff) | ((low + below(high - low + 1)) << 20)) >>> 0;
  return doubleBits[0];
}

/** What parseJson should give for a number literal: Number(), or a bigint for integers past 2^53. */
function expected(literal: string): number | bigint {
  const value = Number(literal);
  return /^-?\d+$/.test(literal) && !Number.isSafeInteger(value) ? BigInt(literal) : value;
}

/** Literals of every kind tensors and clients write, and the awkward ones. */
function literals(): string[] {
  const out: string[] = [];
  const digits = (n: number) => Array.from({ length: n }, () => below(10)).join('');
  for (let i = 0; i < 20_000; i++) {
    const x = randomDouble(1023 - 80, 1023 + 80);
    out.push(String(x), String(Math.fround(x)), x.toPrecision(1 + below(21)), x.toFixed(below(20)));
  }
  for (let i = 0; i < 20_000; i++) {
    // Every split of 1..22 digits around the point, with and without leading zeros and signs.
    const integer = below(4) === 0 ? '0' : String(1 + below(9)) + digits(below(20));
    const fraction = below(3) === 0 ? '' : `.${'0'.repeat(below(4))}${digits(1 + below(20))}`;
    const exponent = below(4) === 0 ? `${below(2) ? 'e' : 'E'}${['', '+', '-'][below(3)]}${below(330)}` : '';
    out.push(`${below(2) ? '-' : ''}${integer}${fraction}${exponent}`);
  }
  for (let n = 1; n <= 25; n++) {
    for (let k = 0; k < 200; k++) {
      const integer = String(1 + below(9)) + digits(n - 1);
      out.push(integer, `-${integer}`, `0.${digits(n)}`, `${integer.slice(0, 1 + below(n))}.${digits(n)}`);
    }
  }
  out.push(
    '0', '-0', '0.0', '-0.0', '0e5', '-0E-5', '9007199254740991', '9007199254740992', '-9007199254740993',
    '9007199254740993.0', '18446744073709551615', '-9223372036854775808', '123456789.123456789',
    '999999999.999999999', '0.000000000000000000001', '1e-400', '1e400', '4.9406564584124654e-324',
    '2.2250738585072014e-308', '1.7976931348623157e308', '0.1', '0.2', '0.30000000000000004',
  );
  return out;
}

describe('decimalToDouble', () => {
  it("gives Number()'s double, or declines, for up to 18 digits and exponents from -60 to 40", () => {
    let decided = 0;
    for (let i = 0; i < 200_000; i++) {
      const count = 1 + below(18);
      let digits = String(1 + below(9));
      while (digits.length < count) digits += below(10);
      const exponent = below(101) - 60;
      const highDigits = Math.min(9, count);
      const value = decimalToDouble(Number(digits.slice(0, highDigits)), Number(digits.slice(highDigits) || '0'), count - highDigits, exponent);
      if (Number.isNaN(value)) continue;
      decided++;
      expect(value, `${digits}e${exponent}`).toBe(Number(`${digits}e${exponent}`));
    }
    expect(decided).toBeGreaterThan(199_000);
  });

  it('declines or is right on decimals exactly halfway between two doubles', () => {
    // Between 2^53 and 2^60 the halfway points are integers of at most 18 digits.
    for (let i = 0; i < 20_000; i++) {
      const e = 53 + below(7);
      const step = 2n ** BigInt(e - 52);
      const halfway = ((2n ** BigInt(e) + BigInt(next()) * BigInt(next() % 1000)) / step) * step + step / 2n;
      for (const d of [halfway - 1n, halfway, halfway + 1n]) {
        const text = d.toString();
        const value = decimalToDouble(Number(text.slice(0, text.length - 9)), Number(text.slice(-9)), 9, 0);
        if (!Number.isNaN(value)) expect(value, text).toBe(Number(text));
        // The same point written with one more digit, `…0e-1`, while that stays within 18 digits.
        const longer = `${text}0`;
        if (longer.length > 18) continue;
        const tenth = decimalToDouble(Number(longer.slice(0, -9)), Number(longer.slice(-9)), 9, -1);
        if (!Number.isNaN(tenth)) expect(tenth, `${longer}e-1`).toBe(Number(text));
      }
    }
  });
});

describe('readPlainNumber', () => {
  it('reads plain numbers as Number() does and leaves the rest', () => {
    for (const literal of literals()) {
      const text = `${literal},`;
      const end = readPlainNumber(text, 0);
      if (end < 0) continue;
      expect(end, literal).toBe(literal.length);
      expect(/[eE]/.test(literal), literal).toBe(false);
      expect(Object.is(plainNumber[0], expected(literal)), `${literal} → ${plainNumber[0]}`).toBe(true);
    }
    expect(readPlainNumber('0.25]', 0)).toBe(4);
    expect(plainNumber[0]).toBe(0.25);
    for (const other of ['01', '-', '-a', '1.', '.5', '1e5', 'NaN', '-Infinity', '9007199254740992', '1234567890123456789.5']) {
      expect(readPlainNumber(other, 0), other).toBe(-1);
    }
  });
});

describe('parseJson numbers', () => {
  it('reads every literal as Number() does, integers past 2^53 as bigints', () => {
    const all = literals();
    for (let i = 0; i < all.length; i += 97) {
      const batch = all.slice(i, i + 97);
      const parsed = parseJson(`[${batch.join(', ')}]`) as Array<number | bigint>;
      batch.forEach((literal, k) => {
        if (!Object.is(parsed[k], expected(literal))) expect(parsed[k], literal).toBe(expected(literal));
      });
      // Alone, inside an object, and after a list: the other readers.
      const literal = batch[0];
      expect(Object.is(parseJson(literal), expected(literal)), literal).toBe(true);
      const object = parseJson(`{"v": ${literal}, "w": [[1], ${literal}]}`) as { v: unknown; w: unknown[] };
      expect(Object.is(object.v, expected(literal)) && Object.is(object.w[1], expected(literal)), literal).toBe(true);
    }
  });
});
