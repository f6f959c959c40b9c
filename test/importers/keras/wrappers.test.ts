/**
 * Keras wrapper layers — Bidirectional (around LSTM, GRU with reset_after False and True,
 * SimpleRNN; merge_mode concat, sum, mul, ave and None) and TimeDistributed (Dense, Conv2D,
 * GlobalAveragePooling2D) — on the graph path (kerasToGraph) and, where tfjs-layers can build
 * them, on the tfjs-layers path, which must agree. Synthetic `.h5` files are laid out as
 * `model.save('m.h5')` writes them (keras2-writer.ts): tf.keras 2.4 stores a Bidirectional's
 * weights as `bidirectional/forward_lstm/lstm_cell_1/kernel:0` (each direction a recreated layer
 * whose cell is uniquified model-wide), Keras 2.2.4 as `bidirectional_1/forward_lstm_1/kernel:0`;
 * a TimeDistributed's as `time_distributed/kernel:0` (the wrapped layer is built inside the
 * wrapper's scope). Expected values are float64 forward passes of the same weights
 * (test/support/reference-nn.ts, and the Bidirectional / SimpleRNN / time-distributed references
 * written here), never TF.js. The tfjs-layers path refuses what it would answer otherwise: a
 * backward_layer of its own (it derives one from `layer`) and returned sequences of a masked
 * Bidirectional (Keras zeros the masked steps); a layer's several outputs are `<layer>`,
 * `<layer>_1`, … on both paths.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import { loadModel } from '../../../lib/engine/load-model.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import type { HostTensor, TensorMap } from '../../../lib/tensors/host-tensor.ts';
import { loadKerasModel } from '../../../lib/engine/tfjs/load-keras.ts';
import { kerasToGraph } from '../../../lib/importers/keras/graph-mapper.ts';
import type { KerasModel } from '../../../lib/importers/keras/index.ts';
import * as nn from '../../support/reference-nn.ts';
import { floats, KerasLoaders, maxAbsDiff, pseudoRandom, refused, runOutputs, tokens } from './keras-support.ts';
import { base, conv2d, dense, embeddingLayer, inputLayer, type Json, importH5, kerasH5, layer, rnnCommon, sequential, type Style, Weights } from './keras2-writer.ts';

const TOLERANCE = 1e-5;

// ------------------------------------------------------------------ configs and weights

type Kind = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

interface RnnOptions {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  activation?: string;
  resetAfter?: boolean;
  extra?: Json;
}

/** An RNN layer's config as tf.keras 2.4's get_config() writes it. */
function rnn(kind: Kind, name: string, units: number, options: RnnOptions = {}) {
  const config: Json = {
    ...rnnCommon(name, units, options.returnSequences ?? false), return_state: options.returnState ?? false, go_backwards: options.goBackwards ?? false,
    activation: options.activation ?? 'tanh',
  };
  if (kind === 'SimpleRNN') delete config.recurrent_activation;
  if (kind === 'LSTM') Object.assign(config, { unit_forget_bias: true, implementation: 2 });
  if (kind === 'GRU') Object.assign(config, { implementation: 2, reset_after: options.resetAfter ?? true });
  return layer(kind, { ...config, ...options.extra });
}

/** Keras 2.2.4's form of a tf.keras config: no dtype (but on an input layer), no time_major, VarianceScaling initializers, hard_sigmoid gates. */
function keras22(entry: { class_name: string; config: Json }, extra: Json = {}) {
  const { dtype: _dtype, time_major: _timeMajor, ...rest } = entry.config;
  const config: Json = { ...rest, ...extra };
  if ('recurrent_activation' in config) config.recurrent_activation = 'hard_sigmoid';
  if ('kernel_initializer' in config) config.kernel_initializer = { class_name: 'VarianceScaling', config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null } };
  if (entry.class_name === 'LSTM' || entry.class_name === 'GRU') config.implementation = 1;
  return layer(entry.class_name, config);
}

const bidirectional = (name: string, inner: { class_name: string; config: Json }, mergeMode: string | null = 'concat', extra: Json = {}) =>
  layer('Bidirectional', { ...base(name), layer: inner, merge_mode: mergeMode, ...extra });

const timeDistributed = (name: string, inner: { class_name: string; config: Json }) => layer('TimeDistributed', { ...base(name), layer: inner });

interface RnnParams {
  kernel: nn.Tensor;
  recurrentKernel: nn.Tensor;
  bias: nn.Tensor;
}

