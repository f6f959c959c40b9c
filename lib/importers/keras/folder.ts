/**
 * A Keras model version folder, as `detectModelFolder` found it, read into a `KerasModel`: one
 * whole-model `.h5`/`.hdf5`/`.keras` file, or a weights-only `.h5` with its architecture JSON.
 * @module importers/keras/folder
 */
import { readModelFile } from '../read-model-file.ts';
import { importKerasFile, importKerasWeightsOnly, type KerasModel } from './index.ts';

export async function readKerasFolder(folder: { file: string; architectureFile?: string }): Promise<KerasModel> {
  if (!folder.architectureFile) return importKerasFile(folder.file);
  const architecture = new TextDecoder().decode(await readModelFile(folder.architectureFile, 'Keras architecture'));
  return importKerasWeightsOnly(architecture, await readModelFile(folder.file, 'Keras weights'), folder.file);
}
