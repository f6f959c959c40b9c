/**
 * @module graph — the engine-neutral model forms importers produce: the graph and its load-time
 * rewrites, and the Keras model (architecture + named weights).
 */
export * from './graph.ts';
export { foldConstants } from './fold-constants.ts';
export { foldBatchNorms, foldScaleShifts } from './fold-batch-norm.ts';
export { shareConstants } from './share-constants.ts';
export { uniqueOutputNames, type KerasFormat, type KerasModel, type KerasObject, type KerasWeight } from './keras-model.ts';
