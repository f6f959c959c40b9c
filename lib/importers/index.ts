/**
 * @module importers — model files → engine-neutral form, for custom `ModelService` loaders:
 * TensorFlow SavedModels and frozen graphs, TFLite flatbuffers and Keras models (mapped onto the
 * same `Graph`, or read as a `KerasModel` for tfjs-layers). Load a Graph with `loadImportedGraph`
 * and a KerasModel with `loadKerasModel` (`lambda-serving/engine`); or let the format registry
 * (`lambda-serving/formats`) detect and read a folder or file for `loadArtifact`.
 */
export type { AttrValue, Graph, GraphNode } from '../graph/graph.ts';
export { importSavedModel, type SavedModelOptions } from './tensorflow/saved-model.ts';
export { importFrozenGraph, readFrozenGraphOptions, type FrozenGraphOptions } from './tensorflow/frozen-graph.ts';
export { importTflite, importTfliteFile } from './tflite/index.ts';
export { importKerasBytes, importKerasFile, importKerasWeightsOnly, type KerasModel } from './keras/index.ts';
export { kerasToGraph } from './keras/graph-mapper.ts';
