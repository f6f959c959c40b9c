/**
 * Keras recurrent layers (SimpleRNN, LSTM, GRU with reset_after False and True) mapped onto
 * TensorFlow ops by kerasToGraph — unrolled over their static steps — and run as TF.js
 * GraphModels. Synthetic `.h5` files are laid out as `model.save('m.h5')` writes them
 * (keras2-writer.ts: tf.keras 2.4 cell-scoped weights `lstm/lstm_cell/kernel:0`, Keras 2.2.4
 * layer-scoped ones and bytes attributes); expected values come from the float64 forward passes
 * of test/support/reference-nn.ts (SimpleRNN's is written here), and where tfjs-layers can load
 * the model too, the graph must answer as it does. One Keras 3 `.keras` GRU (keras-v3-writer.ts)
 * checks Keras 3's hard_sigmoid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import type { HostTensor, TensorMap } from '../../../lib/tensors/host-tensor.ts';
import { loadKerasModel } from '../../../lib/engine/tfjs/load-keras.ts';
import { kerasToGraph } from '../../../lib/importers/keras/graph-mapper.ts';
import { importKerasBytes, type KerasModel } from '../../../lib/importers/keras/index.ts';
import * as nn from '../../support/reference-nn.ts';
import type { Keras2File } from './h5-files.ts';
import { floats, KerasLoaders, maxAbsDiff, pseudoRandom, refused, runOutputs, tokens } from './keras-support.ts';
import { initializer, kerasV3Bytes } from './keras-v3-writer.ts';
import { base, dense, embeddingLayer, inputLayer, type Json, importH5, layer, rnnCommon, sequential, Weights } from './keras2-writer.ts';

const TOLERANCE = 1e-5;

// ------------------------------------------------------------------ weights and configs

/** The kernel, recurrent kernel and bias of a tf.keras 2 RNN layer (`<layer>/<cell>/…:0`) or a Keras 2.2 one (`<layer>/…:0`). */
function rnnWeights(w: Weights, layer: string, cell: string | null, inputs: number, units: number, gates: number, biasShape: number[] | null = [gates * units]) {
  const at = (name: string) => (cell ? `${layer}/${cell}/${name}:0` : `${layer}/${name}:0`);
  return {
    kernel: w.add(layer, at('kernel'), [inputs, gates * units], 0.8),
    recurrentKernel: w.add(layer, at('recurrent_kernel'), [units, gates * units], 0.8),
    // use_bias=False: no bias variable (zeros for the references).
    bias: biasShape ? w.add(layer, at('bias'), biasShape, 0.5, 0.1) : nn.tensor([gates * units]),
  };
}

/** Stores `value` as `layer`'s weight `stored` (a copy of another layer's). */
function putWeight(w: Weights, layer: string, stored: string, value: nn.Tensor): void {
  const entry = w.layers.find((l) => l.name === layer);
  if (!entry) throw new Error(`no layer ${layer}`);
  entry.weights.push({ name: stored, shape: value.shape, values: Float32Array.from(value.data) });
}

interface RnnOptions {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  activation?: string;
  recurrentActivation?: string;
  extra?: Json;
}

/** An RNN layer's config as tf.keras 2.4's get_config() writes it (GRU with its default reset_after=True). */
function rnn(className: 'SimpleRNN' | 'LSTM' | 'GRU', name: string, units: number, options: RnnOptions = {}) {
  const config: Json = {
    ...rnnCommon(name, units, options.returnSequences ?? false), return_state: options.returnState ?? false, go_backwards: options.goBackwards ?? false,
    activation: options.activation ?? 'tanh', recurrent_activation: options.recurrentActivation ?? 'sigmoid',
  };
  if (className === 'SimpleRNN') delete config.recurrent_activation;
  if (className === 'LSTM') Object.assign(config, { unit_forget_bias: true, implementation: 2 });
  if (className === 'GRU') Object.assign(config, { implementation: 2, reset_after: true });
  return layer(className, { ...config, ...options.extra });
}

/** A Functional layer entry called once on `inputs` (`name` for `[name, 0, 0]`, or `[name, node, tensor]`). */
function node(entry: { class_name: string; config: Json }, ...inputs: (string | [string, number, number])[]): Json {
  const refs = inputs.map((input) => (typeof input === 'string' ? [input, 0, 0, {}] : [...input, {}]));
  return { ...entry, name: entry.config.name, inbound_nodes: refs.length ? [refs] : [] };
}

