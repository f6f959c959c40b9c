/**
 * Synthetic Keras 2 `.h5` files, laid out as `model.save('m.h5')` writes them, for tests of layers
 * no real fixture exercises:
 * - tf.keras 2.x (`keras/saving/hdf5_format.py`, `save_model_to_hdf5`): root attributes
 *   `keras_version` and `backend` (Python str, so variable-length) and `model_config` (JSON
 *   bytes, fixed-length); group `model_weights` with `layer_names` (a fixed-length bytes array),
 *   `backend` and `keras_version`; per layer (created in name order) a group whose `weight_names`
 *   lists the variable names — `dense/kernel:0`, RNN cells as `lstm/lstm_cell/kernel:0` (cells
 *   are uniquified separately: `gru_1/gru_cell_1/kernel:0`) — with each dataset at that path.
 *   Layers without weights get an empty float64 `weight_names` (what h5py makes of `[]`).
 * - Keras 2.2 (`saving._serialize_model`): every string attribute is bytes, RNN weights are
 *   scoped by the layer alone (`gru_1/kernel:0`), and a Sequential has no InputLayer entry.
 * Architectures are written by hand in `to_json()`'s schema; weights are deterministic
 * pseudo-random.
 */
import type { File as H5File, Group } from 'h5wasm';
import { importKerasBytes, type KerasModel } from '../../../lib/importers/keras/index.ts';
import * as nn from '../../support/reference-nn.ts';
import { writeH5, type Keras2File, type StoredWeight } from './h5-files.ts';
import { pseudoRandom } from './keras-support.ts';

// ------------------------------------------------------------------ writing Keras 2 .h5 files

export type Style = 'tf.keras' | 'keras-2.2';

/** A fixed-length ASCII string attribute (what h5py makes of Python bytes). */
export function bytesAttr(node: H5File | Group, name: string, value: string): void {
  node.create_attribute(name, value, null, `A${Math.max(value.length, 1)}`);
}

/** A fixed-length string array attribute (h5py's `np.asarray([b'…', …])`); `[]` is an empty float64 array. */
export function bytesListAttr(node: H5File | Group, name: string, values: string[]): void {
  if (!values.length) node.create_attribute(name, new Float64Array(0), [0]);
  else node.create_attribute(name, values, [values.length], `A${Math.max(...values.map((v) => v.length))}`);
}

/** The bytes of `model.save('m.h5')` for `model` (layers in `model.layers` order). */
export function kerasH5(model: Keras2File, style: Style): Promise<Uint8Array> {
  return writeH5((file) => {
    if (style === 'tf.keras') {
      file.create_attribute('keras_version', model.kerasVersion);
      file.create_attribute('backend', model.backend);
    } else {
      bytesAttr(file, 'keras_version', model.kerasVersion);
      bytesAttr(file, 'backend', model.backend);
    }
    bytesAttr(file, 'model_config', JSON.stringify(model.modelConfig));
    const root = file.create_group('model_weights');
    bytesListAttr(root, 'layer_names', model.layers.map((layer) => layer.name));
    bytesAttr(root, 'backend', model.backend);
    bytesAttr(root, 'keras_version', model.kerasVersion);
    const ordered = style === 'tf.keras' ? [...model.layers].sort((a, b) => (a.name < b.name ? -1 : 1)) : model.layers;
    for (const layer of ordered) {
      const group = root.create_group(layer.name);
      bytesListAttr(group, 'weight_names', layer.weights.map((w) => w.name));
      for (const weight of layer.weights) {
        const parts = weight.name.split('/');
        let parent: Group = group;
        for (const part of parts.slice(0, -1)) parent = parent.keys().includes(part) ? (parent.get(part) as Group) : parent.create_group(part);
        parent.create_dataset({ name: parts[parts.length - 1], data: weight.values, shape: weight.shape });
      }
    }
  });
}

/** Collects layers and their deterministic weights, in `model.layers` order. */
export class Weights {
  readonly layers: { name: string; weights: StoredWeight[] }[];
  private seed: number;

  constructor(layerNames: string[], seed: number) {
    this.layers = layerNames.map((name) => ({ name, weights: [] }));
    this.seed = seed;
  }

  /**
   * Stores a float32 weight of `layer` under the variable name `stored`, values uniform in
   * [offset − scale, offset + scale); returns it as a reference tensor.
   */
  add(layer: string, stored: string, shape: number[], scale = 0.5, offset = 0): nn.Tensor {
    const entry = this.layers.find((l) => l.name === layer);
    if (!entry) throw new Error(`no layer ${layer}`);
    const values = pseudoRandom(nn.sizeOf(shape), this.seed++).map((v) => v * scale + offset);
    entry.weights.push({ name: stored, shape, values });
    return nn.tensor(shape, values);
  }

  file(modelConfig: object, kerasVersion = '2.4.0'): Keras2File {
    return { modelConfig: modelConfig as Record<string, unknown>, kerasVersion, backend: 'tensorflow', layers: this.layers };
  }
}

// ------------------------------------------------------------------ tf.keras 2.x to_json() configs

