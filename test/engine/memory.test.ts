/**
 * Memory stays flat: for a model of each imported format, the engine's tensor count does not grow
 * across requests, and disposing the model (as a version unload does) releases every tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { sizeOf, type TensorMap } from '../../lib/tensors/host-tensor.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';

const MODELS: Record<string, string> = {
  'TF2 SavedModel': 'keras-savedmodel/arm-openmv-mobilenet-v1/model',
  'frozen GraphDef': 'frozen-graphdef/dl4j-lenet/lenet_frozen.pb',
  'TFLite (unrolled LSTM)': 'tflite/tflm-mnist-lstm/trained_lstm.tflite',
  'Keras .hdf5': 'keras-h5/face-classification-mini-xception/fer2013_mini_XCEPTION.102-0.66.hdf5',
};

let dir: string;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  dir = await mkdtemp(path.join(os.tmpdir(), 'memory-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_FIXTURES)(`tensor memory per format${FIXTURES_NOTE}`, () => {
  for (const [format, relative] of Object.entries(MODELS)) {
    it(`${format}: flat across 50 requests, all released on dispose`, async () => {
      let versionDir = fixture(relative);
      if (path.extname(relative)) {
        versionDir = path.join(dir, format.replace(/\W+/g, '_'));
        await mkdir(versionDir);
        await symlink(fixture(relative), path.join(versionDir, path.basename(relative)));
      }
      const before = tf.memory().numTensors;
      const model = await loadModel(versionDir);
      const [alias, spec] = Object.entries(model.signatures.serving_default.inputs)[0];
      // LeNet's input has no declared shape: it reshapes whatever it gets to [-1, 28, 28, 1].
      const shape = spec.shape ? spec.shape.map((d) => (d < 0 ? 2 : d)) : [2, 784];
      const inputs: TensorMap = { [alias]: { dtype: 'DT_FLOAT', shape, values: Float32Array.from({ length: sizeOf(shape) }, (_, i) => (i % 17) / 17) } };
      await model.run('serving_default', inputs);
      const loaded = tf.memory();
      for (let i = 0; i < 50; i++) await model.run('serving_default', inputs);
      expect(tf.memory().numTensors).toBe(loaded.numTensors);
      expect(tf.memory().numBytes).toBe(loaded.numBytes);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
