/**
 * NPY bodies: numpy-written files (scripts/fixtures/write-npy-fixtures.py, under
 * test/fixtures/npy/) decode to the values numpy wrote, our encoding is numpy's byte for byte, and
 * malformed bodies are refused with a message naming the problem.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { npyFile, tensor, utf8 } from './npy-fixtures.ts';
import { decodeNpy, encodeNpy, npyCodec, readNpyHeader } from '../../lib/codecs/npy.ts';
import type { DecodeContext } from '../../lib/codecs/codec.ts';
import { InternalError, InvalidArgumentError, NotAcceptableError } from '../../lib/errors.ts';
import type { HostTensor } from '../../lib/tensors/host-tensor.ts';
import type { TensorSpec } from '../../lib/tensors/signature.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';


function strings(...texts: string[]): Uint8Array[] {
  return texts.map((text) => utf8.encode(text));
}

function contextFor(...names: string[]): DecodeContext {
  const spec: TensorSpec = { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: null };
  return {
    mediaType: { essence: 'application/x-npy', params: {} },
    inputs: Object.fromEntries(names.map((name) => [name, spec])),
  };
}

function decodeError(bytes: Uint8Array): InvalidArgumentError {
  try {
    decodeNpy(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('decodeNpy accepted the body');
}

/** Replaces the header text of an NPY v1 body, keeping its length (pads or clips with spaces). */
function withHeaderText(bytes: Uint8Array, text: string): Uint8Array {
  const out = bytes.slice();
  const length = out[8] | (out[9] << 8);
  const padded = text.padEnd(length - 1, ' ').slice(0, length - 1) + '\n';
  out.set(utf8.encode(padded), 10);
  return out;
}

/**
 * Each numpy-written file and the tensor it holds (the values the script wrote, restated).
 * `sameBytes`: numpy's file is what we write for that tensor (little-endian, NPY 1.0, |S).
 */
const NUMPY_FILES: { file: string; expected: HostTensor; sameBytes: boolean }[] = [
  // [[0.5, -1.25, 3.0], [1024.0, -inf, nan]]
  { file: 'float32-2x3.npy', expected: tensor('DT_FLOAT', [2, 3], Float32Array.of(0.5, -1.25, 3, 1024, -Infinity, NaN)), sameBytes: true },
  // [0.1, -2.5, 1e300]
  { file: 'float64.npy', expected: tensor('DT_DOUBLE', [3], Float64Array.of(0.1, -2.5, 1e300)), sameBytes: true },
  // [1.0, -2.0, 65504.0, 2**-14] as binary16 bits
  { file: 'float16.npy', expected: tensor('DT_HALF', [4], Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0400)), sameBytes: true },
  // [-128, 0, 127]
  { file: 'int8.npy', expected: tensor('DT_INT8', [3], Int8Array.of(-128, 0, 127)), sameBytes: true },
  // [-32768, 1, 32767]
  { file: 'int16.npy', expected: tensor('DT_INT16', [3], Int16Array.of(-32768, 1, 32767)), sameBytes: true },
  // [[-2147483648, 0], [1, 2147483647]]
  { file: 'int32-2x2.npy', expected: tensor('DT_INT32', [2, 2], Int32Array.of(-2147483648, 0, 1, 2147483647)), sameBytes: true },
  // [-9223372036854775808, 2**53 + 1, 9223372036854775807]
  {
    file: 'int64.npy',
    expected: tensor('DT_INT64', [3], BigInt64Array.of(-9223372036854775808n, 9007199254740993n, 9223372036854775807n)),
    sameBytes: true,
  },
  // [0, 128, 255]
  { file: 'uint8.npy', expected: tensor('DT_UINT8', [3], Uint8Array.of(0, 128, 255)), sameBytes: true },
  // [0, 65535]
  { file: 'uint16.npy', expected: tensor('DT_UINT16', [2], Uint16Array.of(0, 65535)), sameBytes: true },
  // [0, 4294967295]
  { file: 'uint32.npy', expected: tensor('DT_UINT32', [2], Uint32Array.of(0, 4294967295)), sameBytes: true },
  // [0, 2**64 - 1, 2**53 + 1]
  {
    file: 'uint64.npy',
    expected: tensor('DT_UINT64', [3], BigUint64Array.of(0n, 18446744073709551615n, 9007199254740993n)),
    sameBytes: true,
  },
  // [True, False, True]
  { file: 'bool.npy', expected: tensor('DT_BOOL', [3], Uint8Array.of(1, 0, 1)), sameBytes: true },
  // 0-d float32 7.5
  { file: 'float32-scalar.npy', expected: tensor('DT_FLOAT', [], Float32Array.of(7.5)), sameBytes: true },
  // float32 of shape (0, 3)
  { file: 'float32-empty.npy', expected: tensor('DT_FLOAT', [0, 3], new Float32Array(0)), sameBytes: true },
  // |S3 [b'cat', b'', b'a\x00b']: trailing NULs stripped, inner ones kept
  { file: 'bytes-s3.npy', expected: tensor('DT_STRING', [3], [utf8.encode('cat'), new Uint8Array(0), Uint8Array.of(0x61, 0, 0x62)]), sameBytes: true },
  // big-endian int32 [1, -2, 0x12345678]
  { file: 'int32-big-endian.npy', expected: tensor('DT_INT32', [3], Int32Array.of(1, -2, 0x12345678)), sameBytes: false },
  // big-endian float64 [1.5, -0.25]
  { file: 'float64-big-endian.npy', expected: tensor('DT_DOUBLE', [2], Float64Array.of(1.5, -0.25)), sameBytes: false },
  // big-endian float16 [1.0, -2.0]
  { file: 'float16-big-endian.npy', expected: tensor('DT_HALF', [2], Uint16Array.of(0x3c00, 0xc000)), sameBytes: false },
  // <U5 ['héllo', '', '😀x'] (UTF-32LE) → UTF-8
  { file: 'unicode-u5.npy', expected: tensor('DT_STRING', [3], strings('héllo', '', '😀x')), sameBytes: false },
  // >U2 ['ab', 'é'] (UTF-32BE) → UTF-8
  { file: 'unicode-big-endian.npy', expected: tensor('DT_STRING', [2], strings('ab', 'é')), sameBytes: false },
  // NPY 2.0 (u32 header length), float32 [1.0, 2.0]
  { file: 'float32-v2.npy', expected: tensor('DT_FLOAT', [2], Float32Array.of(1, 2)), sameBytes: false },
  // NPY 3.0 (UTF-8 header), float32 [1.0, 2.0]
  { file: 'float32-v3.npy', expected: tensor('DT_FLOAT', [2], Float32Array.of(1, 2)), sameBytes: false },
];

