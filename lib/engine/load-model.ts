/**
 * Finds what a version folder holds and loads it with the matching engine path.
 * @module engine/load-model
 */
import path from 'node:path';
import type { LoadedModel } from './model.ts';
import { initBackend } from './backend.ts';
import { loadTfjsModel } from './tfjs/tfjs-model.ts';
import { loadImportedGraph } from './tfjs/load-graph.ts';
import { importFrozenGraph, readFrozenGraphOptions } from '../importers/tensorflow/frozen-graph.ts';
import { importSavedModel } from '../importers/tensorflow/saved-model.ts';
import { detectModelFolder } from '../importers/model-folder.ts';

/**
 * Loads the model in `versionDir` (a `models/<name>/<version>/` folder). The Keras and TFLite
 * importers load on first use: the HDF5 library alone is 4 MB of JavaScript a Lambda running a
 * TF.js or TensorFlow model should not evaluate at cold start.
 */
export async function loadModel(versionDir: string): Promise<LoadedModel> {
  await initBackend();
  const folder = await detectModelFolder(versionDir);
  switch (folder.kind) {
    case 'tfjs':
      return loadTfjsModel(folder.modelJson);
    case 'saved_model':
      return loadImportedGraph(await importSavedModel(folder.dir), `SavedModel ${versionDir}`);
    case 'frozen_graph': {
      const options = folder.namesFile ? await readFrozenGraphOptions(folder.namesFile) : {};
      const graph = await importFrozenGraph(folder.file, options);
      const { inputs, outputs } = graph.signatures.serving_default;
      const how = folder.namesFile ? `named in ${path.basename(folder.namesFile)}` : 'found in the graph';
      console.log(`lambda-serving: frozen graph ${folder.file}: inputs [${Object.keys(inputs).join(', ')}], outputs [${Object.keys(outputs).join(', ')}] (${how})`);
      return loadImportedGraph(graph, `frozen graph ${folder.file}`);
    }
    case 'tflite': {
      const { importTfliteFile } = await import('../importers/tflite/index.ts');
      return loadImportedGraph(await importTfliteFile(folder.file), `TFLite model ${folder.file}`);
    }
    case 'keras': {
      const [{ readKerasFolder }, { loadKerasModel }] = await Promise.all([import('../importers/keras/folder.ts'), import('./tfjs/load-keras.ts')]);
      return loadKerasModel(await readKerasFolder(folder), `Keras model ${folder.file}`);
    }
  }
}
