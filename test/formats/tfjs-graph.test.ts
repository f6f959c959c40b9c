/**
 * Reading TF.js model folders into the engine-neutral Graph (the tfjs artifact's `toGraph()`,
 * lib/importers/tfjs): attributes in protobuf JSON decoded as NodeDef attributes are, Consts from
 * the weight manifest (quantized weights dequantized bit for bit as tfjs-core does), signatures as
 * the TF.js engine reports them for the same folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { onnxEngine } from '../../lib/engine/onnx/engine.ts';
import { tfjsEngine } from '../../lib/engine/tfjs/engine.ts';
import { FailedPreconditionError } from '../../lib/errors.ts';
import type { TfjsArtifact } from '../../lib/formats/artifact.ts';
import { readModelFolder } from '../../lib/formats/registry.ts';
import type { Graph } from '../../lib/graph/graph.ts';
import { decodeWeights, type WeightSpec } from '../../lib/importers/tfjs/index.ts';
import { floatsToHalfs, halfToFloat } from '../../lib/tensors/float16.ts';
import type { HostTensor } from '../../lib/tensors/host-tensor.ts';
import { REPO_ROOT } from '../support/serve-process.ts';

let dir: string;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  dir = await mkdtemp(path.join(os.tmpdir(), 'tfjs-graph-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function graphOf(version: string): Promise<Graph> {
  const artifact = await readModelFolder(version);
  expect(artifact.kind).toBe('tfjs');
  return (artifact as TfjsArtifact).toGraph();
}

/** Writes a graph-model folder: `model.json` from `json` (its weightsManifest paths set to one shard) and the shard. */
async function writeFolder(name: string, json: { modelTopology: { node: unknown[] }; [key: string]: unknown }, specs: WeightSpec[], weights: Uint8Array): Promise<string> {
  const version = path.join(dir, name, '1');
  await mkdir(version, { recursive: true });
  const modelTopology = { ...json.modelTopology, versions: { producer: 1286 } };
  await writeFile(path.join(version, 'model.json'), JSON.stringify({ format: 'graph-model', ...json, modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }] }));
  await writeFile(path.join(version, 'group1-shard1of1.bin'), weights);
  return version;
}

