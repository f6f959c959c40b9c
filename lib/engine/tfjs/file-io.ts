/**
 * A TF.js IOHandler over the local file system: reads `model.json` and its weight shards.
 * Ours rather than tfjs-node's `file://` handler, which needs the native binding.
 * @module engine/tfjs/file-io
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';

/** Raw `model.json` as TF.js writes it. */
interface ModelJson {
  modelTopology?: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: io.WeightsManifestConfig;
  signature?: object;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: object;
  initializerSignature?: object;
  trainingConfig?: io.TrainingConfig;
}

/** Loads `model.json` (+ shards) from `modelJsonPath` into ModelArtifacts. */
export function fileHandler(modelJsonPath: string): io.IOHandler {
  return { load: () => readArtifacts(modelJsonPath) };
}

export async function readArtifacts(modelJsonPath: string): Promise<io.ModelArtifacts> {
  const json = parseModelJson(await readFile(modelJsonPath, 'utf8'), modelJsonPath);
  if (!json.modelTopology) throw new Error(`${modelJsonPath} has no modelTopology`);
  const manifest = json.weightsManifest ?? [];
  const dir = path.dirname(modelJsonPath);
  const shards = await Promise.all(
    manifest.flatMap((group) => group.paths.map((file) => readShard(dir, file))),
  );
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concatenate(shards),
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata as io.ModelArtifacts['userDefinedMetadata'],
    modelInitializer: json.modelInitializer,
    initializerSignature: json.initializerSignature,
    trainingConfig: json.trainingConfig,
  };
}

function parseModelJson(text: string, file: string): ModelJson {
  try {
    return JSON.parse(text) as ModelJson;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readShard(dir: string, file: string): Promise<Uint8Array> {
  const resolved = path.resolve(dir, file);
  // A manifest must not reach outside its model folder.
  if (path.relative(dir, resolved).startsWith('..')) {
    throw new Error(`Weight path ${file} points outside ${dir}`);
  }
  return readFile(resolved);
}

/** Joins byte chunks into one buffer (weight shards, lowered constants). */
export function concatenate(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined.buffer;
}
