/**
 * Lambda handler for the half_plus_two example (TF Serving's test function as a TF.js GraphModel):
 * `{"instances": [2.0, 3.0, 4.0]}` → `{"predictions": [3.0, 3.5, 4.0]}`.
 */
import { fileURLToPath } from 'node:url';
import { createHandler, ModelService } from '../lib/index.ts';

const basePath = process.env.MODEL_BASE_PATH ?? fileURLToPath(new URL('../models/half_plus_two', import.meta.url));

export const service = new ModelService({ name: 'half_plus_two', basePath });
export const handler = createHandler(service);
