/**
 * Per-inference time of the ONNX Runtime engine and the TF.js engine on the same models and the
 * same input, interleaved (one ONNX run, one TF.js run, …) so both see the same machine state;
 * medians, plus session/model load times. Not asserted anywhere: numbers for notes.
 * Run: npx tsx bench/onnx-vs-tfjs.ts  (ROUNDS=200; LAMBDA_SERVING_BACKEND=wasm|cpu for TF.js;
 * LAMBDA_SERVING_ORT_THREADS for ONNX Runtime's intra-op threads)
 * Writes bench/results/onnx-vs-tfjs.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../lib/engine/backend.ts';
import type { LoadedModel } from '../lib/engine/model.ts';
import { intraOpThreads, onnxEngine } from '../lib/engine/onnx/engine.ts';
import { tfjsEngine } from '../lib/engine/tfjs/engine.ts';
import { readModelFolder } from '../lib/formats/registry.ts';
import type { TensorMap } from '../lib/tensors/host-tensor.ts';

const rounds = Number(process.env.ROUNDS ?? 200);
const root = path.resolve(import.meta.dirname, '..');
const fixtures = path.resolve(root, '../shared/fixtures');

interface Case {
  name: string;
  dir: string;
  input: () => Promise<TensorMap>;
}

const photo = async (width: number, height: number, grayscale: boolean) => {
  let image = sharp(path.join(fixtures, 'images/imagenet/my_cat.jpg')).resize(width, height, { fit: 'fill' }).removeAlpha();
  if (grayscale) image = image.toColourspace('b-w');
  return new Uint8Array(await image.raw().toBuffer());
};

const CASES: Case[] = [
  {
    name: 'Keras MobileNetV1 0.25 (arm-openmv SavedModel), 1×160×120×1',
    dir: 'keras-savedmodel/arm-openmv-mobilenet-v1/model',
    input: async () => ({ sequential_input: { dtype: 'DT_FLOAT', shape: [1, 160, 120, 1], values: Float32Array.from(await photo(120, 160, true)) } }),
  },
  {
    name: 'poets MobileNet (frozen graph), 1×224×224×3',
    dir: 'frozen-graphdef/poets-mobilenet',
    input: async () => ({ input_image: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: Float32Array.from(await photo(224, 224, false), (p) => p - 128) } }),
  },
  {
    name: 'TFLite MobileNetV1 0.25, 1×224×224×3',
    dir: 'tflite/tflite-support-mobilenet-v1-025',
    input: async () => ({ input: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: Float32Array.from(await photo(224, 224, false), (p) => p / 127.5 - 1) } }),
  },
];

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

const backend = await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
const results = [];
for (const c of CASES) {
  const artifact = await readModelFolder(path.join(fixtures, c.dir));
  const [onnx, onnxLoadMs] = await timed<LoadedModel>(() => onnxEngine.load(artifact));
  const [tfjs, tfjsLoadMs] = await timed<LoadedModel>(() => tfjsEngine.load(artifact));
  const input = await c.input();
  for (let i = 0; i < 10; i++) {
    await onnx.run('serving_default', input);
    await tfjs.run('serving_default', input);
  }
  const onnxMs: number[] = [];
  const tfjsMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    onnxMs.push((await timed(() => onnx.run('serving_default', input)))[1]);
    tfjsMs.push((await timed(() => tfjs.run('serving_default', input)))[1]);
  }
  const row = {
    model: c.name,
    onnxruntime_median_ms: median(onnxMs),
    tfjs_median_ms: median(tfjsMs),
    speedup: median(tfjsMs) / median(onnxMs),
    onnxruntime_load_ms: onnxLoadMs,
    tfjs_load_ms: tfjsLoadMs,
  };
  results.push(row);
  console.log(
    `${c.name}: onnxruntime ${row.onnxruntime_median_ms.toFixed(2)} ms, tfjs-${backend} ${row.tfjs_median_ms.toFixed(2)} ms (×${row.speedup.toFixed(1)}); load ${onnxLoadMs.toFixed(0)} vs ${tfjsLoadMs.toFixed(0)} ms`,
  );
  onnx.dispose();
  tfjs.dispose();
}
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(
  path.join(root, 'bench/results/onnx-vs-tfjs.json'),
  `${JSON.stringify({ rounds, tfjs_backend: backend, ort_intra_op_threads: intraOpThreads(), node: process.version, results }, null, 2)}\n`,
);