describe('decodeNpy', () => {
  it.each(NUMPY_FILES)('reads numpy-written $file as the values numpy wrote', ({ file, expected }) => {
    // Prepare
    const bytes = npyFile(file);

    // Act
    const decoded = decodeNpy(bytes);

    // Assess
    expect(decoded).toEqual(expected);
  });

  it('keeps int64 and uint64 values beyond 2^53 exact', () => {
    // Act
    const int64 = decodeNpy(npyFile('int64.npy')).values as BigInt64Array;
    const uint64 = decodeNpy(npyFile('uint64.npy')).values as BigUint64Array;

    // Assess
    expect(int64[1]).toBe(2n ** 53n + 1n);
    expect(uint64[1]).toBe(2n ** 64n - 1n);
  });

  it('returns a view of the body when the data is aligned, without copying', () => {
    // Prepare
    const bytes = npyFile('float32-2x3.npy');

    // Act
    const values = decodeNpy(bytes).values as Float32Array;

    // Assess
    expect(values.buffer).toBe(bytes.buffer);
    expect(values.byteOffset).toBe(bytes.byteOffset + 128);
  });

  it('copies misaligned data and reads the same values', () => {
    // Prepare: the body starts one byte into its buffer, so the float64 data is misaligned
    const file = npyFile('float64.npy');
    const misaligned = new Uint8Array(file.length + 1).subarray(1);
    misaligned.set(file);

    // Act
    const values = decodeNpy(misaligned).values as Float64Array;

    // Assess
    expect(values.buffer).not.toBe(misaligned.buffer);
    expect([...values]).toEqual([0.1, -2.5, 1e300]);
  });

  it('reads any nonzero bool byte as 1 without changing the body', () => {
    // Prepare
    const bytes = npyFile('bool.npy');
    bytes[bytes.length - 1] = 7;

    // Act
    const values = decodeNpy(bytes).values as Uint8Array;

    // Assess
    expect([...values]).toEqual([1, 0, 1]);
    expect(bytes[bytes.length - 1]).toBe(7);
  });

  it('reads the header of a version 2.0 file', () => {
    // Act
    const header = readNpyHeader(npyFile('float32-v2.npy'));

    // Assess
    expect(header).toEqual({ version: '2.0', descr: '<f4', shape: [2], dataOffset: 128 });
  });
});