export type Json = Record<string, unknown>;
export const ZEROS = { class_name: 'Zeros', config: {} };
export const ONES = { class_name: 'Ones', config: {} };
export const GLOROT = { class_name: 'GlorotUniform', config: { seed: null } };
export const ORTHOGONAL = { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } };
export const base = (name: string) => ({ name, trainable: true, dtype: 'float32' });
export const layer = (class_name: string, config: Json) => ({ class_name, config });

export const inputLayer = (name: string, batchInputShape: (number | null)[], dtype = 'float32') =>
  layer('InputLayer', { batch_input_shape: batchInputShape, dtype, sparse: false, ragged: false, name });

export const dense = (name: string, units: number, activation = 'linear') =>
  layer('Dense', {
    ...base(name), units, activation, use_bias: true, kernel_initializer: GLOROT, bias_initializer: ZEROS,
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  });

export const conv2d = (name: string, filters: number, options: { strides?: number; padding: string; dilation?: number; activation?: string; useBias?: boolean }) =>
  layer('Conv2D', {
    ...base(name), filters, kernel_size: [3, 3], strides: [options.strides ?? 1, options.strides ?? 1], padding: options.padding,
    data_format: 'channels_last', dilation_rate: [options.dilation ?? 1, options.dilation ?? 1], groups: 1,
    activation: options.activation ?? 'linear', use_bias: options.useBias ?? true, kernel_initializer: GLOROT, bias_initializer: ZEROS,
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  });

export const rnnCommon = (name: string, units: number, returnSequences: boolean) => ({
  ...base(name), return_sequences: returnSequences, return_state: false, go_backwards: false, stateful: false, unroll: false,
  time_major: false, units, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
  kernel_initializer: GLOROT, recurrent_initializer: ORTHOGONAL, bias_initializer: ZEROS,
  kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
  kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0,
});

export const lstmLayer = (name: string, units: number, returnSequences = false) =>
  layer('LSTM', { ...rnnCommon(name, units, returnSequences), unit_forget_bias: true, implementation: 2 });

export const gruLayer = (name: string, units: number, returnSequences: boolean, resetAfter: boolean) =>
  layer('GRU', { ...rnnCommon(name, units, returnSequences), implementation: 2, reset_after: resetAfter });

export const embeddingLayer = (name: string, inputDim: number, outputDim: number, inputLength: number, maskZero: boolean) =>
  layer('Embedding', {
    ...base(name), batch_input_shape: [null, inputLength], input_dim: inputDim, output_dim: outputDim,
    embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
    embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: maskZero, input_length: inputLength,
  });

export const sequential = (name: string, layers: object[]) => ({ class_name: 'Sequential', config: { name, layers } });

/** A Functional layer entry called once on `inputs` (`[[[name, 0, 0, {}], …]]`). */
export function node(entry: { class_name: string; config: Json }, ...inputs: string[]): Json {
  return { ...entry, name: entry.config.name, inbound_nodes: inputs.length ? [inputs.map((input) => [input, 0, 0, {}])] : [] };
}

export const functional = (layers: Json[], input: string, output: string) => ({
  class_name: 'Functional',
  config: { name: 'model', layers, input_layers: [[input, 0, 0]], output_layers: [[output, 0, 0]] },
});

/** Writes `file` as a `.h5` in `style` and imports it, as serving would read it. */
export async function importH5(file: Keras2File, style: Style, what: string): Promise<KerasModel> {
  return importKerasBytes(await kerasH5(file, style), what);
}

/**
 * Input(4,4,2) → GlobalAveragePooling2D(keepdims=True) → Flatten → Dense(3), a tf.keras `.h5`:
 * tfjs-layers would ignore keepdims, so only the graph path serves it.
 */
export function keepdimsModelH5(seed: number): Promise<Uint8Array> {
  const weights = new Weights(['input', 'pool', 'flatten', 'out'], seed);
  weights.add('out', 'out/kernel:0', [2, 3]);
  weights.add('out', 'out/bias:0', [3]);
  const config = functional(
    [
      node(inputLayer('input', [null, 4, 4, 2])),
      node(layer('GlobalAveragePooling2D', { ...base('pool'), data_format: 'channels_last', keepdims: true }), 'input'),
      node(layer('Flatten', { ...base('flatten'), data_format: 'channels_last' }), 'pool'),
      node(dense('out', 3), 'flatten'),
    ],
    'input',
    'out',
  );
  return kerasH5(weights.file(config), 'tf.keras');
}

/**
 * Input(6, 3) → GRU(4, reset_after=True) → Dense(2), as tf.keras 2.4 saves it: tfjs-layers refuses
 * reset_after=True, so only the graph path serves it.
 */
export function gruResetAfterH5(seed: number): Promise<Uint8Array> {
  const weights = new Weights(['gru', 'dense'], seed);
  weights.add('gru', 'gru/gru_cell/kernel:0', [3, 12]);
  weights.add('gru', 'gru/gru_cell/recurrent_kernel:0', [4, 12]);
  weights.add('gru', 'gru/gru_cell/bias:0', [2, 12]);
  weights.add('dense', 'dense/kernel:0', [4, 2]);
  weights.add('dense', 'dense/bias:0', [2]);
  const config = sequential('sequential', [inputLayer('gru_input', [null, 6, 3]), gruLayer('gru', 4, false, true), dense('dense', 2)]);
  return kerasH5(weights.file(config), 'tf.keras');
}
