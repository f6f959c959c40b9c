/**
 * Writes TF.js model folders as tensorflowjs_converter lays them out: `model.json` plus the
 * weights as one group cut into `group1-shardNofM.bin` files. A graph model's `model.json` also
 * carries every signature as imported (`userDefinedMetadata.lambdaServing`), which
 * `loadTfjsModel` reads back, so serving the folder answers as serving the original did.
 * @module engine/tfjs/write-artifacts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { io } from '@tensorflow/tfjs-core';
import type { Graph } from '../../graph/graph.ts';
import { DEFAULT_SIGNATURE, type TensorSpec } from '../../tensors/signature.ts';
import { signaturesToJson } from '../../tensors/signature-json.ts';

export { signaturesToJson };

/** tensorflowjs_converter's default shard size. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Writes a graph model's `model.json` and weight shards into `dir` (created if needed).
 */
export async function writeGraphModel(
  dir: string,
  artifacts: io.ModelArtifacts,
  graph: Pick<Graph, 'signatures' | 'source'>,
  options: { shardBytes?: number } = {},
): Promise<{ files: string[]; bytes: number }> {
  return writeModelFolder(dir, artifacts.weightData, options.shardBytes ?? DEFAULT_SHARD_BYTES, (paths) => graphModelJson(artifacts, graph, paths));
}

/** A layers model's `model.json` and weight shards, as tensorflowjs_converter writes them for Keras input. */
export async function writeLayersModel(dir: string, artifacts: io.ModelArtifacts, options: { shardBytes?: number } = {}): Promise<{ files: string[]; bytes: number }> {
  return writeModelFolder(dir, artifacts.weightData, options.shardBytes ?? DEFAULT_SHARD_BYTES, (paths) => ({
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
  }));
}

/** Writes `model.json` (made by `modelJson` from the shard file names) and the weight shards into `dir`. */
async function writeModelFolder(
  dir: string,
  weightData: io.ModelArtifacts['weightData'],
  shardBytes: number,
  modelJson: (shardPaths: string[]) => object,
): Promise<{ files: string[]; bytes: number }> {
  const weights = weightBytes(weightData);
  const count = Math.ceil(weights.byteLength / shardBytes);
  const shards = Array.from({ length: count }, (_, i) => ({
    name: `group1-shard${i + 1}of${count}.bin`,
    bytes: weights.subarray(i * shardBytes, Math.min((i + 1) * shardBytes, weights.byteLength)),
  }));
  const json = JSON.stringify(modelJson(shards.map((shard) => shard.name)), protoJsonNumbers);
  await mkdir(dir, { recursive: true });
  const files = [path.join(dir, 'model.json'), ...shards.map((shard) => path.join(dir, shard.name))];
  await writeFile(files[0], json);
  for (const shard of shards) await writeFile(path.join(dir, shard.name), shard.bytes);
  return { files: files.map((file) => path.resolve(file)), bytes: Buffer.byteLength(json) + weights.byteLength };
}

/** Non-finite floats (e.g. an attribute's -inf) as proto JSON spells them, rather than JSON's null. */
function protoJsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/**
 * The `model.json` object: tensorflowjs_converter's fields, the `serving_default` signature in
 * TensorFlow's SignatureDef JSON (for other TF.js tools), and every signature as imported under
 * `userDefinedMetadata.lambdaServing` (typed arrays as `{ "@typedArray": "Float32Array", "base64" }`).
 */
export function graphModelJson(artifacts: io.ModelArtifacts, graph: Pick<Graph, 'signatures' | 'source'>, shardPaths: string[]): object {
  const servingDefault = graph.signatures[DEFAULT_SIGNATURE];
  return {
    format: artifacts.format ?? 'graph-model',
    generatedBy: artifacts.generatedBy ?? graph.source,
    convertedBy: artifacts.convertedBy ?? 'lambda-serving',
    ...(servingDefault && !servingDefault.unavailable
      ? {
          signature: {
            methodName: servingDefault.methodName,
            inputs: mapValues(servingDefault.inputs, tensorInfoJson),
            outputs: mapValues(servingDefault.outputs, tensorInfoJson),
          },
        }
      : {}),
    userDefinedMetadata: { lambdaServing: { signatures: signaturesToJson(graph.signatures), source: graph.source } },
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: shardPaths, weights: artifacts.weightSpecs ?? [] }],
  };
}

/** TensorFlow's TensorInfo in proto JSON, as tensorflowjs_converter writes it. */
function tensorInfoJson(spec: TensorSpec) {
  return {
    name: spec.tensorName,
    dtype: spec.dtype,
    tensorShape: spec.shape === null ? { unknownRank: true } : { dim: spec.shape.map((size) => ({ size: String(size) })) },
  };
}

/** The artifacts' weights as one byte array (tfjs-core joins multi-buffer weight data). */
function weightBytes(data: io.ModelArtifacts['weightData']): Uint8Array {
  return data ? new Uint8Array(io.CompositeArrayBuffer.join(data)) : new Uint8Array(0);
}

function mapValues<A, B>(record: Record<string, A>, fn: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}
