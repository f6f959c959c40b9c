/**
 * Finds what a version folder holds and loads it with the matching engine path.
 * @module engine/load-model
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.ts';
import type { LoadedModel } from './model.ts';
import { initBackend } from './backend.ts';
import { loadTfjsModel } from './tfjs/tfjs-model.ts';

/** Loads the model in `versionDir` (a `models/<name>/<version>/` folder). */
export async function loadModel(versionDir: string): Promise<LoadedModel> {
  await initBackend();
  const files = await readdir(versionDir).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read model folder ${versionDir}: ${error.code ?? error.message}`);
  });
  if (files.includes('model.json')) return loadTfjsModel(path.join(versionDir, 'model.json'));
  throw new FailedPreconditionError(
    `No model found in ${versionDir}: expected a TF.js model.json (found ${files.join(', ') || 'nothing'})`,
  );
}
