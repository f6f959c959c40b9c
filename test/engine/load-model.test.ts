/**
 * loadModel on Keras files tfjs-layers cannot build: served as a TensorFlow graph instead (same
 * signature), or refused with both reasons. Packaging falls back the same way. The model is a
 * synthetic tf.keras 2.x `.h5` (test/importers/keras/keras2-writer.ts): GlobalAveragePooling2D
 * with keepdims=True, which tfjs-layers would silently ignore, so its path refuses it. Expected
 * values: a float64 forward pass of the same weights (test/support/reference-nn.ts).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { FailedPreconditionError } from '../../lib/errors.ts';
import { stageModel } from '../../scripts/stage-models.ts';
import { base, dense, functional, inputLayer, kerasH5, layer, node, Weights } from '../importers/keras/keras2-writer.ts';
import { pseudoRandom } from '../importers/keras/keras-support.ts';
import * as nn from '../support/reference-nn.ts';

let dir: string;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  dir = await mkdtemp(path.join(os.tmpdir(), 'load-model-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Input(4,4,2) → GlobalAveragePooling2D(keepdims) → Flatten → Dense(3), or with a Lambda layer. */
async function kerasFolder(name: string, withLambda = false): Promise<{ dir: string; kernel: nn.Tensor; bias: nn.Tensor }> {
  const weights = new Weights(['input', 'pool', 'flatten', ...(withLambda ? ['lambda'] : []), 'out'], 3);
  const kernel = weights.add('out', 'out/kernel:0', [2, 3]);
  const bias = weights.add('out', 'out/bias:0', [3]);
  const pool = layer('GlobalAveragePooling2D', { ...base('pool'), data_format: 'channels_last', keepdims: true });
  const flatten = layer('Flatten', { ...base('flatten'), data_format: 'channels_last' });
  const lambda = layer('Lambda', { ...base('lambda'), function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda', module: '__main__', output_shape: null, output_shape_type: 'raw', arguments: {} });
  const config = functional(
    [
      node(inputLayer('input', [null, 4, 4, 2])),
      node(pool, 'input'),
      node(flatten, 'pool'),
      ...(withLambda ? [node(lambda, 'flatten')] : []),
      node(dense('out', 3), withLambda ? 'lambda' : 'flatten'),
    ],
    'input',
    'out',
  );
  const version = path.join(dir, name, '1');
  await mkdir(version, { recursive: true });
  await writeFile(path.join(version, 'model.h5'), await kerasH5(weights.file(config), 'tf.keras'));
  return { dir: path.join(dir, name), kernel, bias };
}

const x = nn.tensor([2, 4, 4, 2], pseudoRandom(64, 9));

describe('loadModel: Keras models tfjs-layers cannot build', () => {
  it('serves them as a TensorFlow graph with the same signature, on either engine', async () => {
    const { dir: base, kernel, bias } = await kerasFolder('keepdims');
    for (const [engine, format] of [['tfjs', 'tfjs-graph-model'], ['onnxruntime', 'onnx'], ['auto', 'onnx']] as const) {
      const model = await loadModel(path.join(base, '1'), { engine });
      expect(model.format, engine).toBe(format);
      expect(Object.keys(model.signatures.serving_default.inputs)).toEqual(['input']);
      const { out } = await model.run('serving_default', { input: { dtype: 'DT_FLOAT', shape: x.shape, values: Float32Array.from(x.data) } });
      const expected = nn.dense(nn.flatten(nn.globalAvgPool(x, true)), kernel, bias);
      Array.from(out.values as Float32Array).forEach((v, i) => expect(Math.abs(v - expected.data[i]), engine).toBeLessThan(1e-5));
      model.dispose();
    }
  });

  it('refuses with both reasons when neither path can serve them', async () => {
    const { dir: base } = await kerasFolder('lambda', true);
    const error = await loadModel(path.join(base, '1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as Error).message).toMatch(/keepdims=true, which TF\.js does not implement; nor as a TensorFlow graph: .*no mapping for Keras layer class Lambda \(layer lambda\)/);
  });

  it('packaging converts them to a graph model the same way (for TF.js; auto stages them for ONNX Runtime)', async () => {
    const { dir: base } = await kerasFolder('staged');
    await stageModel(base, path.join(dir, 'staged-out'), { engine: 'tfjs' });
    const modelJson = JSON.parse(await readFile(path.join(dir, 'staged-out', '1', 'model.json'), 'utf8')) as { format: string };
    expect(modelJson.format).toBe('graph-model');
  });
});
