/**
 * TFLite and Keras files served by `lambda-serving serve` over loopback HTTP, as users drop them
 * into `models/<name>/<version>/`. Expected values, from ../shared/fixtures/README.md and SOURCES.md:
 * - half_plus_two (TF Serving's TFLite test model): `{"instances": [2.0, 3.0, 4.0]}` →
 *   `{"predictions": [3.0, 3.5, 4.0]}` [README, from TF Serving's server tests].
 * - add4: [[1,2,3,4]] + [[5,6,7,8]] → [6,8,10,12] [stated, tfjs-tflite worker_test.ts].
 * - hello world: |sin(x) − y| ≤ 0.05 for x ∈ {0, 1, 3, 5} [stated, hello_world_test.cc].
 * - MNIST LSTM: samples/sampleN.png (grey pixels / 255, shape [1,28,28]) is predicted as N
 *   [stated, evaluate_test.py].
 * - MobileNet v1 0.25 (float TFLite): burger.jpg resized to 224×224, x/127.5 − 1: top-1 is 934
 *   "cheeseburger" in its 1001-class labels.txt. The stated figure is for the quantized sibling of
 *   this file (0.96, not copied); for this float file only the class is asserted.
 * - Keras .h5: the numbers themselves are checked against plain-TypeScript forward passes in
 *   test/importers/keras/; here: the right shape, a softmax that sums to 1, and the same answers
 *   from the `convert`ed layers model and from a Keras 3 `.keras` copy (written by the test's
 *   keras-v3-writer from the .h5's config and weights — not by Keras) and its conversion; the
 *   `convert`ed graph models (layers mapped onto TensorFlow ops) agree to 1e-5.
 * Malformed files fail their model's load with a clear error while the others keep serving.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';
import { readKeras2File } from './keras/h5-files.ts';
import { fromKeras2, writeKerasV3 } from './keras/keras-v3-writer.ts';
import { runCli, serveModels, type ServeProcess } from '../support/serve-process.ts';

let dir: string;
let server: ServeProcess;

/** Model name → the file served as its version 1 (symlinked, never copied into the repo). */
const FILES: Record<string, string> = {
  half_plus_two_tflite: 'tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite',
  add4: 'tflite/tfjs-add4/add4.tflite',
  hello_world: 'tflite/tflm-hello-world/hello_world_float.tflite',
  mnist_lstm: 'tflite/tflm-mnist-lstm/trained_lstm.tflite',
  mobilenet_tflite: 'tflite/tflite-support-mobilenet-v1-025/mobilenet_v1_0.25_224_1_default_1.tflite',
  mini_xception: 'keras-h5/face-classification-mini-xception/fer2013_mini_XCEPTION.102-0.66.hdf5',
  cnn2d: 'keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5',
};

async function post(model: string, verb: string, body: unknown): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/v1/models/${model}:${verb}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

const argmax = (values: number[]) => values.indexOf(Math.max(...values));

async function rgb(file: string, size: number, scale: (v: number) => number): Promise<number[][][]> {
  const { data } = await sharp(fixture('images', 'imagenet', file)).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => Array.from({ length: 3 }, (_, c) => scale(data[(y * size + x) * 3 + c]))));
}

async function grey(file: string, size: number, scale: (v: number) => number): Promise<number[][]> {
  const { data } = await sharp(file).resize(size, size, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => scale(data[y * size + x])));
}

