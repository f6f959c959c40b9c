/** @module http — the app (protocols over the data plane) and its adapters (Lambda, local Node server). */
export { createApp, DEFAULT_MAX_BODY_BYTES, type AppOptions } from './app.ts';
export { createHandler, type HandlerOptions } from './lambda.ts';
export { listen, type RunningServer } from './node.ts';
