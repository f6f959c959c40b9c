/**
 * Quantized TFLite models: there is no quantized fixture, so the float MobileNet v1 0.25 fixture
 * is given int8 per-channel weights behind DEQUANTIZE ops (scripts/quantize-tflite.ts, written to a
 * temp dir), and small models are built for the rest. Expected values:
 * - float vs weight-quantized MobileNet: top-1 agrees on burger.jpg (934, SOURCES.md §6 [stated]
 *   for other MobileNets) and my_cat.jpg; the measured max |Δscore| is printed and bounded loosely
 *   (int8 weights, float activations). The quantized graph also matches reference.ts (plain JS,
 *   dequantizing as TFLite's DEQUANTIZE does) — an exact check of the dequantization.
 * - Built models: values computed by hand from real = scale·(q − zero_point) (TFLite's schema).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import { loadImportedGraph } from '../../../lib/engine/tfjs/load-graph.ts';
import { importTflite, readTflite } from '../../../lib/importers/tflite/index.ts';
import { BUILTIN_OPERATORS, TENSOR_TYPES } from '../../../lib/importers/tflite/schema.ts';
import { quantizeTfliteFile } from '../../../scripts/quantize-tflite.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { ModelBuilder } from './build-model.ts';
import { mobilenetInput } from './images.ts';
import { runReference } from './reference.ts';

const MOBILENET = 'tflite/tflite-support-mobilenet-v1-025/mobilenet_v1_0.25_224_1_default_1.tflite';
const OUTPUT = 'MobilenetV1/Predictions/Reshape_1';

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

describe.skipIf(!HAVE_FIXTURES)(`weight-quantized MobileNet v1 0.25${FIXTURES_NOTE}`, () => {
  let dir: string;
  let quantizedFile: string;
  let float: LoadedModel;
  let quantized: LoadedModel;
  const images: Record<string, Float32Array> = {};

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lambda-serving-tflite-'));
    quantizedFile = path.join(dir, 'mobilenet_v1_0.25_224_int8_weights.tflite');
    const report = await quantizeTfliteFile(fixture(MOBILENET), quantizedFile);
    expect(report.tensors).toBe(28); // 15 CONV_2D + 13 DEPTHWISE_CONV_2D filters
    float = await loadImportedGraph(importTflite(await readFile(fixture(MOBILENET)), MOBILENET), 'float');
    quantized = await loadImportedGraph(importTflite(await readFile(quantizedFile), quantizedFile), 'quantized');
    for (const name of ['burger.jpg', 'my_cat.jpg']) images[name] = await mobilenetInput(fixture('images/imagenet', name));
  });

  afterAll(async () => {
    float?.dispose();
    quantized?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the copy is laid out as weight-only quantization: int8 per-channel filters behind DEQUANTIZE ops', async () => {
    const model = readTflite(await readFile(quantizedFile), quantizedFile);
    const sub = model.subgraphs[0];
    const opName = (i: number) => BUILTIN_OPERATORS[model.operatorCodes[sub.operators[i].opcodeIndex].builtinCode];
    const dequantizes = sub.operators.filter((_, i) => opName(i) === 'DEQUANTIZE');
    expect(dequantizes).toHaveLength(28);
    for (const op of dequantizes) {
      const weights = sub.tensors[op.inputs[0]];
      expect(TENSOR_TYPES[weights.type]).toBe('INT8');
      expect(weights.quantization!.scale).toHaveLength(weights.shape[weights.quantization!.quantizedDimension]);
      expect(TENSOR_TYPES[sub.tensors[op.outputs[0]].type]).toBe('FLOAT32');
    }
  });

  it('agrees with the float model on top-1; prints the measured score difference', async () => {
    const lines: string[] = [];
    for (const [name, image] of Object.entries(images)) {
      const input = { input: { dtype: 'DT_FLOAT' as const, shape: [1, 224, 224, 3], values: image } };
      const f = (await float.run('serving_default', input))[OUTPUT].values as Float32Array;
      const q = (await quantized.run('serving_default', input))[OUTPUT].values as Float32Array;
      const maxDiff = Math.max(...Array.from(f, (v, i) => Math.abs(v - q[i])));
      lines.push(`${name}: float top-1 ${argmax(f)} (${f[argmax(f)].toFixed(4)}), int8-weights top-1 ${argmax(q)} (${q[argmax(q)].toFixed(4)}), max |Δscore| over 1001 = ${maxDiff.toExponential(3)}`);
      expect(argmax(q), name).toBe(argmax(f));
      expect(maxDiff, name).toBeLessThan(0.1);
    }
    expect(argmax((await quantized.run('serving_default', { input: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: images['burger.jpg'] } }))[OUTPUT].values as Float32Array)).toBe(934);
    console.info(`float vs int8-weight MobileNet v1 0.25:\n  ${lines.join('\n  ')}`);
  });

  it('dequantizes exactly as TFLite does (plain-JS reference on the quantized file)', async () => {
    const model = readTflite(await readFile(quantizedFile), quantizedFile);
    const sub = model.subgraphs[0];
    const image = images['burger.jpg'];
    const expected = runReference(model, new Map([[sub.inputs[0], Float64Array.from(image)]])).get(sub.outputs[0])!.data;
    const actual = (await quantized.run('serving_default', { input: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: image } }))[OUTPUT].values as Float32Array;
    expect(Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
  });
});

describe('quantized tensors in built models', () => {
  it('int8 input and output keep their integer type; activations are computed in float', async () => {
    // q_in (scale 0.5, zp −1) + constant q_c (scale 0.1, zp 0) → q_out (scale 0.25, zp 3).
    const b = new ModelBuilder();
    const x = b.input('x', [1, 4], { type: 'INT8', quantization: { scale: [0.5], zeroPoint: [-1], quantizedDimension: 0 } });
    const c = b.tensor('c', [4], { type: 'INT8', data: [10, -20, 30, 127], quantization: { scale: [0.1], zeroPoint: [0], quantizedDimension: 0 } });
    const y = b.output(b.tensor('y', [1, 4], { type: 'INT8', quantization: { scale: [0.25], zeroPoint: [3], quantizedDimension: 0 } }));
    b.op('ADD', [x, c], [y], { fused_activation_function: 0 });
    const graph = importTflite(b.bytes(), 'int8 add');
    expect(graph.signatures.serving_default.inputs.x.dtype).toBe('DT_INT8');
    expect(graph.signatures.serving_default.outputs.y.dtype).toBe('DT_INT8');
    const model = await loadImportedGraph(graph, 'int8 add');
    const q = [-1, 5, 100, 127];
    const { y: out } = await model.run('serving_default', { x: { dtype: 'DT_INT8', shape: [1, 4], values: Int8Array.from(q) } });
    const real = q.map((v, i) => 0.5 * (v + 1) + 0.1 * [10, -20, 30, 127][i]);
    const expected = real.map((r) => Math.max(-128, Math.min(127, Math.round(r / 0.25) + 3)));
    // real: 0+1 = 1, 3−2 = 1, 50.5+3 = 53.5, 64+12.7 = 76.7 → /0.25 + 3: 7, 7, 217 and 310 saturate at 127.
    expect(expected).toEqual([7, 7, 127, 127]);
    expect(out.values).toBeInstanceOf(Int8Array);
    expect(Array.from(out.values as Int8Array)).toEqual(expected);
    model.dispose();
  });

  it('uint8 input through DEQUANTIZE and QUANTIZE → uint8 output', async () => {
    const b = new ModelBuilder();
    const x = b.input('image', [1, 3], { type: 'UINT8', quantization: { scale: [1 / 255], zeroPoint: [0], quantizedDimension: 0 } });
    const xf = b.tensor('image_float', [1, 3]);
    const doubled = b.tensor('doubled', [1, 3]);
    const y = b.output(b.tensor('scores', [1, 3], { type: 'UINT8', quantization: { scale: [1 / 128], zeroPoint: [0], quantizedDimension: 0 } }));
    b.op('DEQUANTIZE', [x], [xf]);
    b.op('ADD', [xf, xf], [doubled], { fused_activation_function: 0 });
    b.op('QUANTIZE', [doubled], [y]);
    const model = await loadImportedGraph(importTflite(b.bytes(), 'uint8'), 'uint8');
    const { scores } = await model.run('serving_default', { image: { dtype: 'DT_UINT8', shape: [1, 3], values: Uint8Array.from([0, 51, 255]) } });
    // 2·q/255 → round(·128): 0, 51.2 → 51, 256 → saturated at 255.
    expect(scores.values).toBeInstanceOf(Uint8Array);
    expect(Array.from(scores.values as Uint8Array)).toEqual([0, 51, 255]);
    model.dispose();
  });

  it('float16 constants through DEQUANTIZE become float32 Consts', async () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 3]);
    const half = b.tensor('w_fp16', [3], { type: 'FLOAT16', data: [0.5, -2, 1024] });
    const w = b.tensor('w', [3]);
    const y = b.output(b.tensor('y', [1, 3]));
    b.op('DEQUANTIZE', [half], [w]);
    b.op('MUL', [x, w], [y], { fused_activation_function: 0 });
    const graph = importTflite(b.bytes(), 'fp16');
    const consts = graph.nodes.filter((n) => n.op === 'Const');
    expect(consts.map((n) => n.name)).toEqual(['w']);
    expect(graph.nodes.some((n) => n.op === 'Identity')).toBe(false);
    const model = await loadImportedGraph(graph, 'fp16');
    const { y: out } = await model.run('serving_default', { x: { dtype: 'DT_FLOAT', shape: [1, 3], values: Float32Array.from([2, 3, 0.25]) } });
    expect(Array.from(out.values as Float32Array)).toEqual([1, -6, 256]);
    model.dispose();
  });

  it('int8 per-channel weights read directly by FULLY_CONNECTED (hybrid layout) are dequantized at import', async () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 2]);
    // weights [out=2, in=2], channel 0 scale 0.5, channel 1 scale 2 → [[1, -1], [4, 6]]
    const w = b.tensor('w', [2, 2], { type: 'INT8', data: [2, -2, 2, 3], quantization: { scale: [0.5, 2], zeroPoint: [0, 0], quantizedDimension: 0 } });
    const bias = b.tensor('bias', [2], { data: [0.5, -0.5] });
    const y = b.output(b.tensor('y', [1, 2]));
    b.op('FULLY_CONNECTED', [x, w, bias], [y], { fused_activation_function: 0, keep_num_dims: false }, undefined);
    const model = await loadImportedGraph(importTflite(b.bytes(), 'hybrid fc'), 'hybrid fc');
    const { y: out } = await model.run('serving_default', { x: { dtype: 'DT_FLOAT', shape: [1, 2], values: Float32Array.from([3, 1]) } });
    expect(Array.from(out.values as Float32Array)).toEqual([3 - 1 + 0.5, 12 + 6 - 0.5]);
    model.dispose();
  });
});
