/** @module graph — the engine-neutral graph every importer produces, and its load-time rewrites. */
export * from './graph.ts';
export { foldConstants } from './fold-constants.ts';
export { foldBatchNorms, foldScaleShifts } from './fold-batch-norm.ts';
