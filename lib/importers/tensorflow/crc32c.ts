/**
 * CRC32C (Castagnoli) as TensorFlow uses it for checkpoint tables and tensor data, plus the
 * "masking" TensorFlow applies to checksums it stores next to the data they cover
 * (tensorflow/core/lib/hash/crc32c.h: mask = rotate right by 15 bits, then add 0xa282ead8).
 *
 * Table-driven, one byte at a time with a slicing-by-4 fast path; pure TypeScript.
 * @module importers/tensorflow/crc32c
 */

/** The reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;

/** Constant TensorFlow adds when masking a CRC (crc32c.h kMaskDelta). */
const MASK_DELTA = 0xa282ead8;

/** T[k][b]: CRC contribution of byte b followed by k zero bytes (slicing-by-4 tables). */
const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 4; k++) {
    const prev = tables[k - 1];
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(next);
  }
  return tables;
})();

/**
 * CRC32C of `bytes`. Pass a previous result as `initial` to extend it over more bytes
 * (like TensorFlow's `crc32c::Extend`); `crc32c(a ++ b) === crc32c(b, crc32c(a))`.
 */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  const [t0, t1, t2, t3] = TABLES;
  let crc = ~initial >>> 0;
  let i = 0;
  const n = bytes.length;
  const n4 = n - (n % 4);
  for (; i < n4; i += 4) {
    crc ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    crc = t3[crc & 0xff] ^ t2[(crc >>> 8) & 0xff] ^ t1[(crc >>> 16) & 0xff] ^ t0[crc >>> 24];
  }
  for (; i < n; i++) crc = t0[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** TensorFlow's `crc32c::Mask`: the form in which a CRC is stored beside the bytes it covers. */
export function maskCrc(crc: number): number {
  const c = crc >>> 0;
  return (((c >>> 15) | (c << 17)) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc} (`crc32c::Unmask`). */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
