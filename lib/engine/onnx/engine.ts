/**
 * The ONNX Runtime engine: a graph artifact (SavedModel, frozen graph, TFLite) — or a Keras model
 * through its TensorFlow-graph mapping — is lowered to one ONNX model per signature
 * (lower/lower-graph.ts) and run by onnxruntime-node. TF.js folders are not lowered yet.
 * @module engine/onnx/engine
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { ModelArtifact } from '../../formats/artifact.ts';
import type { Engine } from '../engine.ts';
import { lowerGraph } from './lower/lower-graph.ts';
import { createOnnxModel } from './session.ts';

export { lowerGraph, lowerToOnnx, type LoweredSignature, type OnnxLowerOptions } from './lower/lower-graph.ts';
export { createOnnxModel, intraOpThreads, OnnxModel, THREADS_ENV } from './session.ts';

export const onnxEngine: Engine = {
  name: 'onnxruntime',
  cannotLoad(artifact: ModelArtifact) {
    if (artifact.kind === 'tfjs') return 'TF.js model folders are not lowered to ONNX yet';
    return undefined;
  },
  async load(artifact) {
    if (artifact.kind === 'tfjs') throw new FailedPreconditionError(`${artifact.what}: TF.js model folders are not lowered to ONNX yet`);
    const graph = artifact.kind === 'graph' ? artifact.graph : await artifact.toGraph();
    const lowered = lowerGraph(graph, { what: artifact.what });
    return createOnnxModel(lowered, graph.signatures, artifact.what);
  },
};
