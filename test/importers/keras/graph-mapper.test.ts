/**
 * Keras models as engine-neutral TensorFlow graphs (kerasToGraph), run as TF.js GraphModels: each
 * must answer as the same model on the tfjs-layers path (loadKerasModel), which keras-h5.test.ts
 * checks against plain-TypeScript forward passes of the fixtures' weights — same signature aliases
 * and shapes, values to 1e-5. Layers tfjs-layers lacks (or computes otherwise) are checked against
 * values worked out here by hand.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import type { HostTensor, TensorMap } from '../../../lib/tensors/host-tensor.ts';
import { FailedPreconditionError } from '../../../lib/errors.ts';
import { kerasToGraph } from '../../../lib/importers/keras/graph-mapper.ts';
import { importKerasBytes, importKerasFile, type KerasModel, type KerasObject, type KerasWeight } from '../../../lib/importers/keras/index.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { readKeras2File, type Keras2File } from './h5-files.ts';
import { catFace, CNN2D, floats, KerasLoaders, maxAbsDiff, MINI_XCEPTION, pseudoRandom } from './keras-support.ts';
import { fromKeras2, kerasV3Bytes } from './keras-v3-writer.ts';

const loaders = new KerasLoaders();
const { graph: graphModel, layers: layersModel } = loaders;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

afterAll(() => {
  loaders.dispose();
});

/**
 * Loads `model` both ways, checks the signatures agree (aliases in order, dtypes, shapes) and runs
 * each feed through both; returns the largest difference seen.
 */
async function compareWithLayers(model: KerasModel, what: string, feeds: TensorMap[]): Promise<{ max: number; layers: LoadedModel; graph: LoadedModel }> {
  const [layers, graph] = [await layersModel(model, what), await graphModel(model, what)];
  const summary = (served: LoadedModel) => {
    const { inputs, outputs } = served.signatures.serving_default;
    const side = (specs: typeof inputs) => Object.entries(specs).map(([alias, spec]) => [alias, spec.dtype, spec.shape]);
    return { inputs: side(inputs), outputs: side(outputs) };
  };
  expect(summary(graph)).toEqual(summary(layers));
  let max = 0;
  for (const feed of feeds) {
    const [expected, actual] = [await layers.run('serving_default', feed), await graph.run('serving_default', feed)];
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const alias of Object.keys(expected)) {
      expect(actual[alias].shape, alias).toEqual(expected[alias].shape);
      max = Math.max(max, maxAbsDiff(actual[alias].values as Float32Array, expected[alias].values as Float32Array));
    }
  }
  return { max, layers, graph };
}

// --- hand-written Keras 2 configs ------------------------------------------------------------------

type Ref = string | [string, number, number?];

function input(name: string, shape: (number | null)[], dtype = 'float32'): KerasObject {
  return { class_name: 'InputLayer', name, config: { name, batch_input_shape: [null, ...shape], dtype, sparse: false }, inbound_nodes: [] };
}

/** A layer entry called once per `calls` entry, each on the tensors it lists. */
function layer(className: string, name: string, config: Record<string, unknown>, ...calls: Ref[][]): KerasObject {
  return {
    class_name: className,
    name,
    config: { name, trainable: true, ...config },
    inbound_nodes: calls.map((call) => call.map((ref) => (typeof ref === 'string' ? [ref, 0, 0, {}] : [ref[0], ref[1], ref[2] ?? 0, {}]))),
  };
}

function functional(name: string, layers: KerasObject[], inputs: string[], outputs: Ref[]): KerasObject {
  const triple = (ref: Ref) => (typeof ref === 'string' ? [ref, 0, 0] : [ref[0], ref[1], ref[2] ?? 0]);
  return { class_name: 'Functional', config: { name, layers, input_layers: inputs.map(triple), output_layers: outputs.map(triple) } };
}

function kerasModel(modelConfig: KerasObject, weights: KerasWeight[], kerasVersion = '2.15.0'): KerasModel {
  return { format: 'keras_h5', kerasVersion, backend: 'tensorflow', modelConfig, weights };
}

