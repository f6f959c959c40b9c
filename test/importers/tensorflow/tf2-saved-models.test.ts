/**
 * TF2 SavedModels (tf.function + resource variables; signatures call functions) served by
 * `lambda-serving serve` over HTTP: TF.js's own tfjs-node test models and Keras exports.
 * Expected values: stated in ../shared/fixtures (README/SOURCES), or computed here from the
 * variables stored in each checkpoint, read with the checkpoint reader (which its own tests check
 * byte for byte against numpy files) and combined in plain TypeScript, not by the graph code.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointReader } from '../../../lib/importers/tensorflow/checkpoint.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { serveModels, type ServeProcess } from '../../support/serve-process.ts';

const MODELS: Record<string, string> = {
  times_three_float: 'tfjs-node/saved_model/times_three_float',
  times_two_int: 'tfjs-node/saved_model/times_two_int',
  uint8_multiply: 'tfjs-node/saved_model/uint8_multiply',
  int64_multiply: 'tfjs-node/saved_model/int64_multiply',
  model_multi_output: 'tfjs-node/saved_model/model_multi_output',
  model_single_input_multi_output: 'tfjs-node/saved_model/model_single_input_multi_output',
  module_with_multiple_signatures: 'tfjs-node/saved_model/module_with_multiple_signatures',
  cppflow_load_model: 'keras-savedmodel/cppflow-keras/load_model/model',
  cppflow_multi_input_output: 'keras-savedmodel/cppflow-keras/multi_input_output/model',
  mnist_mlp: 'keras-savedmodel/scisharp-mnist-mlp/simple_model_from_auto_compile',
  mobilenet_gestures: 'keras-savedmodel/arm-openmv-mobilenet-v1/model',
};

let dir: string;
let server: ServeProcess;

async function predict(model: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/v1/models/${model}:predict`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function variables(relative: string): Promise<Record<string, Float32Array | Int32Array>> {
  const reader = await CheckpointReader.open(fixture(relative, 'variables', 'variables'));
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const key of reader.keys().filter((k) => k.endsWith('VARIABLE_VALUE'))) {
    out[key.replace('/.ATTRIBUTES/VARIABLE_VALUE', '')] = (await reader.read(key)).values as Float32Array;
  }
  await reader.close();
  return out;
}

/** y = x·W + b for one row x, W stored [in, out] as Keras does. */
function dense(x: number[], kernel: Float32Array | Int32Array, bias: Float32Array | Int32Array): number[] {
  const units = bias.length;
  return Array.from({ length: units }, (_, j) => x.reduce((sum, xi, i) => sum + xi * kernel[i * units + j], bias[j]));
}

const relu = (v: number[]) => v.map((x) => Math.max(0, x));
const sigmoid = (v: number[]) => v.map((x) => 1 / (1 + Math.exp(-x)));

