/**
 * Puts a model's folder into a package: version folders already in TF.js format are copied;
 * SavedModels, frozen graphs, TFLite and Keras files are converted (as `lambda-serving convert`
 * does) so the Lambda loads TF.js artifacts at cold start — no protobuf, checkpoint, flatbuffer
 * or HDF5 parsing, and the importers' chunks are never evaluated. Serving either answers the same.
 * A version that cannot be converted fails the packaging, naming it, rather than a deployed Lambda.
 */
import { cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { convertModel, parseConvertFlags } from '../lib/cli/convert.ts';
import { FailedPreconditionError } from '../lib/errors.ts';
import { detectModelFolder, type ModelFolder } from '../lib/formats/detect.ts';

export interface StagedVersion {
  version: string;
  /** What the version folder held, and what was done with it. */
  kind: ModelFolder['kind'];
  converted: boolean;
}

const INPUT_FORMAT: Record<Exclude<ModelFolder['kind'], 'tfjs'>, (folder: ModelFolder) => string> = {
  saved_model: () => 'tf_saved_model',
  frozen_graph: () => 'tf_frozen_model',
  tflite: () => 'tflite',
  keras: (folder) => ('file' in folder && folder.file.endsWith('.keras') ? 'keras_v3' : 'keras'),
};

/** Copies `src` (models/<name>) to `dst`, converting version folders unless `convert` is false. */
export async function stageModel(src: string, dst: string, options: { convert?: boolean } = {}): Promise<StagedVersion[]> {
  await mkdir(dst, { recursive: true });
  const staged: StagedVersion[] = [];
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    const isVersion = /^\d+$/.test(entry.name) && (entry.isDirectory() || entry.isSymbolicLink());
    if (!isVersion || options.convert === false) {
      await cp(from, to, { recursive: true, dereference: true });
      continue;
    }
    const folder = await detectModelFolder(from);
    if (folder.kind === 'tfjs') {
      await cp(from, to, { recursive: true, dereference: true });
      staged.push({ version: entry.name, kind: folder.kind, converted: false });
      continue;
    }
    try {
      await convertVersion(INPUT_FORMAT[folder.kind](folder), from, to);
    } catch (error) {
      throw new Error(`Cannot convert ${from} (${folder.kind.replace('_', ' ')}) for packaging: ${(error as Error).message}`, { cause: error });
    }
    staged.push({ version: entry.name, kind: folder.kind, converted: true });
  }
  return staged;
}

/**
 * Converts one version. A Keras model tfjs-layers cannot build becomes a graph model instead, as
 * serving it unconverted would fall back to (engine/load-model.ts).
 */
async function convertVersion(inputFormat: string, from: string, to: string): Promise<void> {
  try {
    await convertModel(parseConvertFlags([`--input_format=${inputFormat}`, from, to]));
  } catch (error) {
    if (!inputFormat.startsWith('keras') || !(error instanceof FailedPreconditionError)) throw error;
    try {
      await convertModel(parseConvertFlags([`--input_format=${inputFormat}`, '--output_format=tfjs_graph_model', from, to]));
    } catch (graphError) {
      throw new FailedPreconditionError(`${error.message}; nor as a TensorFlow graph: ${(graphError as Error).message}`);
    }
  }
}