describe.skipIf(!HAVE_FIXTURES)(`decodeNpy on TF-written fixtures${FIXTURES_NOTE}`, () => {
  const folder = ['tf-written', 'tf2-jpeg-bytes-convnet'];

  it.each([
    ['decoded_pixels.npy', 'DT_UINT8'],
    ['decoded_pixels_cat.npy', 'DT_UINT8'],
    ['resized_pixels.npy', 'DT_FLOAT'],
  ])('reads %s with the dtype and shape its header states', (file, dtype) => {
    // Prepare: the header's descr and shape, read here by pattern, independently of the codec
    const bytes = new Uint8Array(readFileSync(fixture(...folder, file)));
    const headerText = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + (bytes[8] | (bytes[9] << 8))));
    const shape = /'shape': \(([^)]*)\)/.exec(headerText)![1].split(',').filter((dim) => dim.trim()).map(Number);

    // Act
    const decoded = decodeNpy(bytes);

    // Assess
    expect(headerText).toContain(`'descr': '${dtype === 'DT_UINT8' ? '|u1' : '<f4'}'`);
    expect(decoded.dtype).toBe(dtype);
    expect(decoded.shape).toEqual(shape);
    expect(decoded.values.length).toBe(shape.reduce((a, b) => a * b, 1));
  });

  it('reads decoded_pixels.npy as 38×56 RGB pixels', () => {
    // Act
    const decoded = decodeNpy(new Uint8Array(readFileSync(fixture(...folder, 'decoded_pixels.npy'))));

    // Assess
    expect(decoded.shape).toEqual([38, 56, 3]);
    expect(decoded.values).toBeInstanceOf(Uint8Array);
  });
});

