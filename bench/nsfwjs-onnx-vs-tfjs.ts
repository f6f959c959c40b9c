/**
 * Per-inference time of the ONNX Runtime engine (1 and 2 intra-op threads) and the TF.js engine on
 * the TF.js models the `nsfwjs` package ships — Keras MobileNetV2 (224×224) and InceptionV3
 * (299×299), TF.js layers models with uint8-quantized weights, read into a Graph for ONNX Runtime —
 * batch 1, one real photo. Interleaved (ORT 1 thread, ORT 2 threads, TF.js, …) so all three see
 * the same machine state; medians. Not asserted anywhere: numbers for notes.
 * Run: npx tsx bench/nsfwjs-onnx-vs-tfjs.ts  (ROUNDS=40; LAMBDA_SERVING_BACKEND=wasm|cpu for TF.js)
 * Extracts the models into bench/models/nsfwjs (gitignored) when absent; writes
 * bench/results/nsfwjs-onnx-vs-tfjs.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../lib/engine/backend.ts';
import type { LoadedModel } from '../lib/engine/model.ts';
import { onnxEngine, THREADS_ENV } from '../lib/engine/onnx/engine.ts';
import { tfjsEngine } from '../lib/engine/tfjs/engine.ts';
import { readModelFolder } from '../lib/formats/registry.ts';
import type { TensorMap } from '../lib/tensors/host-tensor.ts';
import { DEFAULT_OUT_DIR, extractNsfwjsModels, NSFWJS_IMAGE_SIZE, type NsfwjsModel } from '../scripts/extract-nsfwjs-models.ts';

const rounds = Number(process.env.ROUNDS ?? 40);
const root = path.resolve(import.meta.dirname, '..');
const image = path.resolve(root, '../shared/fixtures/images/imagenet/my_cat.jpg');
const MODELS: NsfwjsModel[] = ['mobilenet_v2', 'inception_v3'];

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

/** The photo (or, without the fixtures, a fixed gradient) as nsfwjs feeds it: RGB in [0, 1]. */
async function input(size: number, alias: string): Promise<TensorMap> {
  const pixels = existsSync(image)
    ? new Uint8Array(await sharp(image).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer())
    : Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 7) % 256);
  return { [alias]: { dtype: 'DT_FLOAT', shape: [1, size, size, 3], values: Float32Array.from(pixels, (p) => p / 255) } };
}

async function onnxWithThreads(dir: string, threads: number): Promise<[LoadedModel, number]> {
  const before = process.env[THREADS_ENV];
  process.env[THREADS_ENV] = String(threads);
  try {
    return await timed(async () => onnxEngine.load(await readModelFolder(dir)));
  } finally {
    if (before === undefined) delete process.env[THREADS_ENV];
    else process.env[THREADS_ENV] = before;
  }
}

if (!MODELS.every((model) => existsSync(path.join(DEFAULT_OUT_DIR, model, 'model.json')))) await extractNsfwjsModels(DEFAULT_OUT_DIR, MODELS);
const backend = await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
const results = [];
for (const name of MODELS) {
  const dir = path.join(DEFAULT_OUT_DIR, name);
  const [ort1, ort1LoadMs] = await onnxWithThreads(dir, 1);
  const [ort2, ort2LoadMs] = await onnxWithThreads(dir, 2);
  const [tfjs, tfjsLoadMs] = await timed(async () => tfjsEngine.load(await readModelFolder(dir)));
  const feeds = await input(NSFWJS_IMAGE_SIZE[name], Object.keys(tfjs.signatures.serving_default.inputs)[0]);
  const engines = [ort1, ort2, tfjs];
  for (let i = 0; i < 3; i++) for (const engine of engines) await engine.run('serving_default', feeds);
  const samples: number[][] = engines.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [k, engine] of engines.entries()) samples[k].push((await timed(() => engine.run('serving_default', feeds)))[1]);
  }
  const [ort1Ms, ort2Ms, tfjsMs] = samples.map(median);
  const row = {
    model: `nsfwjs ${name} (${NSFWJS_IMAGE_SIZE[name]}×${NSFWJS_IMAGE_SIZE[name]}, batch 1)`,
    onnxruntime_1_thread_median_ms: ort1Ms,
    onnxruntime_2_threads_median_ms: ort2Ms,
    tfjs_median_ms: tfjsMs,
    speedup_1_thread: tfjsMs / ort1Ms,
    speedup_2_threads: tfjsMs / ort2Ms,
    load_ms: { onnxruntime_1_thread: ort1LoadMs, onnxruntime_2_threads: ort2LoadMs, tfjs: tfjsLoadMs },
  };
  results.push(row);
  console.log(
    `${row.model}: onnxruntime 1 thread ${ort1Ms.toFixed(1)} ms, 2 threads ${ort2Ms.toFixed(1)} ms, tfjs-${backend} ${tfjsMs.toFixed(1)} ms ` +
      `(×${row.speedup_1_thread.toFixed(1)} / ×${row.speedup_2_threads.toFixed(1)}); load ${ort1LoadMs.toFixed(0)} / ${ort2LoadMs.toFixed(0)} / ${tfjsLoadMs.toFixed(0)} ms`,
  );
  for (const engine of engines) engine.dispose();
}
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, 'bench/results/nsfwjs-onnx-vs-tfjs.json'), `${JSON.stringify({ rounds, tfjs_backend: backend, node: process.version, results }, null, 2)}\n`);
