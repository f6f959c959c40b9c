/**
 * Keras models → the engine-neutral `KerasModel`: HDF5 files from `model.save('m.h5')` (Keras 2,
 * tf.keras), Keras 3 `.keras` zips, and `model.save_weights()` files with the
 * `model.to_json()` architecture beside them. Files are told apart by their first bytes.
 * @module importers/keras
 */
import { FailedPreconditionError } from '../../errors.ts';
import { readModelFile } from '../read-model-file.ts';
import { parseModelJson } from './config.ts';
import { readKerasH5, readKerasH5Weights } from './h5-model.ts';
import { readKerasV3 } from './keras-v3.ts';
import type { KerasModel, KerasObject } from '../../graph/keras-model.ts';

export type { KerasFormat, KerasModel, KerasObject, KerasWeight } from '../../graph/keras-model.ts';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04]; // PK\x03\x04

export type KerasFileKind = 'hdf5' | 'zip';

/** `hdf5` or `zip` by the file's signature, else undefined. */
export function kerasFileKind(bytes: Uint8Array): KerasFileKind | undefined {
  const starts = (signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(HDF5_SIGNATURE)) return 'hdf5';
  if (starts(ZIP_SIGNATURE)) return 'zip';
  return undefined;
}

/** Reads a Keras `.h5`/`.hdf5` full-model file or a Keras 3 `.keras` file. */
export async function importKerasFile(file: string): Promise<KerasModel> {
  return importKerasBytes(await readModelFile(file, 'Keras model'), file);
}

/** As importKerasFile, from the file's bytes; `what` names it in errors. */
export async function importKerasBytes(bytes: Uint8Array, what: string): Promise<KerasModel> {
  switch (kerasFileKind(bytes)) {
    case 'hdf5':
      return readKerasH5(bytes, what);
    case 'zip':
      return readKerasV3(bytes, what);
    default:
      throw new FailedPreconditionError(
        `${what} is neither an HDF5 file (Keras .h5) nor a zip (Keras 3 .keras): it starts with ${hex(bytes.subarray(0, 8))}`,
      );
  }
}

/**
 * A `model.save_weights()` file (Keras 2 `w.h5` or Keras 3 `m.weights.h5`) with its
 * architecture: the text `model.to_json()` returned, or that JSON already parsed.
 */
export async function importKerasWeightsOnly(
  architecture: string | KerasObject,
  weights: Uint8Array,
  what = 'Keras weights file',
): Promise<KerasModel> {
  const model = typeof architecture === 'string' ? parseModelJson(architecture, `architecture JSON for ${what}`) : architecture;
  if (kerasFileKind(weights) !== 'hdf5') {
    throw new FailedPreconditionError(`${what} is not an HDF5 file: it starts with ${hex(weights.subarray(0, 8))}`);
  }
  return readKerasH5Weights(model, weights, what);
}


function hex(bytes: Uint8Array): string {
  return bytes.length ? Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ') : 'nothing (it is empty)';
}
