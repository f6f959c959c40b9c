/**
 * Malformed and unsupported TFLite files fail at import with a FailedPreconditionError that names
 * the file (and the op, tensor or buffer at fault) — never another error, a crash or a hang.
 * Expected messages follow the schema's rules (TFLite `schema.fbs`: file identifier "TFL3",
 * buffer 0 is the empty sentinel, Buffer offset/size are relative to the file start); the
 * fixtures are only used as valid bytes to damage.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../../../lib/errors.ts';
import { importTflite, importTfliteFile, readTflite, writeTflite } from '../../../lib/importers/tflite/index.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { ModelBuilder } from './build-model.ts';

/** The error importTflite throws (failing the test if it returns). */
function importError(bytes: Uint8Array, what = 'broken.tflite'): Error {
  try {
    importTflite(bytes, what);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the import to fail');
}

function addModel(): ModelBuilder {
  const b = new ModelBuilder();
  const x = b.input('x', [1, 4]);
  const c = b.tensor('c', [4], { data: [1, 2, 3, 4] });
  const y = b.output(b.tensor('y', [1, 4]));
  b.op('ADD', [x, c], [y], { fused_activation_function: 0 });
  return b;
}

describe('malformed TFLite files', () => {
  const valid = addModel().bytes();

  it('a file too short for a flatbuffer', () => {
    for (const bytes of [new Uint8Array(0), valid.subarray(0, 7)]) {
      const error = importError(bytes);
      expect(error).toBeInstanceOf(FailedPreconditionError);
      expect(error.message).toMatch(/^broken\.tflite is not a valid TFLite model: \d+ bytes is too short/);
    }
  });

  it('the wrong file identifier', () => {
    const bytes = valid.slice();
    bytes.set(new TextEncoder().encode('TFL2'), 4);
    expect(importError(bytes).message).toBe('broken.tflite is not a valid TFLite model: file identifier is "TFL2", expected "TFL3"');
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(importError(png).message).toMatch(/file identifier is bytes 0d 0a 1a 0a, expected "TFL3"/);
  });

  it('a root offset outside the file', () => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setUint32(0, bytes.length + 100, true);
    const error = importError(bytes);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.message).toMatch(/root table points outside the file/);
  });

  it('a root offset that lands on garbage (vtable outside the file)', () => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setUint32(0, 8, true);
    new DataView(bytes.buffer).setInt32(8, -0x7fffffff, true);
    expect(importError(bytes).message).toMatch(/root table vtable points outside the file/);
  });

  it('a tensor naming a buffer that does not exist', () => {
    const b = addModel();
    b.model.subgraphs[0].tensors[1].buffer = 99;
    expect(importError(b.bytes()).message).toBe(
      `broken.tflite is not a valid TFLite model: subgraph 0 tensor 1 ('c') refers to buffer 99, but the model has ${b.model.buffers.length} buffers`,
    );
  });

  it('buffer data (offset/size) outside the file', () => {
    const bytes = addModel().bytes({ externalBuffers: true });
    // Truncate the appended data: the constant's offset + size now run past the end.
    const error = importError(bytes.subarray(0, bytes.length - 8));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.message).toMatch(/buffer data at offset \d+ size 16 points outside the file/);
  });

  it('constant data of the wrong size, operators reading missing tensors', () => {
    const short = addModel();
    short.model.buffers[1] = { data: new Uint8Array(8) };
    expect(importError(short.bytes()).message).toBe("broken.tflite: subgraph 0: constant tensor 1 ('c') holds 8 bytes, but FLOAT32 [4] needs 16");
    const outOfRange = addModel();
    outOfRange.model.subgraphs[0].operators[0].inputs = [0, 7];
    expect(importError(outOfRange.bytes()).message).toMatch(/operator 0 reads tensor 7, but it has 3 tensors/);
    const cycle = addModel();
    cycle.model.subgraphs[0].operators[0].inputs = [2, 1]; // reads its own output
    expect(importError(cycle.bytes()).message).toBe(
      "broken.tflite: cannot import operator 0 (ADD, output 'y'): input 0 ('y') is neither a constant, a subgraph input nor produced by an earlier operator",
    );
  });

  it('a file that cannot be read', async () => {
    await expect(importTfliteFile('/nonexistent/model.tflite')).rejects.toThrow(FailedPreconditionError);
    await expect(importTfliteFile('/nonexistent/model.tflite')).rejects.toThrow(/Cannot read TFLite model \/nonexistent\/model\.tflite/);
  });

  it('every truncation and 2,000 random byte changes: a FailedPreconditionError or a model, nothing else', () => {
    const started = performance.now();
    const outcomes = { failed: 0, imported: 0 };
    const attempt = (bytes: Uint8Array) => {
      try {
        importTflite(bytes, 'damaged.tflite');
        outcomes.imported++;
      } catch (error) {
        expect(error).toBeInstanceOf(FailedPreconditionError);
        expect((error as Error).message).toContain('damaged.tflite');
        outcomes.failed++;
      }
    };
    for (let length = 0; length < valid.length; length++) attempt(valid.subarray(0, length));
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 2000; n++) {
      const bytes = valid.slice();
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      attempt(bytes);
    }
    expect(outcomes.failed).toBeGreaterThan(valid.length / 2);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`damaged fixtures${FIXTURES_NOTE}`, () => {
  it('truncated MobileNet files name the file', () => {
    const file = 'tflite/tflite-support-mobilenet-v1-025/mobilenet_v1_0.25_224_1_default_1.tflite';
    const bytes = readFileSync(fixture(file));
    for (const length of [0, 7, 100, 4096, bytes.length >> 1]) {
      const error = importError(bytes.subarray(0, length), file);
      expect(error, `${length} bytes`).toBeInstanceOf(FailedPreconditionError);
      expect(error.message).toContain(`${file} is not a valid TFLite model`);
    }
  });
});

