/**
 * The TF.js engine: TF.js folders load as they are; graphs are lowered to GraphModels; Keras
 * models load as tfjs-layers models, or — when tfjs-layers cannot build one (a layer class or
 * option it lacks, e.g. tf.keras's default GRU reset_after=True) — as the same model mapped onto
 * TensorFlow ops. Both give the same signature, so clients cannot tell which path serves them;
 * packaging picks the path serving would by loading through here.
 * @module engine/tfjs/engine
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { KerasArtifact } from '../../formats/artifact.ts';
import { initBackend } from '../backend.ts';
import type { Engine, EngineLoadOptions } from '../engine.ts';
import type { LoadedModel } from '../model.ts';
import { loadImportedGraph } from './load-graph.ts';
import { loadKerasModel } from './load-keras.ts';
import { loadTfjsModel } from './tfjs-model.ts';

const ONNX_REFUSAL = 'TF.js does not run ONNX models (serve it with onnxruntime, or package the original model)';

export const tfjsEngine: Engine = {
  name: 'tfjs',
  cannotLoad: (artifact) => (artifact.kind === 'onnx' ? ONNX_REFUSAL : undefined),
  async load(artifact, options = {}) {
    if (artifact.kind === 'onnx') throw new FailedPreconditionError(`${artifact.what}: ${ONNX_REFUSAL}`);
    await initBackend(); // once per process; a no-op after an explicit initBackend
    switch (artifact.kind) {
      case 'tfjs':
        return loadTfjsModel(artifact.modelJson);
      case 'graph':
        return loadImportedGraph(artifact.graph, artifact.what);
      case 'keras':
        return loadKeras(artifact, options);
    }
  },
};

/** tfjs-layers first, else the graph mapping; when neither can, one error with both reasons. */
async function loadKeras(artifact: KerasArtifact, options: EngineLoadOptions): Promise<LoadedModel> {
  try {
    return await loadKerasModel(artifact.model, artifact.what);
  } catch (layersError) {
    if (!(layersError instanceof FailedPreconditionError)) throw layersError;
    try {
      const loaded = await loadImportedGraph(await artifact.toGraph(), artifact.what);
      options.log?.(`${artifact.what}: tfjs-layers cannot build it (${layersError.message}); serving it as a TensorFlow graph`);
      return loaded;
    } catch (graphError) {
      if (!(graphError instanceof FailedPreconditionError)) throw graphError;
      throw new FailedPreconditionError(`${layersError.message}; nor as a TensorFlow graph: ${graphError.message}`);
    }
  }
}
