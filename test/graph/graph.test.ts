/**
 * dropControlDependencies: control edges that only order value computations go (a frozen graph has
 * nothing to order), control edges from anything with an effect stay — variable and table writes,
 * asserts, TF1 loop frames — and the pruning after it drops what they kept reachable.
 */
import { describe, expect, it } from 'vitest';
import { dropControlDependencies, pruneTo, type GraphNode } from '../../lib/graph/graph.ts';

const node = (name: string, op: string, inputs: string[] = []): GraphNode => ({ name, op, inputs, attrs: {} });
const inputsOf = (nodes: GraphNode[]) => Object.fromEntries(nodes.map((n) => [n.name, n.inputs]));

describe('dropControlDependencies', () => {
  it('drops a TF2 function\'s ^NoOp on its variable reads, so pruning then drops the unfolded weights', () => {
    // y = Identity(conv, ^NoOp); NoOp waits on the reads of the kernel and of a batch norm's scale.
    const graph = [
      node('x', 'Placeholder'),
      node('kernel', 'Const'),
      node('kernel/read', 'Identity', ['kernel']),
      node('scale', 'Const'),
      node('scale/read', 'Identity', ['scale']),
      node('folded', 'Const'),
      node('conv', 'Conv2D', ['x', 'folded']),
      node('NoOp', 'NoOp', ['^kernel/read', '^scale/read']),
      node('y', 'Identity', ['conv:0', '^NoOp']),
      node('outer', 'Identity', ['y', '^y']),
    ];
    const dropped = dropControlDependencies(graph);
    expect(dropped.map((n) => n.name)).toEqual(graph.map((n) => n.name));
    expect(inputsOf(dropped)).toMatchObject({ y: ['conv:0'], outer: ['y'], NoOp: [] });
    expect(pruneTo(dropped, ['y:0', 'outer:0']).map((n) => n.name)).toEqual(['x', 'folded', 'conv', 'y', 'outer']);
    // Nodes without control inputs are the same objects.
    expect(dropped[6]).toBe(graph[6]);
  });

  it('keeps control edges from effectful ops and from anything waiting for one', () => {
    const graph = [
      node('v', 'VarHandleOp'),
      node('value', 'Const'),
      node('assign', 'AssignVariableOp', ['v', 'value']),
      node('after_assign', 'NoOp', ['^assign']),
      node('read', 'ReadVariableOp', ['v', '^after_assign']),
      node('table', 'HashTableV2'),
      node('keys', 'Const'),
      node('init', 'LookupTableImportV2', ['table', 'keys', 'keys']),
      node('find', 'LookupTableFindV2', ['table', 'keys', 'keys', '^init']),
      node('check', 'Assert', ['keys']),
      node('checked', 'Identity', ['find', '^check']),
      node('legacy', 'InitializeTableV2', ['table', 'keys', 'keys']),
      node('group', 'NoOp', ['^legacy', '^keys']),
      node('grouped', 'Identity', ['find', '^group']),
    ];
    expect(inputsOf(dropControlDependencies(graph))).toMatchObject({
      read: ['v', '^after_assign'],
      find: ['table', 'keys', 'keys', '^init'],
      checked: ['find', '^check'],
      group: ['^legacy'],
      grouped: ['find', '^group'],
    });
  });

  it('keeps a TF1 loop body\'s constants in the loop frame (their ^pivot edge), and ends on loop cycles', () => {
    const graph = [
      node('start', 'Const'),
      node('enter', 'Enter', ['start']),
      node('merge', 'Merge', ['enter', 'next']),
      node('limit', 'Const'),
      node('less', 'Less', ['merge', 'limit']),
      node('cond', 'LoopCond', ['less']),
      node('switch', 'Switch', ['merge', 'cond']),
      node('pivot', 'Identity', ['switch:1']),
      node('one', 'Const', ['^pivot']),
      node('add', 'AddV2', ['pivot', 'one']),
      node('next', 'NextIteration', ['add']),
      node('exit', 'Exit', ['switch']),
      node('done', 'Identity', ['exit', '^add']),
    ];
    expect(inputsOf(dropControlDependencies(graph))).toMatchObject({ one: ['^pivot'], done: ['exit', '^add'] });
  });

  it('treats a cycle without control-flow ops as effectful rather than looping forever', () => {
    const graph = [node('a', 'Identity', ['b']), node('b', 'Identity', ['a']), node('y', 'Identity', ['a', '^b'])];
    expect(inputsOf(dropControlDependencies(graph)).y).toEqual(['a', '^b']);
  });

  it('drops a control edge from a node the graph lacks', () => {
    expect(dropControlDependencies([node('y', 'Identity', ['x', '^gone'])])[0].inputs).toEqual(['x']);
  });
});