describe('encodeNpy', () => {
  it.each(NUMPY_FILES.filter(({ sameBytes }) => sameBytes))('writes $file byte for byte as numpy does', ({ file, expected }) => {
    // Act
    const encoded = encodeNpy(expected, 'y');

    // Assess
    expect(Buffer.from(encoded).equals(Buffer.from(npyFile(file)))).toBe(true);
  });

  const EVERY_DTYPE: HostTensor[] = [
    tensor('DT_FLOAT', [2, 2], Float32Array.of(-0, 3.4028234663852886e38, 1.401298464324817e-45, NaN)),
    tensor('DT_DOUBLE', [3], Float64Array.of(Number.MIN_VALUE, -Infinity, 0.1)),
    tensor('DT_HALF', [2], Uint16Array.of(0x7c00, 0x8001)),
    tensor('DT_INT8', [2], Int8Array.of(-128, 127)),
    tensor('DT_INT16', [2], Int16Array.of(-32768, 32767)),
    tensor('DT_INT32', [1, 2], Int32Array.of(-2147483648, 2147483647)),
    tensor('DT_INT64', [2], BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n)),
    tensor('DT_UINT8', [2], Uint8Array.of(0, 255)),
    tensor('DT_UINT16', [2], Uint16Array.of(0, 65535)),
    tensor('DT_UINT32', [2], Uint32Array.of(0, 4294967295)),
    tensor('DT_UINT64', [2], BigUint64Array.of(0n, 2n ** 64n - 1n)),
    tensor('DT_BOOL', [2, 1], Uint8Array.of(0, 1)),
    tensor('DT_STRING', [3], [utf8.encode('ünï'), new Uint8Array(0), Uint8Array.of(0, 0xff, 1)]),
    tensor('DT_FLOAT', [], Float32Array.of(2.5)),
    tensor('DT_INT32', [0, 4], new Int32Array(0)),
  ];

  it.each(EVERY_DTYPE.map((t) => [`${t.dtype} [${t.shape}]`, t] as const))('reads back %s as written', (_, original) => {
    // Act
    const decoded = decodeNpy(encodeNpy(original, 'y'));

    // Assess
    expect(decoded).toEqual(original);
  });

  it('writes strings as |S of the longest element, NUL-padded', () => {
    // Prepare
    const original = tensor('DT_STRING', [2], strings('ab', 'wxyz'));

    // Act
    const encoded = encodeNpy(original, 'y');
    const header = readNpyHeader(encoded);

    // Assess
    expect(header.descr).toBe('|S4');
    expect([...encoded.subarray(header.dataOffset)]).toEqual([0x61, 0x62, 0, 0, 0x77, 0x78, 0x79, 0x7a]);
  });

  it('writes an array of empty strings as |S1, as numpy does', () => {
    // Act
    const encoded = encodeNpy(tensor('DT_STRING', [2], strings('', '')), 'y');

    // Assess
    expect(readNpyHeader(encoded).descr).toBe('|S1');
  });

  it('aligns the data to 64 bytes', () => {
    // Act
    const header = readNpyHeader(encodeNpy(tensor('DT_FLOAT', [123456789, 0], new Float32Array(0)), 'y'));

    // Assess
    expect(header.dataOffset % 64).toBe(0);
  });

  it('switches to NPY 2.0 when the header exceeds 65535 bytes', () => {
    // Prepare: 25,000 dimensions of 1 need a ~75 kB header
    const original = tensor('DT_FLOAT', new Array<number>(25_000).fill(1), Float32Array.of(4));

    // Act
    const encoded = encodeNpy(original, 'y');

    // Assess
    expect(encoded[6]).toBe(2);
    expect(readNpyHeader(encoded).dataOffset % 64).toBe(0);
    expect(decodeNpy(encoded)).toEqual(original);
  });

  it('refuses storage that does not match the dtype, naming the output', () => {
    // Prepare
    const stale = tensor('DT_INT8', [2], Int32Array.of(1, 2));

    // Act / Assess
    expect(() => encodeNpy(stale, 'logits')).toThrow(InternalError);
    expect(() => encodeNpy(stale, 'logits')).toThrow(/'logits' \(DT_INT8\) holds a Int32Array.*Int8Array/);
  });

  it('refuses values whose count does not match the shape', () => {
    // Act / Assess
    expect(() => encodeNpy(tensor('DT_FLOAT', [2, 2], Float32Array.of(1, 2, 3)), 'y')).toThrow(/3 values, but its shape \[2, 2\] holds 4/);
  });
});

describe('npyCodec', () => {
  it('names the lone array after the signature\'s only input', () => {
    // Act
    const decoded = npyCodec.decode(npyFile('int16.npy'), contextFor('pixels'));

    // Assess
    expect(decoded).toEqual({ inputs: { pixels: tensor('DT_INT16', [3], Int16Array.of(-32768, 1, 32767)) } });
  });

  it('refuses an NPY body for a signature of several inputs, pointing to NPZ', () => {
    // Act / Assess
    expect(() => npyCodec.decode(npyFile('int16.npy'), contextFor('a', 'b'))).toThrow(InvalidArgumentError);
    expect(() => npyCodec.decode(npyFile('int16.npy'), contextFor('a', 'b'))).toThrow(
      "An NPY body carries one array, but the signature has inputs 'a', 'b'; send NPZ (application/x-npz) with one array per input name",
    );
  });

  it('writes the only output as NPY', () => {
    // Prepare
    const output = tensor('DT_FLOAT', [2, 3], Float32Array.of(0.5, -1.25, 3, 1024, -Infinity, NaN));

    // Act
    const encoded = npyCodec.encode!({ scores: output });

    // Assess
    expect(Buffer.from(encoded).equals(Buffer.from(npyFile('float32-2x3.npy')))).toBe(true);
  });

  it('refuses to write several outputs as NPY, naming them and pointing to NPZ', () => {
    // Prepare
    const output = tensor('DT_FLOAT', [1], Float32Array.of(1));

    // Act / Assess
    expect(() => npyCodec.encode!({ a: output, b: output })).toThrow(NotAcceptableError);
    expect(() => npyCodec.encode!({ a: output, b: output })).toThrow(/2 outputs \('a', 'b'\); ask for application\/x-npz/);
  });
});

