/**
 * Keras architecture JSON normalisation and weight naming, on configs written here in the forms
 * Keras 2.0–2.2, tf.keras and Keras 3 serialize (keras-v3.test.ts checks the Keras 3 path end to
 * end on real weights).
 */
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../../../lib/errors.ts';
import { layerIndex, normalizeModelConfig } from '../../../lib/importers/keras/config.ts';
import { kerasWeightName } from '../../../lib/importers/keras/h5-model.ts';
import { snakeCase } from '../../../lib/importers/keras/keras-v3.ts';
import type { KerasObject } from '../../../lib/graph/keras-model.ts';

const dense = (name: string, inbound?: string) => ({
  class_name: 'Dense',
  name,
  config: { name, units: 2, activation: 'linear', use_bias: true },
  ...(inbound ? { inbound_nodes: [[[inbound, 0, 0, {}]]] } : {}),
});

describe('normalizeModelConfig', () => {
  it('wraps a Keras ≤ 2.2 Sequential config (a bare layer list)', () => {
    const model = normalizeModelConfig({ class_name: 'Sequential', config: [dense('dense_1')] as never }, 'm.h5');
    expect(model).toEqual({ class_name: 'Sequential', config: { name: 'sequential', layers: [dense('dense_1')] } });
  });

  it('serves inference-identity layers as Dropout under their own names, and renames TF 1.13 classes', () => {
    const layers = ['SpatialDropout2D', 'RandomFlip', 'ActivityRegularization', 'BatchNormalizationV1'].map((className, i) => ({
      class_name: className,
      config: { name: `l${i}`, trainable: true, rate: 0.25, mode: 'horizontal' },
    }));
    const model = normalizeModelConfig({ class_name: 'Sequential', config: { name: 's', layers } }, 'm.h5');
    expect((model.config.layers as KerasObject[]).map((l) => [l.class_name, l.config])).toEqual([
      ['Dropout', { name: 'l0', trainable: true, rate: 0.25 }],
      ['Dropout', { name: 'l1', trainable: true, rate: 0.25 }],
      ['Dropout', { name: 'l2', trainable: true, rate: 0.25 }],
      ['BatchNormalization', { name: 'l3', trainable: true, rate: 0.25, mode: 'horizontal' }],
    ]);
  });

  it('turns dtype policies into the dtype variables are kept in', () => {
    const layer = { class_name: 'Dense', config: { name: 'd', units: 1, dtype: { class_name: 'Policy', config: { name: 'mixed_float16' } } } };
    const model = normalizeModelConfig({ class_name: 'Sequential', config: { name: 's', layers: [layer] } }, 'm.h5');
    expect((model.config.layers as KerasObject[])[0].config.dtype).toBe('float32');
  });

  it('translates a Keras 3 Functional config: modules dropped, nodes and input_layers in the Keras 2 form', () => {
    const tensor = (layer: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 3], dtype: 'float32', keras_history: [layer, 0, 0] } });
    const keras3 = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      registered_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, name: 'a', config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'a' }, inbound_nodes: [] },
          { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, name: 'b', config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'b' }, inbound_nodes: [] },
          {
            module: 'keras.layers',
            class_name: 'Add',
            registered_name: null,
            name: 'add',
            build_config: { input_shape: [[null, 3], [null, 3]] },
            config: { name: 'add', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null } },
            inbound_nodes: [{ args: [[tensor('a'), tensor('b')]], kwargs: {} }],
          },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            registered_name: null,
            name: 'out',
            config: {
              name: 'out',
              units: 1,
              kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
            },
            inbound_nodes: [{ args: [tensor('add')], kwargs: { training: null } }],
          },
        ],
        input_layers: { a: ['a', 0, 0], b: ['b', 0, 0] },
        output_layers: ['out', 0, 0],
      },
    };
    const model = normalizeModelConfig(keras3 as never, 'm.keras');
    expect(model.class_name).toBe('Functional');
    expect(model.config.input_layers).toEqual([['a', 0, 0], ['b', 0, 0]]);
    expect(model.config.output_layers).toEqual([['out', 0, 0]]);
    const [a, , add, out] = model.config.layers as KerasObject[];
    expect(a).toEqual({ class_name: 'InputLayer', name: 'a', config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, name: 'a' }, inbound_nodes: [] });
    expect(add).toEqual({ class_name: 'Add', name: 'add', config: { name: 'add', trainable: true, dtype: 'float32' }, inbound_nodes: [[['a', 0, 0, {}], ['b', 0, 0, {}]]] });
    expect(out.config.kernel_initializer).toEqual({ class_name: 'GlorotUniform', config: { seed: null } });
    expect(out.inbound_nodes).toEqual([[['add', 0, 0, {}]]]);
  });

  it('translates the legacy HDF5 config Keras 3 writes (no module keys, Keras 3 nodes and batch_shape)', () => {
    const tensor = { class_name: '__keras_tensor__', config: { shape: [null, 3], dtype: 'float32', keras_history: ['x', 0, 0] } };
    const model = normalizeModelConfig(
      {
        class_name: 'Functional',
        config: {
          name: 'functional',
          layers: [
            { class_name: 'InputLayer', name: 'x', config: { batch_shape: [null, 3], dtype: 'float32', name: 'x' }, inbound_nodes: [] },
            { class_name: 'Dense', name: 'y', config: { name: 'y', units: 1, activation: 'silu' }, inbound_nodes: [{ args: [tensor], kwargs: {} }] },
          ],
          input_layers: [['x', 0, 0]],
          output_layers: [['y', 0, 0]],
        },
      },
      'legacy.h5',
    );
    const [x, y] = model.config.layers as KerasObject[];
    expect(x.config).toEqual({ batch_input_shape: [null, 3], dtype: 'float32', name: 'x' });
    expect(y.inbound_nodes).toEqual([[['x', 0, 0, {}]]]);
    expect(y.config.activation).toBe('swish');
  });

  it('refuses calls Keras 2 graphs cannot express, and subclassed models', () => {
    const call = (node: unknown) =>
      normalizeModelConfig(
        {
          module: 'keras',
          class_name: 'Functional',
          config: { name: 'f', layers: [{ module: 'keras.layers', class_name: 'Dense', name: 'd', config: { name: 'd' }, inbound_nodes: [node] }], input_layers: [], output_layers: [] },
        } as never,
        'm.keras',
      );
    const tensor = { class_name: '__keras_tensor__', config: { keras_history: ['x', 0, 0] } };
    expect(() => call({ args: [tensor], kwargs: { mask: tensor } })).toThrow(/layer d is called with a tensor as keyword argument 'mask'/);
    expect(() => call({ args: [tensor, 3], kwargs: {} })).toThrow(/layer d is called with a non-tensor argument 3/);
    expect(() => normalizeModelConfig({ class_name: 'MyModel', config: {} }, 'm.h5')).toThrow(FailedPreconditionError);
  });
});

