/** @module tf-example — tf.Example in TypeScript: proto decoding, TF Serving's JSON examples, dense features. */
export * from './features.ts';
export { exampleFeatures, serializeExamples } from './example-inputs.ts';
