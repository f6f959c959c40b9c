/**
 * Puts a model's folder into a package: version folders already in TF.js format are copied;
 * SavedModels, frozen graphs, TFLite and Keras files are converted (as `lambda-serving convert`
 * does) so the Lambda loads TF.js artifacts at cold start — no protobuf, checkpoint, flatbuffer
 * or HDF5 parsing, and the importers' chunks are never evaluated. Serving either answers the same.
 * A version that cannot be converted fails the packaging, naming it, rather than a deployed Lambda.
 */
import { cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { convertArtifact, outputFormatFor } from '../lib/cli/convert.ts';
import { initBackend } from '../lib/engine/backend.ts';
import { loadArtifact } from '../lib/engine/engine.ts';
import { DEFAULT_SHARD_BYTES } from '../lib/engine/tfjs/write-artifacts.ts';
import { detectModelFolder, type FormatKind, type ModelFolder } from '../lib/formats/detect.ts';
import { readFound } from '../lib/formats/registry.ts';

export interface StagedVersion {
  version: string;
  /** What the version folder held, and what was done with it. */
  kind: FormatKind;
  converted: boolean;
}

/** Copies `src` (models/<name>) to `dst`, converting version folders unless `convert` is false. */
export async function stageModel(src: string, dst: string, options: { convert?: boolean } = {}): Promise<StagedVersion[]> {
  await mkdir(dst, { recursive: true });
  const staged: StagedVersion[] = [];
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    const isVersion = /^\d+$/.test(entry.name) && (entry.isDirectory() || entry.isSymbolicLink());
    if (!isVersion || options.convert === false) {
      await cp(from, to, { recursive: true, dereference: true });
      continue;
    }
    const folder = await detectModelFolder(from);
    if (folder.kind === 'tfjs') {
      await cp(from, to, { recursive: true, dereference: true });
      staged.push({ version: entry.name, kind: folder.kind, converted: false });
      continue;
    }
    try {
      await convertVersion(folder, to);
    } catch (error) {
      throw new Error(`Cannot convert ${from} (${folder.kind.replace('_', ' ')}) for packaging: ${(error as Error).message}`, { cause: error });
    }
    staged.push({ version: entry.name, kind: folder.kind, converted: true });
  }
  return staged;
}

/**
 * Converts one version to the TF.js form serving it unconverted would run: read through the
 * format registry and loaded by the engine serving uses (so a Keras model tfjs-layers cannot build
 * becomes a graph model, by the very same policy), then written as what was loaded.
 */
async function convertVersion(folder: ModelFolder, to: string): Promise<void> {
  const artifact = await readFound(folder);
  await initBackend(undefined, () => {});
  // The TF.js form: what the TF.js engine would load (ONNX packaging writes its own form).
  const loaded = await loadArtifact(artifact, { engine: 'tfjs' });
  const outputFormat = outputFormatFor(loaded.format);
  loaded.dispose();
  // Loading it just now was the op check.
  await convertArtifact(artifact, { outputFormat, dst: to, weightShardSizeBytes: DEFAULT_SHARD_BYTES, skipOpCheck: true });
}