/** An RNN's kernel, recurrent kernel and bias stored under `scope` (`bidirectional/forward_lstm/lstm_cell_1`), in Keras's order. */
function rnnWeights(w: Weights, layerName: string, scope: string, kind: Kind, inputs: number, units: number, resetAfter = false): RnnParams {
  const width = GATES[kind] * units;
  return {
    kernel: w.add(layerName, `${scope}/kernel:0`, [inputs, width], 0.8),
    recurrentKernel: w.add(layerName, `${scope}/recurrent_kernel:0`, [units, width], 0.8),
    bias: w.add(layerName, `${scope}/bias:0`, resetAfter ? [2, width] : [width], 0.5, 0.1),
  };
}

/** A Functional layer entry called once on `inputs`. */
function node(entry: { class_name: string; config: Json }, ...inputs: string[]): Json {
  return { ...entry, name: entry.config.name, inbound_nodes: inputs.length ? [inputs.map((input) => [input, 0, 0, {}])] : [] };
}

const functional = (layers: Json[], inputs: string[], outputs: [string, number, number][]) => ({
  class_name: 'Functional',
  config: { name: 'model', layers, input_layers: inputs.map((input) => [input, 0, 0]), output_layers: outputs },
});

// ------------------------------------------------------------------ references not in reference-nn.ts

/** [n, T, …] with the steps in reverse order. */
function reverseSteps(x: nn.Tensor): nn.Tensor {
  const [n, steps] = x.shape;
  const size = nn.sizeOf(x.shape.slice(2));
  const out = nn.tensor(x.shape);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < steps; t++) out.data.set(x.data.subarray((b * steps + t) * size, (b * steps + t + 1) * size), (b * steps + steps - 1 - t) * size);
  }
  return out;
}

/** A [n·T] mask in reverse step order per sample. */
function reverseMask(mask: readonly boolean[], steps: number): boolean[] {
  return mask.map((_, i) => mask[i - (i % steps) + steps - 1 - (i % steps)]);
}

/** [n, T, u] with the masked steps zeroed. */
function zeroMasked(x: nn.Tensor, mask: readonly boolean[]): nn.Tensor {
  const units = x.shape[2];
  return { shape: x.shape, data: x.data.map((v, i) => (mask[Math.floor(i / units)] ? v : 0)) };
}

/** Keras SimpleRNN over [n, T, F]: h' = act(x·W + b + h·U). */
function simpleRnn(x: nn.Tensor, p: RnnParams, activation: (v: number) => number, returnSequences: boolean): nn.Tensor {
  const [n, steps, features] = x.shape;
  const units = p.recurrentKernel.shape[0];
  const out = nn.tensor(returnSequences ? [n, steps, units] : [n, units]);
  for (let b = 0; b < n; b++) {
    let h = new Float64Array(units);
    for (let t = 0; t < steps; t++) {
      const next = new Float64Array(units);
      for (let j = 0; j < units; j++) {
        let sum = p.bias.data[j];
        for (let i = 0; i < features; i++) sum += x.data[(b * steps + t) * features + i] * p.kernel.data[i * units + j];
        for (let i = 0; i < units; i++) sum += h[i] * p.recurrentKernel.data[i * units + j];
        next[j] = activation(sum);
      }
      h = next;
      if (returnSequences) out.data.set(h, (b * steps + t) * units);
    }
    if (!returnSequences) out.data.set(h, b * units);
  }
  return out;
}

/** A layer applied to every step: [n, T, …] → [n·T, …] → f → [n, T, …]. */
function perStep(x: nn.Tensor, f: (rows: nn.Tensor) => nn.Tensor): nn.Tensor {
  const [n, steps, ...rest] = x.shape;
  const y = f(nn.reshape(x, [n * steps, ...rest]));
  return nn.reshape(y, [n, steps, ...y.shape.slice(1)]);
}

type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/**
 * Keras Bidirectional: `forward` over x, `backward` over x's steps reversed (go_backwards; with a
 * mask, the mask reversed too), its sequence reversed back; masked steps of returned sequences are
 * zeros when `zeroOutputForMask` (tf.keras, Keras 3); then merged.
 */
