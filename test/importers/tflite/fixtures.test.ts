/**
 * The TFLite importer on the real fixtures (../shared/fixtures), imported, lowered and run on
 * TF.js (WASM unless LAMBDA_SERVING_BACKEND says otherwise). Where each expected value comes from:
 * - half_plus_two `tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite`: y = 0.5·x + 2,
 *   [2, 3, 4] → [3, 3.5, 4] — fixtures README.md (TF Serving's own REST tests) [stated].
 * - `tf1-savedmodel/tf2onnx-regression/regression/tflite/model.tflite`: pred = 0.21396178·X + 1.0495254
 *   — SOURCES.md §2 [verified]; X = [1, 2, 3] → [1.2634872, 1.4774490, 1.6914107] [derived].
 * - `tflite/tfjs-add4/add4.tflite`: [[1,2,3,4]] + [[5,6,7,8]] → [[6,8,10,12]] — SOURCES.md §5,
 *   tfjs-tflite worker_test.ts [stated].
 * - `tflite/tflm-hello-world`: |sin(x) − y| ≤ 0.05 for x ∈ {0, 1, 3, 5} — SOURCES.md §5,
 *   hello_world_test.cc [stated].
 * - `tflite/tflm-mnist-lstm`: samples/sampleN.png is predicted as N — SOURCES.md §5, evaluate_test.py
 *   [stated]; preprocessing as its evaluate.py: grayscale 28×28, /255, shape (1, 28, 28).
 * - MobileNet v1 0.25 (`tflite/tflite-support-mobilenet-v1-025`): burger.jpg → 934 cheeseburger
 *   (1001-class labels.txt) — SOURCES.md §6 [stated] for two other MobileNets (v2 float, v1 0.25
 *   quant); nothing is stated for this exact file, and its preprocessing (x/127.5 − 1) is the usual
 *   MobileNet v1 one, not stated. Independent check: reference.ts, a plain-JS interpreter of the
 *   TFLite ops, on the same input — the first convolution, the logits and all 1001 scores.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import type { HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { loadImportedGraph } from '../../../lib/engine/tfjs/load-graph.ts';
import type { Graph } from '../../../lib/graph/graph.ts';
import { importTflite, importTfliteFile, readTflite } from '../../../lib/importers/tflite/index.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { mnistSample, mobilenetInput } from './images.ts';
import { runReference } from './reference.ts';

const MOBILENET = 'tflite/tflite-support-mobilenet-v1-025/mobilenet_v1_0.25_224_1_default_1.tflite';
const timings: string[] = [];

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

afterAll(() => {
  if (timings.length) console.info(`TFLite import + load:\n  ${timings.join('\n  ')}`);
});

function floats(shape: number[], values: number[]): HostTensor {
  return { dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) };
}

function values(tensor: HostTensor): number[] {
  return Array.from(tensor.values as Float32Array);
}

/** Imports and loads a fixture, recording how long each step took. */
async function load(relative: string, edit?: (graph: Graph) => void): Promise<{ graph: Graph; model: LoadedModel }> {
  const started = performance.now();
  const graph = importTflite(readFileSync(fixture(relative)), relative);
  const imported = performance.now();
  edit?.(graph);
  const model = await loadImportedGraph(graph, relative);
  timings.push(`${relative}: import ${(imported - started).toFixed(0)} ms + load ${(performance.now() - imported).toFixed(0)} ms (${graph.nodes.length} nodes)`);
  return { graph, model };
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

describe.skipIf(!HAVE_FIXTURES)(`TFLite fixtures${FIXTURES_NOTE}`, () => {
  it('half_plus_two (TF Serving testdata): [2, 3, 4] → [3, 3.5, 4]', async () => {
    const { graph, model } = await load('tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite');
    // TOCO file: no SignatureDef, tensors x [1,1] → y [1,1]; the batch is made dynamic. Only
    // elementwise ops with scalar constants: any shape is fed, as TF Serving resizes TFLite inputs.
    expect(graph.signatures.serving_default.inputs.x).toEqual({ tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1, 1], feedShape: null });
    const { y } = await model.run('serving_default', { x: floats([3, 1], [2, 3, 4]) });
    expect(y.shape).toEqual([3, 1]);
    expect(values(y)).toEqual([3, 3.5, 4]);
    const flat = await model.run('serving_default', { x: floats([3], [2, 3, 4]) });
    expect(flat.y.shape).toEqual([3]);
    expect(values(flat.y)).toEqual([3, 3.5, 4]);
    model.dispose();
  });

  it('tf2onnx regression: pred = 0.21396178·X + 1.0495254, any shape (X has unknown rank)', async () => {
    const { graph, model } = await load('tf1-savedmodel/tf2onnx-regression/regression/tflite/model.tflite');
    const { inputs, outputs } = graph.signatures.serving_default;
    expect(inputs.X).toMatchObject({ tensorName: 'X:0', shape: null, feedShape: null });
    expect(Object.keys(outputs)).toEqual(['pred']);
    const { pred } = await model.run('serving_default', { X: floats([3], [1, 2, 3]) });
    values(pred).forEach((v, i) => expect(v).toBeCloseTo(0.21396178 * (i + 1) + 1.0495254, 6));
    const scalar = await model.run('serving_default', { X: floats([], [10]) });
    expect(values(scalar.pred)[0]).toBeCloseTo(0.21396178 * 10 + 1.0495254, 5);
    model.dispose();
  });

  it('tfjs add4: [[1,2,3,4]] + [[5,6,7,8]] → [[6,8,10,12]], with the SignatureDef aliases', async () => {
    const { graph, model } = await load('tflite/tfjs-add4/add4.tflite');
    const { inputs, outputs } = graph.signatures.serving_default;
    expect(inputs).toEqual({
      // One ADD: elementwise only, so any (broadcastable) shapes are fed, as TF Serving would.
      input_1: { tensorName: 'serving_default_input_1:0', dtype: 'DT_FLOAT', shape: [-1, 4], feedShape: null },
      input_2: { tensorName: 'serving_default_input_2:0', dtype: 'DT_FLOAT', shape: [-1, 4], feedShape: null },
    });
    expect(outputs).toEqual({ add_1: { tensorName: 'PartitionedCall:0', dtype: 'DT_FLOAT', shape: [-1, 4] } });
    const { add_1 } = await model.run('serving_default', { input_1: floats([1, 4], [1, 2, 3, 4]), input_2: floats([1, 4], [5, 6, 7, 8]) });
    expect(add_1.shape).toEqual([1, 4]);
    expect(values(add_1)).toEqual([6, 8, 10, 12]);
    model.dispose();
  });

  it('TFLM hello world: |sin(x) − y| ≤ 0.05 for x ∈ {0, 1, 3, 5} (one batch of 4)', async () => {
    const { model } = await load('tflite/tflm-hello-world/hello_world_float.tflite');
    const xs = [0, 1, 3, 5];
    const { dense_2 } = await model.run('serving_default', { dense_input: floats([4, 1], xs) });
    expect(dense_2.shape).toEqual([4, 1]);
    values(dense_2).forEach((y, i) => expect(Math.abs(Math.sin(xs[i]) - y)).toBeLessThanOrEqual(0.05));
    model.dispose();
  });

  it('TFLM MNIST LSTM: sampleN.png → N for N = 0…9, one at a time and as one batch of 10', async () => {
    const { graph, model } = await load('tflite/tflm-mnist-lstm/trained_lstm.tflite');
    expect(graph.signatures.serving_default.inputs.fixed_input).toMatchObject({ tensorName: 'serving_default_fixed_input:0', shape: [-1, 28, 28] });
    const samples = await Promise.all(Array.from({ length: 10 }, (_, n) => mnistSample(fixture(`tflite/tflm-mnist-lstm/samples/sample${n}.png`))));
    for (const [n, sample] of samples.entries()) {
      const { sequential } = await model.run('serving_default', { fixed_input: { dtype: 'DT_FLOAT', shape: [1, 28, 28], values: sample } });
      expect(sequential.shape).toEqual([1, 10]);
      expect(argmax(sequential.values as Float32Array), `sample${n}.png`).toBe(n);
    }
    const batch = new Float32Array(10 * 784);
    samples.forEach((sample, n) => batch.set(sample, n * 784));
    const { sequential } = await model.run('serving_default', { fixed_input: { dtype: 'DT_FLOAT', shape: [10, 28, 28], values: batch } });
    const scores = sequential.values as Float32Array;
    expect(Array.from({ length: 10 }, (_, n) => argmax(scores.subarray(n * 10, n * 10 + 10)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    model.dispose();
  });

  describe('MobileNet v1 0.25 (no SignatureDef)', () => {
    let model: LoadedModel;
    let burger: Float32Array;
    let cat: Float32Array;
    const OUTPUT = 'MobilenetV1/Predictions/Reshape_1';

    beforeAll(async () => {
      ({ model } = await load(MOBILENET, (graph) => {
        // Two extra outputs to compare layers with the reference (the first convolution, the logits).
        graph.signatures.layers = {
          methodName: 'tensorflow/serving/predict',
          inputs: graph.signatures.serving_default.inputs,
          outputs: {
            conv0: { tensorName: 'MobilenetV1/MobilenetV1/Conv2d_0/Relu6:0', dtype: 'DT_FLOAT', shape: null },
            logits: { tensorName: 'MobilenetV1/Logits/SpatialSqueeze:0', dtype: 'DT_FLOAT', shape: null },
            scores: { tensorName: `${OUTPUT}:0`, dtype: 'DT_FLOAT', shape: null },
          },
        };
      }));
      [burger, cat] = await Promise.all([mobilenetInput(fixture('images/imagenet/burger.jpg')), mobilenetInput(fixture('images/imagenet/my_cat.jpg'))]);
    });

    afterAll(() => model?.dispose());

    it('signature keyed by the subgraph tensor names, batch dynamic', async () => {
      const graph = await importTfliteFile(fixture(MOBILENET));
      expect(graph.signatures).toEqual({
        serving_default: {
          methodName: 'tensorflow/serving/predict',
          inputs: { input: { tensorName: 'input:0', dtype: 'DT_FLOAT', shape: [-1, 224, 224, 3], feedShape: [-1, 224, 224, 3] } },
          outputs: { [OUTPUT]: { tensorName: `${OUTPUT}:0`, dtype: 'DT_FLOAT', shape: [-1, 1001] } },
        },
      });
    });

    it('burger.jpg → 934 cheeseburger', async () => {
      const out = await model.run('serving_default', { input: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: burger } });
      const scores = out[OUTPUT].values as Float32Array;
      expect(out[OUTPUT].shape).toEqual([1, 1001]);
      const labels = readFileSync(fixture('tflite/tflite-support-mobilenet-v1-025/labels.txt'), 'utf8').split('\n');
      expect(argmax(scores)).toBe(934);
      expect(labels[934]).toBe('cheeseburger');
      expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    });

    it('a batch of two images gives each image its single-image scores', async () => {
      const both = new Float32Array(2 * burger.length);
      both.set(burger);
      both.set(cat, burger.length);
      const batch = (await model.run('serving_default', { input: { dtype: 'DT_FLOAT', shape: [2, 224, 224, 3], values: both } }))[OUTPUT];
      expect(batch.shape).toEqual([2, 1001]);
      for (const [k, image] of [burger, cat].entries()) {
        const single = (await model.run('serving_default', { input: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: image } }))[OUTPUT].values as Float32Array;
        const row = (batch.values as Float32Array).subarray(k * 1001, (k + 1) * 1001);
        expect(Math.max(...row.map((v, i) => Math.abs(v - single[i])))).toBeLessThan(1e-5);
      }
    });

    it('matches a plain-JS TFLite interpreter: first convolution, logits and scores', async () => {
      const tflite = readTflite(readFileSync(fixture(MOBILENET)), MOBILENET);
      const sub = tflite.subgraphs[0];
      const index = (name: string) => sub.tensors.findIndex((t) => t.name === name);
      const reference = runReference(tflite, new Map([[sub.inputs[0], Float64Array.from(burger)]]));
      const out = await model.run('layers', { input: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: burger } });
      const maxDiff = (name: string, alias: string) => {
        const expected = reference.get(index(name))!.data;
        const actual = out[alias].values as Float32Array;
        expect(actual.length).toBe(expected.length);
        return Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i])));
      };
      expect(maxDiff('MobilenetV1/MobilenetV1/Conv2d_0/Relu6', 'conv0')).toBeLessThan(1e-4);
      expect(maxDiff('MobilenetV1/Logits/SpatialSqueeze', 'logits')).toBeLessThan(1e-3);
      expect(maxDiff(OUTPUT, 'scores')).toBeLessThan(1e-5);
    });
  });
});
