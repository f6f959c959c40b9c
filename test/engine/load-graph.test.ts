/**
 * Engine-neutral graphs lowered to TF.js: the weights travel, the signature is kept, and an op
 * TF.js lacks fails at load time naming the op and the node.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { loadImportedGraph } from '../../lib/engine/tfjs/load-graph.ts';
import { FailedPreconditionError } from '../../lib/errors.ts';
import type { Graph, GraphNode } from '../../lib/graph/graph.ts';

const float = { kind: 'type', value: 'DT_FLOAT' } as const;
const scalar = (name: string, value: number): GraphNode => ({
  name,
  op: 'Const',
  inputs: [],
  attrs: { dtype: float, value: { kind: 'tensor', value: { dtype: 'DT_FLOAT', shape: [], values: new Float32Array([value]) } } },
});

function halfPlusTwo(extra: GraphNode[] = [], extraOutputs: Record<string, string> = {}): Graph {
  return {
    source: 'test',
    nodes: [
      { name: 'x', op: 'Placeholder', inputs: [], attrs: { dtype: float, shape: { kind: 'shape', value: [-1] } } },
      scalar('a', 0.5),
      scalar('b', 2),
      { name: 'ax', op: 'Mul', inputs: ['a', 'x'], attrs: { T: float } },
      { name: 'y', op: 'AddV2', inputs: ['ax', 'b'], attrs: { T: float } },
      ...extra,
    ],
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: { x: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1] } },
        outputs: { y: { tensorName: 'y:0', dtype: 'DT_FLOAT', shape: [-1] } },
      },
      doubled: {
        methodName: 'tensorflow/serving/predict',
        inputs: { input: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1] } },
        outputs: { ax: { tensorName: 'ax:0', dtype: 'DT_FLOAT', shape: [-1] } },
      },
      ...(Object.keys(extraOutputs).length
        ? {
            extra: {
              methodName: 'tensorflow/serving/predict',
              inputs: { x: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1] } },
              outputs: Object.fromEntries(Object.entries(extraOutputs).map(([alias, tensorName]) => [alias, { tensorName, dtype: 'DT_FLOAT' as const, shape: null }])),
            },
          }
        : {}),
    },
  };
}

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

describe('loadImportedGraph', () => {
  it('runs every signature of the lowered graph', async () => {
    const model = await loadImportedGraph(halfPlusTwo(), 'half_plus_two');
    const x = { dtype: 'DT_FLOAT' as const, shape: [3], values: new Float32Array([2, 3, 4]) };
    expect(Array.from((await model.run('serving_default', { x })).y.values as Float32Array)).toEqual([3, 3.5, 4]);
    expect(Array.from((await model.run('doubled', { input: x })).ax.values as Float32Array)).toEqual([1, 1.5, 2]);
    model.dispose();
  });

  it('fails at load time naming an op TF.js lacks and where it is', async () => {
    const graph = halfPlusTwo([{ name: 'parse/examples', op: 'ParseExampleV2', inputs: ['x'], attrs: {} }], { parsed: 'parse/examples:0' });
    await expect(loadImportedGraph(graph, 'model m version 1')).rejects.toThrow(FailedPreconditionError);
    await expect(loadImportedGraph(graph, 'model m version 1')).rejects.toThrow(
      /model m version 1 uses op TF\.js cannot run: ParseExampleV2 — at parse\/examples \(ParseExampleV2\)/,
    );
  });

  it('refuses at load ops that call functions (TF2 control flow), naming them', async () => {
    const cond: GraphNode = {
      name: 'cond',
      op: 'StatelessIf',
      inputs: ['x', 'x'],
      attrs: { then_branch: { kind: 'func', name: 'then_fn', attrs: {} }, else_branch: { kind: 'func', name: 'else_fn', attrs: {} } },
    };
    await expect(loadImportedGraph(halfPlusTwo([cond], { branched: 'cond:0' }), 'model m version 1')).rejects.toThrow(
      /test graph uses an op that calls functions, which this engine cannot run: StatelessIf — at cond \(StatelessIf\)/,
    );
  });

  it('drops nodes no signature reads, so an unreachable op TF.js lacks does not matter', async () => {
    const graph = halfPlusTwo([{ name: 'parse/examples', op: 'ParseExampleV2', inputs: ['x'], attrs: {} }]);
    const model = await loadImportedGraph(graph, 'model m version 1');
    const x = { dtype: 'DT_FLOAT' as const, shape: [3], values: new Float32Array([2, 3, 4]) };
    expect(Array.from((await model.run('serving_default', { x })).y.values as Float32Array)).toEqual([3, 3.5, 4]);
    model.dispose();
  });

  it('feeds and ignores a signature input no output depends on, as TF Serving does (a TF1 export listing its label)', async () => {
    const graph = halfPlusTwo([{ name: 'label', op: 'Placeholder', inputs: [], attrs: { dtype: float, shape: { kind: 'shape', value: [-1] } } }]);
    graph.signatures.serving_default.inputs.label = { tensorName: 'label:0', dtype: 'DT_FLOAT', shape: [-1] };
    const model = await loadImportedGraph(graph, 'regression export');
    const x = { dtype: 'DT_FLOAT' as const, shape: [3], values: new Float32Array([2, 3, 4]) };
    const label = { dtype: 'DT_FLOAT' as const, shape: [3], values: new Float32Array([9, 9, 9]) };
    expect(Array.from((await model.run('serving_default', { x, label })).y.values as Float32Array)).toEqual([3, 3.5, 4]);
    model.dispose();
  });
});
