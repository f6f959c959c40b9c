/**
 * Op fusion for TF.js: MatMul/Conv2D + BiasAdd (+ activation) fold into one fused op, only where
 * nothing else reads the folded nodes, and the answers do not change.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { foldBatchNorms, foldScaleShifts } from '../../lib/graph/fold-batch-norm.ts';
import { foldConstants } from '../../lib/graph/fold-constants.ts';
import { optimizeGraph } from '../../lib/engine/tfjs/lower-graph.ts';
import { fuseOps } from '../../lib/engine/tfjs/fuse-ops.ts';
import { loadImportedGraph } from '../../lib/engine/tfjs/load-graph.ts';
import type { GraphNode } from '../../lib/graph/graph.ts';
import { importFrozenGraph } from '../../lib/importers/tensorflow/frozen-graph.ts';
import { importSavedModel } from '../../lib/importers/tensorflow/saved-model.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';

const float = { kind: 'type', value: 'DT_FLOAT' } as const;
const node = (name: string, op: string, inputs: string[] = []): GraphNode => ({ name, op, inputs, attrs: { T: float } });

describe('fuseOps', () => {
  it('folds MatMul + BiasAdd + Relu into _FusedMatMul named after the Relu', () => {
    const { nodes, fused } = fuseOps(
      [node('x', 'Placeholder'), node('w', 'Const'), node('b', 'Const'), node('mm', 'MatMul', ['x', 'w']), node('add', 'BiasAdd', ['mm', 'b']), node('act', 'Relu', ['add']), node('y', 'Identity', ['act'])],
      ['x:0', 'y:0'],
    );
    expect(fused).toBe(1);
    const fusedNode = nodes.find((n) => n.name === 'act')!;
    expect(fusedNode.op).toBe('_FusedMatMul');
    expect(fusedNode.inputs).toEqual(['x', 'w', 'b']);
    expect(fusedNode.attrs.fused_ops).toEqual({ kind: 'list', strings: [new TextEncoder().encode('BiasAdd'), new TextEncoder().encode('Relu')] });
    expect(nodes.map((n) => n.name)).toEqual(['x', 'w', 'b', 'act', 'y']);
  });

  it('leaves a transposed MatMul unfused: TF.js WASM fused kernel gets transposes wrong', async () => {
    const transposed = (name: string) => ({ ...node('mm', 'MatMul', ['x', 'w']), attrs: { T: float, transpose_a: { kind: 'bool' as const, value: name === 'a' }, transpose_b: { kind: 'bool' as const, value: name === 'b' } } });
    for (const which of ['a', 'b']) {
      expect(fuseOps([node('x', 'Placeholder'), node('w', 'Const'), node('b', 'Const'), transposed(which), node('add', 'BiasAdd', ['mm', 'b'])], ['x:0', 'add:0']).fused).toBe(0);
    }
    // Why: the kernel itself, against MatMul + Add, on the backend under test.
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
    const tf = await import('@tensorflow/tfjs-core');
    const diff = tf.tidy(() => {
      const a = tf.randomNormal([4, 16], 0, 1, 'float32', 1);
      const b = tf.randomNormal([16, 16], 0, 1, 'float32', 2);
      const bias = tf.randomNormal([16], 0, 1, 'float32', 3);
      return tf.max(tf.abs(tf.sub(tf.fused.matMul({ a, b, transposeB: true, bias }), tf.add(tf.matMul(a, b, false, true), bias)))).dataSync()[0];
    });
    console.log(`fused MatMul with transposeB vs MatMul + Add on ${tf.getBackend()}: max |diff| = ${diff}`);
  });

  it('leaves a chain alone when another node or a signature reads the middle', () => {
    const graph = [node('x', 'Placeholder'), node('w', 'Const'), node('b', 'Const'), node('conv', 'Conv2D', ['x', 'w']), node('add', 'BiasAdd', ['conv', 'b']), node('peek', 'Identity', ['conv'])];
    expect(fuseOps(graph, ['add:0', 'peek:0']).fused).toBe(0);
    const pinned = [node('x', 'Placeholder'), node('w', 'Const'), node('b', 'Const'), node('conv', 'Conv2D', ['x', 'w']), node('add', 'BiasAdd', ['conv', 'b'])];
    expect(fuseOps(pinned, ['conv:0', 'add:0']).fused).toBe(0);
  });

  it.skipIf(!HAVE_FIXTURES)(`gives LeNet's answers unchanged${FIXTURES_NOTE}`, async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
    const graph = await importFrozenGraph(fixture('frozen-graphdef/dl4j-lenet/lenet_frozen.pb'), { outputNames: ['Lenet/fc9_1/Relu'] });
    expect(fuseOps(graph.nodes, []).fused).toBe(5);
    const input = { input: { dtype: 'DT_FLOAT' as const, shape: [4, 784], values: Float32Array.from({ length: 4 * 784 }, (_, i) => (i % 23) / 23) } };
    const [plain, fused] = await Promise.all([loadImportedGraph(graph, 'lenet', { fuse: false }), loadImportedGraph(graph, 'lenet', { fuse: true })]);
    const a = (await plain.run('serving_default', input))['Lenet/fc9_1/Relu'].values as Float32Array;
    const b = (await fused.run('serving_default', input))['Lenet/fc9_1/Relu'].values as Float32Array;
    Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    plain.dispose();
    fused.dispose();
  });

  it.skipIf(!HAVE_FIXTURES)(`folds the Keras MobileNet's batch norms into its convolutions without changing its answers${FIXTURES_NOTE}`, async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
    const graph = await importSavedModel(fixture('keras-savedmodel/arm-openmv-mobilenet-v1/model'));
    const folded = foldBatchNorms(graph.nodes, []);
    expect(folded.folded).toBe(27);
    expect(folded.nodes.filter((n) => n.op.startsWith('FusedBatchNorm'))).toHaveLength(0);
    const input = { sequential_input: { dtype: 'DT_FLOAT' as const, shape: [1, 160, 120, 1], values: Float32Array.from({ length: 160 * 120 }, (_, i) => (i * 7) % 256) } };
    const [plain, fused] = await Promise.all([loadImportedGraph(graph, 'mobilenet', { fuse: false }), loadImportedGraph(graph, 'mobilenet', { fuse: true })]);
    const a = Object.values(await plain.run('serving_default', input))[0].values as Float32Array;
    const b = Object.values(await fused.run('serving_default', input))[0].values as Float32Array;
    expect(a).toHaveLength(5);
    Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    plain.dispose();
    fused.dispose();
  });
});

describe('foldConstants and foldScaleShifts', () => {
  const constant = (name: string, shape: number[], values: number[]): GraphNode => ({
    name,
    op: 'Const',
    inputs: [],
    attrs: { dtype: float, value: { kind: 'tensor', value: { dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) } } },
  });

  it('evaluates float arithmetic on constants once, keeping names and leaving fed or pinned nodes alone', () => {
    const { nodes, folded } = foldConstants(
      [constant('v', [2], [3, 8]), constant('eps', [], [1]), node('add', 'Add', ['v', 'eps']), node('r', 'Rsqrt', ['add']), node('x', 'Placeholder'), node('xr', 'Mul', ['x', 'r']), node('pinned', 'Neg', ['eps'])],
      ['x:0', 'xr:0', 'pinned:0'],
    );
    expect(folded).toBe(2);
    const r = nodes.find((n) => n.name === 'r')!;
    expect(r.op).toBe('Const');
    expect(r.attrs.value).toEqual({ kind: 'tensor', value: { dtype: 'DT_FLOAT', shape: [2], values: Float32Array.from([0.5, 1 / 3]) } });
    expect(nodes.find((n) => n.name === 'xr')!.op).toBe('Mul');
    expect(nodes.find((n) => n.name === 'pinned')!.op).toBe('Neg');
  });

  it('folds conv·s + t (TF1 unfused batch norm) into the filter and a BiasAdd named after the Add', () => {
    const graph = [
      node('x', 'Placeholder'),
      constant('w', [1, 1, 2, 3], [1, 2, 3, 4, 5, 6]),
      node('conv', 'Conv2D', ['x', 'w']),
      constant('s', [3], [10, 100, 1000]),
      node('mul', 'Mul', ['conv', 's']),
      constant('t', [3], [7, 8, 9]),
      node('out', 'Add', ['mul', 't']),
    ];
    const { nodes, folded } = foldScaleShifts(graph, ['x:0', 'out:0']);
    expect(folded).toBe(1);
    expect(nodes.map((n) => `${n.name}:${n.op}`)).toEqual(['x:Placeholder', 'w:Const', 'conv/folded_weights:Const', 'conv:Conv2D', 's:Const', 't:Const', 'out/folded_bias:Const', 'out:BiasAdd']);
    const weights = nodes.find((n) => n.name === 'conv/folded_weights')!.attrs.value;
    expect(weights.kind === 'tensor' && Array.from(weights.value.values as Float32Array)).toEqual([10, 200, 3000, 40, 500, 6000]);
    expect(foldScaleShifts(graph, ['x:0', 'mul:0', 'out:0']).folded).toBe(0);
  });

  it.skipIf(!HAVE_FIXTURES)(`folds the poets MobileNet's unfused batch norms without changing its answers${FIXTURES_NOTE}`, async () => {
    await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
    const graph = await importFrozenGraph(fixture('frozen-graphdef/poets-mobilenet/mobilenet_v3.pb'), { inputNames: ['input_image'], outputNames: ['MobilenetV1/Predictions/Softmax'] });
    const keep = ['input_image:0', 'MobilenetV1/Predictions/Softmax:0'];
    const constants = foldConstants(graph.nodes, keep);
    // 14 convolutions; all but the logits' 1×1 (which has a bias, no batch norm) are normalised.
    expect(foldScaleShifts(constants.nodes, keep).folded).toBe(13);
    const optimized = optimizeGraph(graph, keep);
    expect(optimized.filter((n) => n.name.includes('BatchNorm') && ['Rsqrt', 'Mul', 'Sub', 'Add'].includes(n.op))).toHaveLength(0);
    const input = { input_image: { dtype: 'DT_FLOAT' as const, shape: [1, 224, 224, 3], values: Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 7) % 255) - 128) } };
    const [plain, fused] = await Promise.all([loadImportedGraph(graph, 'poets', { fuse: false }), loadImportedGraph(graph, 'poets', { fuse: true })]);
    const a = Object.values(await plain.run('serving_default', input))[0].values as Float32Array;
    const b = Object.values(await fused.run('serving_default', input))[0].values as Float32Array;
    expect(a).toHaveLength(10);
    Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-5));
    plain.dispose();
    fused.dispose();
  });
});
