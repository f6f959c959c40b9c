/**
 * The engine list (lib/engine/engine.ts): the one place an artifact read by the format registry
 * is given to an engine. Today one engine, TF.js, loads every kind of artifact; an engine that
 * cannot load one says why, and the next is tried.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { ENGINES, engineChoice, loadArtifact, type Engine } from '../../lib/engine/engine.ts';
import type { LoadedModel } from '../../lib/engine/model.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { FailedPreconditionError } from '../../lib/errors.ts';
import type { ModelArtifact } from '../../lib/formats/artifact.ts';
import { readModelFolder } from '../../lib/formats/registry.ts';
import { keepdimsModelH5 } from '../importers/keras/keras2-writer.ts';

let dir: string;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  dir = await mkdtemp(path.join(os.tmpdir(), 'engine-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const graphArtifact: ModelArtifact = {
  kind: 'graph',
  format: 'frozen_graph',
  what: 'frozen graph g.pb',
  path: 'g.pb',
  graph: { source: 'test', nodes: [], signatures: {} },
};

/** Input(4,4,2) → GlobalAveragePooling2D(keepdims=True) → Flatten → Dense(3): tfjs-layers refuses keepdims. */
async function keepdimsFolder(): Promise<string> {
  const version = path.join(dir, 'keepdims', '1');
  await mkdir(version, { recursive: true });
  await writeFile(path.join(version, 'model.h5'), await keepdimsModelH5(3));
  return version;
}

describe('engineFor', () => {
  it('prefers ONNX Runtime, which reads graphs, Keras models and TF.js folders (through their graphs); TF.js reads them too', () => {
    expect(ENGINES.map((engine) => engine.name)).toEqual(['onnxruntime', 'tfjs']);
    const toGraph = () => Promise.reject(new Error('unused'));
    const tfjsFolder: ModelArtifact = { kind: 'tfjs', format: 'tfjs', what: 'TF.js model m.json', path: 'm.json', modelJson: 'm.json', toGraph };
    expect(ENGINES[0].cannotLoad(graphArtifact)).toBeUndefined();
    expect(ENGINES[0].cannotLoad(tfjsFolder)).toBeUndefined();
    expect(ENGINES[1].cannotLoad(tfjsFolder)).toBeUndefined();
  });

  it('skips an engine that cannot load the artifact, and refuses with every reason when none can', async () => {
    const onlyKeras: Engine = { name: 'keras-only', cannotLoad: (a) => (a.kind === 'keras' ? undefined : `it reads Keras models, not a ${a.kind}`), load: () => Promise.reject(new Error('unused')) };
    const any: Engine = { name: 'any', cannotLoad: () => undefined, load: async () => ({ format: 'any', signatures: {}, run: async () => ({}), dispose() {} }) };
    expect((await loadArtifact(graphArtifact, { engine: 'auto', engines: [onlyKeras, any] })).format).toBe('any');
    const error = await loadArtifact(graphArtifact, { engine: 'auto', engines: [onlyKeras] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as Error).message).toBe('No engine can load frozen graph g.pb: keras-only: it reads Keras models, not a graph');
  });
});

describe('the TF.js engine on a Keras model tfjs-layers cannot build', () => {
  it('loads it as a graph and says so through the log it is given; loadModel logs it as lambda-serving', async () => {
    const version = await keepdimsFolder();
    const lines: string[] = [];
    const model = await loadArtifact(await readModelFolder(version), { engine: 'tfjs', log: (line) => lines.push(line) });
    expect(model.format).toBe('tfjs-graph-model');
    model.dispose();
    expect(lines).toEqual([
      expect.stringMatching(/^Keras model .*model\.h5: tfjs-layers cannot build it \(.*keepdims=true.*\); serving it as a TensorFlow graph$/),
      expect.stringMatching(/^Keras model .*model\.h5: engine tfjs, as configured$/),
    ]);

    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      (await loadModel(version, { engine: 'tfjs' })).dispose();
      expect(log).toHaveBeenCalledWith(`lambda-serving: ${lines[0]}`);
    } finally {
      log.mockRestore();
    }
  });
});

describe('choosing the engine (auto | onnxruntime | tfjs)', () => {
  const fakeModel = (name: string): LoadedModel => ({ format: name, signatures: {}, run: async () => ({}), dispose() {} });
  const refusing = (name: string, why: string): Engine => ({
    name,
    cannotLoad: () => undefined,
    load: async () => {
      throw new FailedPreconditionError(why);
    },
  });
  const loading = (name: string): Engine => ({ name, cannotLoad: () => undefined, load: async () => fakeModel(name) });

  it('auto takes the first engine that loads the model whole and logs once which, and why not the others', async () => {
    // Prepare
    const lines: string[] = [];
    const engines = [refusing('onnxruntime', 'op MatrixDeterminant has no ONNX lowering (at det)'), loading('tfjs')];
    // Act
    const model = await loadArtifact(graphArtifact, { engine: 'auto', engines, log: (line) => lines.push(line) });
    // Assess
    expect(model.format).toBe('tfjs');
    expect(lines).toEqual(['frozen graph g.pb: engine tfjs (onnxruntime: op MatrixDeterminant has no ONNX lowering (at det))']);
  });

  it('auto says nothing more than the engine when the first one loads it', async () => {
    const lines: string[] = [];
    const model = await loadArtifact(graphArtifact, { engine: 'auto', engines: [loading('onnxruntime'), loading('tfjs')], log: (line) => lines.push(line) });
    expect(model.format).toBe('onnxruntime');
    expect(lines).toEqual(['frozen graph g.pb: engine onnxruntime']);
  });

  it('a named engine loads the model or refuses with its own reason; no fallback', async () => {
    const engines = [refusing('onnxruntime', 'op X has no ONNX lowering'), loading('tfjs')];
    await expect(loadArtifact(graphArtifact, { engine: 'onnxruntime', engines })).rejects.toThrow('op X has no ONNX lowering');
    expect((await loadArtifact(graphArtifact, { engine: 'tfjs', engines })).format).toBe('tfjs');
  });

  it('does not fall back on errors that are not refusals (a corrupt file is the model\'s problem)', async () => {
    const broken: Engine = { name: 'onnxruntime', cannotLoad: () => undefined, load: async () => { throw new Error('disk on fire'); } };
    await expect(loadArtifact(graphArtifact, { engine: 'auto', engines: [broken, loading('tfjs')] })).rejects.toThrow('disk on fire');
  });

  it('reads LAMBDA_SERVING_ENGINE and refuses unknown names', () => {
    expect(engineChoice(undefined)).toBe('auto');
    expect(engineChoice('tfjs')).toBe('tfjs');
    expect(() => engineChoice('tensorrt')).toThrow("LAMBDA_SERVING_ENGINE is 'tensorrt'; expected one of auto, onnxruntime, tfjs");
  });
});