describe('decodeNpy on malformed bodies', () => {
  it('names a truncated header and its byte counts', () => {
    // Prepare: the header says 118 bytes; 40 follow the preamble
    const cut = npyFile('float32-2x3.npy').subarray(0, 50);

    // Act
    const error = decodeError(cut);

    // Assess
    expect(error.message).toBe(
      'NPY body has a truncated header: its length field says 118 bytes, but only 40 follow the 10-byte preamble',
    );
  });

  it('names a body cut short inside the preamble', () => {
    // Act
    const error = decodeError(npyFile('float32-2x3.npy').subarray(0, 7));

    // Assess
    expect(error.message).toBe('NPY body is truncated: 7 bytes, shorter than the 10-byte NPY preamble');
  });

  it('names bad magic and shows how the body starts', () => {
    // Act
    const error = decodeError(utf8.encode('{"instances": [1]}'));

    // Assess
    expect(error.message).toBe('NPY body is not NPY: it must start with the magic \\x93NUMPY, but starts with {"instan');
  });

  it('names an unknown dtype code and lists the supported ones', () => {
    // Act
    const error = decodeError(npyFile('complex64.npy'));

    // Assess
    expect(error.message).toBe(
      "NPY body has dtype '<c8', which is not supported; supported: <f4 <f8 <f2 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1 |S<n> <U<n> (and their big-endian '>' forms)",
    );
  });

  it('refuses Fortran order, saying to send C order', () => {
    // Act
    const error = decodeError(npyFile('int32-fortran.npy'));

    // Assess
    expect(error.message).toBe(
      "NPY body is in Fortran order ('fortran_order': True), which is not supported; send C order (np.ascontiguousarray)",
    );
  });

  it('refuses object arrays without unpickling them', () => {
    // Act
    const error = decodeError(npyFile('object.npy'));

    // Assess
    expect(error.message).toMatch(/^NPY body holds Python objects \(dtype '\|O', pickled\), which are not supported/);
  });

  it('names short data with the byte counts', () => {
    // Act
    const error = decodeError(npyFile('float32-2x3.npy').subarray(0, 128 + 23));

    // Assess
    expect(error.message).toBe(
      "NPY body has 23 bytes of data after its 128-byte header, but shape (2, 3) of '<f4' needs 24 (6 elements × 4 bytes): the data is cut short",
    );
  });

  it('names data longer than the shape needs', () => {
    // Prepare
    const file = npyFile('int8.npy');
    const long = new Uint8Array(file.length + 2);
    long.set(file);

    // Act
    const error = decodeError(long);

    // Assess
    expect(error.message).toBe("NPY body has 5 bytes of data after its 128-byte header, but shape (3,) of '|i1' needs 3 (3 elements × 1 bytes): 2 bytes too many");
  });

  it('refuses a header that is not a dict literal', () => {
    // Act
    const error = decodeError(withHeaderText(npyFile('int8.npy'), "['descr', '|i1']"));

    // Assess
    expect(error.message).toMatch(/^NPY body has a header that is not an NPY header dict \(not a dict literal\): "\['descr', '\|i1'\]/);
  });

  it('refuses a header that does not parse as a Python literal', () => {
    // Act
    const error = decodeError(withHeaderText(npyFile('int8.npy'), "{'descr': '|i1', 'shape': (3,"));

    // Assess
    expect(error.message).toMatch(/^NPY body has a header that is not an NPY header dict \(/);
  });

  it('refuses a header dict without the three NPY keys', () => {
    // Act
    const error = decodeError(withHeaderText(npyFile('int8.npy'), "{'descr': '|i1', 'shape': (3,), }"));

    // Assess
    expect(error.message).toMatch(/its keys are 'descr', 'shape', but must be 'descr', 'fortran_order' and 'shape'/);
  });

  it('refuses an unknown NPY version', () => {
    // Prepare
    const bytes = npyFile('int8.npy');
    bytes[6] = 4;

    // Act
    const error = decodeError(bytes);

    // Assess
    expect(error.message).toBe('NPY body has NPY version 4.0; versions 1.0, 2.0 and 3.0 are supported');
  });

  it('refuses a <U element that is not a Unicode scalar value', () => {
    // Prepare: the first code unit of element 0 becomes 0x110000
    const bytes = npyFile('unicode-u5.npy');
    const dataOffset = readNpyHeader(bytes).dataOffset;
    bytes.set([0x00, 0x00, 0x11, 0x00], dataOffset);

    // Act
    const error = decodeError(bytes);

    // Assess
    expect(error.message).toBe('NPY body: element 0 holds 0x110000, which is not a Unicode scalar value');
  });
});
