/**
 * Packaging stages each model version for the engine serving picks (scripts/stage-models.ts): an
 * ONNX folder when ONNX Runtime serves it, else a TF.js folder. The staged model must answer
 * exactly as the original does on that engine, keep its other files, follow the model's
 * lambda.json `engine`, and a version that cannot be staged must fail the packaging by name.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import type { EngineChoice } from '../../lib/engine/engine.ts';
import type { TensorMap } from '../../lib/tensors/host-tensor.ts';
import { stageModel } from '../../scripts/stage-models.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';

let dir: string;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  dir = await mkdtemp(path.join(os.tmpdir(), 'stage-models-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** On the engine the staged folders run on (TF.js by default), so the answers agree exactly. */
async function answer(versionDir: string, inputs: TensorMap, engine: EngineChoice = 'tfjs'): Promise<number[]> {
  const model = await loadModel(versionDir, { engine });
  try {
    return Array.from(Object.values(await model.run('serving_default', inputs))[0].values as Float32Array);
  } finally {
    model.dispose();
  }
}

const VERSIONS: Record<string, { file?: string; folder?: string; inputs: TensorMap }> = {
  '1': { folder: 'tf-serving/saved_model_half_plus_two_cpu/00000123', inputs: { x: { dtype: 'DT_FLOAT', shape: [3, 1], values: Float32Array.from([2, 3, 4]) } } },
  '2': { file: 'tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite', inputs: { x: { dtype: 'DT_FLOAT', shape: [3, 1], values: Float32Array.from([2, 3, 4]) } } },
  '3': { file: 'keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5', inputs: { input_65: { dtype: 'DT_FLOAT', shape: [1, 10, 10, 3], values: Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)) } } },
};

/** models/<name> holding VERSIONS (symlinked fixtures) and `lambdaJson`. */
async function mixedModel(name: string, lambdaJson: string): Promise<string> {
  const src = path.join(dir, 'models', name);
  await mkdir(src, { recursive: true });
  await writeFile(path.join(src, 'lambda.json'), lambdaJson);
  for (const [version, v] of Object.entries(VERSIONS)) {
    if (v.folder) await symlink(fixture(v.folder), path.join(src, version));
    else {
      await mkdir(path.join(src, version));
      await symlink(fixture(v.file!), path.join(src, version, path.basename(v.file!)));
    }
  }
  return src;
}

const byVersion = <T extends { version: string }>(list: T[]) => list.sort((a, b) => a.version.localeCompare(b.version));

describe.skipIf(!HAVE_FIXTURES)(`stageModel${FIXTURES_NOTE}`, () => {
  it('stages SavedModel, TFLite and Keras versions ONNX Runtime serves (auto) as ONNX folders that answer the same', async () => {
    const src = await mixedModel('mixed-auto', '{"memorySize": 1024}');
    const dst = path.join(dir, 'staged', 'mixed-auto');
    const staged = await stageModel(src, dst);
    expect(byVersion(staged)).toEqual([
      { version: '1', kind: 'saved_model', engine: 'onnxruntime', converted: true },
      { version: '2', kind: 'tflite', engine: 'onnxruntime', converted: true },
      { version: '3', kind: 'keras', engine: 'onnxruntime', converted: true },
    ]);
    expect(await readFile(path.join(dst, 'lambda.json'), 'utf8')).toBe('{"memorySize": 1024}');
    for (const [version, v] of Object.entries(VERSIONS)) {
      const files = await readdir(path.join(dst, version));
      expect(files).toContain('lambda-serving-onnx.json');
      expect(files.filter((file) => !file.endsWith('.onnx') && file !== 'lambda-serving-onnx.json')).toEqual([]);
      const got = await answer(path.join(dst, version), v.inputs, 'onnxruntime');
      expect(got, `version ${version}`).toEqual(await answer(path.join(src, version), v.inputs, 'onnxruntime'));
    }
    expect(await answer(path.join(dst, '1'), VERSIONS['1'].inputs, 'auto')).toEqual([3, 3.5, 4]);
    // Staged again, an ONNX folder is copied as it is.
    const again = await stageModel(path.join(dst), path.join(dir, 'staged', 'mixed-auto-again'));
    expect(byVersion(again).map((v) => [v.kind, v.engine, v.converted])).toEqual(Array(3).fill(['onnx', 'onnxruntime', false]));
  });

  it('follows the model\'s lambda.json engine: "tfjs" stages TF.js folders that answer the same', async () => {
    const src = await mixedModel('mixed', '{"memorySize": 1024, "engine": "tfjs"}');
    const dst = path.join(dir, 'staged', 'mixed');
    const staged = await stageModel(src, dst);
    expect(byVersion(staged)).toEqual([
      { version: '1', kind: 'saved_model', engine: 'tfjs', converted: true },
      { version: '2', kind: 'tflite', engine: 'tfjs', converted: true },
      { version: '3', kind: 'keras', engine: 'tfjs', converted: true },
    ]);
    const versions = VERSIONS;
    for (const [version, v] of Object.entries(versions)) {
      expect((await readdir(path.join(dst, version))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
      expect(await answer(path.join(dst, version), v.inputs), `version ${version}`).toEqual(await answer(path.join(src, version), v.inputs));
    }
    expect(await answer(path.join(dst, '1'), versions['1'].inputs)).toEqual([3, 3.5, 4]);
  });

  it('copies as is with convert: false, and fails naming a version it cannot convert', async () => {
    const src = path.join(dir, 'models', 'broken');
    await mkdir(path.join(src, '7'), { recursive: true });
    await writeFile(path.join(src, '7', 'model.tflite'), (await readFile(fixture('tflite/tfjs-add4/add4.tflite'))).subarray(0, 100));
    const copied = path.join(dir, 'copied', 'broken');
    await stageModel(src, copied, { convert: false });
    expect(await readdir(path.join(copied, '7'))).toEqual(['model.tflite']);
    await expect(stageModel(src, path.join(dir, 'staged', 'broken'))).rejects.toThrow(/Cannot stage .*broken\/7 \(tflite\) for packaging: .*model\.tflite/);
  });

  it('refuses an unknown engine in lambda.json, naming the file', async () => {
    const src = path.join(dir, 'models', 'odd-engine');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'lambda.json'), '{"engine": "tensorrt"}');
    await expect(stageModel(src, path.join(dir, 'staged', 'odd-engine'))).rejects.toThrow(/odd-engine\/lambda\.json: engine is 'tensorrt'; expected one of auto, onnxruntime, tfjs/);
  });
});
