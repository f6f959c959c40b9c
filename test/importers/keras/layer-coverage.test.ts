/**
 * Keras layers neither real fixture exercises (Embedding, LSTM, GRU, Dense, DepthwiseConv2D,
 * Rescaling, Concatenate, Flatten, Reshape, AveragePooling2D, strided and dilated Conv2D,
 * BatchNormalization after Dense, ReLU(max_value), Softmax, and the relu/sigmoid/softmax/elu/tanh
 * activations), in synthetic `.h5` files laid out as `model.save('m.h5')` writes them
 * (tf.keras 2.x and Keras 2.2 layouts; see keras2-writer.ts).
 * Architectures are written by hand in `to_json()`'s schema; weights are deterministic
 * pseudo-random. Expected outputs come from plain-TypeScript float64 forward passes
 * (test/support/reference-nn.ts) over the same weights, never from TF.js.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import type { HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { loadKerasModel } from '../../../lib/engine/tfjs/load-keras.ts';
import { importKerasBytes } from '../../../lib/importers/keras/index.ts';
import * as nn from '../../support/reference-nn.ts';
import { maxAbsDiff, pseudoRandom, refused, tokens } from './keras-support.ts';
import {
  base,
  conv2d,
  dense,
  embeddingLayer,
  functional,
  GLOROT,
  gruLayer,
  inputLayer,
  type Json,
  kerasH5,
  layer,
  lstmLayer,
  node,
  ONES,
  sequential,
  type Style,
  Weights,
  ZEROS,
} from './keras2-writer.ts';

const TOLERANCE = 1e-5;

// ------------------------------------------------------------------ inputs and serving

describe('Keras 2 .h5 layer coverage on TF.js', () => {
  const loaded: LoadedModel[] = [];

  beforeAll(async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  });

  afterAll(() => {
    for (const model of loaded) model.dispose();
  });

  async function serve(bytes: Uint8Array, what: string): Promise<LoadedModel> {
    const model = await loadKerasModel(await importKerasBytes(bytes, what), what);
    loaded.push(model);
    return model;
  }

  /** Runs serving_default on its one input; returns its one output. */
  async function run(model: LoadedModel, input: HostTensor): Promise<HostTensor> {
    const signature = model.signatures.serving_default;
    const [inputName] = Object.keys(signature.inputs);
    const outputs = await model.run('serving_default', { [inputName]: input });
    return Object.values(outputs)[0];
  }

  function expectClose(served: HostTensor, expected: nn.Tensor): void {
    expect(served.shape).toEqual(expected.shape);
    expect(maxAbsDiff(served.values as Float32Array, expected.data)).toBeLessThan(TOLERANCE);
  }

  describe('Sequential Embedding(20, 8) → LSTM(6) → Dense(3, softmax) (tf.keras 2.4)', () => {
    const w = new Weights(['embedding', 'lstm', 'dense'], 100);
    const table = w.add('embedding', 'embedding/embeddings:0', [20, 8], 1);
    const kernel = w.add('lstm', 'lstm/lstm_cell/kernel:0', [8, 24]);
    const recurrentKernel = w.add('lstm', 'lstm/lstm_cell/recurrent_kernel:0', [6, 24]);
    const bias = w.add('lstm', 'lstm/lstm_cell/bias:0', [24], 0.5, 0.25);
    const denseKernel = w.add('dense', 'dense/kernel:0', [6, 3], 1.5);
    const denseBias = w.add('dense', 'dense/bias:0', [3]);
    const config = sequential('sequential', [
      inputLayer('embedding_input', [null, 7]),
      embeddingLayer('embedding', 20, 8, 7, false),
      lstmLayer('lstm', 6),
      dense('dense', 3, 'softmax'),
    ]);
    let model: LoadedModel;

    beforeAll(async () => {
      model = await serve(await kerasH5(w.file(config), 'tf.keras'), 'embedding-lstm.h5');
    });

    it('names the cell-scoped RNN weights as the rebuilt layers do', async () => {
      const imported = await importKerasBytes(await kerasH5(w.file(config), 'tf.keras'), 'embedding-lstm.h5');
      expect(imported.weights.map((x) => `${x.name} [${x.tensor.shape}]`)).toEqual([
        'embedding/embeddings [20,8]',
        'lstm/kernel [8,24]',
        'lstm/recurrent_kernel [6,24]',
        'lstm/bias [24]',
        'dense/kernel [6,3]',
        'dense/bias [3]',
      ]);
    });

    it('takes the token ids as its float input and answers as the reference', async () => {
      expect(model.signatures.serving_default.inputs).toEqual({
        embedding_input: { tensorName: 'embedding_input:0', dtype: 'DT_FLOAT', shape: [-1, 7] },
      });
      expect(model.signatures.serving_default.outputs).toEqual({ dense: { tensorName: 'dense:0', dtype: 'DT_FLOAT', shape: [-1, 3] } });
      const ids = tokens(2 * 7, 20, 5);
      const served = await run(model, { dtype: 'DT_FLOAT', shape: [2, 7], values: Float32Array.from(ids) });
      const h = nn.lstm(nn.embedding(nn.tensor([2, 7], ids), table), kernel, recurrentKernel, bias, { recurrentActivation: nn.sigmoidOf });
      expectClose(served, nn.softmax(nn.dense(h, denseKernel, denseBias)));
    });
  });

  describe('Functional int32 Input → Embedding(mask_zero=True) → LSTM(5) → Dense(2) (tf.keras 2.4)', () => {
    const w = new Weights(['tokens', 'embedding', 'lstm', 'dense'], 200);
    const table = w.add('embedding', 'embedding/embeddings:0', [12, 4], 1);
    const kernel = w.add('lstm', 'lstm/lstm_cell/kernel:0', [4, 20]);
    const recurrentKernel = w.add('lstm', 'lstm/lstm_cell/recurrent_kernel:0', [5, 20]);
    const bias = w.add('lstm', 'lstm/lstm_cell/bias:0', [20]);
    const denseKernel = w.add('dense', 'dense/kernel:0', [5, 2]);
    const denseBias = w.add('dense', 'dense/bias:0', [2]);
    const embedding = embeddingLayer('embedding', 12, 4, 6, true);
    delete (embedding.config as Json).batch_input_shape; // a Functional's layers take their shape from the Input
    const config = functional(
      [node(inputLayer('tokens', [null, 6], 'int32')), node(embedding, 'tokens'), node(lstmLayer('lstm', 5), 'embedding'), node(dense('dense', 2), 'lstm')],
      'tokens',
      'dense',
    );

    it('takes int32 ids and skips the zero (masked) timesteps as Keras does', async () => {
      const model = await serve(await kerasH5(w.file(config), 'tf.keras'), 'masked-lstm.h5');
      expect(model.signatures.serving_default.inputs.tokens).toMatchObject({ dtype: 'DT_INT32', shape: [-1, 6] });
      // Zeros inside and at both ends of a sequence.
      const ids = [3, 0, 7, 11, 0, 0, 0, 5, 9, 1, 2, 8];
      const served = await run(model, { dtype: 'DT_INT32', shape: [2, 6], values: Int32Array.from(ids) });
      const mask = ids.map((id) => id !== 0);
      const h = nn.lstm(nn.embedding(nn.tensor([2, 6], ids), table), kernel, recurrentKernel, bias, { recurrentActivation: nn.sigmoidOf, mask });
      expectClose(served, nn.dense(h, denseKernel, denseBias));
      // Without the mask the answer would differ: the mask is really applied.
      const unmasked = nn.dense(nn.lstm(nn.embedding(nn.tensor([2, 6], ids), table), kernel, recurrentKernel, bias, { recurrentActivation: nn.sigmoidOf }), denseKernel, denseBias);
      expect(maxAbsDiff(served.values as Float32Array, unmasked.data)).toBeGreaterThan(1e-3);
    });
  });

  describe('Sequential GRU(5, return_sequences, reset_after=False) → GRU(4) → Dense(2)', () => {
    /** The same architecture as tf.keras 2.4 and Keras 2.2.4 save it. */
    function gruModel(style: Style) {
      const tf = style === 'tf.keras';
      const [first, second, out] = tf ? ['gru', 'gru_1', 'dense'] : ['gru_1', 'gru_2', 'dense_1'];
      const w = new Weights([first, second, out], tf ? 300 : 400);
      const cell = (layerName: string, cellName: string, weight: string) => (tf ? `${layerName}/${cellName}/${weight}:0` : `${layerName}/${weight}:0`);
      const weights = {
        k1: w.add(first, cell(first, 'gru_cell', 'kernel'), [3, 15], 0.8),
        r1: w.add(first, cell(first, 'gru_cell', 'recurrent_kernel'), [5, 15], 0.8),
        b1: w.add(first, cell(first, 'gru_cell', 'bias'), [15]),
        k2: w.add(second, cell(second, 'gru_cell_1', 'kernel'), [5, 12], 0.8),
        r2: w.add(second, cell(second, 'gru_cell_1', 'recurrent_kernel'), [4, 12], 0.8),
        b2: w.add(second, cell(second, 'gru_cell_1', 'bias'), [12]),
        dk: w.add(out, `${out}/kernel:0`, [4, 2], 1),
        db: w.add(out, `${out}/bias:0`, [2]),
      };
      let layers: object[];
      if (tf) {
        layers = [inputLayer('gru_input', [null, 6, 3]), gruLayer(first, 5, true, false), gruLayer(second, 4, false, false), dense(out, 2)];
      } else {
        // Keras 2.2.4: no InputLayer entry, the first layer carries batch_input_shape and dtype,
        // the others no dtype; hard_sigmoid gates; no time_major.
        const keras22 = (entry: { class_name: string; config: Json }, extra: Json = {}) => {
          const { dtype: _dtype, time_major: _timeMajor, ...rest } = entry.config;
          return layer(entry.class_name, {
            ...rest, ...extra,
            ...(entry.class_name === 'GRU' ? { recurrent_activation: 'hard_sigmoid', implementation: 1 } : {}),
            kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null } },
          });
        };
        layers = [
          keras22(gruLayer(first, 5, true, false), { batch_input_shape: [null, 6, 3], dtype: 'float32' }),
          keras22(gruLayer(second, 4, false, false)),
          keras22(dense(out, 2)),
        ];
      }
      const config = sequential(tf ? 'sequential' : 'sequential_1', layers);
      return { file: w.file(config, tf ? '2.4.0' : '2.2.4'), weights, input: tf ? 'gru_input' : `${first}_input`, output: out };
    }

    for (const style of ['tf.keras', 'keras-2.2'] as const) {
      it(`serves the ${style === 'tf.keras' ? 'tf.keras 2.4 (sigmoid gates, gru/gru_cell/kernel:0)' : 'Keras 2.2.4 (hard_sigmoid gates, gru_1/kernel:0)'} file as the reference`, async () => {
        const { file, weights: p, input, output } = gruModel(style);
        const model = await serve(await kerasH5(file, style), `gru-${style}.h5`);
        expect(Object.keys(model.signatures.serving_default.inputs)).toEqual([input]);
        expect(Object.keys(model.signatures.serving_default.outputs)).toEqual([output]);
        const x = pseudoRandom(2 * 6 * 3, 9).map((v) => v * 2);
        const served = await run(model, { dtype: 'DT_FLOAT', shape: [2, 6, 3], values: x });
        const recurrentActivation = style === 'tf.keras' ? nn.sigmoidOf : nn.hardSigmoidOf;
        let h = nn.gru(nn.tensor([2, 6, 3], x), p.k1, p.r1, p.b1, { recurrentActivation, resetAfter: false, returnSequences: true });
        h = nn.gru(h, p.k2, p.r2, p.b2, { recurrentActivation, resetAfter: false });
        expectClose(served, nn.dense(h, p.dk, p.db));
      });
    }

    it('refuses a tf.keras GRU with reset_after=True (its default), naming the layer', async () => {
      const w = new Weights(['gru', 'dense'], 500);
      w.add('gru', 'gru/gru_cell/kernel:0', [3, 15]);
      w.add('gru', 'gru/gru_cell/recurrent_kernel:0', [5, 15]);
      w.add('gru', 'gru/gru_cell/bias:0', [2, 15]);
      w.add('dense', 'dense/kernel:0', [5, 2]);
      w.add('dense', 'dense/bias:0', [2]);
      const config = sequential('sequential', [inputLayer('gru_input', [null, 6, 3]), gruLayer('gru', 5, false, true), dense('dense', 2)]);
      const imported = await importKerasBytes(await kerasH5(w.file(config), 'tf.keras'), 'gru-reset-after.h5');
      expect(await refused(loadKerasModel(imported, 'gru-reset-after.h5'))).toBe(
        'gru-reset-after.h5: layer gru (GRU) sets reset_after=true, which TF.js does not implement',
      );
    });
  });

  describe('Functional Rescaling → [strided Conv2D, DepthwiseConv2D → dilated Conv2D] → pooling → Concatenate → Dense → BN → elu → sigmoid', () => {
    const names = [
      'image', 'rescaling', 'conv2d', 'depthwise_conv2d', 'average_pooling2d', 'conv2d_1', 'flatten', 'average_pooling2d_1',
      'reshape', 'concatenate', 'dense', 'batch_normalization', 'activation', 'dense_1',
    ];
    const w = new Weights(names, 600);
    const convKernel = w.add('conv2d', 'conv2d/kernel:0', [3, 3, 3, 4]);
    const convBias = w.add('conv2d', 'conv2d/bias:0', [4], 0.2);
    const depthwiseKernel = w.add('depthwise_conv2d', 'depthwise_conv2d/depthwise_kernel:0', [3, 3, 3, 2]);
    const depthwiseBias = w.add('depthwise_conv2d', 'depthwise_conv2d/bias:0', [6], 0.2);
    const dilatedKernel = w.add('conv2d_1', 'conv2d_1/kernel:0', [3, 3, 6, 2]);
    const denseKernel = w.add('dense', 'dense/kernel:0', [54, 5]);
    const denseBias = w.add('dense', 'dense/bias:0', [5]);
    const gamma = w.add('batch_normalization', 'batch_normalization/gamma:0', [5], 0.5, 1);
    const beta = w.add('batch_normalization', 'batch_normalization/beta:0', [5]);
    const mean = w.add('batch_normalization', 'batch_normalization/moving_mean:0', [5]);
    const variance = w.add('batch_normalization', 'batch_normalization/moving_variance:0', [5], 0.4, 0.6);
    const outKernel = w.add('dense_1', 'dense_1/kernel:0', [5, 3], 1);
    const outBias = w.add('dense_1', 'dense_1/bias:0', [3]);
    const pool = (name: string, size: number, strides: number, padding: string) =>
      layer('AveragePooling2D', { ...base(name), pool_size: [size, size], padding, strides: [strides, strides], data_format: 'channels_last' });
    const config = functional(
      [
        node(inputLayer('image', [null, 12, 12, 3])),
        node(layer('Rescaling', { ...base('rescaling'), scale: 1 / 255, offset: -0.5 }), 'image'),
        node(conv2d('conv2d', 4, { strides: 2, padding: 'same', activation: 'relu' }), 'rescaling'),
        node(
          layer('DepthwiseConv2D', {
            ...base('depthwise_conv2d'), kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last',
            dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true, bias_initializer: ZEROS, bias_regularizer: null,
            activity_regularizer: null, bias_constraint: null, depth_multiplier: 2, depthwise_initializer: GLOROT,
            depthwise_regularizer: null, depthwise_constraint: null,
          }),
          'rescaling',
        ),
        node(pool('average_pooling2d', 2, 2, 'valid'), 'conv2d'),
        node(conv2d('conv2d_1', 2, { dilation: 2, padding: 'valid', useBias: false }), 'depthwise_conv2d'),
        node(layer('Flatten', { ...base('flatten'), data_format: 'channels_last' }), 'average_pooling2d'),
        node(pool('average_pooling2d_1', 3, 2, 'same'), 'conv2d_1'),
        node(layer('Reshape', { ...base('reshape'), target_shape: [18] }), 'average_pooling2d_1'),
        node(layer('Concatenate', { ...base('concatenate'), axis: -1 }), 'flatten', 'reshape'),
        node(dense('dense', 5), 'concatenate'),
        node(
          layer('BatchNormalization', {
            ...base('batch_normalization'), axis: [1], momentum: 0.99, epsilon: 0.001, center: true, scale: true,
            beta_initializer: ZEROS, gamma_initializer: ONES, moving_mean_initializer: ZEROS, moving_variance_initializer: ONES,
            beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
          }),
          'dense',
        ),
        node(layer('Activation', { ...base('activation'), activation: 'elu' }), 'batch_normalization'),
        node(dense('dense_1', 3, 'sigmoid'), 'activation'),
      ],
      'image',
      'dense_1',
    );

    it('serves the image branches as the reference', async () => {
      const model = await serve(await kerasH5(w.file(config), 'tf.keras'), 'image-branches.h5');
      expect(model.signatures.serving_default.inputs).toEqual({ image: { tensorName: 'image:0', dtype: 'DT_FLOAT', shape: [-1, 12, 12, 3] } });
      const pixels = pseudoRandom(2 * 12 * 12 * 3, 11).map((v) => Math.round(v * 127.5 + 127.5));
      const served = await run(model, { dtype: 'DT_FLOAT', shape: [2, 12, 12, 3], values: pixels });

      const x = nn.map(nn.tensor([2, 12, 12, 3], pixels), (v) => v * (1 / 255) - 0.5);
      const a = nn.relu(nn.conv2d(x, convKernel, { strides: 2, padding: 'SAME' }, convBias));
      expect(a.shape).toEqual([2, 6, 6, 4]);
      const left = nn.flatten(nn.avgPool(a, { size: 2, padding: 'VALID' }));
      const b = nn.conv2d(nn.depthwiseConv2d(x, depthwiseKernel, { padding: 'VALID' }, depthwiseBias), dilatedKernel, { padding: 'VALID', dilations: 2 });
      expect(b.shape).toEqual([2, 6, 6, 2]);
      const right = nn.reshape(nn.avgPool(b, { size: 3, strides: 2, padding: 'SAME' }), [2, 18]);
      const d = nn.dense(nn.concat([left, right]), denseKernel, denseBias);
      const normalized = nn.batchNorm(d, { gamma, beta, mean, variance, epsilon: 0.001 });
      expect(normalized.data.some((v) => v < -0.5)).toBe(true); // elu's negative side is exercised
      const expected = nn.sigmoid(nn.dense(nn.elu(normalized), outKernel, outBias));
      expectClose(served, expected);
    });
  });

  describe('Sequential Dense → ReLU(max_value=6) → Dense(tanh) → Dense → Softmax layer', () => {
    const w = new Weights(['dense', 're_lu', 'dense_1', 'dense_2', 'softmax'], 700);
    const k0 = w.add('dense', 'dense/kernel:0', [4, 6], 3);
    const b0 = w.add('dense', 'dense/bias:0', [6], 1);
    const k1 = w.add('dense_1', 'dense_1/kernel:0', [6, 5], 0.3);
    const b1 = w.add('dense_1', 'dense_1/bias:0', [5]);
    const k2 = w.add('dense_2', 'dense_2/kernel:0', [5, 4], 2);
    const b2 = w.add('dense_2', 'dense_2/bias:0', [4]);
    const relu = (options: Json) => layer('ReLU', { ...base('re_lu'), max_value: 6.0, negative_slope: 0.0, threshold: 0.0, ...options });
    const config = (reluOptions: Json = {}) =>
      sequential('sequential', [
        inputLayer('dense_input', [null, 4]),
        dense('dense', 6),
        relu(reluOptions),
        dense('dense_1', 5, 'tanh'),
        dense('dense_2', 4),
        layer('Softmax', { ...base('softmax'), axis: -1 }),
      ]);

    it('clips at 6 and normalises as the reference', async () => {
      const model = await serve(await kerasH5(w.file(config()), 'tf.keras'), 'relu6-softmax.h5');
      expect(model.signatures.serving_default.outputs).toEqual({ softmax: { tensorName: 'softmax:0', dtype: 'DT_FLOAT', shape: [-1, 4] } });
      const x = pseudoRandom(2 * 4, 13).map((v) => v * 4);
      const served = await run(model, { dtype: 'DT_FLOAT', shape: [2, 4], values: x });
      const pre = nn.dense(nn.tensor([2, 4], x), k0, b0);
      // Both ends of relu6 are exercised.
      expect(pre.data.some((v) => v > 6)).toBe(true);
      expect(pre.data.some((v) => v < 0)).toBe(true);
      const expected = nn.softmax(nn.dense(nn.tanh(nn.dense(nn.relu6(pre), k1, b1)), k2, b2));
      expectClose(served, expected);
    });

    it('refuses ReLU options TF.js would ignore (negative_slope, threshold)', async () => {
      for (const [option, value] of [['negative_slope', 0.1], ['threshold', 0.5]] as const) {
        const imported = await importKerasBytes(await kerasH5(w.file(config({ [option]: value })), 'tf.keras'), 'leaky.h5');
        expect(await refused(loadKerasModel(imported, 'leaky.h5'))).toBe(
          `leaky.h5: layer re_lu (ReLU) sets ${option}=${value}, which TF.js does not implement`,
        );
      }
    });
  });

  it('refuses an LSTM with time_major=True, which TF.js would read batch-major', async () => {
    const w = new Weights(['lstm'], 800);
    w.add('lstm', 'lstm/lstm_cell/kernel:0', [3, 8]);
    w.add('lstm', 'lstm/lstm_cell/recurrent_kernel:0', [2, 8]);
    w.add('lstm', 'lstm/lstm_cell/bias:0', [8]);
    const lstm = lstmLayer('lstm', 2);
    lstm.config.time_major = true;
    const config = sequential('sequential', [inputLayer('lstm_input', [null, 5, 3]), lstm]);
    const imported = await importKerasBytes(await kerasH5(w.file(config), 'tf.keras'), 'time-major.h5');
    expect(await refused(loadKerasModel(imported, 'time-major.h5'))).toBe(
      'time-major.h5: layer lstm (LSTM) sets time_major=true, which TF.js does not implement',
    );
  });

  it('refuses layer classes TF.js lacks (Lambda, MultiHeadAttention), naming class and layer', async () => {
    const w = new Weights(['input_1', 'lambda', 'multi_head_attention', 'dense'], 900);
    for (const part of ['query', 'key', 'value']) {
      w.add('multi_head_attention', `multi_head_attention/${part}/kernel:0`, [8, 2, 4]);
      w.add('multi_head_attention', `multi_head_attention/${part}/bias:0`, [2, 4]);
    }
    w.add('multi_head_attention', 'multi_head_attention/attention_output/kernel:0', [2, 4, 8]);
    w.add('multi_head_attention', 'multi_head_attention/attention_output/bias:0', [8]);
    w.add('dense', 'dense/kernel:0', [8, 2]);
    w.add('dense', 'dense/bias:0', [2]);
    const lambda = layer('Lambda', {
      ...base('lambda'), function: ['4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEAAADzAAAAAA==', null, null],
      function_type: 'lambda', module: '__main__', output_shape: null, output_shape_type: 'raw', output_shape_module: null, arguments: {},
    });
    const mha = layer('MultiHeadAttention', {
      ...base('multi_head_attention'), num_heads: 2, key_dim: 4, value_dim: 4, dropout: 0.0, use_bias: true, output_shape: null,
      attention_axes: [1], kernel_initializer: GLOROT, bias_initializer: ZEROS, kernel_regularizer: null, bias_regularizer: null,
      activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
      query_shape: [null, 5, 8], key_shape: [null, 5, 8], value_shape: [null, 5, 8],
    });
    const config = functional(
      [
        node(inputLayer('input_1', [null, 5, 8])),
        node(lambda, 'input_1'),
        { ...node(mha, 'lambda'), inbound_nodes: [[['lambda', 0, 0, { value: ['lambda', 0, 0] }]]] },
        node(dense('dense', 2), 'multi_head_attention'),
      ],
      'input_1',
      'dense',
    );
    const imported = await importKerasBytes(await kerasH5(w.file(config), 'tf.keras'), 'attention.h5');
    expect(await refused(loadKerasModel(imported, 'attention.h5'))).toBe(
      'attention.h5 uses Keras layer classes TF.js does not have: Lambda (layer lambda); MultiHeadAttention (layer multi_head_attention)',
    );
  });
});
