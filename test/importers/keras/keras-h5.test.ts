/**
 * Keras 2 HDF5 files (`model.save`) and weights-only pairs (`save_weights` + `to_json`), imported
 * and served on TF.js. Neither fixture states numeric I/O (../shared/fixtures/SOURCES.md §4), so
 * expected outputs are computed here from each file's own weights — read with plain h5wasm calls
 * (h5-files.ts), not the importer — through a plain-TypeScript forward pass of the architecture
 * SOURCES.md describes (keras-support.ts over test/support/reference-nn.ts, float64, no TF.js).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import { kerasToLayersArtifacts, loadKerasModel } from '../../../lib/engine/tfjs/load-keras.ts';
import { importKerasFile, importKerasWeightsOnly, type KerasModel } from '../../../lib/importers/keras/index.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import * as nn from '../../support/reference-nn.ts';
import { readKeras2File, writeSaveWeightsFile, type Keras2File } from './h5-files.ts';
import { catFace, CNN2D, cnn2dReference, maxAbsDiff, MINI_XCEPTION, miniXceptionReference, predict, pseudoRandom } from './keras-support.ts';

describe.skipIf(!HAVE_FIXTURES)(`Keras HDF5 models on TF.js${FIXTURES_NOTE}`, () => {
  const loaded: LoadedModel[] = [];

  beforeAll(async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  });

  afterAll(() => {
    for (const model of loaded) model.dispose();
  });

  async function load(model: KerasModel, what: string): Promise<LoadedModel> {
    const served = await loadKerasModel(model, what);
    loaded.push(served);
    return served;
  }

  describe('cnn2d_64.h5 (tf.keras 2.2.4-tf)', () => {
    let file: Keras2File;
    let imported: KerasModel;
    let model: LoadedModel;

    beforeAll(async () => {
      file = await readKeras2File(await readFile(fixture(CNN2D)));
      imported = await importKerasFile(fixture(CNN2D));
      model = await load(imported, CNN2D);
    });

    it('reads the architecture, version and weights under their layer names', () => {
      expect(imported).toMatchObject({ format: 'keras_h5', kerasVersion: '2.2.4-tf', backend: 'tensorflow' });
      expect(imported.modelConfig.class_name).toBe('Model');
      const layers = (imported.modelConfig.config.layers as { class_name: string; name: string }[]).map((l) => `${l.class_name}:${l.name}`);
      // SpatialDropout2D (which tfjs-layers lacks) is served as Dropout under its own name.
      expect(layers).toContain('Dropout:spatial_dropout2d_72');
      expect(layers.some((l) => l.startsWith('SpatialDropout2D'))).toBe(false);
      expect(imported.weights.map((w) => `${w.name} [${w.tensor.shape}] ${w.tensor.dtype}`)).toEqual([
        'conv2d_24/kernel [3,3,3,4] DT_FLOAT',
        'conv2d_24/bias [4] DT_FLOAT',
        'conv2d_25/kernel [3,3,4,4] DT_FLOAT',
        'conv2d_25/bias [4] DT_FLOAT',
      ]);
      expect(imported.weights[0].tensor.values).toEqual(file.layers.find((l) => l.name === 'conv2d_24')!.weights[0].values);
    });

    it('has a serving_default signature named after its input and output layers', () => {
      expect(model.signatures.serving_default.inputs).toEqual({ input_65: { tensorName: 'input_65:0', dtype: 'DT_FLOAT', shape: [-1, 10, 10, 3] } });
      expect(model.signatures.serving_default.outputs).toEqual({
        global_max_pooling2d_18: { tensorName: 'global_max_pooling2d_18:0', dtype: 'DT_FLOAT', shape: [-1, 4] },
      });
    });

    it('answers as a plain-TS forward pass of its stored weights', async () => {
      const values = pseudoRandom(2 * 10 * 10 * 3);
      const served = await predict(model, [2, 10, 10, 3], values);
      const expected = cnn2dReference(file, nn.tensor([2, 10, 10, 3], values));
      expect(served.shape).toEqual([2, 4]);
      expect(maxAbsDiff(served.values, expected.data)).toBeLessThan(1e-6);
    });

    it('converts to the artifacts tensorflowjs_converter writes for a tfjs_layers_model', () => {
      const artifacts = kerasToLayersArtifacts(imported);
      expect(artifacts.format).toBe('layers-model');
      expect(artifacts.generatedBy).toBe('keras v2.2.4-tf');
      expect(Object.keys(artifacts.modelTopology as object).sort()).toEqual(['backend', 'keras_version', 'model_config']);
      expect(artifacts.weightSpecs).toEqual([
        { name: 'conv2d_24/kernel', shape: [3, 3, 3, 4], dtype: 'float32' },
        { name: 'conv2d_24/bias', shape: [4], dtype: 'float32' },
        { name: 'conv2d_25/kernel', shape: [3, 3, 4, 4], dtype: 'float32' },
        { name: 'conv2d_25/bias', shape: [4], dtype: 'float32' },
      ]);
      expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(4 * (108 + 4 + 144 + 4));
      // JSON-serializable, as `convert` writes it into model.json.
      expect(JSON.parse(JSON.stringify(artifacts.modelTopology))).toEqual(artifacts.modelTopology);
    });

    it('serves a save_weights file with its to_json architecture identically', async () => {
      const weights = await writeSaveWeightsFile(file);
      const architecture = JSON.stringify({ ...file.modelConfig, keras_version: file.kerasVersion, backend: file.backend });
      const pair = await importKerasWeightsOnly(architecture, weights, 'cnn2d_64.weights.h5');
      expect(pair.format).toBe('keras_h5_weights');
      expect(pair.weights.map((w) => w.name)).toEqual(imported.weights.map((w) => w.name));
      const values = pseudoRandom(3 * 10 * 10 * 3, 7);
      const fromPair = await predict(await load(pair, 'cnn2d weights-only pair'), [3, 10, 10, 3], values);
      expect(fromPair).toEqual(await predict(model, [3, 10, 10, 3], values));
    });
  });

  describe('fer2013_mini_XCEPTION.102-0.66.hdf5 (Keras 2.0.5)', () => {
    let file: Keras2File;
    let imported: KerasModel;
    let model: LoadedModel;

    beforeAll(async () => {
      file = await readKeras2File(await readFile(fixture(MINI_XCEPTION)));
      imported = await importKerasFile(fixture(MINI_XCEPTION));
      model = await load(imported, MINI_XCEPTION);
    });

    it('names Keras 2.0.x weights (`conv2d_1_1/kernel:0`) as the rebuilt layers do', () => {
      expect(imported).toMatchObject({ format: 'keras_h5', kerasVersion: '2.0.5', backend: 'tensorflow' });
      // 7 Conv2D kernels + 1 bias, 8 SeparableConv2D × 2 kernels, 14 BatchNormalization × 4.
      expect(imported.weights).toHaveLength(8 + 16 + 56);
      expect(file.layers.find((l) => l.name === 'conv2d_1')!.weights[0].name).toBe('conv2d_1_1/kernel:0');
      const names = imported.weights.map((w) => w.name);
      expect(names.slice(0, 5)).toEqual([
        'conv2d_1/kernel',
        'batch_normalization_1/gamma',
        'batch_normalization_1/beta',
        'batch_normalization_1/moving_mean',
        'batch_normalization_1/moving_variance',
      ]);
      expect(names).toContain('separable_conv2d_8/depthwise_kernel');
      expect(names).toContain('separable_conv2d_8/pointwise_kernel');
      expect(names).toContain('conv2d_7/bias');
    });

    it('classifies a real photo as the plain-TS forward pass of its weights does', async () => {
      const input = await catFace();
      const served = await predict(model, [1, 64, 64, 1], input);
      expect(served.shape).toEqual([1, 7]);
      expect(served.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const expected = miniXceptionReference(file, nn.tensor([1, 64, 64, 1], input));
      expect(maxAbsDiff(served.values, expected.data)).toBeLessThan(1e-6);
      expect(nn.argmax(served.values)).toBe(nn.argmax(expected.data));
      // The same request answers the same.
      expect(await predict(model, [1, 64, 64, 1], input)).toEqual(served);
    });

    it('answers a batch row by row as it answers each alone', async () => {
      const a = await catFace();
      const b = pseudoRandom(64 * 64, 3);
      const batch = await predict(model, [2, 64, 64, 1], Float32Array.from([...a, ...b]));
      const expected = miniXceptionReference(file, nn.tensor([2, 64, 64, 1], [...a, ...b]));
      expect(maxAbsDiff(batch.values, expected.data)).toBeLessThan(1e-6);
    });

    it('serves its save_weights + to_json pair identically', async () => {
      const pair = await importKerasWeightsOnly(
        JSON.stringify({ ...file.modelConfig, keras_version: file.kerasVersion, backend: file.backend }),
        await writeSaveWeightsFile(file),
        'mini_XCEPTION.weights.h5',
      );
      const input = await catFace();
      expect(await predict(await load(pair, 'mini-Xception pair'), [1, 64, 64, 1], input)).toEqual(await predict(model, [1, 64, 64, 1], input));
    });
  });
});
