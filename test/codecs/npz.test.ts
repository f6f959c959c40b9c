/**
 * NPZ bodies: np.savez (stored) and np.savez_compressed (deflated) files written by
 * scripts/fixtures/write-npy-fixtures.py decode to one tensor per member; our NPZ holds numpy's NPY
 * bytes per output, stored; bad zips and bad members are refused naming the member.
 */
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { npyFile, tensor, utf8 } from './npy-fixtures.ts';
import { MAX_NPZ_UNCOMPRESSED_BYTES, decodeNpz, encodeNpz, npzCodec } from '../../lib/codecs/npz.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import type { TensorMap } from '../../lib/tensors/host-tensor.ts';


function decodeError(body: Uint8Array): InvalidArgumentError {
  try {
    decodeNpz(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('decodeNpz accepted the body');
}

/** Replaces every occurrence of `from` with `to` (same length) in a copy of `bytes`. */
function replaceAll(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const out = Buffer.from(bytes);
  for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + 1)) out.write(to, at, 'latin1');
  return new Uint8Array(out);
}

/** What np.savez and np.savez_compressed were given: x and ids. */
const SAVED: TensorMap = {
  // float32 [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
  x: tensor('DT_FLOAT', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)),
  // int64 [7, 2**53 + 1]
  ids: tensor('DT_INT64', [2], BigInt64Array.of(7n, 9007199254740993n)),
};

describe('decodeNpz', () => {
  it.each(['savez.npz', 'savez-compressed.npz'])('reads numpy-written %s as one tensor per member', (file) => {
    // Act
    const inputs = decodeNpz(npyFile(file));

    // Assess
    expect(inputs).toEqual(SAVED);
  });

  it('makes a member named __proto__.npy an input like any other', () => {
    // Prepare
    const body = zipSync({ '__proto__.npy': npyFile('int8.npy') });

    // Act
    const inputs = decodeNpz(body);

    // Assess
    expect(Object.keys(inputs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(inputs)).toBe(Object.prototype);
    expect(inputs.__proto__.values).toEqual(Int8Array.of(-128, 0, 127));
  });
});

describe('encodeNpz', () => {
  it('reads back every output as written', () => {
    // Prepare
    const outputs: TensorMap = {
      ...SAVED,
      words: tensor('DT_STRING', [2], [utf8.encode('naïve'), new Uint8Array(0)]),
      flags: tensor('DT_BOOL', [1, 2], Uint8Array.of(1, 0)),
      half: tensor('DT_HALF', [], Uint16Array.of(0x3c00)),
    };

    // Act
    const decoded = decodeNpz(encodeNpz(outputs));

    // Assess
    expect(decoded).toEqual(outputs);
  });

  it('stores one <name>.npy per output, uncompressed, each numpy\'s own NPY bytes', () => {
    // Prepare: the values numpy saved to float32-2x3.npy
    const scores = tensor('DT_FLOAT', [2, 3], Float32Array.of(0.5, -1.25, 3, 1024, -Infinity, NaN));
    const compression: Record<string, number> = {};

    // Act
    const members = unzipSync(encodeNpz({ scores, ids: SAVED.ids }), {
      filter: (file) => {
        compression[file.name] = file.compression;
        return true;
      },
    });

    // Assess
    expect(compression).toEqual({ 'scores.npy': 0, 'ids.npy': 0 });
    expect(Buffer.from(members['scores.npy']).equals(Buffer.from(npyFile('float32-2x3.npy')))).toBe(true);
  });

  it('writes the same members np.savez wrote for the same arrays', () => {
    // Prepare
    const numpyMembers = unzipSync(npyFile('savez.npz'));

    // Act
    const ours = unzipSync(encodeNpz(SAVED));

    // Assess
    expect(Object.keys(ours).sort()).toEqual(Object.keys(numpyMembers).sort());
    for (const name of Object.keys(numpyMembers)) expect(Buffer.from(ours[name]).equals(Buffer.from(numpyMembers[name]))).toBe(true);
  });
});

describe('npzCodec', () => {
  it('reads and writes application/x-npz and reads application/zip', () => {
    // Assess
    expect(npzCodec.mediaTypes).toEqual(['application/x-npz', 'application/zip']);
  });

  it('names inputs by member, whatever the signature lists', () => {
    // Act
    const decoded = npzCodec.decode(npyFile('savez-compressed.npz'), { mediaType: { essence: 'application/x-npz', params: {} }, inputs: {} });

    // Assess
    expect(decoded).toEqual({ inputs: SAVED });
  });
});

describe('decodeNpz on malformed bodies', () => {
  it.each([1, 30, 300])('refuses a zip cut short by %i bytes', (cut) => {
    // Prepare
    const file = npyFile('savez.npz');

    // Act
    const error = decodeError(file.subarray(0, file.length - cut));

    // Assess
    expect(error.message).toMatch(/^NPZ body \(\d+ bytes\) is not a readable zip \(cut short, or not a zip\): /);
  });

  it('refuses an NPY body sent as NPZ', () => {
    // Act
    const error = decodeError(npyFile('int8.npy'));

    // Assess
    expect(error.message).toMatch(/^NPZ body \(131 bytes\) is not a readable zip/);
  });

  it('refuses a member that is not .npy, naming it', () => {
    // Act
    const error = decodeError(npyFile('not-npy-member.npz'));

    // Assess
    expect(error.message).toBe("NPZ member 'notes.txt' is not an .npy file; an NPZ body holds only <input name>.npy members");
  });

  it('refuses a member that is not valid NPY, naming it', () => {
    // Prepare
    const body = zipSync({ 'good.npy': npyFile('int8.npy'), 'bad.npy': npyFile('int8.npy').subarray(0, 129) });

    // Act
    const error = decodeError(body);

    // Assess
    expect(error.message).toBe(
      "NPZ member 'bad.npy' has 1 bytes of data after its 128-byte header, but shape (3,) of '|i1' needs 3 (3 elements × 1 bytes): the data is cut short",
    );
  });

  it('refuses two members of the same name', () => {
    // Prepare
    const body = replaceAll(zipSync({ 'a.npy': npyFile('int8.npy'), 'b.npy': npyFile('uint8.npy') }), 'b.npy', 'a.npy');

    // Act
    const error = decodeError(body);

    // Assess
    expect(error.message).toBe("NPZ body has two members named 'a.npy'");
  });

  it('refuses a member claiming to inflate beyond the limit, before inflating it', () => {
    // Prepare: the central directory's uncompressed size (offset 24 of its entry) set to 2^32 - 2
    const body = zipSync({ 'x.npy': [npyFile('float32-2x3.npy'), { level: 6 }] });
    const central = Buffer.from(body).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    body.set([0xfe, 0xff, 0xff, 0xff], central + 24);

    // Act
    const error = decodeError(body);

    // Assess
    expect(error.message).toBe(
      `NPZ body would inflate to more than ${MAX_NPZ_UNCOMPRESSED_BYTES} bytes (member 'x.npy' alone claims 4294967294)`,
    );
  });
});
