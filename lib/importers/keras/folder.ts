/**
 * A Keras model version folder, as `detectModelFolder` found it, read into a `KerasModel`: one
 * whole-model `.h5`/`.hdf5`/`.keras` file, or a weights-only `.h5` with its architecture JSON.
 * @module importers/keras/folder
 */
import { readFile } from 'node:fs/promises';
import { FailedPreconditionError } from '../../errors.ts';
import { importKerasFile, importKerasWeightsOnly, type KerasModel } from './index.ts';

export async function readKerasFolder(folder: { file: string; architectureFile?: string }): Promise<KerasModel> {
  if (!folder.architectureFile) return importKerasFile(folder.file);
  const read = (file: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new FailedPreconditionError(`Cannot read ${file}: ${error.code ?? error.message}`);
    });
  const architecture = new TextDecoder().decode(await read(folder.architectureFile));
  return importKerasWeightsOnly(architecture, new Uint8Array(await read(folder.file)), folder.file);
}
