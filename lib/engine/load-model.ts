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
import { loadImportedGraph } from './tfjs/load-graph.ts';
import { importFrozenGraph, readFrozenGraphOptions } from '../importers/tensorflow/frozen-graph.ts';
import { importSavedModel } from '../importers/tensorflow/saved-model.ts';

/** Loads the model in `versionDir` (a `models/<name>/<version>/` folder). */
export async function loadModel(versionDir: string): Promise<LoadedModel> {
  await initBackend();
  const files = await readdir(versionDir).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read model folder ${versionDir}: ${error.code ?? error.message}`);
  });
  if (files.includes('model.json')) return loadTfjsModel(path.join(versionDir, 'model.json'));
  if (files.includes('saved_model.pb')) {
    return loadImportedGraph(await importSavedModel(versionDir), `SavedModel ${versionDir}`);
  }
  const frozen = files.filter((file) => file.endsWith('.pb'));
  if (frozen.length === 1) {
    const namesFile = files.find((file) => /^frozen_graph\.(ya?ml|json)$/.test(file));
    const options = namesFile ? await readFrozenGraphOptions(path.join(versionDir, namesFile)) : {};
    const file = path.join(versionDir, frozen[0]);
    const graph = await importFrozenGraph(file, options);
    const { inputs, outputs } = graph.signatures.serving_default;
    const how = namesFile ? `named in ${namesFile}` : 'found in the graph';
    console.log(`lambda-serving: frozen graph ${file}: inputs [${Object.keys(inputs).join(', ')}], outputs [${Object.keys(outputs).join(', ')}] (${how})`);
    return loadImportedGraph(graph, `frozen graph ${file}`);
  }
  throw new FailedPreconditionError(
    `No model found in ${versionDir}: expected a TF.js model.json, a saved_model.pb or one frozen-graph .pb (found ${files.join(', ') || 'nothing'})`,
  );
}
