/** @module lambda-serving — TF Serving's REST API on AWS Lambda and locally. */
export * from './errors.ts';
export * from './service/index.ts';
export * from './engine/index.ts';
export { createHandler } from './http/lambda.ts';
export { createRouter, type RouterOptions } from './http/router.ts';
