/**
 * Every fixture model, read through every path that reads models — `show` (readModelSignatures),
 * serving and handlers (loadModel), `convert` (convertModel, then loadModel of what it wrote) and
 * packaging (stageModel, then loadModel of the staged version) — must give the same signatures:
 * names, input and output aliases, tensor names, dtypes, shapes and method names. They all go
 * through one format registry (lib/formats) and one engine choice (lib/engine/engine.ts); this
 * is what keeps them from drifting apart again.
 *
 * Models that cannot be served today are listed in FAILING with the reason their error gives, and
 * checked to fail that way on every path (or, for `show`, to show what the file declares), so a
 * fix or a regression shows up here rather than being skipped silently.
 *
 * Time: every model is small enough for all four paths (the largest, MobileNetV1-OpenMV and the
 * NASNet .keras, take a few seconds each on 2 cores).
 */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertModel, outputFormatFor, parseConvertFlags } from '../../lib/cli/convert.ts';
import { readModelSignatures } from '../../lib/cli/show.ts';
import { initBackend } from '../../lib/engine/backend.ts';
import type { EngineChoice } from '../../lib/engine/engine.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { detectModelFolder } from '../../lib/formats/detect.ts';
import { modelFormat } from '../../lib/formats/registry.ts';
import type { SignatureMap, TensorSpec } from '../../lib/tensors/signature.ts';
import { REPO_ROOT } from '../support/serve-process.ts';
import { fixture, FIXTURES, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';
import { stageModel } from '../../scripts/stage-models.ts';
import { gruResetAfterH5 } from '../importers/keras/keras2-writer.ts';
import { LOADING } from '../support/fixture-models.ts';


/**
 * Version folders that cannot be served today, with the reason their error gives and where it
 * is raised: `read` (detecting or importing the file) or `load` (the engine refuses it).
 */
const FAILING: { dir: string; at: 'read' | 'load'; reason: RegExp }[] = [
  // A TF1 Saver checkpoint (model.meta + shards) is not a servable format.
  { dir: 'tf1-savedmodel/tf2onnx-regression/regression/checkpoint', at: 'read', reason: /No model found in .*\(found checkpoint, model\.data-00000-of-00001, model\.index, model\.meta\)/ },
  { dir: 'tf-written/keras-embedding-gru/1', at: 'read', reason: /layer not_equal is the Keras op keras\.src\.ops\.numpy\.NotEqual, not a layer; only layers can be served/ },
  { dir: 'tf-written/keras-mobilenetv3small-a075/1', at: 'read', reason: /layer add is the Keras op keras\.src\.ops\.numpy\.Add, not a layer; only layers can be served/ },
  { dir: 'tf-written/keras-normalization-rescaling/1', at: 'read', reason: /model\.weights\.h5: cannot read the HDF5 file: dataset \/layers\/normalization\/vars\/2: cannot read bigint/ },
  { dir: 'tf-written/tflite-float-flatten-dynamic-batch/1', at: 'read', reason: /uses TFLite op this importer cannot map: SHAPE/ },
  { dir: 'tf-written/tflite-lstm-while/1', at: 'read', reason: /uses TFLite op this importer cannot map: WHILE/ },
  { dir: 'tf-written/keras-export-masked-lstm/1', at: 'load', reason: /graph uses an op that calls functions, which this engine cannot run: While/ },
  { dir: 'tf-written/tf2-jpeg-bytes-convnet/1', at: 'load', reason: /graph uses an op that calls functions, which this engine cannot run: StatelessWhile/ },
  { dir: 'tf-written/tf2-while-cond/1', at: 'load', reason: /graph uses ops that call functions, which this engine cannot run: StatelessIf, While/ },
  { dir: 'tf-written/tf1-parse-example-classify/1', at: 'load', reason: /uses op TF\.js cannot run: DecodePng/ },
  { dir: 'tf-written/tf2-mirrored-keras-savedmodel/1', at: 'load', reason: /uses ops TF\.js cannot run: ReadVariableOp, VarHandleOp/ },
  {
    dir: 'tf-written/keras-h5-depthwise-separable-bn/1',
    at: 'load',
    reason: /TF\.js cannot build the Keras model: Provided weight data has no target variable: dw_conv\/kernel; nor as a TensorFlow graph: /,
  },
  {
    dir: 'tf-written/keras-transformer-block/1',
    at: 'load',
    reason: /uses Keras layer class TF\.js does not have: MultiHeadAttention \(layer self_attention\); nor as a TensorFlow graph: .*no mapping for Keras layer class MultiHeadAttention/,
  },
];

/** The repo's own TF.js models (the one format no fixture has): show, serve and packaging only. */
const TFJS_MODELS = ['models/mnist/1', 'models/half_plus_two/00000123'];

let tmp: string;
let count = 0;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  tmp = await mkdtemp(path.join(os.tmpdir(), 'every-path-'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** What must agree: per signature, the method and each alias's tensor name, dtype and shape. */
function facts(signatures: SignatureMap): unknown {
  const specs = (map: Record<string, TensorSpec>) =>
    Object.fromEntries(Object.keys(map).sort().map((alias) => [alias, { tensorName: map[alias].tensorName, dtype: map[alias].dtype, shape: map[alias].shape }]));
  return Object.fromEntries(
    Object.keys(signatures)
      .sort()
      .map((key) => [key, { methodName: signatures[key].methodName, inputs: specs(signatures[key].inputs), outputs: specs(signatures[key].outputs) }]),
  );
}

async function served(versionDir: string, engine: EngineChoice = 'auto'): Promise<{ format: string; signatures: SignatureMap }> {
  const model = await loadModel(versionDir, { engine });
  model.dispose();
  return { format: model.format, signatures: model.signatures };
}

/** models/<name>/1 → `versionDir`, staged as packaging stages it; the staged version folder. */
async function staged(versionDir: string): Promise<string> {
  const name = `m${count++}`;
  await mkdir(path.join(tmp, 'models', name), { recursive: true });
  await symlink(versionDir, path.join(tmp, 'models', name, '1'));
  await stageModel(path.join(tmp, 'models', name), path.join(tmp, 'staged', name));
  return path.join(tmp, 'staged', name, '1');
}

/** `convert` of `versionDir` to the TF.js form serving it loaded (`loadedFormat`); the folder written. */
async function converted(versionDir: string, loadedFormat: string): Promise<string> {
  const found = await detectModelFolder(versionDir);
  const inputFormat = found.kind === 'keras' && found.file.endsWith('.keras') ? 'keras_v3' : modelFormat(found.kind).inputFormats[0];
  const dst = path.join(tmp, 'converted', String(count++));
  await convertModel(parseConvertFlags([`--input_format=${inputFormat}`, `--output_format=${outputFormatFor(loadedFormat)}`, versionDir, dst]));
  return dst;
}

/** Every path gives the signatures serving gives; returns what serving loaded it as. */
async function expectSameEverywhere(versionDir: string, options: { convert?: boolean } = {}): Promise<string> {
  const serve = await served(versionDir);
  const expected = facts(serve.signatures);
  expect(Object.keys(serve.signatures).length, 'signatures').toBeGreaterThan(0);
  expect(facts((await readModelSignatures(versionDir)).signatures), 'show').toEqual(expected);
  // The TF.js engine too (`auto` prefers ONNX Runtime): convert writes the TF.js form it runs.
  const tfjs = await served(versionDir, 'tfjs');
  expect(facts(tfjs.signatures), 'the TF.js engine').toEqual(expected);
  if (options.convert !== false) expect(facts((await served(await converted(versionDir, tfjs.format))).signatures), 'convert').toEqual(expected);
  expect(facts((await served(await staged(versionDir))).signatures), 'packaging').toEqual(expected);
  return serve.format;
}

/** Every folder under `root` holding a model file (a SavedModel counts once, as its folder), relative to it. */
async function modelFolders(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  if (files.includes('saved_model.pb')) return [path.relative(root, dir)];
  const found = files.some((file) => /\.(pb|tflite|h5|hdf5|keras|meta)$/.test(file)) ? [path.relative(root, dir)] : [];
  for (const entry of entries.filter((e) => e.isDirectory())) found.push(...(await modelFolders(root, path.join(dir, entry.name))));
  return found;
}

describe.skipIf(!HAVE_FIXTURES)(`every fixture through show, serve, convert and packaging${FIXTURES_NOTE}`, () => {
  it('lists every model folder of the fixtures, as loading or as failing', async () => {
    const listed = [...LOADING, ...FAILING.map((f) => f.dir)].sort();
    expect((await modelFolders(FIXTURES)).sort()).toEqual(listed);
  });

  it.each(LOADING)('%s: the same signatures on every path', async (dir) => {
    await expectSameEverywhere(fixture(dir));
  });

  it.each(FAILING)('$dir: fails on every path, at $at, naming why', async ({ dir, at, reason }) => {
    const versionDir = fixture(dir);
    const loaded = await loadModel(versionDir).then((model) => (model.dispose(), 'loaded'), (error: Error) => error);
    expect(loaded, `${dir} now loads: move it to LOADING`).toBeInstanceOf(Error);
    expect((loaded as Error).message).toMatch(reason);
    await expect(staged(versionDir)).rejects.toThrow(reason);
    const found = await detectModelFolder(versionDir).catch(() => undefined);
    const shown = readModelSignatures(versionDir);
    if (at === 'read' && found?.kind === 'saved_model') {
      // show still lists what the MetaGraph declares, each marked with why it cannot run.
      const { signatures } = await shown;
      for (const signature of Object.values(signatures)) expect(signature.unavailable).toMatch(reason);
    } else if (at === 'load' && found?.kind !== 'keras') {
      // The file reads; show prints what it declares (it does not run the model).
      expect(Object.keys((await shown).signatures).length).toBeGreaterThan(0);
    } else {
      // Nothing to show: the file does not read, or (Keras) its signature is what the engine builds.
      await expect(shown).rejects.toThrow(reason);
    }
  });
});

describe('TF.js folders through show, serve and packaging (copied as they are)', () => {
  it.each(TFJS_MODELS)('%s: the same signatures on every path', async (dir) => {
    await expectSameEverywhere(path.join(REPO_ROOT, dir), { convert: false });
  });
});

describe('a Keras model only the graph path serves (tf.keras GRU, reset_after=True)', () => {
  it('is shown, served, converted and packaged as a TensorFlow graph, with one signature', async () => {
    // Prepare: Input(6, 3) → GRU(4, reset_after=True) → Dense(2), as tf.keras 2.4 saves it.
    const versionDir = path.join(tmp, 'gru-reset-after', '1');
    await mkdir(versionDir, { recursive: true });
    await writeFile(path.join(versionDir, 'model.h5'), await gruResetAfterH5(7));

    // Act / Assess: show used to throw here (it built Keras models with tfjs-layers only).
    const shown = await readModelSignatures(versionDir);
    expect(shown.kind).toBe('keras');
    expect(Object.keys(shown.signatures.serving_default.inputs)).toEqual(['gru_input']);
    expect(Object.keys(shown.signatures.serving_default.outputs)).toEqual(['dense']);
    // auto serves it on ONNX Runtime; on TF.js it is a graph model too (tfjs-layers cannot build it).
    expect(await expectSameEverywhere(versionDir)).toBe('onnx');
    expect((await served(versionDir, 'tfjs')).format).toBe('tfjs-graph-model');
    // Packaging stages it for ONNX Runtime, the engine auto picks.
    expect(await readdir(await staged(versionDir))).toEqual(['lambda-serving-onnx.json', 'serving_default.onnx']);
  });
});
