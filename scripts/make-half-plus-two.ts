/**
 * Writes `models/half_plus_two/123/`: TF Serving's classic test function y = 0.5·x + 2 as a TF.js
 * GraphModel (GraphDef as JSON plus one weight file, the format tensorflowjs_converter emits), so
 * the example set has a GraphModel beside mnist's LayersModel. Run: npx tsx scripts/make-half-plus-two.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const dir = path.resolve(import.meta.dirname, '../models/half_plus_two/00000123');
const float = { type: 'DT_FLOAT' };
const scalar = { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } };
const vector = { dim: [{ size: '-1' }] };

const modelJson = {
  format: 'graph-model',
  generatedBy: '2.11.0',
  convertedBy: 'lambda-serving scripts/make-half-plus-two.ts',
  modelTopology: {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: vector } } },
      { name: 'a', op: 'Const', attr: { dtype: float, value: scalar } },
      { name: 'b', op: 'Const', attr: { dtype: float, value: scalar } },
      { name: 'ax', op: 'Mul', input: ['a', 'x'], attr: { T: float } },
      { name: 'y', op: 'AddV2', input: ['ax', 'b'], attr: { T: float } },
    ],
    library: {},
    versions: { producer: 1286 },
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'a', shape: [], dtype: 'float32' },
        { name: 'b', shape: [], dtype: 'float32' },
      ],
    },
  ],
  signature: {
    methodName: 'tensorflow/serving/predict',
    inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: vector } },
    outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', tensorShape: vector } },
  },
};

await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'model.json'), `${JSON.stringify(modelJson, null, 1)}\n`);
await writeFile(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(new Float32Array([0.5, 2]).buffer));
console.log(`wrote ${dir}`);
