/**
 * What a model version folder holds, decided once for serving, `show` and `convert` alike.
 * @module importers/model-folder
 */
import { readdir, readFile } from 'node:fs/promises';
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
  | { kind: 'keras'; file: string; architectureFile?: string };

const KERAS_FILE = /\.(h5|hdf5|keras)$/i;

export async function detectModelFolder(dir: string): Promise<ModelFolder> {
  const files = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read model folder ${dir}: ${error.code ?? error.message}`);
  });
  const keras = files.filter((file) => KERAS_FILE.test(file));
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
  throw new FailedPreconditionError(
    `No model found in ${dir}: expected a TF.js model.json, a saved_model.pb, one .tflite, one Keras .h5/.hdf5/.keras or one frozen-graph .pb (found ${listed(files)})`,
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