let seed = 100;
/** A weight of small deterministic values (`offset` keeps variances positive). */
function weight(name: string, shape: number[], scale = 0.5, offset = 0): KerasWeight {
  const size = shape.reduce((a, b) => a * b, 1);
  return { name, tensor: floats(shape, Array.from(pseudoRandom(size, seed++), (v) => v * scale + offset)) };
}

const randomFeed = (name: string, shape: number[], s = 1): TensorMap => ({ [name]: floats(shape, pseudoRandom(shape.reduce((a, b) => a * b, 1), s)) });

describe.skipIf(!HAVE_FIXTURES)(`Keras fixtures as TensorFlow graphs${FIXTURES_NOTE}`, () => {
  it('cnn2d_64.h5 (Conv2D tanh, SpatialDropout2D, ZeroPadding2D, UpSampling2D, Cropping2D, pooling) answers as the layers path', async () => {
    const imported = await importKerasFile(fixture(CNN2D));
    const graph = kerasToGraph(imported, CNN2D);
    expect(graph.source).toBe('keras (keras_h5, Keras 2.2.4-tf)');
    expect(graph.signatures.serving_default.inputs).toEqual({
      input_65: { tensorName: 'input_65:0', dtype: 'DT_FLOAT', shape: [-1, 10, 10, 3], feedShape: [-1, 10, 10, 3] },
    });
    expect(graph.signatures.serving_default.outputs).toEqual({ global_max_pooling2d_18: { tensorName: 'global_max_pooling2d_18:0', dtype: 'DT_FLOAT', shape: [-1, 4] } });
    const feeds = [1, 2].map((n) => randomFeed('input_65', [n, 10, 10, 3], n));
    expect((await compareWithLayers(imported, CNN2D, feeds)).max).toBeLessThanOrEqual(1e-5);
  });

  it('mini-Xception (SeparableConv2D, BatchNormalization, residual Add, softmax) classifies the cat photo as the layers path', async () => {
    const imported = await importKerasFile(fixture(MINI_XCEPTION));
    const graph = kerasToGraph(imported, MINI_XCEPTION);
    expect(graph.source).toBe('keras (keras_h5, Keras 2.0.5)');
    // Batch norms become x·s + t, which the lowering folds into the convolutions before them.
    expect(graph.nodes.filter((node) => node.op === 'Mul')).toHaveLength(14);
    const cat = await catFace();
    const feeds = [
      { input_1: floats([1, 64, 64, 1], cat) },
      { input_1: floats([2, 64, 64, 1], [...cat, ...pseudoRandom(64 * 64, 3)]) },
    ];
    const { max, layers, graph: served } = await compareWithLayers(imported, MINI_XCEPTION, feeds);
    expect(max).toBeLessThanOrEqual(1e-5);
    const argmax = (values: Float32Array) => values.indexOf(Math.max(...values));
    const [a, b] = [await served.run('serving_default', feeds[0]), await layers.run('serving_default', feeds[0])];
    expect(argmax(a.predictions.values as Float32Array)).toBe(argmax(b.predictions.values as Float32Array));
  });

  describe('Keras 3 .keras files (keras-v3-writer) answer as the HDF5 files they were built from', () => {
    let cnn2d: Keras2File;
    let miniXception: Keras2File;
    const weightMap = (file: Keras2File) => new Map(file.layers.map((l) => [l.name, l.weights.map((w) => ({ shape: w.shape, values: w.values }))]));
    type Keras2Config = Parameters<typeof fromKeras2>[0];

    beforeAll(async () => {
      cnn2d = await readKeras2File(await readFile(fixture(CNN2D)));
      miniXception = await readKeras2File(await readFile(fixture(MINI_XCEPTION)));
    });

    it('cnn2d as a Keras 3 Sequential and mini-Xception as a Keras 3 Functional model', async () => {
      const sequential = await importKerasBytes(await kerasV3Bytes(fromKeras2(cnn2d.modelConfig as Keras2Config, weightMap(cnn2d), { kind: 'Sequential', name: 'sequential' })), 'cnn2d.keras');
      expect(sequential.modelConfig.class_name).toBe('Sequential');
      expect((await compareWithLayers(sequential, 'cnn2d.keras', [randomFeed('input_65', [2, 10, 10, 3], 4)])).max).toBeLessThanOrEqual(1e-5);
      const model = await importKerasBytes(await kerasV3Bytes(fromKeras2(miniXception.modelConfig as Keras2Config, weightMap(miniXception), { kind: 'Functional', name: 'functional' })), 'mini-xception.keras');
      expect(kerasToGraph(model, 'mini-xception.keras').source).toMatch(/^keras \(keras_v3, Keras 3\./);
      expect((await compareWithLayers(model, 'mini-xception.keras', [{ input_1: floats([1, 64, 64, 1], await catFace()) }])).max).toBeLessThanOrEqual(1e-5);
    });
  });
});

describe('hand-written Keras models as TensorFlow graphs', () => {
  it('Dense on rank-3 inputs, with a fixed and an unknown number of steps', async () => {
    for (const steps of [3, null]) {
      const model = kerasModel(functional('m', [
        input('x', [steps, 4]),
        layer('Dense', 'hidden', { units: 5, activation: 'relu', use_bias: true }, ['x']),
        layer('Dense', 'out', { units: 2, activation: 'softmax', use_bias: false }, ['hidden']),
      ], ['x'], ['out']), [weight('hidden/kernel', [4, 5]), weight('hidden/bias', [5]), weight('out/kernel', [5, 2])]);
      const feeds = [randomFeed('x', [1, 3, 4]), randomFeed('x', [2, 3, 4], 2)];
      if (steps === null) feeds.push(randomFeed('x', [2, 5, 4], 3));
      expect((await compareWithLayers(model, `dense-${steps}`, feeds)).max).toBeLessThanOrEqual(1e-5);
    }
  });

  it('Concatenate of two inputs, Flatten, Reshape and Permute', async () => {
    const model = kerasModel(functional('m', [
      input('a', [2, 3]),
      input('b', [2, 5]),
      layer('Concatenate', 'joined', { axis: -1 }, ['a', 'b']),
      layer('Permute', 'swapped', { dims: [2, 1] }, ['joined']),
      layer('Reshape', 'folded', { target_shape: [4, 4] }, ['swapped']),
      layer('Flatten', 'flat', {}, ['folded']),
      layer('Dense', 'out', { units: 3, activation: 'tanh' }, ['flat']),
    ], ['a', 'b'], ['out', 'folded']), [weight('out/kernel', [16, 3]), weight('out/bias', [3])]);
    const feed = (n: number, s: number) => ({ ...randomFeed('a', [n, 2, 3], s), ...randomFeed('b', [n, 2, 5], s + 1) });
    expect((await compareWithLayers(model, 'concatenate', [feed(1, 1), feed(2, 3)])).max).toBeLessThanOrEqual(1e-5);
  });

  it('Embedding of float and int32 ids', async () => {
    for (const dtype of ['float32', 'int32']) {
      const model = kerasModel(functional('m', [
        input('ids', [5], dtype),
        layer('Embedding', 'embed', { input_dim: 10, output_dim: 4 }, ['ids']),
        layer('Flatten', 'flat', {}, ['embed']),
        layer('Dense', 'out', { units: 2 }, ['flat']),
      ], ['ids'], ['out']), [weight('embed/embeddings', [10, 4]), weight('out/kernel', [20, 2]), weight('out/bias', [2])]);
      const ids = [0, 3, 9, 3, 7, 1, 2, 8, 5, 4];
      const tensor: HostTensor = dtype === 'int32' ? { dtype: 'DT_INT32', shape: [2, 5], values: Int32Array.from(ids) } : floats([2, 5], ids);
      expect((await compareWithLayers(model, `embedding-${dtype}`, [{ ids: tensor }])).max).toBeLessThanOrEqual(1e-5);
      expect(kerasToGraph(model, 'm').signatures.serving_default.inputs.ids.dtype).toBe(dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT');
    }
  });

  it('a shared layer called twice, and a nested Sequential and Functional model', async () => {
    const encoder: KerasObject = {
      class_name: 'Sequential',
      name: 'encoder',
      config: {
        name: 'encoder',
        layers: [
          { class_name: 'Dense', config: { name: 'enc_dense', units: 3, batch_input_shape: [null, 4], activation: 'linear' } },
          { class_name: 'Activation', config: { name: 'enc_act', activation: 'tanh' } },
        ],
      },
      // Nested models start with a node of their own: their calls here are nodes 1 and 2.
      inbound_nodes: [[['shared', 0, 0, {}]], [['shared', 1, 0, {}]]],
    };
    const head: KerasObject = {
      class_name: 'Functional',
      name: 'head',
      config: functional('head', [input('head_in', [3]), layer('Dense', 'head_dense', { units: 2, activation: 'softmax' }, ['head_in'])], ['head_in'], ['head_dense']).config,
      inbound_nodes: [[['merged', 0, 0, {}]]],
    };
    const model = kerasModel(functional('m', [
      input('a', [4]),
      input('b', [4]),
      layer('Dense', 'shared', { units: 4, activation: 'relu' }, ['a'], ['b']),
      layer('Subtract', 'difference', {}, [['shared', 0], ['shared', 1]]),
      encoder,
      layer('Add', 'merged', {}, [['encoder', 1], ['encoder', 2]]),
      head,
    ], ['a', 'b'], [['head', 1]]), [
      weight('shared/kernel', [4, 4]), weight('shared/bias', [4]), weight('enc_dense/kernel', [4, 3]), weight('enc_dense/bias', [3]),
      weight('head_dense/kernel', [3, 2]), weight('head_dense/bias', [2]),
    ]);
    // tfjs-layers has no Subtract: the layers path gets the model without it, the graph is checked by hand.
    const layersOnly = kerasModel({ ...model.modelConfig, config: { ...model.modelConfig.config, layers: (model.modelConfig.config.layers as KerasObject[]).filter((l) => l.name !== 'difference') } }, model.weights);
    const feed = (n: number, s: number) => ({ ...randomFeed('a', [n, 4], s), ...randomFeed('b', [n, 4], s + 1) });
    const { max, graph: served2 } = await compareWithLayers(layersOnly, 'nested', [feed(1, 1), feed(3, 5)]);
    expect(max).toBeLessThanOrEqual(1e-5);
    // Keras 3 numbers a nested Sequential's calls from 0 (it has no node of its own).
    const keras3 = structuredClone(layersOnly.modelConfig);
    const merged = (keras3.config.layers as KerasObject[]).find((l) => l.name === 'merged')!;
    merged.inbound_nodes = [[['encoder', 0, 0, {}], ['encoder', 1, 0, {}]]];
    const renumbered = await graphModel(kerasModel(keras3, model.weights, '3.4.1'), 'keras3-numbering');
    expect(await renumbered.run('serving_default', feed(2, 9))).toEqual(await served2.run('serving_default', feed(2, 9)));

    const withDifference = kerasModel({ ...model.modelConfig, config: { ...model.modelConfig.config, output_layers: [['head', 1, 0], ['difference', 0, 0]] } }, model.weights);
    const graph = kerasToGraph(withDifference, 'shared');
    expect(Object.keys(graph.signatures.serving_default.outputs)).toEqual(['head', 'difference']);
    expect(graph.signatures.serving_default.outputs.difference).toEqual({ tensorName: 'difference:0', dtype: 'DT_FLOAT', shape: [-1, 4] });
    // The shared Dense is emitted once per call.
    expect(graph.nodes.filter((node) => node.op === 'MatMul').map((node) => node.name)).toEqual(['shared/MatMul', 'shared_call1/MatMul', 'enc_dense/MatMul', 'enc_dense_call1/MatMul', 'head_dense/MatMul']);
    const served = await graphModel(withDifference, 'shared');
    const values = feed(1, 7);
    const out = await served.run('serving_default', values);
    const dense = (x: ArrayLike<number>) => {
      const [kernel, bias] = [model.weights[0].tensor.values as Float32Array, model.weights[1].tensor.values as Float32Array];
      return Array.from({ length: 4 }, (_, j) => Math.max(0, bias[j] + [0, 1, 2, 3].reduce((s, i) => s + x[i] * kernel[i * 4 + j], 0)));
    };
    const [da, db] = [dense(values.a.values as Float32Array), dense(values.b.values as Float32Array)];
    expect(maxAbsDiff(out.difference.values as Float32Array, da.map((v, i) => v - db[i]))).toBeLessThan(1e-5);
  });

  it('Masking zeroes masked steps; an average over masked steps is refused', async () => {
    const model = kerasModel(functional('m', [
      input('sequence', [4, 2]),
      layer('Masking', 'masking', { mask_value: 0 }, ['sequence']),
      layer('Dense', 'projection', { units: 3 }, ['masking']),
    ], ['sequence'], ['projection', 'masking']), [weight('projection/kernel', [2, 3]), weight('projection/bias', [3])]);
    const feed = { sequence: floats([2, 4, 2], [1, 2, 0, 0, 0, 3, -1, 0, 0, 0, 0, 0, 5, 5, 0, 0.5]) };
    const { max, graph } = await compareWithLayers(model, 'masking', [feed]);
    expect(max).toBeLessThanOrEqual(1e-5);
    expect(Array.from((await graph.run('serving_default', feed)).masking.values as Float32Array)).toEqual(Array.from(feed.sequence.values as Float32Array));
    const pooled = kerasModel(functional('m', [
      input('ids', [4]),
      layer('Embedding', 'embed', { input_dim: 5, output_dim: 2, mask_zero: true }, ['ids']),
      layer('GlobalAveragePooling1D', 'average', {}, ['embed']),
    ], ['ids'], ['average']), [weight('embed/embeddings', [5, 2])]);
    expect(() => kerasToGraph(pooled, 'masked.h5')).toThrow('masked.h5: cannot convert layer average (GlobalAveragePooling1D): a masked input (Embedding mask_zero, Masking) is not supported');
  });

  it('convolutions, normalizations, activation layers, pooling, padding, cropping and merges', async () => {
    const model = kerasModel(functional('m', [
      input('image', [12, 12, 3]),
      layer('Rescaling', 'rescale', { scale: 0.5, offset: 0.1 }, ['image']),
      layer('Conv2D', 'dilated', { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', dilation_rate: [2, 2], activation: 'elu', use_bias: true }, ['rescale']),
      layer('BatchNormalization', 'bn', { axis: -1, epsilon: 0.01, center: true, scale: false }, ['dilated']),
      layer('DepthwiseConv2D', 'depthwise', { kernel_size: [3, 3], strides: [1, 1], padding: 'valid', depth_multiplier: 2, activation: 'relu6', use_bias: true }, ['bn']),
      layer('SeparableConv2D', 'separable', { filters: 5, kernel_size: [3, 3], strides: [2, 2], padding: 'same', depth_multiplier: 1, activation: 'selu', use_bias: true }, ['depthwise']),
      layer('ReLU', 'capped', { max_value: 1.5, negative_slope: 0, threshold: 0 }, ['separable']),
      layer('LeakyReLU', 'leaky', { alpha: 0.1 }, ['separable']),
      layer('PReLU', 'prelu', { shared_axes: [1, 2] }, ['separable']),
      layer('ELU', 'elu', { alpha: 1 }, ['separable']),
      layer('Maximum', 'max', {}, ['capped', 'leaky']),
      layer('Minimum', 'min', {}, ['prelu', 'elu']),
      layer('Average', 'avg', {}, ['max', 'min']),
      layer('Multiply', 'mul', {}, ['avg', 'separable']),
      layer('ZeroPadding2D', 'pad', { padding: [[1, 2], [0, 1]] }, ['mul']),
      layer('Cropping2D', 'crop', { cropping: [[2, 0], [1, 1]] }, ['pad']),
      layer('UpSampling2D', 'up', { size: [2, 2], interpolation: 'nearest' }, ['crop']),
      layer('Conv2D', 'strided', { filters: 3, kernel_size: [2, 2], strides: [2, 2], padding: 'valid', activation: 'linear', use_bias: false }, ['up']),
      layer('BatchNormalization', 'bn2', { axis: 3, epsilon: 0.001 }, ['strided']),
      layer('AveragePooling2D', 'avgpool', { pool_size: [3, 3], strides: [2, 2], padding: 'same' }, ['bn2']),
      layer('MaxPooling2D', 'maxpool', { pool_size: [2, 2], strides: null, padding: 'valid' }, ['up']),
      layer('GlobalAveragePooling2D', 'gap', {}, ['avgpool']),
      layer('GlobalMaxPooling2D', 'gmp', {}, ['maxpool']),
      layer('Concatenate', 'features', {}, ['gap', 'gmp']),
      layer('Dropout', 'dropout', { rate: 0.5 }, ['features']),
      layer('LayerNormalization', 'ln', { axis: -1, epsilon: 0.001 }, ['dropout']),
      layer('Dense', 'logits', { units: 4, activation: 'linear' }, ['ln']),
      layer('Softmax', 'probabilities', { axis: -1 }, ['logits']),
    ], ['image'], ['probabilities', 'maxpool']), [
      weight('dilated/kernel', [3, 3, 3, 4]), weight('dilated/bias', [4]),
      weight('bn/beta', [4]), weight('bn/moving_mean', [4]), weight('bn/moving_variance', [4], 0.3, 1),
      weight('depthwise/depthwise_kernel', [3, 3, 4, 2]), weight('depthwise/bias', [8]),
      weight('separable/depthwise_kernel', [3, 3, 8, 1]), weight('separable/pointwise_kernel', [1, 1, 8, 5]), weight('separable/bias', [5]),
      weight('prelu/alpha', [1, 1, 5]),
      weight('strided/kernel', [2, 2, 5, 3]),
      weight('bn2/gamma', [3], 0.5, 1), weight('bn2/beta', [3]), weight('bn2/moving_mean', [3]), weight('bn2/moving_variance', [3], 0.3, 1),
      weight('ln/gamma', [8], 0.5, 1), weight('ln/beta', [8]),
      weight('logits/kernel', [8, 4]), weight('logits/bias', [4]),
    ]);
    const feeds = [randomFeed('image', [1, 12, 12, 3], 1), randomFeed('image', [2, 12, 12, 3], 2)];
    expect((await compareWithLayers(model, 'coverage', feeds)).max).toBeLessThanOrEqual(1e-5);
  });

  it('Conv1D (dilated, strided), 1D pooling, global pooling and the activations tfjs-layers has', async () => {
    const activations = ['linear', 'relu', 'relu6', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'mish', 'gelu'];
    const model = kerasModel(functional('m', [
      input('signal', [10, 3]),
      layer('Conv1D', 'dilated', { filters: 4, kernel_size: [3], strides: [1], padding: 'same', dilation_rate: [2], activation: 'relu', use_bias: true }, ['signal']),
      layer('Conv1D', 'strided', { filters: 6, kernel_size: [2], strides: [2], padding: 'valid', dilation_rate: [1], activation: 'linear', use_bias: true }, ['dilated']),
      layer('MaxPooling1D', 'maxpool', { pool_size: [2], strides: [1], padding: 'same' }, ['strided']),
      layer('AveragePooling1D', 'avgpool', { pool_size: [2], strides: [2], padding: 'valid' }, ['maxpool']),
      layer('GlobalAveragePooling1D', 'gap', {}, ['maxpool']),
      layer('GlobalMaxPooling1D', 'gmp', {}, ['avgpool']),
      layer('Concatenate', 'features', {}, ['gap', 'gmp']),
      layer('GaussianNoise', 'noise', { stddev: 1 }, ['features']),
      layer('Dense', 'hidden', { units: 6, activation: 'linear' }, ['noise']),
      ...activations.map((activation) => layer('Activation', `act_${activation}`, { activation }, ['hidden'])),
      layer('Concatenate', 'all', { axis: -1 }, activations.map((a) => `act_${a}`)),
    ], ['signal'], ['all']), [
      weight('dilated/kernel', [3, 3, 4]), weight('dilated/bias', [4]), weight('strided/kernel', [2, 4, 6]), weight('strided/bias', [6]),
      weight('hidden/kernel', [12, 6], 2), weight('hidden/bias', [6]),
    ]);
    expect((await compareWithLayers(model, 'conv1d', [randomFeed('signal', [2, 10, 3], 4)])).max).toBeLessThanOrEqual(1e-5);
  });

  it('a fully convolutional model with unknown height and width', async () => {
    const model = kerasModel(functional('m', [
      input('image', [null, null, 2]),
      layer('Conv2D', 'conv', { filters: 3, kernel_size: [3, 3], padding: 'same', activation: 'relu' }, ['image']),
      layer('UpSampling2D', 'up', { size: [2, 3] }, ['conv']),
      layer('GlobalMaxPooling2D', 'pool', {}, ['up']),
    ], ['image'], ['pool', 'up']), [weight('conv/kernel', [3, 3, 2, 3]), weight('conv/bias', [3])]);
    expect((await compareWithLayers(model, 'fcn', [randomFeed('image', [1, 4, 5, 2]), randomFeed('image', [2, 3, 3, 2], 2)])).max).toBeLessThanOrEqual(1e-5);
    // Flatten of unknown dimensions (tfjs-layers cannot build it): the size is read at run time.
    const layers = [...(model.modelConfig.config.layers as KerasObject[]), layer('Flatten', 'flat', {}, ['up'])];
    const flat = await graphModel(kerasModel(functional('m', layers, ['image'], ['up', 'flat']), model.weights), 'fcn-flatten');
    const out = await flat.run('serving_default', randomFeed('image', [2, 3, 4, 2], 3));
    expect(out.flat.shape).toEqual([2, 6 * 12 * 3]);
    expect(out.flat.values).toEqual(out.up.values);
  });

  it('layers tfjs-layers lacks or computes otherwise, against values worked out by hand', async () => {
    const model = kerasModel(functional('m', [
      input('image', [2, 2, 1]),
      input('steps', [3, 1]),
      layer('UpSampling2D', 'bilinear', { size: [2, 2], interpolation: 'bilinear' }, ['image']),
      layer('ZeroPadding1D', 'pad', { padding: [1, 2] }, ['steps']),
      layer('Cropping1D', 'crop', { cropping: [2, 0] }, ['pad']),
      layer('UpSampling1D', 'repeat', { size: 2 }, ['crop']),
      layer('SpatialDropout1D', 'spatial', { rate: 0.3 }, ['repeat']),
      layer('Reshape', 'folded', { target_shape: [-1] }, ['spatial']),
      layer('Activation', 'exp', { activation: 'exponential' }, ['steps']),
      layer('Activation', 'hard', { activation: 'hard_sigmoid' }, ['steps']),
      layer('ELU', 'elu', { alpha: 0.7 }, ['steps']),
      layer('Softmax', 'over_steps', { axis: 1 }, ['steps']),
      layer('Conv1D', 'causal', { filters: 1, kernel_size: [2], strides: [1], padding: 'causal', dilation_rate: [1], activation: 'linear', use_bias: true }, ['steps']),
    ], ['image', 'steps'], ['bilinear', 'folded', 'exp', 'hard', 'elu', 'over_steps', 'causal']), [
      { name: 'causal/kernel', tensor: floats([2, 1, 1], [10, 1]) },
      { name: 'causal/bias', tensor: floats([1], [0.5]) },
    ]);
    const steps = [-3, 0.5, 2];
    const feed = { image: floats([1, 2, 2, 1], [1, 2, 3, 4]), steps: floats([1, 3, 1], steps) };
    const run = async (m: KerasModel) => (await graphModel(m, 'by-hand')).run('serving_default', feed);
    const out = await run(model);
    // tf.keras ≥ 2.3 resizes bilinearly at half-pixel centers (resize_images_v2).
    expect(Array.from(out.bilinear.values as Float32Array)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    // [0, -3, 0.5, 2, 0, 0] cropped by 2 at the start, each step twice, then flattened by Reshape([-1]).
    expect(out.folded.shape).toEqual([1, 8]);
    expect(kerasToGraph(model, 'm').signatures.serving_default.outputs.folded.shape).toEqual([-1, 8]);
    expect(Array.from(out.folded.values as Float32Array)).toEqual([0.5, 0.5, 2, 2, 0, 0, 0, 0]);
    expect(maxAbsDiff(out.exp.values as Float32Array, steps.map(Math.exp))).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.hard.values as Float32Array, steps.map((x) => Math.min(1, Math.max(0, 0.2 * x + 0.5))))).toBeLessThan(1e-6);
    expect(maxAbsDiff(out.elu.values as Float32Array, steps.map((x) => (x > 0 ? x : 0.7 * Math.expm1(x))))).toBeLessThan(1e-6);
    // tfjs-layers refuses a softmax along another axis than the last at request time.
    const sum = steps.reduce((total, x) => total + Math.exp(x), 0);
    expect(maxAbsDiff(out.over_steps.values as Float32Array, steps.map((x) => Math.exp(x) / sum))).toBeLessThan(1e-6);
    // Causal: y[t] = 10·x[t−1] + x[t] + 0.5, x[−1] = 0.
    expect(Array.from(out.causal.values as Float32Array)).toEqual([-2.5, -29, 7.5]);
    // Keras 3: hard_sigmoid is relu6(x + 3) / 6; Keras 2.0–2.2 resized with TF1's resize_bilinear (no half-pixel centers).
    const keras3 = await run({ ...model, kerasVersion: '3.4.1' });
    expect(maxAbsDiff(keras3.hard.values as Float32Array, steps.map((x) => Math.min(6, Math.max(0, x + 3)) / 6))).toBeLessThan(1e-6);
    const keras205 = await run({ ...model, kerasVersion: '2.0.5' });
    expect(Array.from(keras205.bilinear.values as Float32Array).slice(0, 4)).toEqual([1, 1.5, 2, 2]);
  });

  it('refuses ConvLSTM1D, Lambda and other unmapped layers at import, naming classes and layers', () => {
    const model = kerasModel(functional('m', [
      input('x', [5, 3]),
      layer('ConvLSTM1D', 'conv_lstm1d_1', { filters: 4 }, ['x']),
      layer('Lambda', 'lambda_1', { function: 'opaque' }, ['conv_lstm1d_1']),
      layer('Lambda', 'lambda_2', { function: 'opaque' }, ['lambda_1']),
    ], ['x'], ['lambda_2']), []);
    expect(() => kerasToGraph(model, 'recurrent.h5')).toThrow(FailedPreconditionError);
    expect(() => kerasToGraph(model, 'recurrent.h5')).toThrow('recurrent.h5 cannot be converted to a TensorFlow graph: no mapping for Keras layer classes ConvLSTM1D (layer conv_lstm1d_1); Lambda (layers lambda_1, lambda_2)');
  });

  it('refuses layer options it does not map, naming the layer', () => {
    const model = kerasModel(functional('m', [
      input('x', [3, 8, 8]),
      layer('Conv2D', 'conv_cf', { filters: 2, kernel_size: [1, 1], data_format: 'channels_first' }, ['x']),
    ], ['x'], ['conv_cf']), [weight('conv_cf/kernel', [1, 1, 3, 2]), weight('conv_cf/bias', [2])]);
    expect(() => kerasToGraph(model, 'cf.h5')).toThrow('cf.h5: cannot convert layer conv_cf (Conv2D): data_format=channels_first is not supported (only channels_last)');
    const missing = kerasModel(model.modelConfig, []);
    expect(() => kerasToGraph({ ...missing, modelConfig: functional('m', [input('x', [4]), layer('Dense', 'd', { units: 2 }, ['x'])], ['x'], ['d']) }, 'w.h5')).toThrow('w.h5: layer d (Dense) has no weight d/kernel');
  });
});
