/**
 * What a version folder holds, decided from its file names (and, for `.json` files beside a
 * Keras `.h5`, from whether the JSON is a Keras architecture or a TF.js model.json).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../../lib/errors.ts';
import { detectModelFolder } from '../../lib/formats/detect.ts';

let root: string;
let count = 0;

/** A fresh folder holding `files` (name → contents); only names and JSON matter to detection. */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, String(count++));
  await mkdir(dir);
  for (const [name, contents] of Object.entries(files)) await writeFile(path.join(dir, name), contents);
  return dir;
}

const KERAS_ARCHITECTURE = JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [] }, keras_version: '2.2.4' });
const TFJS_MODEL_JSON = JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'model-folder-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('detectModelFolder', () => {
  it('finds a TFLite flatbuffer and Keras files by their extensions', async () => {
    const tflite = await folder({ 'model.tflite': '' });
    expect(await detectModelFolder(tflite)).toEqual({ kind: 'tflite', file: path.join(tflite, 'model.tflite') });
    for (const name of ['model.h5', 'weights.HDF5', 'model.keras']) {
      const dir = await folder({ [name]: '', 'labels.json': '["a","b"]' });
      expect(await detectModelFolder(dir)).toEqual({ kind: 'keras', file: path.join(dir, name) });
    }
  });

  it('pairs a weights .h5 with the Keras architecture JSON beside it, even one named model.json', async () => {
    const named = await folder({ 'weights.h5': '', 'architecture.json': KERAS_ARCHITECTURE, 'labels.json': '{}' });
    expect(await detectModelFolder(named)).toEqual({ kind: 'keras', file: path.join(named, 'weights.h5'), architectureFile: path.join(named, 'architecture.json') });
    const modelJson = await folder({ 'weights.h5': '', 'model.json': KERAS_ARCHITECTURE });
    expect(await detectModelFolder(modelJson)).toEqual({ kind: 'keras', file: path.join(modelJson, 'weights.h5'), architectureFile: path.join(modelJson, 'model.json') });
  });

  it('keeps a TF.js model.json a TF.js model even with an .h5 beside it', async () => {
    const dir = await folder({ 'model.json': TFJS_MODEL_JSON, 'original.h5': '' });
    expect(await detectModelFolder(dir)).toEqual({ kind: 'tfjs', modelJson: path.join(dir, 'model.json') });
  });

  it('refuses two Keras architectures for one weights file, and names what it looked for in an empty folder', async () => {
    const two = await folder({ 'w.h5': '', 'a.json': KERAS_ARCHITECTURE, 'b.json': KERAS_ARCHITECTURE });
    await expect(detectModelFolder(two)).rejects.toThrow(/more than one Keras architecture JSON: a\.json, b\.json/);
    const empty = await folder({ 'notes.txt': '' });
    const error = await detectModelFolder(empty).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as Error).message).toMatch(/one \.tflite, one Keras \.h5\/\.hdf5\/\.keras .*\(found notes\.txt\)/);
  });
});
