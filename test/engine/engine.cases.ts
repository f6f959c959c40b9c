/**
 * One suite for the TF.js engine, run once per backend (`tfjs-cpu.test.ts`, `tfjs-wasm.test.ts`).
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from '../../lib/engine/backend.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import { writeLinearLayersModel, writeScaleGraphModel } from '../support/tfjs-models.ts';

export function runEngineCases(backend: BackendName): void {
  describe(`TF.js engine on the ${backend} backend`, () => {
    let dir: string;

    beforeAll(async () => {
      expect(await initBackend(backend, () => {})).toBe(backend);
      expect(tf.getBackend()).toBe(backend);
      dir = await mkdtemp(path.join(os.tmpdir(), `engine-${backend}-`));
      await writeLinearLayersModel(path.join(dir, 'layers'), 0.5, 2);
      await writeScaleGraphModel(path.join(dir, 'graph'), 3);
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('loads a LayersModel with a serving_default signature named after its layers', async () => {
      const model = await loadModel(path.join(dir, 'layers'), { engine: 'tfjs' });
      expect(model.format).toBe('tfjs-layers-model');
      expect(model.signatures.serving_default.inputs.x).toMatchObject({ dtype: 'DT_FLOAT', shape: [-1, 1] });
      expect(model.signatures.serving_default.outputs.y).toMatchObject({ dtype: 'DT_FLOAT', shape: [-1, 1] });
      const out = await model.run('serving_default', {
        x: { dtype: 'DT_FLOAT', shape: [3, 1], values: new Float32Array([2, 3, 4]) },
      });
      expect(out.y.shape).toEqual([3, 1]);
      expect(Array.from(out.y.values as Float32Array)).toEqual([3, 3.5, 4]);
      model.dispose();
    });

    it('loads a GraphModel and uses the SignatureDef stored in model.json', async () => {
      const model = await loadModel(path.join(dir, 'graph'), { engine: 'tfjs' });
      expect(model.format).toBe('tfjs-graph-model');
      expect(model.signatures.serving_default.inputs.x).toEqual({ tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1] });
      const out = await model.run('serving_default', {
        x: { dtype: 'DT_FLOAT', shape: [2], values: new Float32Array([1.5, -2]) },
      });
      expect(Array.from(out.y.values as Float32Array)).toEqual([4.5, -6]);
      model.dispose();
    });

    it('releases every tensor a run creates', async () => {
      const model = await loadModel(path.join(dir, 'layers'), { engine: 'tfjs' });
      const input = { x: { dtype: 'DT_FLOAT' as const, shape: [1, 1], values: new Float32Array([1]) } };
      await model.run('serving_default', input);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 50; i++) await model.run('serving_default', input);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });

    it('refuses int64 values that TF.js would wrap to 32 bits', async () => {
      const model = await loadModel(path.join(dir, 'layers'), { engine: 'tfjs' });
      model.signatures.serving_default.inputs.x.dtype = 'DT_INT64';
      await expect(
        model.run('serving_default', {
          x: { dtype: 'DT_INT64', shape: [1, 1], values: new BigInt64Array([2n ** 40n]) },
        }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      model.dispose();
    });

    it('names the folder and what it found when there is no model', async () => {
      const empty = path.join(dir, 'empty');
      await mkdir(empty);
      await writeFile(path.join(empty, 'notes.txt'), 'nothing here');
      await expect(loadModel(empty)).rejects.toThrow(/No model found in .*empty.*notes\.txt/);
    });

    it('reports a corrupt model.json as an error, not a crash', async () => {
      const broken = path.join(dir, 'broken');
      await mkdir(broken);
      await writeFile(path.join(broken, 'model.json'), '{"modelTopology": ');
      await expect(loadModel(broken)).rejects.toThrow(/model\.json is not valid JSON/);
    });
  });
}
