/**
 * shareConstants: bit-identical Const nodes become one, readers rewired to it; anything that must
 * stay addressable, or a constant a control edge places (a TF1 loop frame), stays.
 */
import { describe, expect, it } from 'vitest';
import { constNode, type GraphNode } from '../../lib/graph/graph.ts';
import { shareConstants } from '../../lib/graph/share-constants.ts';
import type { HostTensor } from '../../lib/tensors/host-tensor.ts';

const floats = (values: number[], shape = [values.length]): HostTensor => ({ dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) });
const node = (name: string, op: string, inputs: string[] = []): GraphNode => ({ name, op, inputs, attrs: {} });

describe('shareConstants', () => {
  it('keeps the first of identical constants and rewires the readers of the others, output indices and control edges included', () => {
    const graph = [
      node('x', 'Placeholder'),
      constNode('sig1/w', floats([1, 2, 3, 4])),
      constNode('sig2/w', floats([1, 2, 3, 4])),
      constNode('sig3/w', floats([1, 2, 3, 4])),
      node('a', 'Mul', ['x', 'sig1/w']),
      node('b', 'Mul', ['x', 'sig2/w:0']),
      node('c', 'Mul', ['x', 'sig3/w', '^sig2/w']),
    ];
    const { nodes, shared } = shareConstants(graph, ['x:0', 'a:0', 'b:0', 'c:0']);
    expect(shared).toBe(2);
    expect(nodes.map((n) => n.name)).toEqual(['x', 'sig1/w', 'a', 'b', 'c']);
    expect(Object.fromEntries(nodes.map((n) => [n.name, n.inputs]))).toMatchObject({ a: ['x', 'sig1/w'], b: ['x', 'sig1/w:0'], c: ['x', 'sig1/w', '^sig1/w'] });
    expect(nodes[2]).toBe(graph[4]);
  });

  it('tells constants apart by dtype, shape and every bit', () => {
    const graph = [
      constNode('f', floats([1, 2, 3, 4])),
      constNode('reshaped', floats([1, 2, 3, 4], [2, 2])),
      constNode('i', { dtype: 'DT_INT32', shape: [4], values: new Int32Array(new Float32Array([1, 2, 3, 4]).buffer) }),
      constNode('negative_zero', floats([1, 2, 3, -0])),
      constNode('zero', floats([1, 2, 3, 0])),
      constNode('s1', { dtype: 'DT_STRING', shape: [2], values: [Uint8Array.of(97), Uint8Array.of(98, 99)] }),
      constNode('s2', { dtype: 'DT_STRING', shape: [2], values: [Uint8Array.of(97, 98), Uint8Array.of(99)] }),
      constNode('s3', { dtype: 'DT_STRING', shape: [2], values: [Uint8Array.of(97), Uint8Array.of(98, 99)] }),
      constNode('view', { dtype: 'DT_FLOAT', shape: [4], values: new Float32Array(Float32Array.from([9, 1, 2, 3, 4]).buffer, 4, 4) }),
    ];
    const { nodes, shared } = shareConstants(graph, []);
    expect(shared).toBe(2);
    expect(nodes.map((n) => n.name)).toEqual(['f', 'reshaped', 'i', 'negative_zero', 'zero', 's1', 's2']);
  });

  it('never merges away a constant a signature names, nor one placed by a control edge', () => {
    const graph = [
      constNode('w', floats([5])),
      constNode('named', floats([5])),
      { ...constNode('in_loop', floats([5])), inputs: ['^while/Identity'] },
      constNode('other', floats([5])),
      node('y', 'AddN', ['w', 'named', 'in_loop', 'other']),
    ];
    const { nodes } = shareConstants(graph, ['named:0', 'y:0']);
    expect(nodes.map((n) => n.name)).toEqual(['w', 'named', 'in_loop', 'y']);
    expect(nodes.at(-1)!.inputs).toEqual(['w', 'named', 'in_loop', 'w']);
  });

  it('returns the same nodes when nothing repeats', () => {
    const graph = [constNode('a', floats([1])), constNode('b', floats([2]))];
    expect(shareConstants(graph, [])).toEqual({ nodes: graph, shared: 0 });
  });
});
