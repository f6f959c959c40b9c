/**
 * @module engine — loaded models, signatures, host tensors, the engines (TF.js today) behind one
 * `Engine` interface, and the TF.js backend.
 */
export * from '../tensors/index.ts';
export type { LoadedModel, ModelLoader } from './model.ts';
export { loadModel } from './load-model.ts';
export { ENGINE_ENV, ENGINES, engineChoice, loadArtifact, type Engine, type EngineChoice, type EngineLoadOptions, type LoadArtifactOptions } from './engine.ts';
export { initBackend, BACKEND_ENV, WASM_PATH_ENV, type BackendName } from './backend.ts';
export { loadImportedGraph } from './tfjs/load-graph.ts';
export { loadKerasModel } from './tfjs/load-keras.ts';
