/**
 * Lambda handler for the bundled MNIST example: [batch, 28, 28] pixels in [0, 1] → 10 probabilities.
 * The model loads at module scope, during Lambda's init phase.
 */
import { fileURLToPath } from 'node:url';
import { createHandler, ModelService } from '../lib/index.ts';

const basePath = process.env.MODEL_BASE_PATH ?? fileURLToPath(new URL('../models/mnist', import.meta.url));

export const service = new ModelService({ name: 'mnist', basePath });
export const handler = createHandler(service);
