/**
 * Puts a model's folder into a package, each version in the form the engine serving it loads
 * without importing or lowering anything at cold start. The engine is chosen exactly as serving
 * chooses it — the model's `engine` (models/<m>/lambda.json), else LAMBDA_SERVING_ENGINE, else
 * `auto` (the first engine that loads the version whole) — by loading the version through the same
 * format registry and `loadArtifact`:
 *   - ONNX Runtime: an ONNX folder (one `.onnx` per signature + lambda-serving-onnx.json, as
 *     `lambda-serving convert --output_format onnx` writes it); ONNX folders are copied;
 *   - TF.js: a TF.js folder (as `lambda-serving convert` writes it); TF.js folders are copied.
 * A version that cannot be staged fails the packaging, naming it, rather than a deployed Lambda.
 */
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { convertArtifact, outputFormatFor } from '../lib/cli/convert.ts';
import { initBackend } from '../lib/engine/backend.ts';
import { engineChoice, loadArtifact, type EngineChoice } from '../lib/engine/engine.ts';
import { DEFAULT_SHARD_BYTES } from '../lib/engine/tfjs/write-artifacts.ts';
import type { ModelArtifact } from '../lib/formats/artifact.ts';
import { detectModelFolder, type FormatKind } from '../lib/formats/detect.ts';
import { readFound } from '../lib/formats/registry.ts';

/** The engines a staged version is written for. */
export type StagedEngine = 'onnxruntime' | 'tfjs';

export interface StagedVersion {
  version: string;
  /** What the version folder held. */
  kind: FormatKind;
  /**
   * The engine serving will run it on, and the form it was staged in; undefined only when
   * `convert: false` copied a version that does not load here.
   */
  engine?: StagedEngine;
  /** Written anew (lowered to ONNX, converted to TF.js) rather than copied. */
  converted: boolean;
}

export interface StageOptions {
  /** Write each version in its engine's form; false copies the folders as they are. @default true */
  convert?: boolean;
  /** Over the model's lambda.json `engine` and LAMBDA_SERVING_ENGINE. */
  engine?: EngineChoice;
}

/**
 * The engine choice serving makes for the model in `modelDir` (models/<m>): its lambda.json
 * `engine`, else LAMBDA_SERVING_ENGINE, else `auto`. deploy/functions.cjs sets the function's
 * LAMBDA_SERVING_ENGINE from the same field.
 */
export async function modelEngineChoice(modelDir: string): Promise<EngineChoice> {
  const file = path.join(modelDir, 'lambda.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const own = text === undefined ? undefined : (JSON.parse(text) as { engine?: string }).engine;
  return own === undefined ? engineChoice() : engineChoice(own, `${file}: engine`);
}

/** Copies `src` (models/<name>) to `dst`, each version staged for the engine serving would use. */
export async function stageModel(src: string, dst: string, options: StageOptions = {}): Promise<StagedVersion[]> {
  await mkdir(dst, { recursive: true });
  const choice = options.engine ?? (await modelEngineChoice(src));
  const staged: StagedVersion[] = [];
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    const isVersion = /^\d+$/.test(entry.name) && (entry.isDirectory() || entry.isSymbolicLink());
    if (!isVersion) {
      // lambda.json and the like.
      await cp(from, to, { recursive: true, dereference: true });
      continue;
    }
    const folder = await detectModelFolder(from);
    if (options.convert === false) {
      // Copied as it is; the engine is still decided, for the zip to carry ONNX Runtime or not.
      await cp(from, to, { recursive: true, dereference: true });
      const engine = await readFound(folder).then((artifact) => servingEngine(artifact, choice)).then(({ engine }) => engine, () => undefined);
      staged.push({ version: entry.name, kind: folder.kind, ...(engine ? { engine } : {}), converted: false });
      continue;
    }
    try {
      const artifact = await readFound(folder);
      const { engine, loadedFormat } = await servingEngine(artifact, choice);
      // Already in the form its engine loads: copied.
      if ((engine === 'onnxruntime' && folder.kind === 'onnx') || (engine === 'tfjs' && folder.kind === 'tfjs')) {
        await cp(from, to, { recursive: true, dereference: true });
        staged.push({ version: entry.name, kind: folder.kind, engine, converted: false });
        continue;
      }
      // Loading it just now was the op check.
      const outputFormat = engine === 'onnxruntime' ? 'onnx' : outputFormatFor(loadedFormat);
      await convertArtifact(artifact, { outputFormat, dst: to, weightShardSizeBytes: DEFAULT_SHARD_BYTES, skipOpCheck: true });
      staged.push({ version: entry.name, kind: folder.kind, engine, converted: true });
    } catch (error) {
      throw new Error(`Cannot stage ${from} (${folder.kind.replace('_', ' ')}) for packaging: ${(error as Error).message}`, { cause: error });
    }
  }
  return staged;
}

/**
 * Which engine serves `artifact` under `choice`, found the way serving finds it: loading it. For
 * TF.js also which TF.js form it loaded as (a Keras model tfjs-layers cannot build is a graph model).
 */
async function servingEngine(artifact: ModelArtifact, choice: EngineChoice): Promise<{ engine: StagedEngine; loadedFormat: string }> {
  await initBackend(undefined, () => {});
  const loaded = await loadArtifact(artifact, { engine: choice });
  const loadedFormat = loaded.format;
  loaded.dispose();
  return { engine: loadedFormat === 'onnx' ? 'onnxruntime' : 'tfjs', loadedFormat };
}