describe('kerasWeightName', () => {
  const index = layerIndex(
    normalizeModelConfig(
      {
        class_name: 'Functional',
        config: {
          name: 'outer',
          layers: [
            { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 2] }, inbound_nodes: [] },
            { class_name: 'Sequential', name: 'block', config: { name: 'block', layers: [dense('dense_1'), dense('dense_2')] }, inbound_nodes: [[['in', 0, 0, {}]]] },
            { class_name: 'LSTM', name: 'lstm', config: { name: 'lstm', units: 2 }, inbound_nodes: [[['block', 1, 0, {}]]] },
            { class_name: 'Bidirectional', name: 'bidirectional', config: { name: 'bidirectional', layer: { class_name: 'LSTM', config: { name: 'lstm_2' } } }, inbound_nodes: [] },
            dense('conv2d_1', 'in'),
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['conv2d_1', 0, 0]],
        },
      },
      'm.h5',
    ),
  );

  it('drops the output slot and the history Keras 2.0.x and TF ≥ 2.2 wrote into stored names', () => {
    expect(kerasWeightName(index.get('conv2d_1')!, 'conv2d_1_1/kernel:0')).toBe('conv2d_1/kernel');
    expect(kerasWeightName(index.get('conv2d_1')!, 'kernel:0')).toBe('conv2d_1/kernel');
    expect(kerasWeightName(index.get('lstm')!, 'lstm/lstm_cell/recurrent_kernel:0')).toBe('lstm/recurrent_kernel');
  });

  it('names a nested model’s weights after its inner layers, and keeps a wrapper’s inner path', () => {
    expect(kerasWeightName(index.get('block')!, 'dense_2/bias:0')).toBe('dense_2/bias');
    expect(kerasWeightName(index.get('block')!, 'block/dense_1_1/kernel:0')).toBe('dense_1/kernel');
    // less the RNN cell scope TF ≥ 2.2 adds (as tfjs-layers names the variable)
    expect(kerasWeightName(index.get('bidirectional')!, 'bidirectional/forward_lstm_2/lstm_cell/kernel:0')).toBe('bidirectional/forward_lstm_2/kernel');
  });
});

describe('snakeCase (Keras naming.to_snake_case)', () => {
  it('names weight groups as Keras 3 does', () => {
    expect(['Conv2D', 'SeparableConv2D', 'BatchNormalization', 'GlobalMaxPooling2D', 'UpSampling2D', 'InputLayer', 'PReLU', 'LSTM', 'Functional'].map(snakeCase)).toEqual([
      'conv2d',
      'separable_conv2d',
      'batch_normalization',
      'global_max_pooling2d',
      'up_sampling2d',
      'input_layer',
      'p_re_lu',
      'lstm',
      'functional',
    ]);
  });
});
