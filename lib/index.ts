/** @module lambda-serving — TF Serving's REST API and KServe's V2 protocol on AWS Lambda and locally. */
export * from './errors.ts';
export * from './service/index.ts';
export * from './engine/index.ts';
export { createHandler, type HandlerOptions } from './http/lambda.ts';
export { createApp, type AppOptions } from './http/app.ts';
export type { RequestRecord } from './observability/request-record.ts';