describe.skipIf(!HAVE_FIXTURES)(`TFLite and Keras models over HTTP${FIXTURES_NOTE}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tflite-keras-'));
    const names: string[] = [];
    const add = async (name: string, files: Record<string, string | Uint8Array>) => {
      await mkdir(path.join(dir, name, '1'), { recursive: true });
      for (const [file, source] of Object.entries(files)) {
        if (typeof source === 'string') await symlink(source, path.join(dir, name, '1', file));
        else await writeFile(path.join(dir, name, '1', file), source);
      }
      names.push(name);
    };
    for (const [name, relative] of Object.entries(FILES)) await add(name, { [path.basename(relative)]: fixture(relative) });
    // The same Keras model converted to a TF.js layers model by the CLI, as a user would.
    const converted = path.join(dir, 'cnn2d_converted', '1');
    const result = await runCli('convert', '--input_format=keras', fixture(FILES.cnn2d), converted);
    expect(result.code, result.stderr).toBe(0);
    names.push('cnn2d_converted');
    // And to TF.js graph models: the Keras layers mapped onto TensorFlow ops.
    for (const name of ['cnn2d', 'mini_xception']) {
      const graphResult = await runCli('convert', '--input_format=keras', '--output_format=tfjs_graph_model', fixture(FILES[name]), path.join(dir, `${name}_graph`, '1'));
      expect(graphResult.code, graphResult.stderr).toBe(0);
      names.push(`${name}_graph`);
    }
    const tflite = path.join(dir, 'mobilenet_converted', '1');
    const tfliteResult = await runCli('convert', '--input_format=tflite', fixture(FILES.mobilenet_tflite), tflite);
    expect(tfliteResult.code, tfliteResult.stderr).toBe(0);
    names.push('mobilenet_converted');
    // The same model as a Keras 3 .keras zip, served as is and converted with --input_format keras_v3.
    const h5 = await readKeras2File(await readFile(fixture(FILES.cnn2d)));
    const weights = new Map(h5.layers.map((layer) => [layer.name, layer.weights.map((w) => ({ shape: w.shape, values: w.values }))]));
    const kerasFile = path.join(dir, 'cnn2d_keras3', '1', 'model.keras');
    await mkdir(path.dirname(kerasFile), { recursive: true });
    await writeKerasV3(kerasFile, fromKeras2(h5.modelConfig as Parameters<typeof fromKeras2>[0], weights, { kind: 'Functional', name: 'functional' }));
    names.push('cnn2d_keras3');
    const v3Result = await runCli('convert', '--input_format=keras_v3', kerasFile, path.join(dir, 'cnn2d_keras3_converted', '1'));
    expect(v3Result.code, v3Result.stderr).toBe(0);
    names.push('cnn2d_keras3_converted');
    // Broken files: a flatbuffer cut short, an HDF5 file cut short.
    await add('truncated_tflite', { 'model.tflite': (await readFile(fixture(FILES.hello_world))).subarray(0, 1000) });
    await add('truncated_h5', { 'model.h5': (await readFile(fixture(FILES.cnn2d))).subarray(0, 1000) });
    // The TF.js engine throughout: these cases compare a file with its TF.js conversions, which must
    // agree exactly on one engine (ONNX Runtime's agreement with TF.js is test/engine/onnx's).
    server = await serveModels(dir, names, { LAMBDA_SERVING_ENGINE: 'tfjs' });
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it("TF Serving's TFLite half_plus_two answers as TF Serving does, row and columnar", async () => {
    expect((await post('half_plus_two_tflite', 'predict', { instances: [2.0, 3.0, 4.0] })).text).toBe('{"predictions":[3.0,3.5,4.0]}');
    expect((await post('half_plus_two_tflite', 'predict', { inputs: [2.0, 3.0, 4.0] })).text).toBe('{"outputs":[3.0,3.5,4.0]}');
  });

  it('add4 adds its two named inputs; the metadata lists the TFLite signature', async () => {
    const { json } = await post('add4', 'predict', { instances: [{ input_1: [1, 2, 3, 4], input_2: [5, 6, 7, 8] }] });
    expect(json).toEqual({ predictions: [[6, 8, 10, 12]] });
    const metadata = (await (await fetch(`${server.url}/v1/models/add4/metadata`)).json()) as {
      metadata: { signature_def: { signature_def: Record<string, { inputs: Record<string, unknown>; outputs: Record<string, unknown> }> } };
    };
    const signature = metadata.metadata.signature_def.signature_def.serving_default;
    expect(Object.keys(signature.inputs).sort()).toEqual(['input_1', 'input_2']);
    expect(Object.keys(signature.outputs)).toEqual(['add_1']);
  });

  it('hello world approximates sin(x) within 0.05 at 0, 1, 3 and 5', async () => {
    const xs = [0, 1, 3, 5];
    const { status, json } = await post('hello_world', 'predict', { instances: xs.map((x) => [x]) });
    expect(status).toBe(200);
    (json.predictions as number[][]).forEach(([y], i) => expect(Math.abs(Math.sin(xs[i]) - y)).toBeLessThanOrEqual(0.05));
  });

  it('the MNIST LSTM reads each sample digit N as N', async () => {
    const predicted: number[] = [];
    for (let n = 0; n < 10; n++) {
      const image = await grey(fixture('tflite', 'tflm-mnist-lstm', 'samples', `sample${n}.png`), 28, (v) => v / 255);
      const { status, json } = await post('mnist_lstm', 'predict', { instances: [image] });
      expect(status, JSON.stringify(json)).toBe(200);
      predicted.push(argmax((json.predictions as number[][])[0]));
    }
    expect(predicted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('the float MobileNet sees a cheeseburger in burger.jpg, also after convert', async () => {
    const image = await rgb('burger.jpg', 224, (v) => v / 127.5 - 1);
    const labels = (await readFile(fixture('tflite', 'tflite-support-mobilenet-v1-025', 'labels.txt'), 'utf8')).split('\n');
    const original = (await post('mobilenet_tflite', 'predict', { instances: [image] })).json.predictions as number[][];
    expect(original[0]).toHaveLength(1001);
    expect(argmax(original[0])).toBe(934);
    expect(labels[934]).toBe('cheeseburger');
    const converted = (await post('mobilenet_converted', 'predict', { instances: [image] })).json.predictions as number[][];
    converted[0].forEach((p, i) => expect(Math.abs(p - original[0][i])).toBeLessThan(1e-6));
  });

  it('Keras mini-Xception (.hdf5) answers a 7-emotion softmax for a real greyscale face-size image', async () => {
    const image = (await grey(fixture('images', 'imagenet', 'my_cat.jpg'), 64, (v) => (v / 255 - 0.5) * 2)).map((row) => row.map((v) => [v]));
    const { status, json } = await post('mini_xception', 'predict', { instances: [image] });
    expect(status, JSON.stringify(json)).toBe(200);
    const [scores] = json.predictions as number[][];
    expect(scores).toHaveLength(7);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const graph = await post('mini_xception_graph', 'predict', { instances: [image] });
    (graph.json.predictions as number[][])[0].forEach((p, i) => expect(Math.abs(p - scores[i])).toBeLessThan(1e-5));
  });

  it('a model with baked-in shapes refuses a wrong-sized image with a 400 naming the input', async () => {
    const image = await rgb('burger.jpg', 200, (v) => v / 127.5 - 1);
    const { status, json } = await post('mobilenet_tflite', 'predict', { instances: [image] });
    expect(status).toBe(400);
    expect(json.error).toMatch(/Input 'input' must have shape \[-1,224,224,3\]/);
  });

  it('a Keras .h5, its .keras copy and both conversions give the same answers', async () => {
    const input = Array.from({ length: 10 }, (_, y) => Array.from({ length: 10 }, (_, x) => [Math.sin(x + y), Math.cos(x * y), (x - y) / 10]));
    const a = await post('cnn2d', 'predict', { instances: [input] });
    expect(a.status, a.text).toBe(200);
    expect((a.json.predictions as number[][])[0]).toHaveLength(4);
    for (const model of ['cnn2d_converted', 'cnn2d_keras3', 'cnn2d_keras3_converted']) {
      expect((await post(model, 'predict', { instances: [input] })).json, model).toEqual(a.json);
    }
    const graph = (await post('cnn2d_graph', 'predict', { instances: [input] })).json.predictions as number[][];
    graph[0].forEach((p, i) => expect(Math.abs(p - (a.json.predictions as number[][])[0][i])).toBeLessThan(1e-5));
  });

  it('truncated files fail their own load with a clear error; the other models keep serving', async () => {
    const tflite = await post('truncated_tflite', 'predict', { instances: [[1]] });
    expect(tflite.status).toBe(503);
    expect(tflite.json.error).toMatch(/truncated_tflite version 1 failed to load: .*model\.tflite/);
    const h5 = await post('truncated_h5', 'predict', { instances: [[1]] });
    expect(h5.status).toBe(503);
    expect(h5.json.error).toMatch(/truncated_h5 version 1 failed to load: .*model\.h5/);
    expect((await post('half_plus_two_tflite', 'predict', { instances: [1.0] })).text).toBe('{"predictions":[2.5]}');
  });
});
