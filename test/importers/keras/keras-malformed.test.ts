/**
 * Files that are not servable Keras models: each is refused with a FailedPreconditionError naming
 * the file and the problem, quietly (libhdf5's error stack must not reach stderr), never a crash.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServingError } from '../../../lib/errors.ts';
import { importKerasBytes, importKerasFile, importKerasWeightsOnly, kerasFileKind } from '../../../lib/importers/keras/index.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { REPO_ROOT } from '../../support/serve-process.ts';
import { readKeras2File, writeH5, writeSaveWeightsFile } from './h5-files.ts';
import { CNN2D, pseudoRandom, refused } from './keras-support.ts';

describe('Keras file detection', () => {
  it('tells HDF5 from zip by the signature', () => {
    expect(kerasFileKind(Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('hdf5');
    expect(kerasFileKind(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBe('zip');
    expect(kerasFileKind(new TextEncoder().encode('{"class_name": "Sequential"}'))).toBeUndefined();
    expect(kerasFileKind(new Uint8Array(0))).toBeUndefined();
  });

  it('refuses a file that is neither, and an empty one', async () => {
    expect(await refused(importKerasBytes(new TextEncoder().encode('not a model at all'), 'notes.txt'))).toBe(
      'notes.txt is neither an HDF5 file (Keras .h5) nor a zip (Keras 3 .keras): it starts with 6e 6f 74 20 61 20 6d 6f',
    );
    expect(await refused(importKerasBytes(new Uint8Array(0), 'empty.h5'))).toMatch(/empty\.h5 is neither .* it starts with nothing \(it is empty\)/);
  });

  it('refuses a missing file', async () => {
    expect(await refused(importKerasFile('/nonexistent/model.h5'))).toBe('Cannot read Keras model /nonexistent/model.h5: ENOENT');
  });

  it('refuses an architecture JSON that is not one', async () => {
    expect(await refused(importKerasWeightsOnly('{"layers": []}', new Uint8Array(8), 'w.h5'))).toMatch(/architecture JSON for w\.h5 is not a Keras model config/);
    expect(await refused(importKerasWeightsOnly('{nope', new Uint8Array(8), 'w.h5'))).toMatch(/architecture JSON for w\.h5 is not JSON/);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`malformed Keras HDF5 files${FIXTURES_NOTE}`, () => {
  let dir: string;
  let whole: Uint8Array;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keras-bad-'));
    whole = await readFile(fixture(CNN2D));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fileWith(name: string, bytes: Uint8Array): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return file;
  }

  it('a truncated .h5 (its first 1000 bytes)', async () => {
    const file = await fileWith('truncated.h5', whole.subarray(0, 1000));
    expect(await refused(importKerasFile(file))).toBe(
      `${file} is not a readable HDF5 file: truncated file: eof = 1000, sblock->base_addr = 0, stored_eof = 29504`,
    );
  });

  it('an HDF5 file that is not a Keras model', async () => {
    const bytes = await writeH5((h5) => {
      h5.create_dataset({ name: 'data', data: new Float32Array([1, 2, 3]) });
    });
    const file = await fileWith('data.h5', bytes);
    expect(await refused(importKerasFile(file))).toBe(`${file} is an HDF5 file without a Keras model_config attribute`);
  });

  it('a save_weights file served alone, with a hint', async () => {
    const file = await fileWith('weights.h5', await writeSaveWeightsFile(await readKeras2File(whole)));
    expect(await refused(importKerasFile(file))).toMatch(/without a Keras model_config attribute: it holds only weights .*model\.to_json/);
  });

  it('a full model given as a weights-only file, and weights for layers the architecture lacks', async () => {
    const source = await readKeras2File(whole);
    const architecture = JSON.stringify(source.modelConfig);
    expect(await refused(importKerasWeightsOnly(architecture, whole, 'cnn2d_64.h5'))).toMatch(/cnn2d_64\.h5 has neither a layer_names attribute nor a layers group.*it is a full model/);
    const other = { ...source, layers: source.layers.map((layer) => (layer.name === 'conv2d_25' ? { ...layer, name: 'dense_9' } : layer)) };
    expect(await refused(importKerasWeightsOnly(architecture, await writeSaveWeightsFile(other), 'w.h5'))).toBe(
      'w.h5 holds weights for layer the architecture does not have: dense_9',
    );
  });

  it('randomly corrupted copies: refused or read, never a crash or a hang', async () => {
    let refusedCount = 0;
    for (let i = 0; i < 60; i++) {
      const bytes = Uint8Array.from(whole);
      const noise = pseudoRandom(66, i + 1).map((v) => Math.abs(v));
      const start = 8 + Math.floor(noise[0] * (bytes.length - 80));
      const length = 1 + Math.floor(noise[1] * 64);
      for (let j = 0; j < length; j++) bytes[start + j] = Math.floor(noise[2 + j] * 256);
      const error = await importKerasBytes(bytes, `corrupt-${i}.h5`).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (error === undefined) continue;
      expect(error, String(error)).toBeInstanceOf(ServingError);
      expect((error as Error).message).toContain(`corrupt-${i}.h5`);
      refusedCount++;
    }
    expect(refusedCount).toBeGreaterThan(0);
  });

  it('prints nothing to stderr while refusing files (libhdf5 reports through the error)', async () => {
    const truncated = await fileWith('quiet.h5', whole.subarray(0, 1000));
    const garbage = await fileWith('quiet-garbage.h5', Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(100).fill(7)]));
    const script = await fileWith(
      'quiet.mts',
      new TextEncoder().encode(
        [
          `import { importKerasFile } from ${JSON.stringify(path.join(REPO_ROOT, 'lib/importers/keras/index.ts'))};`,
          `for (const file of ${JSON.stringify([truncated, garbage])}) {`,
          `  await importKerasFile(file).then(() => console.log('read'), (error) => console.log(error.constructor.name));`,
          `}`,
        ].join('\n'),
      ),
    );
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT });
    expect(stdout.trim().split('\n')).toEqual(['FailedPreconditionError', 'FailedPreconditionError']);
    expect(stderr).toBe('');
  });
});
