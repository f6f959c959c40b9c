/**
 * TF.js model folders as files: `model.json` and its weight shards, the weights decoded into host
 * tensors exactly as tfjs-core's `io.decodeWeights` does (4.22.0, `io_utils.ts`). Each manifest
 * group's shards are one byte stream; the groups follow one another; each weight takes
 * `size × bytes-per-element` of its stored dtype (float32/int32 4 bytes, bool 1, string: per
 * element a 4-byte little-endian length and then the bytes), or of its quantized dtype.
 * Quantized weights (`quantization: { dtype, scale, min }`) dequantize as TF.js does:
 * uint8/uint16 `q·scale + min` computed in doubles and stored as float32 (int32 weights:
 * `Math.round` of it); float16 bits widened exactly to float32.
 * @module importers/tfjs/model-json
 */
import path from 'node:path';
import { FailedPreconditionError } from '../../errors.ts';
import { halfsToFloats } from '../../tensors/float16.ts';
import { sizeOf, type HostTensor } from '../../tensors/host-tensor.ts';
import { readModelFile } from '../read-model-file.ts';

/** A weight's quantization, as tensorflowjs_converter's `--quantize_*` options store it. */
export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  /** uint8/uint16: value = q·scale + min. */
  scale?: number;
  min?: number;
}

/** One `weightsManifest[].weights[]` entry. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | string;
  quantization?: WeightQuantization;
}

/** `model.json` as TF.js writes it (the fields read here). */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

export interface TfjsFolder {
  json: TfjsModelJson;
  /** Every weight by its manifest name, in manifest order. */
  weights: Map<string, HostTensor>;
}

/** Reads `model.json` and decodes every weight of its manifest; `what` names the model in errors. */
export async function readTfjsFolder(modelJsonPath: string, what = `TF.js model ${modelJsonPath}`): Promise<TfjsFolder> {
  const text = new TextDecoder().decode(await readModelFile(modelJsonPath, 'TF.js model.json'));
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (error) {
    throw new FailedPreconditionError(`${modelJsonPath} is not valid JSON: ${(error as Error).message}`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) throw new FailedPreconditionError(`${modelJsonPath} has no modelTopology`);
  const dir = path.dirname(modelJsonPath);
  const weights = new Map<string, HostTensor>();
  for (const group of json.weightsManifest ?? []) {
    const shards = await Promise.all(group.paths.map((file) => readShard(dir, file)));
    decodeWeights(joinBytes(shards), group.weights, what, weights);
  }
  return { json, weights };
}

async function readShard(dir: string, file: string): Promise<Uint8Array> {
  const resolved = path.resolve(dir, file);
  // A manifest must not reach outside its model folder.
  if (path.relative(dir, resolved).startsWith('..')) throw new FailedPreconditionError(`Weight path ${file} points outside ${dir}`);
  return readModelFile(resolved, 'TF.js weight shard');
}

function joinBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Decodes the weights of one manifest group from its joined shard bytes into `into` (name →
 * tensor); throws when the bytes run out or a dtype is unknown.
 */
export function decodeWeights(bytes: Uint8Array, specs: readonly WeightSpec[], what: string, into = new Map<string, HostTensor>()): Map<string, HostTensor> {
  let offset = 0;
  const take = (length: number, name: string): Uint8Array => {
    if (offset + length > bytes.byteLength) {
      throw new FailedPreconditionError(`${what}: weight ${name} needs bytes ${offset}..${offset + length} but the shards hold ${bytes.byteLength}`);
    }
    // An owned, aligned copy (a Node Buffer's slice() would be a view into the shared pool).
    const chunk = new Uint8Array(length);
    chunk.set(bytes.subarray(offset, offset + length));
    offset += length;
    return chunk;
  };
  for (const spec of specs) {
    const size = sizeOf(spec.shape);
    const quantization = spec.quantization;
    if (quantization) {
      const width = BYTES[quantization.dtype];
      if (!['uint8', 'uint16', 'float16'].includes(quantization.dtype)) {
        throw new FailedPreconditionError(`${what}: weight ${spec.name} has unknown quantization dtype ${quantization.dtype}`);
      }
      const chunk = take(size * width, spec.name);
      into.set(spec.name, dequantize(spec, chunk.buffer as ArrayBuffer, what));
      continue;
    }
    switch (spec.dtype) {
      case 'float32':
        into.set(spec.name, { dtype: 'DT_FLOAT', shape: spec.shape, values: new Float32Array(take(size * 4, spec.name).buffer) });
        break;
      case 'int32':
        into.set(spec.name, { dtype: 'DT_INT32', shape: spec.shape, values: new Int32Array(take(size * 4, spec.name).buffer) });
        break;
      case 'bool':
        into.set(spec.name, { dtype: 'DT_BOOL', shape: spec.shape, values: take(size, spec.name) });
        break;
      case 'string': {
        const values: Uint8Array[] = [];
        for (let i = 0; i < size; i++) {
          const length = new DataView(take(4, spec.name).buffer).getUint32(0, true);
          values.push(take(length, spec.name));
        }
        into.set(spec.name, { dtype: 'DT_STRING', shape: spec.shape, values });
        break;
      }
      default:
        throw new FailedPreconditionError(`${what}: weight ${spec.name} has dtype ${spec.dtype}, which TF.js weights cannot be`);
    }
  }
  return into;
}

function dequantize(spec: WeightSpec, buffer: ArrayBuffer, what: string): HostTensor {
  const { dtype, scale, min } = spec.quantization!;
  if (dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new FailedPreconditionError(`${what}: weight ${spec.name} is float16-quantized but ${spec.dtype}, not float32`);
    return { dtype: 'DT_FLOAT', shape: spec.shape, values: halfsToFloats(new Uint16Array(buffer)) };
  }
  if (typeof scale !== 'number' || typeof min !== 'number') {
    throw new FailedPreconditionError(`${what}: weight ${spec.name} is ${dtype}-quantized without a scale and min`);
  }
  const quantized = dtype === 'uint8' ? new Uint8Array(buffer) : new Uint16Array(buffer);
  if (spec.dtype === 'float32') {
    const values = new Float32Array(quantized.length);
    for (let i = 0; i < quantized.length; i++) values[i] = quantized[i] * scale + min;
    return { dtype: 'DT_FLOAT', shape: spec.shape, values };
  }
  if (spec.dtype === 'int32') {
    const values = new Int32Array(quantized.length);
    for (let i = 0; i < quantized.length; i++) values[i] = Math.round(quantized[i] * scale + min);
    return { dtype: 'DT_INT32', shape: spec.shape, values };
  }
  throw new FailedPreconditionError(`${what}: weight ${spec.name} is ${spec.dtype}, which TF.js does not dequantize`);
}
