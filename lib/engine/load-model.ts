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
import { detectModelFolder } from '../formats/detect.ts';
import { FailedPreconditionError } from '../errors.ts';

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
    case 'keras':
      return loadKeras(folder);
  }
}

/**
 * Keras models load as tfjs-layers models; one tfjs-layers cannot build (a layer class or option
 * it lacks, e.g. tf.keras's default GRU reset_after=True) is mapped onto TensorFlow ops instead.
 * Both give the same signature, so clients cannot tell which path serves them.
 */
async function loadKeras(folder: { file: string; architectureFile?: string }): Promise<LoadedModel> {
  const [{ readKerasFolder }, { loadKerasModel }] = await Promise.all([import('../importers/keras/folder.ts'), import('./tfjs/load-keras.ts')]);
  const what = `Keras model ${folder.file}`;
  const model = await readKerasFolder(folder);
  try {
    return await loadKerasModel(model, what);
  } catch (layersError) {
    if (!(layersError instanceof FailedPreconditionError)) throw layersError;
    const { kerasToGraph } = await import('../importers/keras/graph-mapper.ts');
    try {
      const loaded = await loadImportedGraph(kerasToGraph(model, what), what);
      console.log(`lambda-serving: ${what}: tfjs-layers cannot build it (${layersError.message}); serving it as a TensorFlow graph`);
      return loaded;
    } catch (graphError) {
      if (!(graphError instanceof FailedPreconditionError)) throw graphError;
      throw new FailedPreconditionError(`${layersError.message}; nor as a TensorFlow graph: ${graphError.message}`);
    }
  }
}
