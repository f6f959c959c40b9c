import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  CheckpointReader,
  dataFileName,
  decodeStringTensor,
} from '../../../lib/importers/tensorflow/checkpoint.ts';
import type { CheckpointTensor } from '../../../lib/importers/tensorflow/checkpoint.ts';
import { crc32c, maskCrc, unmaskCrc } from '../../../lib/importers/tensorflow/crc32c.ts';
import { readFooter, readTable, snappyUncompress } from '../../../lib/importers/tensorflow/sstable.ts';

const fixtures = FIXTURES;
const haveFixtures = HAVE_FIXTURES;
const fixtureNote = FIXTURES_NOTE;

const HALF_PLUS_TWO = 'tf-serving/saved_model_half_plus_two_cpu/00000123/variables/variables';
const REGRESSION = 'tf1-savedmodel/tf2onnx-regression/regression';
const KERAS_MLP_DIR = 'keras-savedmodel/scisharp-mnist-mlp/simple_model_from_auto_compile';
const KERAS_MLP = `${KERAS_MLP_DIR}/variables/variables`;
const VAR = '/.ATTRIBUTES/VARIABLE_VALUE';

const fx = (relative: string): string => path.join(fixtures, relative);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The raw little-endian bytes behind a numeric tensor. */
function rawBytes(t: CheckpointTensor): Uint8Array {
  if (Array.isArray(t.values)) throw new Error('string tensor');
  const v = t.values as Exclude<CheckpointTensor['values'], Uint8Array[]>;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Minimal .npy reader: magic \x93NUMPY, version, header length, Python-dict header, raw data. */
function readNpy(file: string): { descr: string; shape: number[]; data: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(file));
  expect(Array.from(bytes.subarray(0, 6))).toEqual([0x93, ...enc('NUMPY')]);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  expect(header).toMatch(/'fortran_order':\s*False/);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!;
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  return { descr, shape, data: bytes.subarray(headerStart + headerLen) };
}

/** All `*.index` files under a folder. */
function findIndexFiles(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...findIndexFiles(p));
    else if (ent.name.endsWith('.index')) out.push(p);
  }
  return out.sort();
}

async function withReader<T>(prefix: string, fn: (r: CheckpointReader) => Promise<T>): Promise<T> {
  const reader = await CheckpointReader.open(prefix);
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

async function expectCheckpointError(p: Promise<unknown>, message: RegExp): Promise<CheckpointError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as Error).message).toMatch(message);
  return err as CheckpointError;
}

