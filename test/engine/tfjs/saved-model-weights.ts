/**
 * Weight sizes for the "stored once" tests: what a SavedModel's checkpoint holds (the lower bound a
 * converted model's weights are measured against), what a TF.js folder or artifacts hold, and a
 * real SavedModel given a second signature over the same variables.
 */
import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { CheckpointReader } from '../../../lib/importers/tensorflow/checkpoint.ts';
import { tensorflowProtoType } from '../../../lib/importers/tensorflow/proto-schema.ts';

/**
 * Bytes of the model's variables as TF.js stores them (4 bytes an element: float64 and int64 are
 * narrowed to float32 and int32): every checkpoint entry but the object graph, optimizer state and
 * Keras metrics. Strings count nothing.
 */
export async function variableBytes(savedModelDir: string): Promise<number> {
  const reader = await CheckpointReader.open(path.join(savedModelDir, 'variables', 'variables'));
  try {
    let bytes = 0;
    for (const key of reader.keys()) {
      if (key === '_CHECKPOINTABLE_OBJECT_GRAPH' || key.startsWith('optimizer/') || key.includes('/.OPTIMIZER_SLOT/') || key.startsWith('keras_api/metrics/')) continue;
      const entry = reader.entry(key);
      if (entry.dtype === 'DT_STRING') continue;
      bytes += entry.shape.reduce((size, dim) => size * dim, 1) * (entry.dtype === 'DT_BOOL' ? 1 : 4);
    }
    return bytes;
  } finally {
    await reader.close();
  }
}

/** Bytes of lowered artifacts' weights. */
export function artifactWeightBytes(artifacts: io.ModelArtifacts): number {
  const data = artifacts.weightData;
  if (!data) return 0;
  return Array.isArray(data) ? data.reduce((sum, buffer) => sum + buffer.byteLength, 0) : data.byteLength;
}

/** Bytes of a TF.js model folder's weight shards (`*.bin`). */
export async function folderWeightBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const file of await readdir(dir)) if (file.endsWith('.bin')) bytes += (await stat(path.join(dir, file))).size;
  return bytes;
}

/**
 * Writes into `dst` the TF2 SavedModel in `src` with one more signature, `second`: its own input
 * Placeholder and its own call of the function `serving_default` calls, over the same variables —
 * as `tf.saved_model.save(signatures={...})` writes several signatures of one model. `variables/`
 * is linked, not copied.
 */
export async function withSecondSignature(src: string, dst: string): Promise<void> {
  const SavedModel = tensorflowProtoType('SavedModel');
  const savedModel = SavedModel.toObject(SavedModel.decode(await readFile(path.join(src, 'saved_model.pb'))), { longs: String }) as {
    meta_graphs: { graph_def: { node: { name: string; input: string[] }[] }; signature_def: Record<string, SignatureDef> }[];
  };
  const meta = savedModel.meta_graphs[0];
  const first = meta.signature_def.serving_default;
  const [[inputKey, input]] = Object.entries(first.inputs);
  const [[outputKey, output]] = Object.entries(first.outputs);
  const nodes = meta.graph_def.node;
  const placeholder = nodes.find((node) => node.name === input.name.replace(/:0$/, ''))!;
  const call = nodes.find((node) => node.name === output.name.replace(/:0$/, ''))!;
  nodes.push(
    { ...placeholder, name: 'second_input' },
    { ...call, name: 'second_call', input: call.input.map((name) => (name === placeholder.name ? 'second_input' : name)) },
  );
  meta.signature_def.second = {
    ...first,
    inputs: { [inputKey]: { ...input, name: 'second_input:0' } },
    outputs: { [outputKey]: { ...output, name: 'second_call:0' } },
  };
  await writeFile(path.join(dst, 'saved_model.pb'), SavedModel.encode(SavedModel.fromObject(savedModel)).finish());
  await symlink(path.join(src, 'variables'), path.join(dst, 'variables'));
}

interface SignatureDef {
  inputs: Record<string, { name: string }>;
  outputs: Record<string, { name: string }>;
}
