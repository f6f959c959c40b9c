/**
 * What a version folder holds, decided from its file names (and, for `.json` files beside a
 * Keras `.h5`, from whether the JSON is a Keras architecture or a TF.js model.json); and what one
 * model file is (show and convert take files too).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../../lib/errors.ts';
import { detectModel, detectModelFolder } from '../../lib/formats/detect.ts';

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

describe('detectModelFolder: ONNX', () => {
  it('finds an ONNX folder by its manifest, whatever else it holds, and one bare .onnx', async () => {
    const converted = await folder({ 'lambda-serving-onnx.json': '{}', 'serving_default.onnx': '', 'predict.onnx': '' });
    expect(await detectModelFolder(converted)).toEqual({ kind: 'onnx', file: path.join(converted, 'lambda-serving-onnx.json') });
    const bare = await folder({ 'model.onnx': '', 'README.md': '' });
    expect(await detectModelFolder(bare)).toEqual({ kind: 'onnx', file: path.join(bare, 'model.onnx') });
    // Another format beside a bare .onnx is that format (tf2onnx output next to its SavedModel).
    const beside = await folder({ 'saved_model.pb': '', 'model.onnx': '' });
    expect((await detectModelFolder(beside)).kind).toBe('saved_model');
    const two = await folder({ 'a.onnx': '', 'b.onnx': '' });
    await expect(detectModelFolder(two)).rejects.toThrow(/lambda-serving-onnx\.json or one \.onnx\) \(found a\.onnx, b\.onnx\)/);
  });

  it('tells an ONNX manifest and a .onnx file by name', async () => {
    const dir = await folder({ 'lambda-serving-onnx.json': '{}', 'm.onnx': '', 'model.bin': '' });
    expect(await detectModel(path.join(dir, 'lambda-serving-onnx.json'))).toEqual({ kind: 'onnx', file: path.join(dir, 'lambda-serving-onnx.json') });
    expect(await detectModel(path.join(dir, 'm.onnx'))).toEqual({ kind: 'onnx', file: path.join(dir, 'm.onnx') });
    expect(await detectModel(path.join(dir, 'model.bin'), 'onnx')).toEqual({ kind: 'onnx', file: path.join(dir, 'model.bin') });
  });
});

describe('detectModel', () => {
  it('reads a folder as detectModelFolder does', async () => {
    const dir = await folder({ 'model.tflite': '' });
    expect(await detectModel(dir)).toEqual(await detectModelFolder(dir));
  });

  it('tells one file by its name; saved_model.pb stands for its folder', async () => {
    const dir = await folder({ 'saved_model.pb': '', 'g.pb': '', 'm.tflite': '', 'm.keras': '', 'w.HDF5': '', 'model.json': TFJS_MODEL_JSON });
    expect(await detectModel(path.join(dir, 'saved_model.pb'))).toEqual({ kind: 'saved_model', dir });
    expect(await detectModel(path.join(dir, 'g.pb'))).toEqual({ kind: 'frozen_graph', file: path.join(dir, 'g.pb') });
    expect(await detectModel(path.join(dir, 'm.tflite'))).toEqual({ kind: 'tflite', file: path.join(dir, 'm.tflite') });
    expect(await detectModel(path.join(dir, 'm.keras'))).toEqual({ kind: 'keras', file: path.join(dir, 'm.keras') });
    expect(await detectModel(path.join(dir, 'w.HDF5'))).toEqual({ kind: 'keras', file: path.join(dir, 'w.HDF5') });
    expect(await detectModel(path.join(dir, 'model.json'))).toEqual({ kind: 'tfjs', modelJson: path.join(dir, 'model.json') });
  });

  it('reads a file as the single-file kind the caller expects, whatever its name', async () => {
    const dir = await folder({ 'model.bin': '', 'saved_model.pb': '' });
    const file = path.join(dir, 'model.bin');
    expect(await detectModel(file, 'tflite')).toEqual({ kind: 'tflite', file });
    expect(await detectModel(file, 'frozen_graph')).toEqual({ kind: 'frozen_graph', file });
    expect(await detectModel(file, 'keras')).toEqual({ kind: 'keras', file });
    // A SavedModel is a folder: a file is only one as its saved_model.pb.
    expect(await detectModel(path.join(dir, 'saved_model.pb'), 'saved_model')).toEqual({ kind: 'saved_model', dir });
    await expect(detectModel(file, 'saved_model')).rejects.toThrow(/model\.bin is not a model: expected a model folder, a \.pb, a \.tflite/);
  });

  it('names a path that does not exist', async () => {
    const error = await detectModel(path.join(root, 'missing')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as Error).message).toBe(`Cannot read ${path.join(root, 'missing')}: ENOENT`);
  });
});
