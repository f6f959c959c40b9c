/**
 * The ONNX Runtime engine: a graph artifact (SavedModel, frozen graph, TFLite) — or a Keras model
 * through its TensorFlow-graph mapping — is lowered to one ONNX model per signature
 * (lower/lower-graph.ts) and run by onnxruntime-node; an ONNX folder (what `convert
 * --output_format onnx` and packaging write) or a bare `.onnx` is loaded as it is, nothing lowered.
 * A TF.js folder is lowered from the graph its artifact reads (a layers model through the Keras
 * graph mapping).
 * @module engine/onnx/engine
 */
import { readFile } from 'node:fs/promises';
import { FailedPreconditionError } from '../../errors.ts';
import type { OnnxArtifact } from '../../formats/artifact.ts';
import type { Engine } from '../engine.ts';
import { lowerGraph, type LoweredSignature } from './lower/lower-graph.ts';
import { createOnnxModel, type OnnxModel } from './session.ts';

export { lowerGraph, lowerToOnnx, type LoweredSignature, type OnnxLowerOptions } from './lower/lower-graph.ts';
export { createOnnxModel, intraOpThreads, OnnxModel, THREADS_ENV } from './session.ts';
export { writeOnnxFolder } from './write-folder.ts';

export const onnxEngine: Engine = {
  name: 'onnxruntime',
  cannotLoad: () => undefined,
  async load(artifact) {
    if (artifact.kind === 'onnx') return loadOnnxArtifact(artifact);
    const graph = artifact.kind === 'graph' ? artifact.graph : await artifact.toGraph();
    const lowered = lowerGraph(graph, { what: artifact.what });
    return createOnnxModel(lowered, graph.signatures, artifact.what);
  },
};

/** One session per signature file, as stored. */
async function loadOnnxArtifact(artifact: OnnxArtifact): Promise<OnnxModel> {
  const lowered = new Map<string, LoweredSignature>();
  for (const [name, model] of Object.entries(artifact.models)) {
    const bytes = await readFile(model.file).catch((error: NodeJS.ErrnoException) => {
      throw new FailedPreconditionError(`${artifact.what} signature '${name}': cannot read ${model.file}: ${error.code ?? error.message}`);
    });
    lowered.set(name, { bytes, inputs: model.inputs, outputs: model.outputs });
  }
  return createOnnxModel(lowered, artifact.signatures, artifact.what);
}
