/**
 * Shared by the Keras tests: fixture paths, running a model, inputs, and plain-TypeScript forward
 * passes of the two Keras fixtures (test/support/reference-nn.ts, float64, no TF.js) over weights
 * read with plain h5wasm calls (h5-files.ts), not the importer.
 */
import sharp from 'sharp';
import { expect } from 'vitest';
import { FailedPreconditionError } from '../../../lib/errors.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import type { HostTensor, TensorMap } from '../../../lib/tensors/host-tensor.ts';
import { loadImportedGraph } from '../../../lib/engine/tfjs/load-graph.ts';
import { loadKerasModel } from '../../../lib/engine/tfjs/load-keras.ts';
import { kerasToGraph } from '../../../lib/importers/keras/graph-mapper.ts';
import type { KerasModel } from '../../../lib/importers/keras/index.ts';
import { fixture } from '../../support/fixtures.ts';
import * as nn from '../../support/reference-nn.ts';
import type { Keras2File } from './h5-files.ts';

export const CNN2D = 'keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5';
export const MINI_XCEPTION = 'keras-h5/face-classification-mini-xception/fer2013_mini_XCEPTION.102-0.66.hdf5';

/** Runs the model's serving_default on one float input; returns the one output. */
export async function predict(model: LoadedModel, shape: number[], values: Float32Array): Promise<{ shape: number[]; values: Float32Array }> {
  const [input] = Object.keys(model.signatures.serving_default.inputs);
  const outputs = await model.run('serving_default', { [input]: { dtype: 'DT_FLOAT', shape, values } });
  const [output] = Object.values(outputs);
  return { shape: output.shape, values: output.values as Float32Array };
}

/** Deterministic inputs in [-1, 1). */
export function pseudoRandom(count: number, seed = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 2 - 1;
  });
}