const bytesOf = (...arrays: ArrayBufferView[]) => Uint8Array.from(arrays.flatMap((a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))));
const float = { type: 'DT_FLOAT' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('TF.js graph model → Graph', () => {
  it('the bundled half_plus_two: its nodes, weights as Consts, and the signature TF.js serves', async () => {
    const version = path.join(REPO_ROOT, 'models/half_plus_two/00000123');
    const graph = await graphOf(version);
    expect(graph.nodes.map((n) => `${n.name}:${n.op}`)).toEqual(['x:Placeholder', 'a:Const', 'b:Const', 'ax:Mul', 'y:AddV2']);
    const weight = (name: string) => graph.nodes.find((n) => n.name === name)!.attrs.value;
    expect(weight('a')).toEqual({ kind: 'tensor', value: { dtype: 'DT_FLOAT', shape: [], values: Float32Array.of(0.5) } });
    expect(weight('b')).toEqual({ kind: 'tensor', value: { dtype: 'DT_FLOAT', shape: [], values: Float32Array.of(2) } });
    expect(graph.nodes[0].attrs).toEqual({ dtype: { kind: 'type', value: 'DT_FLOAT' }, shape: { kind: 'shape', value: [-1] } });
    const tfjs = await tfjsEngine.load(await readModelFolder(version));
    expect(graph.signatures).toEqual(tfjs.signatures);
    tfjs.dispose();
  });

  it('decodes every AttrValue form tensorflowjs_converter writes', async () => {
    const node = {
      name: 'n',
      op: 'NoOp',
      attr: {
        i: { i: '-3' },
        f: { f: 0.25 },
        nan: { f: 'NaN' },
        inf: { f: '-Infinity' },
        b: { b: true },
        s: { s: b64('SAME') },
        t: { type: 'DT_INT64' },
        t_number: { type: 3 },
        shape: { shape: { dim: [{ size: '-1' }, { size: '7' }, {}] } },
        unknown: { shape: { unknownRank: true } },
        ints: { list: { i: ['1', '2', '2', '1'] } },
        strings: { list: { s: [b64('BiasAdd'), b64('Relu')] } },
        empty: { list: {} },
        tensor: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] }, intVal: [4, -5] } },
      },
    };
    const version = await writeFolder('attrs', { modelTopology: { node: [node] } }, [], new Uint8Array(0));
    const attrs = (await graphOf(version)).nodes[0].attrs;
    expect(attrs.i).toEqual({ kind: 'int', value: -3 });
    expect(attrs.f).toEqual({ kind: 'float', value: 0.25 });
    expect(attrs.nan.kind === 'float' && Number.isNaN(attrs.nan.value)).toBe(true);
    expect(attrs.inf).toEqual({ kind: 'float', value: -Infinity });
    expect(attrs.b).toEqual({ kind: 'bool', value: true });
    expect(attrs.s).toEqual({ kind: 'string', value: new TextEncoder().encode('SAME') });
    expect(attrs.t).toEqual({ kind: 'type', value: 'DT_INT64' });
    expect(attrs.t_number).toEqual({ kind: 'type', value: 'DT_INT32' });
    // Proto JSON leaves zero values out: a dim without a size is 0.
    expect(attrs.shape).toEqual({ kind: 'shape', value: [-1, 7, 0] });
    expect(attrs.unknown).toEqual({ kind: 'shape', value: null });
    expect(attrs.ints).toEqual({ kind: 'list', ints: [1, 2, 2, 1] });
    expect(attrs.strings).toEqual({ kind: 'list', strings: [new TextEncoder().encode('BiasAdd'), new TextEncoder().encode('Relu')] });
    expect(attrs.empty).toEqual({ kind: 'list' });
    expect(attrs.tensor).toEqual({ kind: 'tensor', value: { dtype: 'DT_INT32', shape: [2], values: Int32Array.of(4, -5) } });
  });

  it('gives a Const the dtype it declares (TF.js stores int64 constants as int32), and bool and string weights as they are', async () => {
    const node = (name: string, dtype: string) => ({ name, op: 'Const', attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: { dim: [{ size: '2' }] } } } } });
    const strings = [new TextEncoder().encode('ab'), new TextEncoder().encode('')];
    const stringBytes = bytesOf(Uint32Array.of(2), strings[0], Uint32Array.of(0));
    const version = await writeFolder(
      'dtypes',
      { modelTopology: { node: [node('i64', 'DT_INT64'), node('flag', 'DT_BOOL'), node('text', 'DT_STRING')] } },
      [
        { name: 'i64', shape: [2], dtype: 'int32' },
        { name: 'flag', shape: [2], dtype: 'bool' },
        { name: 'text', shape: [2], dtype: 'string' },
      ],
      bytesOf(Int32Array.of(-7, 2147483647), Uint8Array.of(1, 0), stringBytes),
    );
    const byName = new Map((await graphOf(version)).nodes.map((n) => [n.name, n.attrs.value]));
    expect(byName.get('i64')).toEqual({ kind: 'tensor', value: { dtype: 'DT_INT64', shape: [2], values: BigInt64Array.of(-7n, 2147483647n) } });
    expect(byName.get('flag')).toEqual({ kind: 'tensor', value: { dtype: 'DT_BOOL', shape: [2], values: Uint8Array.of(1, 0) } });
    expect(byName.get('text')).toEqual({ kind: 'tensor', value: { dtype: 'DT_STRING', shape: [2], values: strings } });
  });

  it('without a stored signature: the Placeholders in and the nodes nothing reads out, as TF.js lists them', async () => {
    const version = await writeFolder(
      'no-signature',
      {
        modelTopology: {
          node: [
            { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } },
            { name: 'k', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
            { name: 'y', op: 'Mul', input: ['x', 'k'], attr: { T: float } },
            { name: 'out', op: 'Identity', input: ['y'], attr: { T: float } },
          ],
        },
      },
      [{ name: 'k', shape: [], dtype: 'float32' }],
      bytesOf(Float32Array.of(3)),
    );
    const graph = await graphOf(version);
    const tfjs = await tfjsEngine.load(await readModelFolder(version));
    expect(graph.signatures).toEqual(tfjs.signatures);
    expect(graph.signatures.serving_default.inputs).toEqual({ x: { tensorName: 'x', dtype: 'DT_FLOAT', shape: [-1, 2] } });
    expect(Object.keys(graph.signatures.serving_default.outputs)).toEqual(['out']);
    const onnx = await onnxEngine.load(await readModelFolder(version));
    const x: HostTensor = { dtype: 'DT_FLOAT', shape: [1, 2], values: Float32Array.of(1, -2) };
    expect(Array.from((await onnx.run('serving_default', { x })).out.values as Float32Array)).toEqual([3, -6]);
    expect(Array.from((await tfjs.run('serving_default', { x })).out.values as Float32Array)).toEqual([3, -6]);
    onnx.dispose();
    tfjs.dispose();
  });

  it('refuses a manifest whose shards run short, and a shard path outside the folder, naming them', async () => {
    const short = await writeFolder('short', { modelTopology: { node: [] } }, [{ name: 'w', shape: [4], dtype: 'float32' }], new Uint8Array(8));
    await expect(graphOf(short)).rejects.toThrow(/weight w needs bytes 0\.\.16 but the shards hold 8/);
    const outside = path.join(dir, 'outside', '1');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [{ paths: ['../../secret.bin'], weights: [] }] }));
    const error = await graphOf(outside).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as Error).message).toMatch(/Weight path \.\.\/\.\.\/secret\.bin points outside/);
  });
});