describe('unsupported operators', () => {
  it('are refused at import, naming every unsupported op, its operator index and output tensor', () => {
    const b = new ModelBuilder();
    const x = b.input('boxes', [1, 10, 4]);
    const a = b.tensor('a', [1, 10, 4]);
    const detections = b.tensor('detections', [1, 10, 4]);
    const sorted = b.output(b.tensor('sorted', [1, 10, 4]));
    b.op('RELU', [x], [a]);
    b.op('CUSTOM', [a], [detections], {}, undefined, 'TFLite_Detection_PostProcess');
    b.op('REVERSE_V2', [detections], [sorted]);
    const error = importError(b.bytes(), 'detector.tflite');
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.message).toBe(
      "detector.tflite uses TFLite ops this importer cannot map: CUSTOM 'TFLite_Detection_PostProcess', REVERSE_V2 — at operator 1 → 'detections' (CUSTOM 'TFLite_Detection_PostProcess'), operator 2 → 'sorted' (REVERSE_V2)",
    );
  });

  it('and so are unsupported variants of supported ops', () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 4]);
    const w = b.tensor('w', [2, 4], { data: new Array(8).fill(1) });
    const y = b.output(b.tensor('y', [1, 2]));
    b.op('FULLY_CONNECTED', [x, w, -1], [y], { fused_activation_function: 0, weights_format: 1 });
    expect(importError(b.bytes(), 'fc.tflite').message).toBe(
      "fc.tflite: cannot import operator 0 (FULLY_CONNECTED, output 'y'): shuffled weights (SHUFFLED4x16INT8) are not supported",
    );
    const act = new ModelBuilder();
    const i = act.input('x', [1, 4]);
    const o = act.output(act.tensor('y', [1, 4]));
    act.op('ADD', [i, i], [o], { fused_activation_function: 5 });
    expect(importError(act.bytes(), 'act.tflite').message).toMatch(/operator 0 \(ADD, output 'y'\): fused activation SIGN_BIT is not supported/);
  });
});

describe('reader and writer', () => {
  it('read → write → read keeps every field the reader reads', () => {
    const b = addModel();
    b.signature('serving_default', { x: 0 }, { y: 2 });
    const once = readTflite(b.bytes(), 'a');
    const twice = readTflite(writeTflite(once), 'b');
    expect(twice).toEqual(once);
    const external = readTflite(b.bytes({ externalBuffers: true }), 'c');
    expect(external.buffers[1].external).toEqual({ offset: expect.any(Number), size: 16 });
    expect(Array.from(new Float32Array(new Uint8Array(external.buffers[1].data).buffer))).toEqual([1, 2, 3, 4]);
  });
});