function bidirectionalReference(
  x: nn.Tensor,
  run: { forward: (x: nn.Tensor, mask?: boolean[]) => nn.Tensor; backward: (x: nn.Tensor, mask?: boolean[]) => nn.Tensor },
  options: { returnSequences: boolean; mergeMode: MergeMode; mask?: boolean[]; zeroOutputForMask?: boolean },
): nn.Tensor[] {
  const { mask } = options;
  const steps = x.shape[1];
  let y = run.forward(x, mask);
  let yRev = run.backward(reverseSteps(x), mask && reverseMask(mask, steps));
  if (options.returnSequences) {
    yRev = reverseSteps(yRev);
    if (mask && options.zeroOutputForMask) [y, yRev] = [zeroMasked(y, mask), zeroMasked(yRev, mask)];
  }
  switch (options.mergeMode) {
    case 'concat':
      return [nn.concat([y, yRev], -1)];
    case 'sum':
      return [nn.add(y, yRev)];
    case 'mul':
      return [nn.mul(y, yRev)];
    case 'ave':
      return [nn.map(nn.add(y, yRev), (v) => v / 2)];
    case null:
      return [y, yRev];
  }
}

// ------------------------------------------------------------------ tests

describe('Keras Bidirectional and TimeDistributed', () => {
  const loaders = new KerasLoaders();
  const { graph: graphModel, layers: layersModel } = loaders;
  /** The largest difference seen per case, for the record. */
  const diffs: Record<string, number> = {};
  let dir: string;

  beforeAll(async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
    dir = await mkdtemp(path.join(os.tmpdir(), 'keras-wrappers-'));
  });

  afterAll(async () => {
    loaders.dispose();
    await rm(dir, { recursive: true, force: true });
    if (process.env.SHOW_DIFFS) console.log(diffs);
  });

  /** Each served output against its reference (shapes equal, values within TOLERANCE); records the largest difference under `label`. */
  function expectClose(label: string, served: HostTensor[], expected: (nn.Tensor | HostTensor)[]): void {
    expect(served.length).toBe(expected.length);
    const max = Math.max(
      ...served.map((out, i) => {
        const reference = expected[i];
        const [shape, values] = 'data' in reference ? [reference.shape, reference.data] : [reference.shape, reference.values as Float32Array];
        expect(out.shape).toEqual(shape);
        return maxAbsDiff(out.values as Float32Array, values);
      }),
    );
    diffs[label] = Math.max(diffs[label] ?? 0, max);
    expect(max).toBeLessThan(TOLERANCE);
  }

  /** Both paths on `feed`: each against the reference, and the same signature and values as each other. */
  async function expectBothPaths(model: KerasModel, what: string, feed: TensorMap, expected: nn.Tensor[]): Promise<void> {
    const [graph, layers] = [await graphModel(model, `${what} (graph)`), await layersModel(model, `${what} (layers)`)];
    const spec = (served: LoadedModel) => Object.entries(served.signatures.serving_default.outputs).map(([alias, s]) => [alias, s.dtype, s.shape]);
    expect(spec(graph)).toEqual(spec(layers));
    expect(Object.keys(graph.signatures.serving_default.inputs)).toEqual(Object.keys(layers.signatures.serving_default.inputs));
    const [a, b] = [await runOutputs(graph, feed), await runOutputs(layers, feed)];
    expectClose(`${what}: graph vs reference`, a, expected);
    expectClose(`${what}: layers vs reference`, b, expected);
    expectClose(`${what}: graph vs layers`, a, b);
  }

  describe.each([
    {
      style: 'tf.keras' as Style,
      names: { embedding: 'embedding', bi: 'bidirectional', lstm: 'lstm', dense: 'dense' },
      scope: (direction: string) => `bidirectional/${direction}_lstm/lstm_cell_${direction === 'forward' ? 1 : 2}`,
      gates: nn.sigmoidOf,
    },
    {
      style: 'keras-2.2' as Style,
      names: { embedding: 'embedding_1', bi: 'bidirectional_1', lstm: 'lstm_1', dense: 'dense_1' },
      scope: (direction: string) => `bidirectional_1/${direction}_lstm_1`,
      gates: nn.hardSigmoidOf,
    },
  ])('Sequential Embedding(20, 8) → Bidirectional(LSTM(5)) concat → Dense(3, softmax) ($style)', ({ style, names, scope, gates }) => {
    const w = new Weights([names.embedding, names.bi, names.dense], 100);
    const table = w.add(names.embedding, `${names.embedding}/embeddings:0`, [20, 8], 1);
    const forward = rnnWeights(w, names.bi, scope('forward'), 'LSTM', 8, 5);
    const backward = rnnWeights(w, names.bi, scope('backward'), 'LSTM', 8, 5);
    const denseKernel = w.add(names.dense, `${names.dense}/kernel:0`, [10, 3], 1.5);
    const denseBias = w.add(names.dense, `${names.dense}/bias:0`, [3]);
    const tfKeras = style === 'tf.keras';
    const config = tfKeras
      ? sequential('sequential', [
          inputLayer('embedding_input', [null, 7]),
          embeddingLayer('embedding', 20, 8, 7, false),
          bidirectional('bidirectional', rnn('LSTM', 'lstm', 5)),
          dense('dense', 3, 'softmax'),
        ])
      : // Keras 2.2.4: no InputLayer entry; the first layer carries batch_input_shape (and dtype).
        sequential('sequential_1', [
          keras22(embeddingLayer('embedding_1', 20, 8, 7, false), { dtype: 'float32' }),
          keras22(bidirectional('bidirectional_1', keras22(rnn('LSTM', 'lstm_1', 5)))),
          keras22(dense('dense_1', 3, 'softmax')),
        ]);
    const file = w.file(config, tfKeras ? '2.4.0' : '2.2.4');
    const ids = tokens(2 * 7, 20, 5);
    const feed = { [`${names.embedding}_input`]: floats([2, 7], ids) };
    const expected = () => {
      const lstm = (p: RnnParams) => (x: nn.Tensor) => nn.lstm(x, p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: gates });
      const [h] = bidirectionalReference(nn.embedding(nn.tensor([2, 7], ids), table), { forward: lstm(forward), backward: lstm(backward) }, { returnSequences: false, mergeMode: 'concat' });
      return nn.softmax(nn.dense(h, denseKernel, denseBias));
    };

    it('names the weights as tfjs-layers does (the cell scope dropped) and maps the layer', async () => {
      const model = await importH5(file, style, 'bi-lstm.h5');
      const bi = names.bi;
      const lstm = names.lstm;
      expect(model.weights.map((x) => x.name)).toEqual([
        `${names.embedding}/embeddings`,
        ...['forward', 'backward'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((v) => `${bi}/${d}_${lstm}/${v}`)),
        `${names.dense}/kernel`,
        `${names.dense}/bias`,
      ]);
      const graph = kerasToGraph(model, 'bi-lstm.h5');
      expect(graph.signatures.serving_default.outputs).toEqual({ [names.dense]: { tensorName: `${names.dense}:0`, dtype: 'DT_FLOAT', shape: [-1, 3] } });
      // Each direction: one input MatMul per gate group, one recurrent MatMul per group from the second step on.
      expect(graph.nodes.filter((n) => n.op === 'MatMul' && n.name.startsWith(`${bi}/`)).length).toBe(2 * (2 + 2 * 6));
      expect(graph.nodes.filter((n) => n.op === 'ReverseV2')).toEqual([]); // return_sequences=False: nothing to reverse back
    });

    it('answers as the reference on both paths, which agree', async () => {
      await expectBothPaths(await importH5(file, style, 'bi-lstm.h5'), `bi-lstm ${style}`, feed, [expected()]);
    });
  });

  describe('Bidirectional(GRU(4, reset_after=True, return_sequences), merge_mode=sum) (tf.keras 2.4)', () => {
    const w = new Weights(['bidirectional'], 200);
    const forward = rnnWeights(w, 'bidirectional', 'bidirectional/forward_gru/gru_cell_1', 'GRU', 3, 4, true);
    const backward = rnnWeights(w, 'bidirectional', 'bidirectional/backward_gru/gru_cell_2', 'GRU', 3, 4, true);
    const config = sequential('sequential', [inputLayer('bidirectional_input', [null, 6, 3]), bidirectional('bidirectional', rnn('GRU', 'gru', 4, { returnSequences: true }), 'sum')]);
    const x = pseudoRandom(2 * 6 * 3, 7).map((v) => v * 2);
    const gru = (p: RnnParams) => (input: nn.Tensor) => nn.gru(input, p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf, resetAfter: true, returnSequences: true });
    const expected = bidirectionalReference(nn.tensor([2, 6, 3], x), { forward: gru(forward), backward: gru(backward) }, { returnSequences: true, mergeMode: 'sum' });

    it('is served by the graph path only (tfjs-layers refuses reset_after=True), reversing the backward sequence back', async () => {
      const model = await importH5(w.file(config), 'tf.keras', 'bi-gru.h5');
      expect(await refused(loadKerasModel(model, 'bi-gru.h5'))).toContain('reset_after=true');
      const graph = kerasToGraph(model, 'bi-gru.h5');
      expect(graph.nodes.filter((n) => n.op === 'ReverseV2').length).toBe(1);
      const served = await graphModel(model, 'bi-gru.h5');
      const out = await runOutputs(served, { bidirectional_input: floats([2, 6, 3], x) });
      expectClose('bi-gru sum: graph vs reference', out, expected);
      // Not reversing the backward sequence back would answer otherwise.
      const unreversed = nn.add(gru(forward)(nn.tensor([2, 6, 3], x)), gru(backward)(reverseSteps(nn.tensor([2, 6, 3], x))));
      expect(maxAbsDiff(out[0].values as Float32Array, unreversed.data)).toBeGreaterThan(1e-3);
    });

    it('loadModel serves it from a version folder through the graph fallback', async () => {
      const version = path.join(dir, 'bi-gru', '1');
      await mkdir(version, { recursive: true });
      await writeFile(path.join(version, 'model.h5'), await kerasH5(w.file(config), 'tf.keras'));
      const model = await loadModel(version);
      loaders.keep(model);
      expect(model.format).toBe('tfjs-graph-model');
      expect(model.signatures.serving_default.outputs).toMatchObject({ bidirectional: { dtype: 'DT_FLOAT', shape: [-1, 6, 4] } });
      expectClose('bi-gru sum: loadModel vs reference', await runOutputs(model, { bidirectional_input: floats([2, 6, 3], x) }), expected);
    });
  });

  it('Functional Bidirectional(SimpleRNN(5, relu), merge_mode=ave) → Dense(2) (tf.keras 2.4), on both paths', async () => {
    const w = new Weights(['x', 'bidirectional', 'dense'], 300);
    const forward = rnnWeights(w, 'bidirectional', 'bidirectional/forward_simple_rnn/simple_rnn_cell_1', 'SimpleRNN', 4, 5);
    const backward = rnnWeights(w, 'bidirectional', 'bidirectional/backward_simple_rnn/simple_rnn_cell_2', 'SimpleRNN', 4, 5);
    const dk = w.add('dense', 'dense/kernel:0', [5, 2]);
    const db = w.add('dense', 'dense/bias:0', [2]);
    const config = functional(
      [node(inputLayer('x', [null, 5, 4])), node(bidirectional('bidirectional', rnn('SimpleRNN', 'simple_rnn', 5, { activation: 'relu' }), 'ave'), 'x'), node(dense('dense', 2), 'bidirectional')],
      ['x'],
      [['dense', 0, 0]],
    );
    const x = pseudoRandom(2 * 5 * 4, 11).map((v) => v * 2);
    const relu = (v: number) => Math.max(v, 0);
    const [h] = bidirectionalReference(
      nn.tensor([2, 5, 4], x),
      { forward: (input) => simpleRnn(input, forward, relu, false), backward: (input) => simpleRnn(input, backward, relu, false) },
      { returnSequences: false, mergeMode: 'ave' },
    );
    expect(h.data.some((v) => v === 0)).toBe(true); // relu's zero side is exercised
    await expectBothPaths(await importH5(w.file(config), 'tf.keras', 'bi-rnn.h5'), 'bi-simple-rnn ave', { x: floats([2, 5, 4], x) }, [nn.dense(h, dk, db)]);
  });

  it('Bidirectional(GRU(3, reset_after=False), merge_mode=mul, return_state) and merge_mode=None (two outputs), on both paths', async () => {
    const w = new Weights(['x', 'mul', 'none'], 400);
    const mulForward = rnnWeights(w, 'mul', 'mul/forward_gru/gru_cell_1', 'GRU', 3, 3);
    const mulBackward = rnnWeights(w, 'mul', 'mul/backward_gru/gru_cell_2', 'GRU', 3, 3);
    const noneForward = rnnWeights(w, 'none', 'none/forward_gru_1/gru_cell_4', 'GRU', 3, 3);
    const noneBackward = rnnWeights(w, 'none', 'none/backward_gru_1/gru_cell_5', 'GRU', 3, 3);
    const config = functional(
      [
        node(inputLayer('x', [null, 4, 3])),
        node(bidirectional('mul', rnn('GRU', 'gru', 3, { resetAfter: false, returnState: true }), 'mul'), 'x'),
        node(bidirectional('none', rnn('GRU', 'gru_1', 3, { resetAfter: false, returnSequences: true }), null), 'x'),
      ],
      ['x'],
      [['mul', 0, 0], ['mul', 0, 1], ['mul', 0, 2], ['none', 0, 0], ['none', 0, 1]],
    );
    const x = pseudoRandom(2 * 4 * 3, 13).map((v) => v * 2);
    const gru = (p: RnnParams, returnSequences: boolean) => (input: nn.Tensor) => nn.gru(input, p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf, resetAfter: false, returnSequences });
    const input = nn.tensor([2, 4, 3], x);
    const [product] = bidirectionalReference(input, { forward: gru(mulForward, false), backward: gru(mulBackward, false) }, { returnSequences: false, mergeMode: 'mul' });
    // A GRU's one state is its last output: the forward one, then the backward one (over the reversed steps).
    const states = [gru(mulForward, false)(input), gru(mulBackward, false)(reverseSteps(input))];
    const pair = bidirectionalReference(input, { forward: gru(noneForward, true), backward: gru(noneBackward, true) }, { returnSequences: true, mergeMode: null });
    const model = await importH5(w.file(config), 'tf.keras', 'bi-outputs.h5');
    const graph = kerasToGraph(model, 'bi-outputs.h5');
    expect(Object.keys(graph.signatures.serving_default.outputs)).toEqual(['mul', 'mul_1', 'mul_2', 'none', 'none_1']);
    await expectBothPaths(model, 'bi-gru mul + None', { x: floats([2, 4, 3], x) }, [product, ...states, ...pair]);
  });

  it.each(['lstm_1', 'lstm'])('a backward_layer of its own, named %s (tf.keras 2.4: relu; its weights under backward_<its name>)', async (backwardName) => {
    const w = new Weights(['bidirectional'], 500);
    const forward = rnnWeights(w, 'bidirectional', 'bidirectional/forward_lstm/lstm_cell_2', 'LSTM', 3, 4);
    const backward = rnnWeights(w, 'bidirectional', `bidirectional/backward_${backwardName}/lstm_cell_3`, 'LSTM', 3, 4);
    const config = sequential('sequential', [
      inputLayer('bidirectional_input', [null, 5, 3]),
      bidirectional('bidirectional', rnn('LSTM', 'lstm', 4, { returnSequences: true }), 'concat', {
        backward_layer: rnn('LSTM', backwardName, 4, { returnSequences: true, goBackwards: true, activation: 'relu' }),
      }),
    ]);
    const x = pseudoRandom(2 * 5 * 3, 17).map((v) => v * 2);
    const lstm = (p: RnnParams, activation?: (v: number) => number) => (input: nn.Tensor) =>
      nn.lstm(input, p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf, activation, returnSequences: true });
    const expected = bidirectionalReference(nn.tensor([2, 5, 3], x), { forward: lstm(forward), backward: lstm(backward, (v) => Math.max(v, 0)) }, { returnSequences: true, mergeMode: 'concat' });
    const model = await importH5(w.file(config), 'tf.keras', 'bi-backward.h5');
    expect(model.weights.map((v) => v.name).filter((name) => name.endsWith('/kernel'))).toEqual(['bidirectional/forward_lstm/kernel', `bidirectional/backward_${backwardName}/kernel`]);
    const out = await runOutputs(await graphModel(model, 'bi-backward.h5'), { bidirectional_input: floats([2, 5, 3], x) });
    expectClose('bi-lstm backward_layer: graph vs reference', out, expected);
    // tfjs-layers derives the backward layer from `layer` (tanh here): named backward_lstm, it would
    // take these weights and answer otherwise. Refused.
    expect(await refused(loadKerasModel(model, 'bi-backward.h5'))).toBe('bi-backward.h5: layer bidirectional (Bidirectional) has a backward_layer of its own, which TF.js ignores');
  });

  it('Embedding(mask_zero) → Bidirectional(LSTM, return_sequences): masked steps are zeros in both directions (tf.keras 2.4)', async () => {
    const w = new Weights(['ids', 'embedding', 'bidirectional', 'lstm_1'], 600);
    const table = w.add('embedding', 'embedding/embeddings:0', [12, 4], 1);
    const forward = rnnWeights(w, 'bidirectional', 'bidirectional/forward_lstm/lstm_cell_1', 'LSTM', 4, 3);
    const backward = rnnWeights(w, 'bidirectional', 'bidirectional/backward_lstm/lstm_cell_2', 'LSTM', 4, 3);
    const last = rnnWeights(w, 'lstm_1', 'lstm_1/lstm_cell_3', 'LSTM', 6, 2);
    const embedding = embeddingLayer('embedding', 12, 4, 6, true);
    delete (embedding.config as Json).batch_input_shape;
    const config = functional(
      [
        node(inputLayer('ids', [null, 6])),
        node(embedding, 'ids'),
        node(bidirectional('bidirectional', rnn('LSTM', 'lstm', 3, { returnSequences: true })), 'embedding'),
        node(rnn('LSTM', 'lstm_1', 2, { returnSequences: true }), 'bidirectional'),
      ],
      ['ids'],
      [['bidirectional', 0, 0], ['lstm_1', 0, 0]],
    );
    // Zeros inside and at both ends of a sequence.
    const ids = [3, 0, 7, 11, 0, 0, 0, 5, 9, 1, 2, 0];
    const mask = ids.map((id) => id !== 0);
    const lstm = (p: RnnParams) => (input: nn.Tensor, m?: boolean[]) => nn.lstm(input, p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf, returnSequences: true, mask: m });
    const [sequence] = bidirectionalReference(nn.embedding(nn.tensor([2, 6], ids), table), { forward: lstm(forward), backward: lstm(backward) }, { returnSequences: true, mergeMode: 'concat', mask, zeroOutputForMask: true });
    // The mask goes on to the next LSTM (which repeats its previous output at masked steps).
    const expected = lstm(last)(sequence, mask);
    const model = await importH5(w.file(config), 'tf.keras', 'bi-masked.h5');
    const out = await runOutputs(await graphModel(model, 'bi-masked.h5'), { ids: floats([2, 6], ids) });
    expectClose('bi-lstm masked: graph vs reference', out, [sequence, expected]);
    // Not zeroing them (what a plain RNN does, and tfjs-layers here) would answer otherwise: refused there.
    const repeated = bidirectionalReference(nn.embedding(nn.tensor([2, 6], ids), table), { forward: lstm(forward), backward: lstm(backward) }, { returnSequences: true, mergeMode: 'concat', mask });
    expect(maxAbsDiff(out[0].values as Float32Array, repeated[0].data)).toBeGreaterThan(1e-3);
    expect(await refused(loadKerasModel(model, 'bi-masked.h5'))).toBe(
      'bi-masked.h5: layer bidirectional (Bidirectional) returns sequences in a model with masking, whose masked steps Keras makes zeros and TF.js does not',
    );
  });

  describe.each([
    { style: 'tf.keras' as Style, names: { lstm: 'lstm', td: 'time_distributed', dense: 'dense' }, lstmScope: 'lstm/lstm_cell', gates: nn.sigmoidOf },
    { style: 'keras-2.2' as Style, names: { lstm: 'lstm_1', td: 'time_distributed_1', dense: 'dense_1' }, lstmScope: 'lstm_1', gates: nn.hardSigmoidOf },
  ])('Sequential LSTM(5, return_sequences) → TimeDistributed(Dense(3, softmax)) ($style)', ({ style, names, lstmScope, gates }) => {
    const w = new Weights([names.lstm, names.td], 700);
    const p = rnnWeights(w, names.lstm, lstmScope, 'LSTM', 4, 5);
    const kernel = w.add(names.td, `${names.td}/kernel:0`, [5, 3], 1.5);
    const bias = w.add(names.td, `${names.td}/bias:0`, [3]);
    const tfKeras = style === 'tf.keras';
    const config = tfKeras
      ? sequential('sequential', [inputLayer('lstm_input', [null, 6, 4]), rnn('LSTM', 'lstm', 5, { returnSequences: true }), timeDistributed('time_distributed', dense('dense', 3, 'softmax'))])
      : sequential('sequential_1', [
          keras22(rnn('LSTM', 'lstm_1', 5, { returnSequences: true }), { batch_input_shape: [null, 6, 4], dtype: 'float32' }),
          keras22(timeDistributed('time_distributed_1', keras22(dense('dense_1', 3, 'softmax')))),
        ]);
    const x = pseudoRandom(2 * 6 * 4, 19).map((v) => v * 2);
    const h = nn.lstm(nn.tensor([2, 6, 4], x), p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: gates, returnSequences: true });
    const expected = perStep(h, (rows) => nn.softmax(nn.dense(rows, kernel, bias)));

    it('answers as the reference on both paths, which agree', async () => {
      const model = await importH5(w.file(config, tfKeras ? '2.4.0' : '2.2.4'), style, 'td-dense.h5');
      expect(model.weights.map((v) => v.name).slice(3)).toEqual([`${names.td}/kernel`, `${names.td}/bias`]);
      const graph = kerasToGraph(model, 'td-dense.h5');
      expect(graph.signatures.serving_default.outputs[names.td]).toEqual({ tensorName: `${names.td}:0`, dtype: 'DT_FLOAT', shape: [-1, 6, 3] });
      await expectBothPaths(model, `td-dense ${style}`, { [`${names.lstm}_input`]: floats([2, 6, 4], x) }, [expected]);
    });
  });

  it('TimeDistributed(Dense(3)) over an unknown number of steps (shaped back at run time), on both paths', async () => {
    const w = new Weights(['x', 'time_distributed'], 750);
    const kernel = w.add('time_distributed', 'time_distributed/kernel:0', [4, 3]);
    const bias = w.add('time_distributed', 'time_distributed/bias:0', [3]);
    const config = functional([node(inputLayer('x', [null, null, 4])), node(timeDistributed('time_distributed', dense('dense', 3, 'tanh')), 'x')], ['x'], [['time_distributed', 0, 0]]);
    const model = await importH5(w.file(config), 'tf.keras', 'td-steps.h5');
    expect(kerasToGraph(model, 'td-steps.h5').signatures.serving_default.outputs.time_distributed.shape).toEqual([-1, -1, 3]);
    const x = nn.tensor([2, 5, 4], pseudoRandom(2 * 5 * 4, 29));
    await expectBothPaths(model, 'td-steps', { x: floats(x.shape, x.data) }, [perStep(x, (rows) => nn.tanh(nn.dense(rows, kernel, bias)))]);
  });

  it('TimeDistributed(Conv2D(3, 3×3, relu)) → TimeDistributed(GlobalAveragePooling2D) → LSTM(2) (tf.keras 2.4), on both paths', async () => {
    const w = new Weights(['frames', 'conv', 'pool', 'lstm'], 800);
    const kernel = w.add('conv', 'conv/kernel:0', [3, 3, 2, 3]);
    const bias = w.add('conv', 'conv/bias:0', [3]);
    const p = rnnWeights(w, 'lstm', 'lstm/lstm_cell', 'LSTM', 3, 2);
    const config = functional(
      [
        node(inputLayer('frames', [null, 4, 5, 5, 2])),
        node(timeDistributed('conv', conv2d('conv2d', 3, { padding: 'valid', activation: 'relu' })), 'frames'),
        node(timeDistributed('pool', layer('GlobalAveragePooling2D', { ...base('global_average_pooling2d'), data_format: 'channels_last' })), 'conv'),
        node(rnn('LSTM', 'lstm', 2), 'pool'),
      ],
      ['frames'],
      [['lstm', 0, 0]],
    );
    const x = nn.tensor([2, 4, 5, 5, 2], pseudoRandom(2 * 4 * 5 * 5 * 2, 23));
    const features = perStep(x, (frames) => nn.globalAvgPool(nn.relu(nn.conv2d(frames, kernel, { padding: 'VALID' }, bias))));
    const expected = nn.lstm(features, p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf });
    await expectBothPaths(await importH5(w.file(config), 'tf.keras', 'td-conv.h5'), 'td-conv', { frames: floats(x.shape, x.data) }, [expected]);
  });

  describe('refusals, naming the layer', () => {
    const refusal = async (config: object, weights: Weights): Promise<string> => {
      const model = await importH5(weights.file(config), 'tf.keras', 'r.h5');
      return refused((async () => kerasToGraph(model, 'r.h5'))());
    };

    it('a Bidirectional around a layer that is not SimpleRNN, LSTM or GRU', async () => {
      const config = sequential('sequential', [inputLayer('x', [null, 5, 3]), bidirectional('bidirectional', layer('ConvLSTM1D', { ...base('conv_lstm1d') }))]);
      expect(await refusal(config, new Weights([], 1))).toBe('r.h5: cannot convert layer bidirectional (Bidirectional): wraps a ConvLSTM1D; only SimpleRNN, LSTM and GRU are supported');
    });

    it('a Bidirectional LSTM over an unknown number of steps (the inner layer named)', async () => {
      const w = new Weights(['bidirectional'], 900);
      rnnWeights(w, 'bidirectional', 'bidirectional/forward_lstm/lstm_cell_1', 'LSTM', 3, 2);
      rnnWeights(w, 'bidirectional', 'bidirectional/backward_lstm/lstm_cell_2', 'LSTM', 3, 2);
      const config = sequential('sequential', [inputLayer('x', [null, null, 3]), bidirectional('bidirectional', rnn('LSTM', 'lstm', 2))]);
      expect(await refusal(config, w)).toBe(
        'r.h5: cannot convert layer bidirectional (Bidirectional): forward_lstm (LSTM): the number of time steps is unknown (None): the layer is unrolled over a static time dimension',
      );
    });

    it('a TimeDistributed around a layer that is not per-step', async () => {
      const config = sequential('sequential', [inputLayer('x', [null, 5, 3]), timeDistributed('time_distributed', layer('Masking', { ...base('masking'), mask_value: 0 }))]);
      expect(await refusal(config, new Weights([], 1))).toBe('r.h5: cannot convert layer time_distributed (TimeDistributed): wraps a Masking, which is not supported inside TimeDistributed');
    });
  });
});
