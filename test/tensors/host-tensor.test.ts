/**
 * Host tensors carry exact dtypes: each dtype has its own typed array, and DT_HALF holds IEEE
 * binary16 bits converted by one float16 pair.
 */
import { describe, expect, it } from 'vitest';
import { DTYPES, STORAGE, allocateValues, numbersOf, type DType } from '../../lib/tensors/host-tensor.ts';
import { floatToHalf, floatsToHalfs, halfToFloat, halfsToFloats } from '../../lib/tensors/float16.ts';

describe('allocateValues', () => {
  const expected: Record<DType, unknown> = {
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
    DT_STRING: Array,
  };

  it.each(DTYPES.map((dtype) => [dtype]))('gives %s its own storage, zeroed', (dtype) => {
    const values = allocateValues(dtype, 3);
    expect(values.constructor).toBe(expected[dtype]);
    expect(values.length).toBe(3);
    if (!Array.isArray(values)) expect(Array.from(values as ArrayLike<number | bigint>, Number)).toEqual([0, 0, 0]);
  });

  it('uses the STORAGE table for every numeric dtype', () => {
    for (const dtype of DTYPES) {
      if (dtype !== 'DT_STRING') expect(STORAGE[dtype]).toBe(expected[dtype]);
    }
  });

  it('stores each dtype\'s extremes exactly', () => {
    const int8 = allocateValues('DT_INT8', 2);
    int8.set([-128, 127]);
    expect(Array.from(int8)).toEqual([-128, 127]);
    const uint32 = allocateValues('DT_UINT32', 1);
    uint32[0] = 4294967295;
    expect(uint32[0]).toBe(4294967295);
    const uint64 = allocateValues('DT_UINT64', 1);
    uint64[0] = 2n ** 64n - 1n;
    expect(uint64[0]).toBe(18446744073709551615n);
  });
});

describe('numbersOf', () => {
  it('decodes DT_HALF bits and converts bigints; refuses strings', () => {
    expect(Array.from(numbersOf({ dtype: 'DT_HALF', shape: [2], values: new Uint16Array([0x3c00, 0xc000]) }))).toEqual([1, -2]);
    expect(Array.from(numbersOf({ dtype: 'DT_INT64', shape: [1], values: new BigInt64Array([-5n]) }))).toEqual([-5]);
    const uint8 = new Uint8Array([255]);
    expect(numbersOf({ dtype: 'DT_UINT8', shape: [1], values: uint8 })).toBe(uint8);
    expect(() => numbersOf({ dtype: 'DT_STRING', shape: [1], values: [new Uint8Array(0)] })).toThrow(/not numbers/);
  });
});

describe('float16', () => {
  const cases: [string, number, number][] = [
    ['0', 0, 0x0000],
    ['-0', -0, 0x8000],
    ['1', 1, 0x3c00],
    ['-2', -2, 0xc000],
    ['65504 (largest finite)', 65504, 0x7bff],
    ['2^-14 (smallest normal)', 2 ** -14, 0x0400],
    ['2^-24 (smallest subnormal)', 2 ** -24, 0x0001],
    ['1023·2^-24 (largest subnormal)', 1023 * 2 ** -24, 0x03ff],
    ['Infinity', Infinity, 0x7c00],
    ['-Infinity', -Infinity, 0xfc00],
  ];

  it.each(cases)('%s converts both ways exactly', (_, value, bits) => {
    expect(floatToHalf(value)).toBe(bits);
    expect(Object.is(halfToFloat(bits), value)).toBe(true);
  });

  it('NaN is NaN both ways', () => {
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0xfc01)).toBeNaN();
    expect(floatToHalf(NaN)).toBe(0x7e00);
  });

  it('every binary16 reads back to its own bits', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00 && bits & 0x3ff) continue; // NaNs
      if (floatToHalf(halfToFloat(bits)) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to nearest, ties to even', () => {
    const ulpAt1 = 2 ** -10;
    expect(floatToHalf(0.1)).toBe(0x2e66); // 0.0999755859375
    expect(halfToFloat(0x2e66)).toBe(0.0999755859375);
    // Halfway between 1 (even) and 1 + ulp (odd): down; between 1 + ulp and 1 + 2ulp (even): up.
    expect(floatToHalf(1 + ulpAt1 / 2)).toBe(0x3c00);
    expect(floatToHalf(1 + 1.5 * ulpAt1)).toBe(0x3c02);
    // Just above the tie rounds up, even from a double that float32 would have rounded onto the tie.
    expect(floatToHalf(1 + ulpAt1 / 2 + 2 ** -40)).toBe(0x3c01);
    // Subnormal ties: half of 2^-24 goes to 0 (even), 1.5·2^-24 to 2·2^-24.
    expect(floatToHalf(2 ** -25)).toBe(0x0000);
    expect(floatToHalf(-(2 ** -25))).toBe(0x8000);
    expect(floatToHalf(1.5 * 2 ** -24)).toBe(0x0002);
    expect(floatToHalf(2 ** -25 + 2 ** -40)).toBe(0x0001);
    // Largest subnormal rounding up into the smallest normal.
    expect(floatToHalf(1023.5 * 2 ** -24)).toBe(0x0400);
    // A significand that rounds up carries into the exponent: 2047.5/1024 → 2.
    expect(floatToHalf(2 - 2 ** -12)).toBe(0x4000);
    // Overflow: halfway between 65504 and 2^16 goes to Infinity, just below stays 65504.
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(65519.99)).toBe(0x7bff);
    expect(floatToHalf(-1e10)).toBe(0xfc00);
  });

  it('converts arrays both ways', () => {
    expect(floatsToHalfs([1, 0.5, -0])).toEqual(new Uint16Array([0x3c00, 0x3800, 0x8000]));
    expect(halfsToFloats(new Uint16Array([0x3c00, 0x4200]))).toEqual(new Float32Array([1, 3]));
  });
});
