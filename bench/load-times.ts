/**
 * How long does each fixture take to load, from its own format (protobuf, flatbuffer, HDF5) and
 * from the TF.js folder `lambda-serving convert` writes for it? Each load goes through loadModel,
 * as serving does; "first" is the first load in this process (importer modules and the HDF5
 * WebAssembly start included), "later" the median of ROUNDS=5 more.
 * Run: npx tsx bench/load-times.ts  (LAMBDA_SERVING_BACKEND=cpu|wasm). Needs ../shared/fixtures.
 * Writes bench/results/load-times-<backend>.json.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertModel, parseConvertFlags } from '../lib/cli/convert.ts';
import { initBackend } from '../lib/engine/backend.ts';
import { loadModel } from '../lib/engine/load-model.ts';

const fixtures = path.resolve(import.meta.dirname, '../../shared/fixtures');
const rounds = Number(process.env.ROUNDS ?? 5);
const backend = await initBackend();

/** Fixture → its convert input format; a file is served from a version folder holding just it. */
const CASES: { name: string; source: string; format: string }[] = [
  { name: 'half_plus_two (TF1 SavedModel)', source: 'tf-serving/saved_model_half_plus_two_cpu/00000123', format: 'tf_saved_model' },
  { name: 'MobileNetV1 gestures (Keras TF2 SavedModel)', source: 'keras-savedmodel/arm-openmv-mobilenet-v1/model', format: 'tf_saved_model' },
  { name: 'LeNet (frozen GraphDef)', source: 'frozen-graphdef/dl4j-lenet/lenet_frozen.pb', format: 'tf_frozen_model' },
  { name: 'half_plus_two (TFLite)', source: 'tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite', format: 'tflite' },
  { name: 'hello world (TFLite)', source: 'tflite/tflm-hello-world/hello_world_float.tflite', format: 'tflite' },
  { name: 'MNIST LSTM (TFLite)', source: 'tflite/tflm-mnist-lstm/trained_lstm.tflite', format: 'tflite' },
  { name: 'MobileNet v1 0.25 (TFLite)', source: 'tflite/tflite-support-mobilenet-v1-025/mobilenet_v1_0.25_224_1_default_1.tflite', format: 'tflite' },
  { name: 'cnn2d (Keras .h5)', source: 'keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5', format: 'keras' },
  { name: 'mini-Xception (Keras .hdf5)', source: 'keras-h5/face-classification-mini-xception/fer2013_mini_XCEPTION.102-0.66.hdf5', format: 'keras' },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function time(versionDir: string): Promise<{ first: number; later: number }> {
  const samples: number[] = [];
  for (let i = 0; i <= rounds; i++) {
    const start = performance.now();
    const model = await loadModel(versionDir);
    samples.push(performance.now() - start);
    model.dispose();
  }
  return { first: +samples[0].toFixed(1), later: +median(samples.slice(1)).toFixed(1) };
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'load-times-'));
const results = [];
try {
  for (const [i, c] of CASES.entries()) {
    const source = path.join(fixtures, c.source);
    let versionDir = source;
    if (path.extname(source)) {
      versionDir = path.join(scratch, `original-${i}`);
      await mkdir(versionDir);
      await symlink(source, path.join(versionDir, path.basename(source)));
    }
    const original = await time(versionDir);
    const converted = path.join(scratch, `converted-${i}`);
    const convert = await convertModel(parseConvertFlags([`--input_format=${c.format}`, source, converted]));
    const preconverted = await time(converted);
    results.push({
      model: c.name,
      original_first_ms: original.first,
      original_ms: original.later,
      converted_first_ms: preconverted.first,
      converted_ms: preconverted.later,
      convert_ms: +convert.milliseconds.toFixed(0),
      output: convert.unit === 'nodes' ? `graph, ${convert.nodes} nodes` : `layers, ${convert.nodes} layers`,
    });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
await mkdir(path.resolve(import.meta.dirname, 'results'), { recursive: true });
await writeFile(path.resolve(import.meta.dirname, `results/load-times-${backend}.json`), JSON.stringify({ backend, rounds, results }, null, 2));
console.table(results);
