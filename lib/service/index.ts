/** @module service — ModelService, its hooks and the model config types. */
export * from './model-service.ts';
export * from './model-config.ts';
export { validateInputs } from './validate-inputs.ts';
