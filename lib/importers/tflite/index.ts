/**
 * TFLite flatbuffers (`.tflite`) → the engine-neutral graph, in pure TypeScript: reader.ts parses
 * the file (bounds-checked), mapper.ts turns each operator into TensorFlow ops (table: ops.ts),
 * writer.ts writes models back (used to derive test models, e.g. weight-quantized copies).
 * @module importers/tflite
 */
import { FailedPreconditionError, ServingError } from '../../errors.ts';
import type { Graph } from '../../graph/graph.ts';
import { readModelFile } from '../read-model-file.ts';
import { mapTflite } from './mapper.ts';
import { readTflite } from './reader.ts';

/**
 * Imports a `.tflite` model. Malformed files and unsupported ops fail here, with a
 * FailedPreconditionError naming `what` (e.g. the file).
 */
export function importTflite(bytes: Uint8Array, what: string): Graph {
  try {
    return mapTflite(readTflite(bytes, what), what);
  } catch (error) {
    if (error instanceof ServingError) throw error;
    // Structurally valid but inconsistent files (a shape that contradicts its op, say) can trip
    // an assumption deeper in; they are still the file's fault, not the server's.
    throw new FailedPreconditionError(`${what}: cannot import this TFLite model: ${(error as Error).message}`);
  }
}

export async function importTfliteFile(file: string): Promise<Graph> {
  return importTflite(await readModelFile(file, 'TFLite model'), file);
}

export { readTflite, type TfliteModel, type TfliteOperator, type TfliteSubGraph, type TfliteTensor, type TfliteBuffer, type TfliteSignatureDef } from './reader.ts';
export { writeTflite } from './writer.ts';
export { mapTflite } from './mapper.ts';
export { TFLITE_OPS, type TfliteOpSpec, type BatchRule } from './ops.ts';
