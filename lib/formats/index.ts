/**
 * @module formats — the one model-format registry: what a version folder (or model file) holds,
 * and reading it into an engine-neutral `ModelArtifact` (a TensorFlow `Graph`, a `KerasModel` or a
 * TF.js folder) for an engine (`loadArtifact` in `lambda-serving/engine`) to load.
 */
export { detectModel, detectModelFolder, type FormatKind, type ModelFolder } from './detect.ts';
export type { GraphArtifact, KerasArtifact, ModelArtifact, OnnxArtifact, OnnxSignatureFile, TfjsArtifact } from './artifact.ts';
export { ONNX_MANIFEST, readOnnx, type OnnxManifest } from './onnx-folder.ts';
export {
  formatForInput,
  INPUT_FORMATS,
  MODEL_FORMATS,
  modelFormat,
  readFound,
  readModel,
  readModelFolder,
  type FoundModel,
  type InputFormat,
  type ModelFormat,
  type ReadOptions,
} from './registry.ts';
