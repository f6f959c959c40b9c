/**
 * Stores each distinct constant once. Importing copies weights: a function called by several
 * signatures is inlined once per call, each copy reading the frozen variables through its own
 * Identity (which constant folding turns into a Const of its own), and batch-norm folding then
 * computes the same folded kernel in every copy. Const nodes with the same dtype, shape and
 * bytes become one; their readers are rewired to it.
 * @module graph/share-constants
 */
import { createHash } from 'node:crypto';
import type { HostTensor } from '../tensors/host-tensor.ts';
import { parseInput, type GraphNode } from './graph.ts';

/**
 * @param keep tensor or node names that must stay addressable: such a Const is never merged away
 * (it may still be the one the others are merged into)
 * @returns the nodes, duplicates removed, and how many were
 */
export function shareConstants(nodes: GraphNode[], keep: string[]): { nodes: GraphNode[]; shared: number } {
  const pinned = new Set(keep.map((name) => parseInput(name).node));
  // Only constants of the same dtype and shape can be equal: hash the bytes of those alone.
  const byShape = new Map<string, { name: string; tensor: HostTensor }[]>();
  for (const node of nodes) {
    const value = node.attrs.value;
    // A Const with (control) inputs belongs where they put it, e.g. in a TF1 loop's frame.
    if (node.op !== 'Const' || node.inputs.length || value?.kind !== 'tensor') continue;
    const key = `${value.value.dtype}[${value.value.shape.join(',')}]`;
    byShape.set(key, [...(byShape.get(key) ?? []), { name: node.name, tensor: value.value }]);
  }
  const replace = new Map<string, string>();
  for (const group of byShape.values()) {
    if (group.length < 2) continue;
    const first = new Map<string, string>();
    for (const { name, tensor } of group) {
      const digest = digestOf(tensor);
      const kept = first.get(digest);
      if (kept === undefined) first.set(digest, name);
      else if (!pinned.has(name)) replace.set(name, kept);
    }
  }
  if (!replace.size) return { nodes, shared: 0 };
  const rewire = (input: string): string => {
    const { node, output } = parseInput(input);
    const kept = replace.get(node);
    if (kept === undefined) return input;
    return output < 0 ? `^${kept}` : output > 0 ? `${kept}:${output}` : input.endsWith(':0') ? `${kept}:0` : kept;
  };
  return {
    nodes: nodes
      .filter((node) => !replace.has(node.name))
      .map((node) => (node.inputs.some((input) => replace.has(parseInput(input).node)) ? { ...node, inputs: node.inputs.map(rewire) } : node)),
    shared: replace.size,
  };
}

/** A digest of the tensor's bytes (strings: each length-prefixed). */
function digestOf(tensor: HostTensor): string {
  const hash = createHash('sha256');
  const { values } = tensor;
  if (Array.isArray(values)) {
    const length = Buffer.alloc(4);
    for (const element of values) {
      length.writeUInt32LE(element.byteLength);
      hash.update(length).update(element);
    }
  } else {
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('base64');
}
