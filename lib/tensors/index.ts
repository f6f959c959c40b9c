/** @module tensors — the shared vocabulary: host tensors with exact dtypes (float16 conversion included), and TF Serving signatures. */
export * from './host-tensor.ts';
export * from './float16.ts';
export * from './signature.ts';