describe.skipIf(!HAVE_FIXTURES)(`TF2 SavedModels over HTTP${FIXTURES_NOTE}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tf2-models-'));
    for (const [name, relative] of Object.entries(MODELS)) {
      await mkdir(path.join(dir, name));
      await symlink(fixture(relative), path.join(dir, name, '1'));
    }
    server = await serveModels(dir, Object.keys(MODELS));
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('times_three_float: [1,2,3] → [3,6,9] (TF.js\'s test), with its signature names', async () => {
    expect(await predict('times_three_float', { inputs: [1, 2, 3] })).toEqual({ status: 200, json: { outputs: [3, 6, 9] } });
    const metadata = (await (await fetch(`${server.url}/v1/models/times_three_float/metadata`)).json()) as {
      metadata: { signature_def: { signature_def: { serving_default: { inputs: { x: { name: string } }; outputs: { output_0: { name: string } } } } } };
    };
    const signature = metadata.metadata.signature_def.signature_def.serving_default;
    expect(signature.inputs.x.name).toBe('serving_default_x:0');
    expect(signature.outputs.output_0.name).toBe('StatefulPartitionedCall:0');
  });

  it('integer models multiply by their stored variables, in their own dtypes', async () => {
    const two = await variables(MODELS.times_two_int);
    expect(await predict('times_two_int', { inputs: [1, 2, 3] })).toEqual({ status: 200, json: { outputs: [1, 2, 3].map((x) => x * two.v[0]) } });
    // TF.js's test: 18. The graph multiplies by v1 and v2.
    const u8 = await variables(MODELS.uint8_multiply);
    expect(await predict('uint8_multiply', { inputs: [3] })).toEqual({ status: 200, json: { outputs: [3 * u8.v1[0] * u8.v2[0]] } });
    expect((await predict('uint8_multiply', { inputs: [3] })).json.outputs).toEqual([18]);
    const i64 = (await variables(MODELS.int64_multiply)) as unknown as Record<string, BigInt64Array>;
    expect(await predict('int64_multiply', { inputs: [3, 4] })).toEqual({
      status: 200,
      json: { outputs: [3n, 4n].map((x) => Number(x * i64.v1[0] * i64.v2[0])) },
    });
  });

  it('uint8 inputs outside 0–255 are a 400 naming the input', async () => {
    const { status, json } = await predict('uint8_multiply', { inputs: [300] });
    expect(status).toBe(400);
    expect(json.error).toMatch(/'x'.*DT_UINT8/);
  });

  it('several named outputs come back keyed by name', async () => {
    // Their functions (in saved_model.pb): output_0 = x · two, output_1 = y (or x) passed through.
    const { two } = await variables(MODELS.model_multi_output);
    expect(await predict('model_multi_output', { inputs: { x: 1, y: 2 } })).toEqual({ status: 200, json: { outputs: { output_0: 1 * two[0], output_1: 2 } } });
    expect(await predict('model_multi_output', { instances: [{ x: 3, y: 5 }] })).toEqual({ status: 200, json: { predictions: [{ output_0: 3 * two[0], output_1: 5 }] } });
    const single = await variables(MODELS.model_single_input_multi_output);
    expect(await predict('model_single_input_multi_output', { inputs: 2 })).toEqual({ status: 200, json: { outputs: { output_0: 2 * single.two[0], output_1: 2 } } });
  });

  it('a module with several signatures serves each', async () => {
    const vars = await variables(MODELS.module_with_multiple_signatures);
    expect((await predict('module_with_multiple_signatures', { signature_name: 'timestwo', inputs: 5 })).json).toEqual({ outputs: 5 * vars.two[0] });
    expect((await predict('module_with_multiple_signatures', { inputs: 5 })).json).toEqual({ outputs: 5 * vars.v[0] });
  });

  it('Keras Dense(5, relu) → Dense(1, sigmoid) gives 0.9522027 for ones (SOURCES.md, derived)', async () => {
    const { json } = await predict('cppflow_load_model', { instances: [[1, 1, 1, 1, 1]] });
    expect((json.predictions as number[][])[0][0]).toBeCloseTo(0.9522027, 6);
  });

  it('Keras two-input two-output model matches its weights computed here', async () => {
    const w = await variables(MODELS.cppflow_multi_input_output);
    const layers = Object.keys(w).filter((k) => k.endsWith('/kernel')).map((k) => k.slice(0, -'/kernel'.length)).sort();
    expect(layers.length).toBe(4);
    const x1 = [0.1, 0.2, 0.3, 0.4, 0.5];
    const x2 = [1, -1, 2, -2, 0.5];
    const { json } = await predict('cppflow_multi_input_output', { instances: [{ my_input_1: x1, my_input_2: x2 }] });
    const [prediction] = json.predictions as { my_outputs_1: number[]; my_outputs_2: number[] }[];
    // Two independent branches; find which stored layers form each by trying both pairings.
    const branch = (x: number[], hidden: string, out: string) =>
      sigmoid(dense(relu(dense(x, w[`${hidden}/kernel`], w[`${hidden}/bias`])), w[`${out}/kernel`], w[`${out}/bias`]))[0];
    const candidates = [
      [branch(x1, layers[0], layers[2]), branch(x2, layers[1], layers[3])],
      [branch(x1, layers[1], layers[3]), branch(x2, layers[0], layers[2])],
    ];
    const actual = [prediction.my_outputs_1[0], prediction.my_outputs_2[0]];
    const match = candidates.some((c) => Math.abs(c[0] - actual[0]) < 1e-5 && Math.abs(c[1] - actual[1]) < 1e-5);
    expect(match, `served ${actual}, computed ${JSON.stringify(candidates)}`).toBe(true);
  });

  it('Keras MNIST MLP: softmax of an all-zero image matches SOURCES.md to 1e-5', async () => {
    const expected = [0.079877, 0.118605, 0.093729, 0.078804, 0.104025, 0.153099, 0.091214, 0.124302, 0.066414, 0.089932];
    const image = Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => [0]));
    const { status, json } = await predict('mnist_mlp', { instances: [image] });
    expect(status).toBe(200);
    // The stated values have 6 decimals, so allow their rounding (5e-7) on top of 1e-5.
    (json.predictions as number[][])[0].forEach((p, i) => expect(Math.abs(p - expected[i])).toBeLessThan(1e-5 + 5e-7));
  });

  it('Keras MobileNetV1 (augmentation, resizing, BN, depthwise) loads and answers a 5-class softmax', async () => {
    const image = Array.from({ length: 160 }, (_, r) => Array.from({ length: 120 }, (_, c) => [(r * 7 + c * 3) % 256]));
    const { status, json } = await predict('mobilenet_gestures', { instances: [image] });
    expect(status).toBe(200);
    const [scores] = json.predictions as number[][];
    expect(scores).toHaveLength(5);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
