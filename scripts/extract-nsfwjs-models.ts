/**
 * Writes the TF.js models the `nsfwjs` npm package bundles (a devDependency) as ordinary TF.js
 * model folders — `model.json` + `.bin` weight shards — for the engine-agreement tests and the
 * benchmark. nsfwjs 4.x ships each model as browserified CommonJS modules under
 * `dist/models/<name>/`: `model.min.js` exports the model.json object, each
 * `group1-shardNofM.min.js` exports its shard as one base64 string. The models classify an RGB
 * image scaled to [0, 1] into Drawing, Hentai, Neutral, Porn, Sexy:
 * - `mobilenet_v2`: Keras MobileNetV2 (224×224) as a TF.js layers model, uint8-quantized weights;
 * - `mobilenet_v2_mid`: a TF-Hub MobileNetV2 (224×224) as a TF.js graph model (fused conv ops);
 * - `inception_v3`: Keras InceptionV3 (299×299) as a TF.js layers model, uint8-quantized weights.
 *
 * Usage: `tsx scripts/extract-nsfwjs-models.ts [outDir]` (default `bench/models/nsfwjs`, gitignored).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NSFWJS_MODELS = ['mobilenet_v2', 'mobilenet_v2_mid', 'inception_v3'] as const;
export type NsfwjsModel = (typeof NSFWJS_MODELS)[number];

/** The input size of each model (square RGB images). */
export const NSFWJS_IMAGE_SIZE: Record<NsfwjsModel, number> = { mobilenet_v2: 224, mobilenet_v2_mid: 224, inception_v3: 299 };

/** The classes, in output order. */
export const NSFWJS_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

export const DEFAULT_OUT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'models', 'nsfwjs');

const require = createRequire(import.meta.url);

interface ModelJson {
  weightsManifest: { paths: string[]; weights: unknown[] }[];
  [key: string]: unknown;
}

/** nsfwjs's `dist/models` folder; throws, saying how to get it, when nsfwjs is not installed. */
export function nsfwjsModelsDir(): string {
  let entry: string;
  try {
    entry = require.resolve('nsfwjs');
  } catch {
    throw new Error('nsfwjs is not installed (it is a devDependency: run npm install)');
  }
  // …/nsfwjs/dist/cjs/index.js → …/nsfwjs/dist/models
  return path.join(path.dirname(entry), '..', 'models');
}

/**
 * Writes each of `models` into `<outDir>/<model>/` (model.json + group1-shardNofM.bin); returns
 * the model.json paths by model.
 */
export async function extractNsfwjsModels(outDir = DEFAULT_OUT_DIR, models: readonly NsfwjsModel[] = NSFWJS_MODELS): Promise<Record<string, string>> {
  const source = nsfwjsModelsDir();
  const written: Record<string, string> = {};
  for (const model of models) {
    const dir = path.join(outDir, model);
    await mkdir(dir, { recursive: true });
    const loaded = require(path.join(source, model, 'model.min.js')) as ModelJson | { default: ModelJson };
    const json: ModelJson = structuredClone('default' in loaded ? (loaded.default as ModelJson) : loaded);
    for (const group of json.weightsManifest) {
      group.paths = await Promise.all(
        group.paths.map(async (shard) => {
          const base64 = require(path.join(source, model, `${shard}.min.js`)) as string | { default: string };
          const file = `${shard}.bin`;
          await writeFile(path.join(dir, file), Buffer.from(typeof base64 === 'string' ? base64 : base64.default, 'base64'));
          return file;
        }),
      );
    }
    written[model] = path.join(dir, 'model.json');
    await writeFile(written[model], JSON.stringify(json));
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? DEFAULT_OUT_DIR;
  const written = await extractNsfwjsModels(outDir);
  for (const [model, file] of Object.entries(written)) console.log(`${model}: ${path.relative(process.cwd(), file)}`);
}