const functional = (layers: Json[], inputs: string[], outputs: [string, number, number][]) => ({
  class_name: 'Functional',
  config: { name: 'model', layers, input_layers: inputs.map((input) => [input, 0, 0]), output_layers: outputs },
});

// ------------------------------------------------------------------ references not in reference-nn.ts

/** [n, T, F] with the steps in reverse order (what go_backwards feeds the cell). */
function reverseSteps(x: nn.Tensor): nn.Tensor {
  const [n, steps, features] = x.shape;
  const out = nn.tensor(x.shape);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < steps; t++) out.data.set(x.data.subarray((b * steps + t) * features, (b * steps + t + 1) * features), (b * steps + steps - 1 - t) * features);
  }
  return out;
}

/** A [n·T] mask in reverse step order per sample. */
function reverseMask(mask: boolean[], steps: number): boolean[] {
  return mask.map((_, i) => mask[i - (i % steps) + steps - 1 - (i % steps)]);
}

/** Keras SimpleRNN over [n, T, F]: h' = act(x·W + b + h·U); go_backwards walks (and returns) the steps reversed. */
function simpleRnn(x: nn.Tensor, kernel: nn.Tensor, recurrentKernel: nn.Tensor, bias: nn.Tensor, options: { activation: (v: number) => number; returnSequences?: boolean; goBackwards?: boolean }): nn.Tensor {
  const input = options.goBackwards ? reverseSteps(x) : x;
  const [n, steps, features] = input.shape;
  const units = recurrentKernel.shape[0];
  const out = nn.tensor(options.returnSequences ? [n, steps, units] : [n, units]);
  for (let b = 0; b < n; b++) {
    let h = new Float64Array(units);
    for (let t = 0; t < steps; t++) {
      const next = new Float64Array(units);
      for (let j = 0; j < units; j++) {
        let sum = bias.data[j];
        for (let i = 0; i < features; i++) sum += input.data[(b * steps + t) * features + i] * kernel.data[i * units + j];
        for (let i = 0; i < units; i++) sum += h[i] * recurrentKernel.data[i * units + j];
        next[j] = options.activation(sum);
      }
      h = next;
      if (options.returnSequences) out.data.set(h, (b * steps + t) * units);
    }
    if (!options.returnSequences) out.data.set(h, b * units);
  }
  return out;
}

// ------------------------------------------------------------------ tests

