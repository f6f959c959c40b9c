/**
 * Op fusion for TF.js: MatMul/Conv2D + BiasAdd (+ activation) fold into one fused op, only where
 * nothing else reads the folded nodes, and the answers do not change.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { foldBatchNorms } from '../../lib/engine/tfjs/fold-batch-norm.ts';
import { fuseOps } from '../../lib/engine/tfjs/fuse-ops.ts';
import { loadImportedGraph } from '../../lib/engine/tfjs/load-graph.ts';
import type { GraphNode } from '../../lib/importers/graph.ts';
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