/** The cat photo as mini-Xception's input: 64×64 grayscale, x/255 then (x − 0.5)·2 (SOURCES.md). */
export async function catFace(): Promise<Float32Array> {
  const { data, info } = await sharp(fixture('images', 'imagenet', 'my_cat.jpg'))
    .resize(64, 64, { fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected 1 channel, got ${info.channels}`);
  return Float32Array.from(data, (v) => (v / 255 - 0.5) * 2);
}

/** A layer's stored weights as reference tensors. */
function weightsOf(file: Keras2File): (layer: string) => nn.Tensor[] {
  const byLayer = new Map(file.layers.map((layer) => [layer.name, layer.weights]));
  return (layer) => {
    const weights = byLayer.get(layer);
    if (!weights) throw new Error(`no layer ${layer}`);
    return weights.map((w) => nn.tensor(w.shape, w.values));
  };
}

/** Keras UpSampling2D(interpolation='nearest'): each cell repeated size×size. */
function upSampleNearest(x: nn.Tensor, size: number): nn.Tensor {
  const [n, h, w, c] = x.shape;
  const out = nn.tensor([n, h * size, w * size, c]);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h * size; y++)
      for (let xx = 0; xx < w * size; xx++)
        for (let ch = 0; ch < c; ch++) {
          out.data[((b * h * size + y) * w * size + xx) * c + ch] = x.data[((b * h + Math.floor(y / size)) * w + Math.floor(xx / size)) * c + ch];
        }
  return out;
}

/** Keras GlobalMaxPooling2D: [n, h, w, c] → [n, c]. */
function globalMaxPool(x: nn.Tensor): nn.Tensor {
  const [n, h, w, c] = x.shape;
  const out = nn.tensor([n, c]);
  out.data.fill(-Infinity);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h * w; i++)
      for (let ch = 0; ch < c; ch++) out.data[b * c + ch] = Math.max(out.data[b * c + ch], x.data[(b * h * w + i) * c + ch]);
  return out;
}

/**
 * cnn2d_64 as SOURCES.md describes it: two stages of Conv2D(4, 3×3, same, tanh) →
 * SpatialDropout2D (identity at inference) → ZeroPadding2D(3) → UpSampling2D(2) → Cropping2D(1)
 * → MaxPooling2D(2), then GlobalMaxPooling2D.
 */
export function cnn2dReference(file: Keras2File, x: nn.Tensor): nn.Tensor {
  const w = weightsOf(file);
  let y = x;
  for (const conv of ['conv2d_24', 'conv2d_25']) {
    const [kernel, bias] = w(conv);
    y = nn.map(nn.conv2d(y, kernel, { padding: 'SAME' }, bias), Math.tanh);
    y = nn.zeroPad2d(y, [[3, 3], [3, 3]]);
    y = upSampleNearest(y, 2);
    y = nn.crop2d(y, 1, 1, y.shape[1] - 2, y.shape[2] - 2);
    y = nn.maxPool(y, { size: 2, padding: 'VALID' });
  }
  return globalMaxPool(y);
}

/**
 * mini-Xception as its model_config wires it (oarriaga/face_classification `mini_XCEPTION`):
 * two Conv2D(8, 3×3, valid, no bias)+BN+ReLU, four residual modules (1×1/2 Conv2D+BN beside two
 * SeparableConv2D(3×3, same)+BN with a ReLU between, MaxPooling2D(3, 2, same), Add), Conv2D(7,
 * 3×3, same), GlobalAveragePooling2D, softmax.
 */
export function miniXceptionReference(file: Keras2File, x: nn.Tensor): nn.Tensor {
  const w = weightsOf(file);
  const bn = (t: nn.Tensor, layer: string) => {
    const [gamma, beta, mean, variance] = w(layer);
    return nn.batchNorm(t, { gamma, beta, mean, variance, epsilon: 0.001 });
  };
  let y = nn.relu(bn(nn.conv2d(x, w('conv2d_1')[0], { padding: 'VALID' }), 'batch_normalization_1'));
  y = nn.relu(bn(nn.conv2d(y, w('conv2d_2')[0], { padding: 'VALID' }), 'batch_normalization_2'));
  for (let k = 0; k < 4; k++) {
    const residual = bn(nn.conv2d(y, w(`conv2d_${3 + k}`)[0], { strides: 2, padding: 'SAME' }), `batch_normalization_${3 + 3 * k}`);
    const [dw1, pw1] = w(`separable_conv2d_${1 + 2 * k}`);
    const [dw2, pw2] = w(`separable_conv2d_${2 + 2 * k}`);
    let z = nn.relu(bn(nn.separableConv2d(y, dw1, pw1, { padding: 'SAME' }), `batch_normalization_${4 + 3 * k}`));
    z = bn(nn.separableConv2d(z, dw2, pw2, { padding: 'SAME' }), `batch_normalization_${5 + 3 * k}`);
    y = nn.add(nn.maxPool(z, { size: 3, strides: 2, padding: 'SAME' }), residual);
  }
  const [kernel, bias] = w('conv2d_7');
  return nn.softmax(nn.globalAvgPool(nn.conv2d(y, kernel, { padding: 'SAME' }, bias)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`${a.length} values vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The message of the FailedPreconditionError `promise` rejects with (fails the test otherwise). */
export async function refused(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FailedPreconditionError);
  return (error as Error).message;
}

/** Loads Keras models by either path (graph or tfjs-layers), keeping each to dispose in afterAll. */
export class KerasLoaders {
  private readonly loaded: LoadedModel[] = [];

  keep = (model: LoadedModel): LoadedModel => {
    this.loaded.push(model);
    return model;
  };

  graph = async (model: KerasModel, what: string): Promise<LoadedModel> => this.keep(await loadImportedGraph(kerasToGraph(model, what), what));

  layers = async (model: KerasModel, what: string): Promise<LoadedModel> => this.keep(await loadKerasModel(model, what));

  dispose(): void {
    for (const model of this.loaded.splice(0)) model.dispose();
  }
}

/** Runs serving_default; returns its outputs in signature order. */
export async function runOutputs(model: LoadedModel, feed: TensorMap): Promise<HostTensor[]> {
  return Object.values(await model.run('serving_default', feed));
}

/** Deterministic token ids in [0, vocab). */
export function tokens(count: number, vocab: number, seed: number): number[] {
  return Array.from(pseudoRandom(count, seed), (v) => Math.min(Math.floor(((v + 1) / 2) * vocab), vocab - 1));
}

/** A float32 host tensor. */
export const floats = (shape: number[], values: ArrayLike<number>): HostTensor => ({ dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) });