describe('quantized weights dequantize exactly as TF.js does', () => {
  /**
   * tensorflowjs_converter's `--quantize_uint8`/`--quantize_uint16` layout (quantization.py,
   * `quantize_weights`): with m = min(w), M = max(w) and n = 2^bits − 1, scale = (M − m)/n; the
   * zero point z = round(−m/scale) is nudged so 0 is exact, min = −z·scale; each weight is stored
   * as q = round((clip(w, min, min + n·scale) − min)/scale) in uint8/uint16, and the manifest
   * entry carries `quantization: { dtype, scale, min }`. TF.js reads w' = q·scale + min (in
   * doubles, stored as float32; int32 weights Math.round it). `--quantize_float16` stores the
   * IEEE binary16 bits, read back exactly.
   */
  function quantize(values: number[], dtype: 'uint8' | 'uint16'): { q: Uint8Array | Uint16Array; scale: number; min: number } {
    const n = dtype === 'uint8' ? 255 : 65535;
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const scale = (hi - lo) / n;
    const min = -Math.round(-lo / scale) * scale;
    const stored = values.map((v) => Math.round((Math.min(Math.max(v, min), min + n * scale) - min) / scale));
    const q = dtype === 'uint8' ? Uint8Array.from(stored) : Uint16Array.from(stored);
    return { q, scale, min };
  }

  const kernel = [0.5, -1.25, 0.3, 2.2, -0.7, 0.01, 1.9, -2.4];
  const bias = [0.1, -0.35];
  const u8 = quantize(kernel, 'uint8');
  const u16 = quantize(bias, 'uint16');
  const halves = floatsToHalfs([1.5, -0.333]);
  const ints = quantize([3, -7, 120, 0], 'uint8');
  const specs: WeightSpec[] = [
    { name: 'kernel', shape: [4, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: u8.scale, min: u8.min } },
    { name: 'bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: u16.scale, min: u16.min } },
    { name: 'gain', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
    { name: 'steps', shape: [4], dtype: 'int32', quantization: { dtype: 'uint8', scale: ints.scale, min: ints.min } },
  ];
  // uint8 kernel (8 bytes), uint16 bias (4), float16 gain (4), uint8 steps (4): back to back, as TF.js packs them.
  const shard = bytesOf(u8.q, u16.q, halves, ints.q);

  it('each kind gives the bits tfjs-core io.decodeWeights gives', () => {
    const ours = decodeWeights(shard, specs, 'test');
    const theirs = tf.io.decodeWeights(shard.slice().buffer, specs as tf.io.WeightsManifestEntry[]);
    for (const spec of specs) {
      const mine = ours.get(spec.name)!;
      expect(mine.shape).toEqual(spec.shape);
      expect(mine.dtype).toBe(spec.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT');
      expect(Array.from(mine.values as Float32Array), spec.name).toEqual(Array.from(theirs[spec.name].dataSync()));
    }
    tf.dispose(Object.values(theirs));
    // And the formula itself, element by element: q·scale + min rounded to float32.
    expect(Array.from(ours.get('kernel')!.values as Float32Array)).toEqual(Array.from(u8.q, (q) => Math.fround(q * u8.scale + u8.min)));
    expect(Array.from(ours.get('gain')!.values as Float32Array)).toEqual(Array.from(halves, (bits) => halfToFloat(bits)));
    expect(Array.from(ours.get('steps')!.values as Int32Array)).toEqual(Array.from(ints.q, (q) => Math.round(q * ints.scale + ints.min)));
  });

  it('a graph with quantized weights answers on ONNX Runtime as on TF.js: y = (x·kernel + bias)·gain', async () => {
    const version = await writeFolder(
      'quantized',
      {
        modelTopology: {
          node: [
            { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
            ...['kernel', 'bias', 'gain'].map((name) => ({ name, op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } })),
            { name: 'mm', op: 'MatMul', input: ['x', 'kernel'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
            { name: 'biased', op: 'BiasAdd', input: ['mm', 'bias'], attr: { T: float, data_format: { s: b64('NHWC') } } },
            { name: 'y', op: 'Mul', input: ['biased', 'gain'], attr: { T: float } },
          ],
        },
        signature: { inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT' } }, outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT' } } },
      },
      specs.slice(0, 3),
      bytesOf(u8.q, u16.q, halves),
    );
    const artifact = await readModelFolder(version);
    const onnx = await onnxEngine.load(artifact);
    const tfjs = await tfjsEngine.load(artifact);
    const x: HostTensor = { dtype: 'DT_FLOAT', shape: [2, 4], values: Float32Array.of(1, 2, 3, 4, -0.5, 0.25, 8, -1) };
    const got = Array.from((await onnx.run('serving_default', { x })).y.values as Float32Array);
    const want = Array.from((await tfjs.run('serving_default', { x })).y.values as Float32Array);
    got.forEach((v, i) => expect(Math.abs(v - want[i]), `y[${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]))));
    onnx.dispose();
    tfjs.dispose();
  });
});
