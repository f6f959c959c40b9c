/**
 * Do the load-time rewrites (constant folding, batch-norm folding, fused TF.js kernels) pay? Each
 * fixture graph is lowered with and without them, checked to give the same outputs, and timed
 * (median of ROUNDS=50 runs after a warm-up).
 * Run: npx tsx bench/fusion.ts  (LAMBDA_SERVING_BACKEND=cpu|wasm). Writes bench/results/fusion-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../lib/engine/backend.ts';
import { foldBatchNorms, foldScaleShifts } from '../lib/graph/fold-batch-norm.ts';
import { foldConstants } from '../lib/graph/fold-constants.ts';
import { dropControlDependencies } from '../lib/graph/graph.ts';
import { fuseOps } from '../lib/engine/tfjs/fuse-ops.ts';
import { loadImportedGraph } from '../lib/engine/tfjs/load-graph.ts';
import type { TensorMap } from '../lib/tensors/host-tensor.ts';
import { importFrozenGraph } from '../lib/importers/tensorflow/frozen-graph.ts';
import { importSavedModel } from '../lib/importers/tensorflow/saved-model.ts';

const fixtures = path.resolve(import.meta.dirname, '../../shared/fixtures');
const rounds = Number(process.env.ROUNDS ?? 50);
const backend = await initBackend();

const CASES: { name: string; load: () => ReturnType<typeof importSavedModel>; input: TensorMap }[] = [
  {
    name: 'lenet (frozen)',
    load: () => importFrozenGraph(path.join(fixtures, 'frozen-graphdef/dl4j-lenet/lenet_frozen.pb'), { outputNames: ['Lenet/fc9_1/Relu'] }),
    input: { input: { dtype: 'DT_FLOAT', shape: [8, 784], values: Float32Array.from({ length: 8 * 784 }, (_, i) => (i % 17) / 17) } },
  },
  {
    name: 'poets mobilenet (frozen)',
    load: () => importFrozenGraph(path.join(fixtures, 'frozen-graphdef/poets-mobilenet/mobilenet_v3.pb'), { inputNames: ['input_image'], outputNames: ['MobilenetV1/Predictions/Softmax'] }),
    input: { input_image: { dtype: 'DT_FLOAT', shape: [1, 224, 224, 3], values: Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i % 255) - 128) / 128) } },
  },
  {
    name: 'keras mobilenet v1 0.25 (TF2 SavedModel)',
    load: () => importSavedModel(path.join(fixtures, 'keras-savedmodel/arm-openmv-mobilenet-v1/model')),
    input: { sequential_input: { dtype: 'DT_FLOAT', shape: [1, 160, 120, 1], values: Float32Array.from({ length: 160 * 120 }, (_, i) => i % 256) } },
  },
  {
    name: 'keras mnist mlp (TF2 SavedModel)',
    load: () => importSavedModel(path.join(fixtures, 'keras-savedmodel/scisharp-mnist-mlp/simple_model_from_auto_compile')),
    input: { input_1: { dtype: 'DT_FLOAT', shape: [32, 28, 28, 1], values: Float32Array.from({ length: 32 * 784 }, (_, i) => (i % 13) / 13) } },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const c of CASES) {
  const graph = await c.load();
  const signature = Object.keys(graph.signatures)[0];
  const timings: Record<string, number> = {};
  const outputs: Record<string, Float32Array> = {};
  for (const fuse of [false, true]) {
    const model = await loadImportedGraph(graph, c.name, { fuse });
    for (let i = 0; i < 5; i++) await model.run(signature, c.input);
    const samples = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      const out = await model.run(signature, c.input);
      samples.push(performance.now() - start);
      outputs[String(fuse)] = Object.values(out)[0].values as Float32Array;
    }
    timings[fuse ? 'fused_ms' : 'unfused_ms'] = +median(samples).toFixed(3);
    model.dispose();
  }
  const maxDiff = Math.max(...Array.from(outputs.true, (v, i) => Math.abs(v - outputs.false[i])));
  // The same passes, in the same order, as optimizeGraph in lower-graph.ts, counted one by one
  // (dropping order-only control edges first, which lets constant folding reach more nodes).
  const constants = foldConstants(dropControlDependencies(graph.nodes), []);
  const batchNorms = foldBatchNorms(constants.nodes, []);
  const scaleShifts = foldScaleShifts(batchNorms.nodes, []);
  const fusedCount = fuseOps(scaleShifts.nodes, []).fused;
  results.push({ model: c.name, folded_constants: constants.folded, folded_batch_norms: batchNorms.folded + scaleShifts.folded, fused_chains: fusedCount, ...timings, speedup: +(timings.unfused_ms / timings.fused_ms).toFixed(2), max_abs_diff: maxDiff });
}
await mkdir(path.resolve(import.meta.dirname, 'results'), { recursive: true });
await writeFile(path.resolve(import.meta.dirname, `results/fusion-${backend}.json`), JSON.stringify({ backend, rounds, results }, null, 2));
console.table(results);
