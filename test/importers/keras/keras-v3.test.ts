/**
 * Keras 3 `.keras` files. None of these files was written by Keras: no permissively licensed
 * `.keras` file exists in ../shared/fixtures (SOURCES.md, "Looked for but not copied"), so
 * keras-v3-writer.ts builds them after Keras 3's public saving code, holding the real weights of
 * the two Keras 2 HDF5 fixtures, with each layer's config rewritten in Keras 3's get_config form.
 * What is asserted: each `.keras` model answers exactly as the HDF5 model it was built from, and
 * its weights reach the layer they belong to although Keras 3 files them by class and position
 * (`layers/conv2d_1/vars/0`), not by layer name.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import { loadKerasModel } from '../../../lib/engine/tfjs/load-keras.ts';
import { FailedPreconditionError } from '../../../lib/errors.ts';
import { importKerasFile, importKerasWeightsOnly, type KerasModel } from '../../../lib/importers/keras/index.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { readKeras2File, type Keras2File } from './h5-files.ts';
import { catFace, CNN2D, MINI_XCEPTION, predict, pseudoRandom } from './keras-support.ts';
import { fromKeras2, keras3Config, keras3Weights, kerasV3Bytes, writeKerasV3, zipKeras, type V3Model } from './keras-v3-writer.ts';

type Keras2Config = Parameters<typeof fromKeras2>[0];

function weightMap(file: Keras2File) {
  return new Map(file.layers.map((layer) => [layer.name, layer.weights.map((w) => ({ shape: w.shape, values: w.values }))]));
}

/** Keras 3's default layer names: `conv2d`, `conv2d_1`, … per class, in order. */
function defaultNames(model: Keras2Config): (name: string) => string {
  const used = new Map<string, number>();
  const names = new Map<string, string>();
  for (const layer of model.config.layers) {
    const base = layer.class_name === 'InputLayer' ? 'input_layer' : layer.class_name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    const count = used.get(base);
    used.set(base, (count ?? -1) + 1);
    names.set(layer.name ?? String(layer.config.name), count === undefined ? base : `${base}_${count + 1}`);
  }
  return (name) => names.get(name)!;
}

