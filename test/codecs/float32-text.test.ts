/**
 * The fast float32 text must be byte for byte the reference's (the toPrecision search it
 * replaced): random bit patterns, and the places where digit generation goes wrong — subnormals,
 * the 2^24 integer boundary, neighbours of powers of two and ten, every magnitude from 1e-7 to
 * 1e38, signed zeros, NaN and the infinities.
 */
import { describe, expect, it } from 'vitest';
import { AsciiWriter, formatFloat32, formatFloat32Reference, isFastFloat32 } from '../../lib/codecs/float32-text.ts';
import { mulberry32 } from '../../scripts/mulberry32.ts';

const bits = new Uint32Array(1);
const float = new Float32Array(bits.buffer);

function fromBits(pattern: number): number {
  bits[0] = pattern >>> 0;
  return float[0];
}

function toBits(x: number): number {
  float[0] = x;
  return bits[0];
}

/** Checks formatFloat32 and AsciiWriter against the reference for every value; returns how many. */
function expectReference(values: number[]): number {
  const writer = new AsciiWriter();
  const floats = Float32Array.from(values);
  writer.float32s(floats, new Int32Array(floats.buffer), 0, floats.length);
  const written = writer.text().split(',');
  const loose = new AsciiWriter();
  loose.float32s(values, undefined, 0, values.length);
  const looseWritten = loose.text().split(',');
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const reference = formatFloat32Reference(x);
    const label = `bits 0x${toBits(x).toString(16)} (${x})`;
    if (formatFloat32(x) !== reference) expect(formatFloat32(x), label).toBe(reference);
    if (written[i] !== reference) expect(written[i], `${label}, written`).toBe(reference);
    if (looseWritten[i] !== reference) expect(looseWritten[i], `${label}, written from numbers`).toBe(reference);
  }
  return values.length;
}

describe('formatFloat32 (fast) against the toPrecision reference', () => {
  it('agrees on 300,000 random float32 bit patterns', () => {
    const next = mulberry32(0x5eed);
    expect(expectReference(Array.from({ length: 300_000 }, () => fromBits(next())))).toBe(300_000);
  });

  it('agrees on 200,000 values spread log-uniformly from 1e-7 to 1e38, and from 1e-14 to 1e9', () => {
    const next = mulberry32(7);
    const uniform = () => next() / 2 ** 32;
    const values: number[] = [];
    for (let i = 0; i < 100_000; i++) values.push(Math.fround(10 ** (uniform() * 45 - 7)) * (i % 2 ? -1 : 1));
    for (let i = 0; i < 100_000; i++) values.push(Math.fround(10 ** (uniform() * 23 - 14)) * (i % 2 ? -1 : 1));
    expectReference(values);
  });

  it('agrees on subnormals, the smallest normals and their neighbours', () => {
    const values: number[] = [];
    for (let b = 1; b <= 5000; b++) values.push(fromBits(b), fromBits(b | 0x80000000));
    for (let b = 0x007ff000; b <= 0x00801000; b++) values.push(fromBits(b));
    expectReference(values);
  });

  it('agrees around 2^24, where integers stop being exact, and on every integer form', () => {
    const values: number[] = [];
    for (let v = 2 ** 24 - 2000; v <= 2 ** 24 + 4000; v++) values.push(Math.fround(v), -Math.fround(v));
    for (let e = 24; e <= 40; e++) for (let d = -40; d <= 40; d++) values.push(fromBits(toBits(2 ** e) + d));
    for (let v = 0; v <= 3000; v++) values.push(v, -v);
    values.push(16777215, 123456789, 1e9, 999999999, 1e10);
    expectReference(values);
  });

  it('agrees next to every power of two and every power of ten', () => {
    const values: number[] = [];
    for (let e = -149; e <= 127; e++) {
      const b = toBits(2 ** e);
      for (let d = -30; d <= 30; d++) values.push(fromBits(b + d));
    }
    for (let e = -45; e <= 38; e++) {
      const b = toBits(Math.fround(Number(`1e${e}`)));
      for (let d = -60; d <= 60; d++) values.push(fromBits(b + d));
    }
    expectReference(values);
  });

  it('agrees on 2^16 consecutive patterns in the ranges tensors live in', () => {
    const values: number[] = [];
    for (const start of [0x3f800000, 0x3dcccccd, 0x3a83126f, 0x358637bd, 0x42c80000, 0x4b18967f]) {
      for (let d = 0; d < 1 << 13; d++) values.push(fromBits(start + d), fromBits((start + d) | 0x80000000));
    }
    expectReference(values);
  });

  it('writes signed zeros, NaN and the infinities as TF Serving does', () => {
    const specials = [0, -0, NaN, fromBits(0x7fc00001), fromBits(0xffc00000), fromBits(0x7f800001), Infinity, -Infinity];
    expectReference(specials);
    const writer = new AsciiWriter();
    writer.float32s(specials, undefined, 0, specials.length);
    expect(writer.text()).toBe('0.0,-0.0,NaN,NaN,NaN,NaN,Infinity,-Infinity');
    expect(formatFloat32(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(formatFloat32(-1.401298464324817e-45)).toBe('-1e-45');
  });

  it('takes the fast path for the values tensors hold', () => {
    const next = mulberry32(3);
    let fast = 0;
    for (let i = 0; i < 10_000; i++) if (isFastFloat32(Math.fround((next() / 2 ** 32) * 2 - 1))) fast++;
    expect(fast).toBe(10_000);
  });
});

describe('AsciiWriter', () => {
  it('grows as needed and gives back a large buffer when cleared', () => {
    const writer = new AsciiWriter();
    const values = new Float32Array(200_000).fill(-0.123456789);
    writer.float32s(values, new Int32Array(values.buffer), 0, values.length);
    writer.byte(0x5d);
    const text = writer.text();
    expect(text.length).toBe(200_000 * 12 - 1 + 1);
    expect(text.endsWith('-0.12345679]')).toBe(true);
    writer.clear();
    expect(writer.length).toBe(0);
    expect(writer.bytes.length).toBeLessThanOrEqual(1 << 16);
    writer.ascii('[');
    writer.float32(2.5);
    expect(writer.text()).toBe('[2.5');
  });
});
