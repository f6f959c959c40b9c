/**
 * What a model version folder (or one model file) holds, decided once for serving, packaging,
 * `show` and `convert` alike.
 * @module formats/detect
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.ts';

export type ModelFolder =
  | { kind: 'tfjs'; modelJson: string }
  | { kind: 'saved_model'; dir: string }
  /** One frozen GraphDef, with an optional `frozen_graph.yaml|yml|json` naming its inputs and outputs. */
  | { kind: 'frozen_graph'; file: string; namesFile?: string }
  /** One TFLite flatbuffer (TF Serving's layout: `model.tflite`). */
  | { kind: 'tflite'; file: string }
  /**
   * One Keras file: a whole-model `.h5`/`.hdf5` or Keras 3 `.keras`, or a weights-only `.h5`
   * (`model.save_weights`) with its architecture (`model.to_json()`) in `architectureFile`.
   */
  | { kind: 'keras'; file: string; architectureFile?: string }
  /**
   * An ONNX model: `file` is an ONNX folder's `lambda-serving-onnx.json` (one `.onnx` per
   * signature, written by `convert --output_format onnx` and packaging) or one bare `.onnx`.
   */
  | { kind: 'onnx'; file: string };

/** The kinds of model this project reads, one per entry of the format registry. */
export type FormatKind = ModelFolder['kind'];

const KERAS_FILE = /\.(h5|hdf5|keras)$/i;
/** The manifest of an ONNX folder (formats/onnx-folder.ts). */
const ONNX_MANIFEST = 'lambda-serving-onnx.json';

/**
 * What `location` holds: a folder as `detectModelFolder` decides, or one file — read as the kind
 * the caller `expects` when that kind is a single file (`convert --input_format` names it), else by
 * its name: `model.json`/`.json` TF.js, `saved_model.pb` its SavedModel folder, `.pb` a frozen graph
 * (without a names file), `.tflite`, Keras `.h5`/`.hdf5`/`.keras`.
 */
export async function detectModel(location: string, expects?: FormatKind): Promise<ModelFolder> {
  const info = await stat(location).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read ${location}: ${error.code ?? error.message}`);
  });
  if (info.isDirectory()) return detectModelFolder(location);
  switch (expects) {
    case 'tfjs':
      return { kind: 'tfjs', modelJson: location };
    case 'frozen_graph':
    case 'tflite':
    case 'keras':
    case 'onnx':
      return { kind: expects, file: location };
  }
  if (path.basename(location) === ONNX_MANIFEST || location.endsWith('.onnx')) return { kind: 'onnx', file: location };
  if (location.endsWith('.json')) return { kind: 'tfjs', modelJson: location };
  if (path.basename(location) === 'saved_model.pb') return { kind: 'saved_model', dir: path.dirname(location) };
  if (location.endsWith('.pb')) return { kind: 'frozen_graph', file: location };
  if (location.endsWith('.tflite')) return { kind: 'tflite', file: location };
  if (KERAS_FILE.test(location)) return { kind: 'keras', file: location };
  throw new FailedPreconditionError(`${location} is not a model: expected a model folder, a .pb, a .tflite, a Keras .h5/.keras, a .onnx or a model.json`);
}

/** What the folder `dir` holds, decided from its file names (and what its `.json` files are). */
export async function detectModelFolder(dir: string): Promise<ModelFolder> {
  const files = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read model folder ${dir}: ${error.code ?? error.message}`);
  });
  const keras = files.filter((file) => KERAS_FILE.test(file));
  if (files.includes(ONNX_MANIFEST)) return { kind: 'onnx', file: path.join(dir, ONNX_MANIFEST) };
  if (files.includes('model.json')) {
    const modelJson = path.join(dir, 'model.json');
    // Keras's `model.to_json()` is often saved as model.json too: then the weights are the .h5.
    if (keras.length === 1 && (await isKerasArchitecture(modelJson))) return { kind: 'keras', file: path.join(dir, keras[0]), architectureFile: modelJson };
    return { kind: 'tfjs', modelJson };
  }
  if (files.includes('saved_model.pb')) return { kind: 'saved_model', dir };
  const tflite = files.filter((file) => file.endsWith('.tflite'));
  if (tflite.length === 1) return { kind: 'tflite', file: path.join(dir, tflite[0]) };
  if (keras.length === 1) {
    const architectures = [];
    for (const file of files.filter((name) => name.endsWith('.json'))) {
      if (await isKerasArchitecture(path.join(dir, file))) architectures.push(path.join(dir, file));
    }
    if (architectures.length > 1) throw new FailedPreconditionError(`${dir} holds more than one Keras architecture JSON: ${architectures.map((file) => path.basename(file)).join(', ')}`);
    return { kind: 'keras', file: path.join(dir, keras[0]), ...(architectures.length ? { architectureFile: architectures[0] } : {}) };
  }
  const frozen = files.filter((file) => file.endsWith('.pb'));
  if (frozen.length === 1) {
    const namesFile = files.find((file) => /^frozen_graph\.(ya?ml|json)$/.test(file));
    return { kind: 'frozen_graph', file: path.join(dir, frozen[0]), ...(namesFile ? { namesFile: path.join(dir, namesFile) } : {}) };
  }
  const onnx = files.filter((file) => file.endsWith('.onnx'));
  if (onnx.length === 1) return { kind: 'onnx', file: path.join(dir, onnx[0]) };
  throw new FailedPreconditionError(
    `No model found in ${dir}: expected a TF.js model.json, a saved_model.pb, one .tflite, one Keras .h5/.hdf5/.keras or one frozen-graph .pb, or an ONNX model (${ONNX_MANIFEST} or one .onnx) (found ${listed(files)})`,
  );
}

/** A Keras architecture JSON (`{"class_name": ..., "config": ...}`) rather than a TF.js model.json. */
async function isKerasArchitecture(file: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    return typeof json.class_name === 'string' && 'config' in json && !('modelTopology' in json);
  } catch {
    return false;
  }
}

function listed(files: string[]): string {
  if (!files.length) return 'nothing';
  return files.length > 8 ? `${files.slice(0, 8).join(', ')} and ${files.length - 8} more` : files.join(', ');
}
