/**
 * Small TF.js model folders written by TF.js itself (LayersModel) or in TF.js's graph-model file
 * format (GraphModel), with weights chosen so every expected output is known exactly.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../lib/engine/backend.ts';

/** Writes a LayersModel `y = weight·x + bias` (input `x` [-1,1], output `y` [-1,1]) to `dir`. */
export async function writeLinearLayersModel(dir: string, weight: number, bias: number): Promise<void> {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'cpu', () => {});
  const input = tfl.input({ shape: [1], name: 'x' });
  const output = tfl.layers.dense({ units: 1, name: 'y' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  model.getLayer('y').setWeights([tf.tensor2d([[weight]]), tf.tensor1d([bias])]);
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      await writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
}

/**
 * Writes a GraphModel (GraphDef as JSON, as tensorflowjs_converter emits) computing
 * `y = x · factor` for a float vector `x`, with a stored SignatureDef.
 */
export async function writeScaleGraphModel(dir: string, factor: number): Promise<void> {
  const float = { type: 'DT_FLOAT' };
  const vector = { dim: [{ size: '-1' }] };
  const modelJson = {
    format: 'graph-model',
    generatedBy: '2.11.0',
    convertedBy: 'lambda-serving test support',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: vector } } },
        { name: 'factor', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
        { name: 'scaled', op: 'Mul', input: ['x', 'factor'], attr: { T: float } },
        { name: 'y', op: 'Identity', input: ['scaled'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1286 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'factor', shape: [], dtype: 'float32' }] }],
    signature: {
      inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: vector } },
      outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', tensorShape: vector } },
    },
  };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(new Float32Array([factor]).buffer));
}
