/** @module http — the router and its adapters (Lambda, local Node server). */
export { createRouter, DEFAULT_MAX_BODY_BYTES, type RouterOptions } from './router.ts';
export { createHandler } from './lambda.ts';
export { listen, type RunningServer } from './node.ts';
