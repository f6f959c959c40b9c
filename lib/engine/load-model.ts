/**
 * Loads what a version folder holds: the format registry finds and reads it, an engine loads it.
 * @module engine/load-model
 */
import { readModelFolder } from '../formats/registry.ts';
import { loadArtifact, type EngineChoice } from './engine.ts';
import type { LoadedModel } from './model.ts';

const log = (line: string) => console.log(`lambda-serving: ${line}`);

/**
 * Loads the model in `versionDir` (a `models/<name>/<version>/` folder). Importers load on first
 * use: the HDF5 library alone is 4 MB of JavaScript a Lambda running a TF.js or TensorFlow model
 * should not evaluate at cold start.
 */
export async function loadModel(versionDir: string, options: { engine?: EngineChoice } = {}): Promise<LoadedModel> {
  return loadArtifact(await readModelFolder(versionDir, { log }), { log, ...options });
}
