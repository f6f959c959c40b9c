/** @module service — the data plane: ModelService and its hooks, protocol-neutral requests, model config. */
export * from './model-service.ts';
export * from './model-config.ts';
export * from './infer-request.ts';
export { ModelRepository } from './model-repository.ts';
export { validateInputs } from './validate-inputs.ts';
