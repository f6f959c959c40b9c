/**
 * Evaluates, once at load time, the float arithmetic whose inputs are all constants — e.g. a TF1
 * batch norm's `Rsqrt(moving_variance + ε)` and `β − μ·rsqrt`, which TF1 graphs leave unfused
 * and TF.js would otherwise recompute on every request. The result replaces the node as a Const
 * of the same name, so readers are unchanged.
 * @module engine/tfjs/fold-constants
 */
import { constantInput, constNode, type GraphNode } from './graph.ts';
import { sizeOf, type HostTensor } from '../tensors/host-tensor.ts';

const UNARY: Record<string, (x: number) => number> = {
  Identity: (x) => x,
  Rsqrt: (x) => 1 / Math.sqrt(x),
  Sqrt: Math.sqrt,
  Neg: (x) => -x,
  Reciprocal: (x) => 1 / x,
};
const BINARY: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  AddV2: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  RealDiv: (a, b) => a / b,
};

/** @param keep tensor or node names that must stay addressable; they are never replaced */
export function foldConstants(nodes: GraphNode[], keep: string[]): { nodes: GraphNode[]; folded: number } {
  const pinned = new Set(keep.map((name) => name.replace(/:\d+$/, '')));
  const byName = new Map(nodes.map((node) => [node.name, node]));
  let folded = 0;
  // Node order need not be topological: repeat until nothing more folds.
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of byName.values()) {
      if (node.op === 'Const' || pinned.has(node.name) || node.inputs.some((input) => input.startsWith('^'))) continue;
      const value = evaluate(node, byName);
      if (!value) continue;
      byName.set(node.name, constNode(node.name, value));
      folded++;
      changed = true;
    }
  }
  return { nodes: nodes.map((node) => byName.get(node.name)!), folded };
}

function evaluate(node: GraphNode, byName: ReadonlyMap<string, GraphNode>): HostTensor | undefined {
  const inputs = node.inputs.map((input) => floatConstant(input, byName));
  if (inputs.some((input) => !input)) return undefined;
  if (UNARY[node.op] && inputs.length === 1) return map(inputs[0]!, UNARY[node.op]);
  if (!BINARY[node.op] || inputs.length !== 2) return undefined;
  const result = broadcast(inputs[0]!, inputs[1]!, BINARY[node.op]);
  // Never grow the weights: an outer-product-like broadcast is cheaper to compute than to store.
  return result && result.values.length <= Math.max(inputs[0]!.values.length, inputs[1]!.values.length) ? result : undefined;
}

function floatConstant(input: string, byName: ReadonlyMap<string, GraphNode>): HostTensor | undefined {
  const tensor = constantInput(input, byName, new Set());
  return tensor?.dtype === 'DT_FLOAT' ? tensor : undefined;
}

function map(x: HostTensor, fn: (x: number) => number): HostTensor {
  return { dtype: 'DT_FLOAT', shape: x.shape, values: Float32Array.from(x.values as Float32Array, fn) };
}

/**
 * NumPy broadcasting of two float tensors; undefined when the shapes do not broadcast (the op is
 * then left for TF.js to report at request time, as TensorFlow would).
 */
function broadcast(a: HostTensor, b: HostTensor, fn: (a: number, b: number) => number): HostTensor | undefined {
  const rank = Math.max(a.shape.length, b.shape.length);
  const dimsA = [...Array(rank - a.shape.length).fill(1), ...a.shape];
  const dimsB = [...Array(rank - b.shape.length).fill(1), ...b.shape];
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (dimsA[d] !== dimsB[d] && dimsA[d] !== 1 && dimsB[d] !== 1) return undefined;
    shape.push(Math.max(dimsA[d], dimsB[d]));
  }
  const values = new Float32Array(sizeOf(shape));
  const va = a.values as Float32Array;
  const vb = b.values as Float32Array;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < values.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * dimsA[d] + (dimsA[d] === 1 ? 0 : index[d]);
      ib = ib * dimsB[d] + (dimsB[d] === 1 ? 0 : index[d]);
    }
    values[i] = fn(va[ia], vb[ib]);
    for (let d = rank - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return { dtype: 'DT_FLOAT', shape, values };
}
