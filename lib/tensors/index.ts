/** @module tensors — the shared vocabulary: host tensors with exact dtypes, and TF Serving signatures. */
export * from './host-tensor.ts';
export * from './signature.ts';
