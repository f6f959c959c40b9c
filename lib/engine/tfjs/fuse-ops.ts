/**
 * Fuses MatMul/Conv2D/DepthwiseConv2dNative + BiasAdd (+ activation) into the single ops TF.js
 * has fused kernels for (`_FusedMatMul`, `_FusedConv2D`, `FusedDepthwiseConv2dNative`), as
 * tensorflowjs_converter does. A node is folded away only when its one consumer is the next step
 * and nobody else (no signature, no other node) reads it.
 * @module engine/tfjs/fuse-ops
 */
import { parseInput, type AttrValue, type GraphNode } from '../../graph/graph.ts';

const FUSED_OP: Record<string, string> = {
  MatMul: '_FusedMatMul',
  Conv2D: '_FusedConv2D',
  DepthwiseConv2dNative: 'FusedDepthwiseConv2dNative',
};
const ACTIVATIONS = new Set(['Relu', 'Relu6', 'Elu', 'Sigmoid']);

export interface FusionResult {
  nodes: GraphNode[];
  /** How many BiasAdd (+ activation) chains were folded into their producer. */
  fused: number;
}

/** @param keep tensor or node names that must stay addressable (signature inputs and outputs) */
export function fuseOps(nodes: GraphNode[], keep: string[]): FusionResult {
  const consumers = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    for (const input of node.inputs) {
      const { node: name } = parseInput(input);
      consumers.set(name, [...(consumers.get(name) ?? []), node]);
    }
  }
  const pinned = new Set(keep.map((name) => parseInput(name).node));
  const soleConsumer = (node: GraphNode): GraphNode | undefined => {
    const list = consumers.get(node.name) ?? [];
    return list.length === 1 && !pinned.has(node.name) ? list[0] : undefined;
  };

  const removed = new Set<string>();
  const replacements = new Map<string, GraphNode>();
  let fused = 0;
  for (const producer of nodes) {
    const fusedOp = FUSED_OP[producer.op];
    if (!fusedOp || removed.has(producer.name) || transposes(producer)) continue;
    const biasAdd = soleConsumer(producer);
    if (biasAdd?.op !== 'BiasAdd' || parseInput(biasAdd.inputs[0]).node !== producer.name) continue;
    const activation = soleConsumer(biasAdd);
    const withActivation = activation && ACTIVATIONS.has(activation.op) ? activation : undefined;
    const last = withActivation ?? biasAdd;
    const fusedOps: Uint8Array[] = [encode('BiasAdd'), ...(withActivation ? [encode(withActivation.op)] : [])];
    const attrs: Record<string, AttrValue> = {
      ...producer.attrs,
      fused_ops: { kind: 'list', strings: fusedOps },
      num_args: { kind: 'int', value: 1 },
      epsilon: { kind: 'float', value: 0 },
    };
    // The fused node takes the last node's name, so every reader of that output still finds it.
    replacements.set(last.name, { name: last.name, op: fusedOp, inputs: [...producer.inputs, biasAdd.inputs[1]], attrs });
    removed.add(producer.name);
    if (last !== biasAdd) removed.add(biasAdd.name);
    fused++;
  }
  return {
    nodes: nodes.filter((node) => !removed.has(node.name)).map((node) => replacements.get(node.name) ?? node),
    fused,
  };
}

/**
 * TF.js 4.22's WASM fused MatMul answers wrong when either operand is transposed (up to 2.9 off
 * for [4,16]·[16,16]ᵀ + bias; plain MatMul and the CPU kernel are right), so such MatMuls stay
 * unfused.
 */
function transposes(node: GraphNode): boolean {
  return ['transpose_a', 'transpose_b'].some((name) => node.attrs[name]?.kind === 'bool' && node.attrs[name].value);
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