describe('crc32c', () => {
  it('matches the CRC-32C check value and known vectors', () => {
    expect(crc32c(enc('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // 32 bytes of 0xff
  });

  it('extends incrementally like crc32c::Extend', () => {
    const data = enc('The quick brown fox jumps over the lazy dog, twice or thrice.');
    for (const cut of [0, 1, 3, 4, 7, 30, data.length]) {
      expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(crc32c(data));
    }
  });

  it('masks and unmasks', () => {
    for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x12345678]) {
      const m = maskCrc(c);
      expect(m).not.toBe(c);
      expect(unmaskCrc(m)).toBe(c);
    }
    expect(maskCrc(0)).toBe(0xa282ead8);
  });
});

describe('snappy', () => {
  it('decodes literals and overlapping copies (format_description.txt example)', () => {
    // preamble 7, literal "xab" (tag (3-1)<<2), copy offset 2 length 4 (2-byte offset tag).
    const input = new Uint8Array([7, (3 - 1) << 2, ...enc('xab'), ((4 - 1) << 2) | 2, 2, 0]);
    expect(new TextDecoder().decode(snappyUncompress(input))).toBe('xababab');
    // copy with 1-byte offset: length 4 + 1 = 5, offset 1 (an RLE run).
    const rle = new Uint8Array([6, 0, ...enc('z'), (1 << 2) | 1, 1]);
    expect(new TextDecoder().decode(snappyUncompress(rle))).toBe('zzzzzz');
  });

  it('rejects copies before the start and length mismatches', () => {
    expect(() => snappyUncompress(new Uint8Array([4, ((4 - 1) << 2) | 2, 1, 0]))).toThrow(/offset/);
    expect(() => snappyUncompress(new Uint8Array([5, 0, ...enc('a')]))).toThrow(/promised/);
  });
});

describe('string tensor layout', () => {
  it('decodes [varint lengths][masked crc of lengths as uint32][bytes] and checksums like TF', () => {
    const elems = [enc('hello'), enc(''), enc('x'.repeat(200))];
    let crc = 0;
    const word = new Uint8Array(4);
    for (const e of elems) {
      new DataView(word.buffer).setUint32(0, e.length, true);
      crc = crc32c(word, crc);
    }
    const lengthCrc = new Uint8Array(4);
    new DataView(lengthCrc.buffer).setUint32(0, maskCrc(crc), true);
    const bytes = new Uint8Array([5, 0, 0xc8, 0x01, ...lengthCrc, ...elems.flatMap((e) => [...e])]);
    const decoded = decodeStringTensor(bytes, 3, 'test');
    expect(decoded.values.map((v) => new TextDecoder().decode(v))).toEqual(['hello', '', 'x'.repeat(200)]);
    let whole = crc32c(lengthCrc, crc);
    for (const e of elems) whole = crc32c(e, whole);
    expect(decoded.crc).toBe(whole);

    const bad = bytes.slice();
    bad[0] = 4;
    expect(() => decodeStringTensor(bad, 3, 'test')).toThrow(/length checksum/);
  });
});

describe(`CheckpointReader on real TensorFlow checkpoints${fixtureNote}`, () => {
  describe.skipIf(!haveFixtures)('fixtures', () => {
    const tmp = haveFixtures ? mkdtempSync(path.join(os.tmpdir(), 'ckpt-test-')) : '';
    afterAll(() => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('half_plus_two: a = 0.5, b = 2.0 (float32 scalars; Snappy-compressed index from old TF)', async () => {
      await withReader(fx(HALF_PLUS_TWO), async (r) => {
        expect(r.numShards).toBe(1);
        expect(r.keys()).toEqual(expect.arrayContaining(['a', 'b']));
        expect(r.keys()).not.toContain('');
        expect(r.has('a')).toBe(true);
        expect(r.has('nope')).toBe(false);
        const entry = r.entry('a');
        expect(entry).toMatchObject({ dtype: 'DT_FLOAT', shape: [], shardId: 0, size: 4, slices: 0 });
        const a = await r.read('a');
        const b = await r.read('b');
        expect(a.dtype).toBe('DT_FLOAT');
        expect(a.shape).toEqual([]);
        expect(a.values).toBeInstanceOf(Float32Array);
        expect(Array.from(a.values as Float32Array)).toEqual([0.5]);
        expect(Array.from(b.values as Float32Array)).toEqual([2.0]);
        if (r.has('c')) expect(Array.from((await r.read('c')).values as Float32Array)).toEqual([3.0]);
        expect(() => r.entry('nope')).toThrow(CheckpointError);
        await expectCheckpointError(r.read('nope'), /"nope" not found/);
      });
      // The footer check alone accepts it.
      const bytes = new Uint8Array(readFileSync(fx(`${HALF_PLUS_TWO}.index`)));
      expect(readFooter(bytes, 'x').index.size).toBeGreaterThan(0);
    });

    it('tf2onnx regression: W and b agree between the SavedModel variables and the TF1 Saver checkpoint', async () => {
      const expected = { W: Math.fround(0.21396178), b: Math.fround(1.0495254) };
      for (const prefix of [`${REGRESSION}/saved_model/variables/variables`, `${REGRESSION}/checkpoint/model`]) {
        await withReader(fx(prefix), async (r) => {
          expect(r.keys()).toEqual(expect.arrayContaining(['W', 'b']));
          for (const [key, value] of Object.entries(expected)) {
            const t = await r.read(key);
            expect(t.dtype).toBe('DT_FLOAT');
            expect(t.shape).toEqual([]);
            expect((t.values as Float32Array)[0]).toBe(value);
          }
        });
      }
    });

    it('Keras MNIST MLP: kernel shapes, kernel1.npy and bias0.npy byte for byte, the object graph string', async () => {
      await withReader(fx(KERAS_MLP), async (r) => {
        const k0 = await r.read(`layer_with_weights-0/kernel${VAR}`);
        expect(k0.dtype).toBe('DT_FLOAT');
        expect(k0.shape).toEqual([784, 100]);
        expect((k0.values as Float32Array).length).toBe(78400);

        const k1 = await r.read(`layer_with_weights-1/kernel${VAR}`);
        const k1npy = readNpy(fx(`${KERAS_MLP_DIR}/kernel1.npy`));
        expect(k1npy.descr).toBe('<f4');
        expect(k1.shape).toEqual([100, 10]);
        expect(k1npy.shape).toEqual([100, 10]);
        expect(Buffer.from(rawBytes(k1)).equals(Buffer.from(k1npy.data))).toBe(true);

        const b0 = await r.read(`layer_with_weights-0/bias${VAR}`);
        const b0npy = readNpy(fx(`${KERAS_MLP_DIR}/bias0.npy`));
        expect(b0.shape).toEqual([100]);
        expect(b0npy.shape).toEqual([100]);
        expect(Buffer.from(rawBytes(b0)).equals(Buffer.from(b0npy.data))).toBe(true);

        const graph = await r.read('_CHECKPOINTABLE_OBJECT_GRAPH');
        expect(graph.dtype).toBe('DT_STRING');
        expect(graph.shape).toEqual([]);
        expect(Array.isArray(graph.values)).toBe(true);
        const strings = graph.values as Uint8Array[];
        expect(strings).toHaveLength(1);
        expect(strings[0]!.length).toBeGreaterThan(0);
        // A TrackableObjectGraph proto: field 1 (nodes), length-delimited -> tag byte 0x0a.
        expect(strings[0]![0]).toBe(0x0a);
        // The entry's size is exactly varint(len) + 4-byte length checksum + the bytes.
        const len = strings[0]!.length;
        const varintLen = len < 128 ? 1 : len < 16384 ? 2 : 3;
        expect(r.entry('_CHECKPOINTABLE_OBJECT_GRAPH').size).toBe(varintLen + 4 + len);
      });
    });

    it('sweep: every key of every *.index checkpoint under the fixtures reads without error', async () => {
      const indexFiles = findIndexFiles(fixtures);
      expect(indexFiles.length).toBeGreaterThan(0);
      let tensors = 0;
      let bytes = 0;
      const dtypes = new Map<string, number>();
      const perFile: string[] = [];
      for (const indexFile of indexFiles) {
        const prefix = indexFile.slice(0, -'.index'.length);
        await withReader(prefix, async (r) => {
          let fileBytes = 0;
          for (const key of r.keys()) {
            const e = r.entry(key);
            const t = await r.read(key);
            expect(t.dtype).toBe(e.dtype);
            expect(t.shape).toEqual(e.shape);
            const n = e.shape.reduce((a, b) => a * b, 1);
            const complex = e.dtype === 'DT_COMPLEX64' || e.dtype === 'DT_COMPLEX128';
            expect(t.values.length).toBe(complex ? 2 * n : n);
            tensors += 1;
            fileBytes += e.size;
            dtypes.set(e.dtype, (dtypes.get(e.dtype) ?? 0) + 1);
          }
          bytes += fileBytes;
          perFile.push(`  ${path.relative(fixtures, indexFile)}: ${r.keys().length} tensors, ${fileBytes} bytes`);
        });
      }
      console.log(
        `checkpoint sweep: ${indexFiles.length} checkpoints, ${tensors} tensors, ${bytes} bytes ` +
          `(${[...dtypes].map(([d, c]) => `${d}×${c}`).join(', ')})\n${perFile.join('\n')}`,
      );
      expect(tensors).toBeGreaterThan(0);
    });

    it('truncated index → CheckpointError', async () => {
      const bytes = readFileSync(fx(`${KERAS_MLP}.index`));
      const prefix = path.join(tmp, 'truncated');
      writeFileSync(`${prefix}.index`, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await expectCheckpointError(
        CheckpointReader.open(prefix),
        /truncated\.index is not a TensorFlow checkpoint index \(bad magic\).*truncated/,
      );
      writeFileSync(`${prefix}.index`, bytes.subarray(0, 20));
      await expectCheckpointError(CheckpointReader.open(prefix), /shorter than the 48-byte table footer/);
      // Footer intact but the blocks it points to are cut away.
      const cut = Buffer.concat([bytes.subarray(0, 10), bytes.subarray(bytes.length - 48)]);
      writeFileSync(`${prefix}.index`, cut);
      await expectCheckpointError(CheckpointReader.open(prefix), /extends past the table data/);
    });

    it('a flipped byte inside an index data block → block CRC error', async () => {
      const bytes = new Uint8Array(readFileSync(fx(`${KERAS_MLP}.index`)));
      // The first data block starts at offset 0; check it is big enough to hold byte 5.
      expect(readTable(bytes, 'ok').size).toBeGreaterThan(1);
      const bad = bytes.slice();
      bad[5] ^= 0x40;
      const prefix = path.join(tmp, 'flipped');
      writeFileSync(`${prefix}.index`, bad);
      await expectCheckpointError(
        CheckpointReader.open(prefix),
        /flipped\.index: data block at offset 0 fails its CRC32C check/,
      );
    });

    it('a flipped byte inside a tensor of a data shard → entry CRC error on read()', async () => {
      const prefix = path.join(tmp, 'shard');
      copyFileSync(fx(`${KERAS_MLP}.index`), `${prefix}.index`);
      const data = new Uint8Array(readFileSync(fx(dataFileName(KERAS_MLP, 0, 1))));
      const reader = await CheckpointReader.open(fx(KERAS_MLP));
      const kernel = reader.entry(`layer_with_weights-0/kernel${VAR}`);
      const graph = reader.entry('_CHECKPOINTABLE_OBJECT_GRAPH');
      await reader.close();
      const bad = data.slice();
      bad[kernel.offset + Math.floor(kernel.size / 2)] ^= 0x01;
      bad[graph.offset + graph.size - 1] ^= 0x01; // inside the string bytes
      writeFileSync(dataFileName(prefix, 0, 1), bad);
      await withReader(prefix, async (r) => {
        await expectCheckpointError(
          r.read(`layer_with_weights-0/kernel${VAR}`),
          /tensor "layer_with_weights-0\/kernel\/.ATTRIBUTES\/VARIABLE_VALUE" fails its CRC32C check in .*shard\.data-00000-of-00001/,
        );
        await expectCheckpointError(r.read('_CHECKPOINTABLE_OBJECT_GRAPH'), /fails its CRC32C check/);
        // Untouched tensors in the same shard still read.
        expect((await r.read(`layer_with_weights-1/kernel${VAR}`)).shape).toEqual([100, 10]);
      });

      // Corrupt the string lengths instead: the length checksum catches it.
      const badLen = data.slice();
      badLen[graph.offset] ^= 0x01;
      writeFileSync(dataFileName(prefix, 0, 1), badLen);
      await withReader(prefix, (r) =>
        expectCheckpointError(r.read('_CHECKPOINTABLE_OBJECT_GRAPH'), /string-length checksum does not match/),
      );

      // A truncated shard: offsets past its end are reported, not read as garbage.
      writeFileSync(dataFileName(prefix, 0, 1), data.subarray(0, kernel.offset + 10));
      await withReader(prefix, (r) =>
        expectCheckpointError(r.read(`layer_with_weights-0/kernel${VAR}`), /out of range of .*shard\.data-00000-of-00001/),
      );

      // A missing shard.
      rmSync(dataFileName(prefix, 0, 1));
      await withReader(prefix, (r) => expectCheckpointError(r.read(`layer_with_weights-0/kernel${VAR}`), /is missing/));
    });

    it('a non-checkpoint file → bad magic; a missing index → clear error', async () => {
      const prefix = path.join(tmp, 'not-a-checkpoint');
      copyFileSync(fx(`${KERAS_MLP_DIR}/saved_model.pb`), `${prefix}.index`);
      await expectCheckpointError(
        CheckpointReader.open(prefix),
        /not-a-checkpoint\.index is not a TensorFlow checkpoint index \(bad magic\)/,
      );
      await expectCheckpointError(CheckpointReader.open(path.join(tmp, 'absent')), /no checkpoint index at .*absent\.index/);
    });
  });
});