describe.skipIf(!HAVE_FIXTURES)(`Keras 3 .keras files (built by keras-v3-writer, not by Keras)${FIXTURES_NOTE}`, () => {
  const loaded: LoadedModel[] = [];
  let dir: string;
  let cnn2d: Keras2File;
  let miniXception: Keras2File;
  let cnn2dH5: LoadedModel;
  let miniXceptionH5: LoadedModel;

  async function serve(file: string): Promise<{ imported: KerasModel; model: LoadedModel }> {
    const imported = await importKerasFile(file);
    const model = await loadKerasModel(imported, file);
    loaded.push(model);
    return { imported, model };
  }

  async function write(name: string, model: V3Model): Promise<string> {
    const file = path.join(dir, name);
    await writeKerasV3(file, model);
    return file;
  }

  beforeAll(async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
    dir = await mkdtemp(path.join(os.tmpdir(), 'keras-v3-'));
    cnn2d = await readKeras2File(await readFile(fixture(CNN2D)));
    miniXception = await readKeras2File(await readFile(fixture(MINI_XCEPTION)));
    cnn2dH5 = (await serve(fixture(CNN2D))).model;
    miniXceptionH5 = (await serve(fixture(MINI_XCEPTION))).model;
  });

  afterAll(async () => {
    for (const model of loaded) model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('cnn2d as a Functional model on single tensors answers exactly as cnn2d_64.h5', async () => {
    const file = await write('cnn2d-functional.keras', fromKeras2(cnn2d.modelConfig as Keras2Config, weightMap(cnn2d), { kind: 'Functional', name: 'functional', singleTensor: true }));
    const { imported, model } = await serve(file);
    expect(imported).toMatchObject({ format: 'keras_v3', kerasVersion: '3.8.0' });
    expect(imported.modelConfig.class_name).toBe('Functional');
    // Layer names kept (conv2d_24, conv2d_25), though Keras 3 filed them as layers/conv2d and layers/conv2d_1.
    expect(imported.weights.map((w) => w.name)).toEqual(['conv2d_24/kernel', 'conv2d_24/bias', 'conv2d_25/kernel', 'conv2d_25/bias']);
    expect(Object.keys(model.signatures.serving_default.inputs)).toEqual(['input_65']);
    const values = pseudoRandom(2 * 10 * 10 * 3, 5);
    expect(await predict(model, [2, 10, 10, 3], values)).toEqual(await predict(cnn2dH5, [2, 10, 10, 3], values));
  });

  it('cnn2d as a Sequential model (InputLayer first, Keras 3 default names) answers exactly as cnn2d_64.h5', async () => {
    const rename = defaultNames(cnn2d.modelConfig as Keras2Config);
    const file = await write('cnn2d-sequential.keras', fromKeras2(cnn2d.modelConfig as Keras2Config, weightMap(cnn2d), { kind: 'Sequential', name: 'sequential', rename }));
    const { imported, model } = await serve(file);
    expect(imported.modelConfig.class_name).toBe('Sequential');
    expect(imported.weights.map((w) => w.name)).toEqual(['conv2d/kernel', 'conv2d/bias', 'conv2d_1/kernel', 'conv2d_1/bias']);
    expect(model.signatures.serving_default.inputs).toEqual({ input_layer: { tensorName: 'input_layer:0', dtype: 'DT_FLOAT', shape: [-1, 10, 10, 3] } });
    expect(Object.keys(model.signatures.serving_default.outputs)).toEqual(['global_max_pooling2d']);
    const values = pseudoRandom(10 * 10 * 3, 9);
    expect(await predict(model, [1, 10, 10, 3], values)).toEqual(await predict(cnn2dH5, [1, 10, 10, 3], values));
  });

  it('mini-Xception (residual Add nodes, 14 BatchNormalizations filed out of name order) answers exactly as the .hdf5', async () => {
    const file = await write('mini-xception.keras', fromKeras2(miniXception.modelConfig as Keras2Config, weightMap(miniXception), { kind: 'Functional', name: 'functional' }));
    const { imported, model } = await serve(file);
    // Layer conv2d_1 is the first Conv2D, so Keras 3 files it as layers/conv2d, conv2d_2 as
    // layers/conv2d_1; batch_normalization_4 is the third BatchNormalization (layers/batch_normalization_2).
    const h5 = await importKerasFile(fixture(MINI_XCEPTION));
    expect(imported.weights.map((w) => w.name).sort()).toEqual(h5.weights.map((w) => w.name).sort());
    const byName = new Map(h5.weights.map((w) => [w.name, w.tensor.values]));
    for (const weight of imported.weights) expect(weight.tensor.values, weight.name).toEqual(byName.get(weight.name));
    const input = await catFace();
    expect(await predict(model, [1, 64, 64, 1], input)).toEqual(await predict(miniXceptionH5, [1, 64, 64, 1], input));
  });

  it('a Keras 3 save_weights file with its to_json architecture answers as the .keras file', async () => {
    const model = fromKeras2(cnn2d.modelConfig as Keras2Config, weightMap(cnn2d), { kind: 'Functional', name: 'functional' });
    const pair = await importKerasWeightsOnly(JSON.stringify(keras3Config(model)), await keras3Weights(model), 'cnn2d.weights.h5');
    expect(pair.format).toBe('keras_v3_weights');
    const served = await loadKerasModel(pair, 'cnn2d.weights.h5');
    loaded.push(served);
    const values = pseudoRandom(10 * 10 * 3, 11);
    expect(await predict(served, [1, 10, 10, 3], values)).toEqual(await predict(cnn2dH5, [1, 10, 10, 3], values));
  });

  describe('refuses what it cannot serve, naming the file and the problem', () => {
    const cnn2dModel = () => fromKeras2(cnn2d.modelConfig as Keras2Config, weightMap(cnn2d), { kind: 'Functional', name: 'functional' });

    async function refusal(name: string, bytes: Uint8Array): Promise<FailedPreconditionError> {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      const error = await importKerasFile(file).then(async (imported) => loadKerasModel(imported, file)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(FailedPreconditionError);
      expect((error as Error).message).toContain(file);
      return error as FailedPreconditionError;
    }

    it('a zip without config.json', async () => {
      const model = cnn2dModel();
      const error = await refusal('no-config.keras', zipKeras({ 'metadata.json': strToU8('{"keras_version":"3.8.0"}'), 'model.weights.h5': await keras3Weights(model) }));
      expect(error.message).toMatch(/zip without config\.json/);
    });

    it('a zip without model.weights.h5', async () => {
      const error = await refusal('no-weights.keras', zipKeras({ 'config.json': strToU8(JSON.stringify(keras3Config(cnn2dModel()))) }));
      expect(error.message).toMatch(/no model\.weights\.h5/);
    });

    it('a truncated zip', async () => {
      const whole = await kerasV3Bytes(cnn2dModel());
      const error = await refusal('truncated.keras', whole.subarray(0, 200));
      expect(error.message).toMatch(/not a readable zip/);
    });

    it('a truncated model.weights.h5 inside the zip', async () => {
      const model = cnn2dModel();
      const weights = await keras3Weights(model);
      const error = await refusal('bad-weights.keras', zipKeras({ 'config.json': strToU8(JSON.stringify(keras3Config(model))), 'model.weights.h5': weights.subarray(0, 1000) }));
      expect(error.message).toMatch(/model\.weights\.h5 is not a readable HDF5 file: truncated file/);
    });

    it('a layer class TF.js does not have, naming the class and the layer', async () => {
      const config = keras3Config(cnn2dModel()) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
      const layer = config.config.layers[3]; // zero_padding2d_72
      layer.class_name = 'Lambda';
      layer.config = { name: 'zero_padding2d_72', trainable: true, function: { class_name: '__lambda__', config: { value: 'base64…' } } };
      const error = await refusal('lambda.keras', await kerasV3Bytes(cnn2dModel(), config as never));
      expect(error.message).toMatch(/TF\.js does not have: Lambda \(layer zero_padding2d_72\)/);
    });

    it('a layer option TF.js would silently ignore (GlobalMaxPooling2D keepdims=True)', async () => {
      const config = keras3Config(cnn2dModel()) as { config: { layers: { config: Record<string, unknown> }[] } };
      config.config.layers.at(-1)!.config.keepdims = true;
      const error = await refusal('keepdims.keras', await kerasV3Bytes(cnn2dModel(), config as never));
      expect(error.message).toMatch(/layer global_max_pooling2d_18 \(GlobalMaxPooling2D\) sets keepdims=true, which TF\.js does not implement/);
    });

    it('a Keras op (not a layer) in the graph', async () => {
      const config = keras3Config(cnn2dModel()) as { config: { layers: { module: string; class_name: string }[] } };
      Object.assign(config.config.layers[3], { module: 'keras.src.ops.numpy', class_name: 'Pad' });
      const error = await refusal('op.keras', await kerasV3Bytes(cnn2dModel(), config as never));
      expect(error.message).toMatch(/layer zero_padding2d_72 is the Keras op keras\.src\.ops\.numpy\.Pad/);
    });

    it('a layer whose stored variables do not match its class', async () => {
      const model = cnn2dModel();
      model.layers[1].variables = [...model.layers[1].variables!, model.layers[1].variables![1]]; // kernel, bias, bias
      const error = await refusal('extra-vars.keras', await kerasV3Bytes(model));
      expect(error.message).toMatch(/layer conv2d_24 \(Conv2D\) has 3 variables in an order this importer does not know/);
    });

    it('a subclassed model (no layer graph)', async () => {
      const config = { module: 'my_models', class_name: 'MyModel', config: { units: 3 }, registered_name: 'Custom>MyModel' };
      const error = await refusal('subclassed.keras', await kerasV3Bytes(cnn2dModel(), config));
      expect(error.message).toMatch(/the model is a MyModel, not a Functional or Sequential model/);
    });
  });
});