describe('Keras recurrent layers as TensorFlow graphs', () => {
  const loaders = new KerasLoaders();
  const { graph: graphModel, layers: layersModel } = loaders;

  beforeAll(async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  });

  afterAll(() => {
    loaders.dispose();
  });

  /** The largest difference of `served` from `expected` (shapes must agree). */
  function diff(served: HostTensor, expected: nn.Tensor | HostTensor): number {
    const [shape, values] = 'data' in expected ? [expected.shape, expected.data] : [expected.shape, expected.values as Float32Array];
    expect(served.shape).toEqual(shape);
    return maxAbsDiff(served.values as Float32Array, values);
  }

  /** Graph and tfjs-layers path on the same feed: the same signature and values within TOLERANCE. */
  async function expectAsLayersPath(model: KerasModel, what: string, feed: TensorMap): Promise<number> {
    const [graph, layers] = [await graphModel(model, `${what} (graph)`), await layersModel(model, `${what} (layers)`)];
    const spec = (served: LoadedModel) => Object.entries(served.signatures.serving_default.outputs).map(([alias, s]) => [alias, s.dtype, s.shape]);
    expect(spec(graph)).toEqual(spec(layers));
    const [a, b] = [await runOutputs(graph, feed), await runOutputs(layers, feed)];
    const max = Math.max(...a.map((t, i) => diff(t, b[i])));
    expect(max).toBeLessThan(TOLERANCE);
    return max;
  }

  describe('Sequential Embedding(20, 8) → LSTM(6) → Dense(3, softmax) (tf.keras 2.4)', () => {
    const w = new Weights(['embedding', 'lstm', 'dense'], 100);
    const table = w.add('embedding', 'embedding/embeddings:0', [20, 8], 1);
    const p = rnnWeights(w, 'lstm', 'lstm_cell', 8, 6, 4);
    const denseKernel = w.add('dense', 'dense/kernel:0', [6, 3], 1.5);
    const denseBias = w.add('dense', 'dense/bias:0', [3]);
    const config = sequential('sequential', [inputLayer('embedding_input', [null, 7]), embeddingLayer('embedding', 20, 8, 7, false), rnn('LSTM', 'lstm', 6), dense('dense', 3, 'softmax')]);
    const ids = tokens(2 * 7, 20, 5);
    const feed = { embedding_input: floats([2, 7], ids) };

    it('reads the RNN weights by layer name and answers as the reference', async () => {
      const model = await importH5(w.file(config), 'tf.keras', 'embedding-lstm.h5');
      expect(model.weights.map((x) => x.name)).toEqual(['embedding/embeddings', 'lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias', 'dense/kernel', 'dense/bias']);
      const graph = kerasToGraph(model, 'embedding-lstm.h5');
      expect(graph.signatures.serving_default.outputs).toEqual({ dense: { tensorName: 'dense:0', dtype: 'DT_FLOAT', shape: [-1, 3] } });
      // One MatMul per gate group for all steps, one recurrent MatMul per group from the second step on.
      expect(graph.nodes.filter((n) => n.op === 'MatMul' && n.name.startsWith('lstm/')).length).toBe(2 + 2 * 6);
      const served = await graphModel(model, 'embedding-lstm.h5');
      const h = nn.lstm(nn.embedding(nn.tensor([2, 7], ids), table), p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf });
      const [out] = await runOutputs(served, feed);
      expect(diff(out, nn.softmax(nn.dense(h, denseKernel, denseBias)))).toBeLessThan(TOLERANCE);
    });

    it('answers as the tfjs-layers path', async () => {
      await expectAsLayersPath(await importH5(w.file(config), 'tf.keras', 'embedding-lstm.h5'), 'embedding-lstm.h5', feed);
    });
  });

  describe('Sequential GRU(5, return_sequences) → GRU(4) → Dense(2), reset_after=True (tf.keras 2.4 default, sigmoid gates)', () => {
    const w = new Weights(['gru', 'gru_1', 'dense'], 300);
    const p1 = rnnWeights(w, 'gru', 'gru_cell', 3, 5, 3, [2, 15]);
    const p2 = rnnWeights(w, 'gru_1', 'gru_cell_1', 5, 4, 3, [2, 12]);
    const dk = w.add('dense', 'dense/kernel:0', [4, 2], 1);
    const db = w.add('dense', 'dense/bias:0', [2]);
    const config = sequential('sequential', [inputLayer('gru_input', [null, 6, 3]), rnn('GRU', 'gru', 5, { returnSequences: true }), rnn('GRU', 'gru_1', 4), dense('dense', 2)]);

    it('answers as the reference (tfjs-layers refuses reset_after=True)', async () => {
      const model = await importH5(w.file(config), 'tf.keras', 'gru-reset-after.h5');
      expect(model.weights.find((x) => x.name === 'gru/bias')?.tensor.shape).toEqual([2, 15]);
      const served = await graphModel(model, 'gru-reset-after.h5');
      expect(Object.keys(served.signatures.serving_default.inputs)).toEqual(['gru_input']);
      const x = pseudoRandom(2 * 6 * 3, 9).map((v) => v * 2);
      const [out] = await runOutputs(served, { gru_input: floats([2, 6, 3], x) });
      let h = nn.gru(nn.tensor([2, 6, 3], x), p1.kernel, p1.recurrentKernel, p1.bias, { recurrentActivation: nn.sigmoidOf, resetAfter: true, returnSequences: true });
      h = nn.gru(h, p2.kernel, p2.recurrentKernel, p2.bias, { recurrentActivation: nn.sigmoidOf, resetAfter: true });
      expect(diff(out, nn.dense(h, dk, db))).toBeLessThan(TOLERANCE);
      // reset_after=False math on the same weights would answer otherwise: the recurrent bias matters.
      const flat = (t: nn.Tensor) => nn.tensor([t.data.length / 2], t.data.subarray(0, t.data.length / 2));
      let wrong = nn.gru(nn.tensor([2, 6, 3], x), p1.kernel, p1.recurrentKernel, flat(p1.bias), { recurrentActivation: nn.sigmoidOf, resetAfter: false, returnSequences: true });
      wrong = nn.gru(wrong, p2.kernel, p2.recurrentKernel, flat(p2.bias), { recurrentActivation: nn.sigmoidOf, resetAfter: false });
      expect(maxAbsDiff(out.values as Float32Array, nn.dense(wrong, dk, db).data)).toBeGreaterThan(1e-3);
      await expect(loadKerasModel(model, 'gru-reset-after.h5')).rejects.toThrow('reset_after=true');
    });
  });

  describe('Sequential GRU(5, return_sequences) → GRU(4) → Dense(2), reset_after=False, hard_sigmoid (Keras 2.2.4)', () => {
    const w = new Weights(['gru_1', 'gru_2', 'dense_1'], 400);
    const p1 = rnnWeights(w, 'gru_1', null, 3, 5, 3);
    const p2 = rnnWeights(w, 'gru_2', null, 5, 4, 3);
    const dk = w.add('dense_1', 'dense_1/kernel:0', [4, 2], 1);
    const db = w.add('dense_1', 'dense_1/bias:0', [2]);
    // Keras 2.2.4: no InputLayer, the first layer carries batch_input_shape; no time_major; bytes attributes.
    const keras22 = (entry: { class_name: string; config: Json }, extra: Json = {}) => {
      const { dtype: _dtype, time_major: _timeMajor, ...rest } = entry.config;
      return layer(entry.class_name, { ...rest, ...extra, kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null } } });
    };
    const gru22 = (name: string, units: number, returnSequences: boolean, extra: Json = {}) =>
      keras22(rnn('GRU', name, units, { returnSequences, recurrentActivation: 'hard_sigmoid', extra: { reset_after: false, implementation: 1 } }), extra);
    const config = sequential('sequential_1', [gru22('gru_1', 5, true, { batch_input_shape: [null, 6, 3], dtype: 'float32' }), gru22('gru_2', 4, false), keras22(dense('dense_1', 2))]);
    const x = pseudoRandom(2 * 6 * 3, 9).map((v) => v * 3);
    const feed = { gru_1_input: floats([2, 6, 3], x) };

    it('answers as the reference, Keras 2 hard_sigmoid gates clipping', async () => {
      const model = await importH5(w.file(config, '2.2.4'), 'keras-2.2', 'gru-keras22.h5');
      expect(model.weights.map((x) => x.name).slice(0, 3)).toEqual(['gru_1/kernel', 'gru_1/recurrent_kernel', 'gru_1/bias']);
      const served = await graphModel(model, 'gru-keras22.h5');
      const [out] = await runOutputs(served, feed);
      const options = { recurrentActivation: nn.hardSigmoidOf, resetAfter: false };
      const h = nn.gru(nn.gru(nn.tensor([2, 6, 3], x), p1.kernel, p1.recurrentKernel, p1.bias, { ...options, returnSequences: true }), p2.kernel, p2.recurrentKernel, p2.bias, options);
      expect(diff(out, nn.dense(h, dk, db))).toBeLessThan(TOLERANCE);
    });

    it('answers as the tfjs-layers path', async () => {
      await expectAsLayersPath(await importH5(w.file(config, '2.2.4'), 'keras-2.2', 'gru-keras22.h5'), 'gru-keras22.h5', feed);
    });
  });

  describe('Sequential SimpleRNN(5, go_backwards, return_sequences) → SimpleRNN(3, relu, no bias) (tf.keras 2.4)', () => {
    const w = new Weights(['simple_rnn', 'simple_rnn_1'], 500);
    const p1 = rnnWeights(w, 'simple_rnn', 'simple_rnn_cell', 4, 5, 1);
    const p2 = rnnWeights(w, 'simple_rnn_1', 'simple_rnn_cell_1', 5, 3, 1, null);
    const config = sequential('sequential', [
      inputLayer('simple_rnn_input', [null, 5, 4]),
      rnn('SimpleRNN', 'simple_rnn', 5, { goBackwards: true, returnSequences: true }),
      rnn('SimpleRNN', 'simple_rnn_1', 3, { activation: 'relu', returnSequences: true, extra: { use_bias: false } }),
    ]);
    const x = pseudoRandom(2 * 5 * 4, 21).map((v) => v * 2);
    const feed = { simple_rnn_input: floats([2, 5, 4], x) };

    it('walks the steps backwards and returns them in that order, as the reference', async () => {
      const served = await graphModel(await importH5(w.file(config), 'tf.keras', 'simple-rnn.h5'), 'simple-rnn.h5');
      const [out] = await runOutputs(served, feed);
      const first = simpleRnn(nn.tensor([2, 5, 4], x), p1.kernel, p1.recurrentKernel, p1.bias, { activation: Math.tanh, goBackwards: true, returnSequences: true });
      const expected = simpleRnn(first, p2.kernel, p2.recurrentKernel, p2.bias, { activation: (v) => Math.max(v, 0), returnSequences: true });
      expect(expected.data.some((v) => v === 0)).toBe(true); // relu's zero side is exercised
      expect(diff(out, expected)).toBeLessThan(TOLERANCE);
    });

    it('answers as the tfjs-layers path', async () => {
      await expectAsLayersPath(await importH5(w.file(config), 'tf.keras', 'simple-rnn.h5'), 'simple-rnn.h5', feed);
    });
  });

  describe('masked inputs carry the state through masked steps', () => {
    it('int32 ids → Embedding(mask_zero) → GRU(5, reset_after, return_sequences) → LSTM(4, go_backwards) → Dense(2)', async () => {
      const w = new Weights(['tokens', 'embedding', 'gru', 'lstm', 'dense'], 600);
      const table = w.add('embedding', 'embedding/embeddings:0', [12, 4], 1);
      const g = rnnWeights(w, 'gru', 'gru_cell', 4, 5, 3, [2, 15]);
      const l = rnnWeights(w, 'lstm', 'lstm_cell', 5, 4, 4);
      const dk = w.add('dense', 'dense/kernel:0', [4, 2]);
      const db = w.add('dense', 'dense/bias:0', [2]);
      const embedding = embeddingLayer('embedding', 12, 4, 6, true);
      delete (embedding.config as Json).batch_input_shape;
      const config = functional(
        [
          node(inputLayer('tokens', [null, 6], 'int32')),
          node(embedding, 'tokens'),
          node(rnn('GRU', 'gru', 5, { returnSequences: true }), 'embedding'),
          node(rnn('LSTM', 'lstm', 4, { goBackwards: true }), 'gru'),
          node(dense('dense', 2), 'lstm'),
        ],
        ['tokens'],
        [['dense', 0, 0]],
      );
      const served = await graphModel(await importH5(w.file(config), 'tf.keras', 'masked-gru.h5'), 'masked-gru.h5');
      expect(served.signatures.serving_default.inputs.tokens).toMatchObject({ dtype: 'DT_INT32', shape: [-1, 6] });
      // Zeros inside and at both ends of a sequence.
      const ids = [3, 0, 7, 11, 0, 0, 0, 5, 9, 1, 2, 0];
      const [out] = await runOutputs(served, { tokens: { dtype: 'DT_INT32', shape: [2, 6], values: Int32Array.from(ids) } });
      const reference = (mask?: boolean[]) => {
        const sequence = nn.gru(nn.embedding(nn.tensor([2, 6], ids), table), g.kernel, g.recurrentKernel, g.bias, { recurrentActivation: nn.sigmoidOf, resetAfter: true, returnSequences: true, mask });
        const h = nn.lstm(reverseSteps(sequence), l.kernel, l.recurrentKernel, l.bias, { recurrentActivation: nn.sigmoidOf, mask: mask && reverseMask(mask, 6) });
        return nn.dense(h, dk, db);
      };
      expect(diff(out, reference(ids.map((id) => id !== 0)))).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(out.values as Float32Array, reference().data)).toBeGreaterThan(1e-3);
    });

    it('Masking → LSTM(3, return_sequences) repeats the last output at masked steps, as the reference and tfjs-layers', async () => {
      const w = new Weights(['masking', 'lstm'], 700);
      const p = rnnWeights(w, 'lstm', 'lstm_cell', 2, 3, 4);
      const config = sequential('sequential', [
        inputLayer('masking_input', [null, 5, 2]),
        layer('Masking', { ...base('masking'), mask_value: 0.0 }),
        rnn('LSTM', 'lstm', 3, { returnSequences: true }),
      ]);
      const x = [0, 0, 1, 2, 0, 0, 0.5, -1, 0, 0, /* */ 3, 0, 0, 0, 0, 0.25, -2, 1, 0, 0];
      const model = await importH5(w.file(config), 'tf.keras', 'masking-lstm.h5');
      const [out] = await runOutputs(await graphModel(model, 'masking-lstm.h5'), { masking_input: floats([2, 5, 2], x) });
      const mask = Array.from({ length: 10 }, (_, i) => x[2 * i] !== 0 || x[2 * i + 1] !== 0);
      const expected = nn.lstm(nn.tensor([2, 5, 2], x), p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.sigmoidOf, returnSequences: true, mask });
      expect(diff(out, expected)).toBeLessThan(TOLERANCE);
      await expectAsLayersPath(model, 'masking-lstm.h5', { masking_input: floats([2, 5, 2], x) });
    });
  });

  it('return_state and initial_state: LSTM over a, then the same LSTM from its states over b, is one LSTM over a then b', async () => {
    const w = new Weights(['a', 'b', 'first', 'second'], 800);
    const p = rnnWeights(w, 'first', 'lstm_cell', 3, 4, 4);
    putWeight(w, 'second', 'second/lstm_cell_1/kernel:0', p.kernel);
    putWeight(w, 'second', 'second/lstm_cell_1/recurrent_kernel:0', p.recurrentKernel);
    putWeight(w, 'second', 'second/lstm_cell_1/bias:0', p.bias);
    const config = functional(
      [
        node(inputLayer('a', [null, 3, 3])),
        node(inputLayer('b', [null, 4, 3])),
        node(rnn('LSTM', 'first', 4, { returnState: true }), 'a'),
        // tf.keras 2 serializes lstm(b, initial_state=[h, c]) as a call on [b, h, c], each with the kwargs.
        {
          ...node(rnn('LSTM', 'second', 4, { returnSequences: true })),
          inbound_nodes: [[['b', 0, 0], ['first', 0, 1], ['first', 0, 2]].map((ref) => [...ref, { initial_state: [['first', 0, 1], ['first', 0, 2]] }])],
        },
      ],
      ['a', 'b'],
      [['second', 0, 0], ['first', 0, 1]],
    );
    const model = await importH5(w.file(config), 'tf.keras', 'seq2seq.h5');
    const served = await graphModel(model, 'seq2seq.h5');
    expect(Object.keys(served.signatures.serving_default.outputs)).toEqual(['second', 'first']);
    const a = pseudoRandom(2 * 3 * 3, 31);
    const b = pseudoRandom(2 * 4 * 3, 32);
    const [sequence, state] = await runOutputs(served, { a: floats([2, 3, 3], a), b: floats([2, 4, 3], b) });
    const joined = nn.concat([nn.tensor([2, 3, 3], a), nn.tensor([2, 4, 3], b)], 1);
    const options = { recurrentActivation: nn.sigmoidOf };
    const whole = nn.lstm(joined, p.kernel, p.recurrentKernel, p.bias, { ...options, returnSequences: true });
    const tail = nn.tensor([2, 4, 4], [...whole.data.subarray(12, 28), ...whole.data.subarray(40, 56)]);
    expect(diff(sequence, tail)).toBeLessThan(TOLERANCE);
    expect(diff(state, nn.lstm(nn.tensor([2, 3, 3], a), p.kernel, p.recurrentKernel, p.bias, options))).toBeLessThan(TOLERANCE);
    // tfjs-layers cannot build this call (an array input with initial_state): only the graph serves it.
    expect(await refused(loadKerasModel(model, 'seq2seq.h5'))).toContain('TF.js cannot build the Keras model');
  });

  it('a Keras 3 .keras GRU (reset_after, Keras 3 hard_sigmoid gates: relu6(x + 3) / 6)', async () => {
    const w = new Weights(['gru'], 1000);
    const p = rnnWeights(w, 'gru', null, 3, 4, 3, [2, 12]);
    const variables = [p.kernel, p.recurrentKernel, p.bias].map((t) => ({ shape: t.shape, values: Float32Array.from(t.data) }));
    const bytes = await kerasV3Bytes({
      kind: 'Sequential',
      name: 'sequential',
      kerasVersion: '3.8.0',
      layers: [
        { className: 'InputLayer', name: 'input_layer', config: { batch_shape: [null, 5, 3], dtype: 'float32', sparse: false, ragged: false, optional: false }, shape: [null, 5, 3], baseConfig: 'none' },
        {
          className: 'GRU', name: 'gru', shape: [null, 4], variables,
          config: {
            units: 4, activation: 'tanh', recurrent_activation: 'hard_sigmoid', use_bias: true,
            kernel_initializer: initializer('GlorotUniform', { seed: null }), recurrent_initializer: initializer('Orthogonal', { seed: null, gain: 1.0 }),
            bias_initializer: initializer('Zeros'), kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
            kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, reset_after: true, seed: null,
            return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, zero_output_for_mask: false,
          },
        },
      ],
    });
    const model = await importKerasBytes(bytes, 'gru.keras');
    expect(model.weights.map((x) => x.name)).toEqual(['gru/kernel', 'gru/recurrent_kernel', 'gru/bias']);
    const served = await graphModel(model, 'gru.keras');
    const x = pseudoRandom(2 * 5 * 3, 41).map((v) => v * 4);
    const [out] = await runOutputs(served, { [Object.keys(served.signatures.serving_default.inputs)[0]]: floats([2, 5, 3], x) });
    const hardSigmoid3 = (v: number) => Math.min(Math.max(v + 3, 0), 6) / 6;
    expect(diff(out, nn.gru(nn.tensor([2, 5, 3], x), p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: hardSigmoid3, resetAfter: true }))).toBeLessThan(TOLERANCE);
    const keras2Gates = nn.gru(nn.tensor([2, 5, 3], x), p.kernel, p.recurrentKernel, p.bias, { recurrentActivation: nn.hardSigmoidOf, resetAfter: true });
    expect(maxAbsDiff(out.values as Float32Array, keras2Gates.data)).toBeGreaterThan(1e-3);
  });

  describe('refusals', () => {
    const lstmModel = (shape: (number | null)[], extra: Json) => {
      const w = new Weights(['lstm'], 900);
      rnnWeights(w, 'lstm', 'lstm_cell', 3, 2, 4);
      return w.file(sequential('sequential', [inputLayer('lstm_input', shape), rnn('LSTM', 'lstm', 2, { extra })]));
    };
    const refusal = async (file: Keras2File) => {
      const model = await importH5(file, 'tf.keras', 'r.h5');
      return refused((async () => kerasToGraph(model, 'r.h5'))());
    };

    it('an unknown number of time steps, naming the layer', async () => {
      expect(await refusal(lstmModel([null, null, 3], {}))).toBe(
        'r.h5: cannot convert layer lstm (LSTM): the number of time steps is unknown (None): the layer is unrolled over a static time dimension',
      );
    });

    it('stateful=True and time_major=True', async () => {
      expect(await refusal(lstmModel([2, 5, 3], { stateful: true }))).toBe('r.h5: cannot convert layer lstm (LSTM): stateful=True is not supported (each request starts from a zero state)');
      expect(await refusal(lstmModel([null, 5, 3], { time_major: true }))).toBe('r.h5: cannot convert layer lstm (LSTM): time_major=True is not supported');
    });

    it('a masked input whose mask is not known (a merge of masked inputs)', async () => {
      const w = new Weights(['ids', 'embedding', 'add', 'gru'], 950);
      w.add('embedding', 'embedding/embeddings:0', [5, 3]);
      rnnWeights(w, 'gru', 'gru_cell', 3, 2, 3, [2, 6]);
      const embedding = embeddingLayer('embedding', 5, 3, 4, true);
      delete (embedding.config as Json).batch_input_shape;
      const config = functional(
        [node(inputLayer('ids', [null, 4])), node(embedding, 'ids'), node(layer('Add', base('add')), 'embedding', 'embedding'), node(rnn('GRU', 'gru', 2), 'add')],
        ['ids'],
        [['gru', 0, 0]],
      );
      expect(await refusal(w.file(config))).toBe(
        'r.h5: cannot convert layer gru (GRU): a masked input whose mask is not an Embedding(mask_zero=True) or Masking mask of its steps is not supported',
      );
      // The tfjs-layers path cannot serve it either: it does not get a wrong answer instead.
      expect(await refused(loadKerasModel(await importH5(w.file(config), 'tf.keras', 'r.h5'), 'r.h5'))).toMatch(/reset_after/);
    });
  });
});
