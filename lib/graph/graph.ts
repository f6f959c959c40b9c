/**
 * The engine-neutral graph every importer produces: frozen (weights are constants), inlined (no
 * function calls), pruned GraphDef-level nodes with their attributes decoded, plus TF Serving
 * signatures. Engines lower it (TF.js today); nothing here knows about any engine.
 * @module importers/graph
 */
import type { SignatureMap } from '../tensors/signature.ts';
import type { DType, HostTensor } from '../tensors/host-tensor.ts';

/** A decoded NodeDef attribute. */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: Uint8Array }
  | { kind: 'type'; value: DType | string }
  | { kind: 'shape'; value: number[] | null }
  | { kind: 'tensor'; value: HostTensor }
  | { kind: 'func'; name: string; attrs: Record<string, AttrValue> }
  | { kind: 'list'; ints?: number[]; floats?: number[]; bools?: boolean[]; strings?: Uint8Array[]; types?: string[]; shapes?: (number[] | null)[] }
  | { kind: 'none' };

export interface GraphNode {
  name: string;
  /** The TensorFlow op, e.g. `Conv2D`, `Const`, `Placeholder`. */
  op: string;
  /** `node`, `node:1` (output 1), `^node` (control dependency), as in GraphDef. */
  inputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  /** Where it came from, e.g. `tf_saved_model (TF1)`, `tf_frozen_model`. */
  source: string;
  nodes: GraphNode[];
  signatures: SignatureMap;
}

/** Splits `node:1` / `^node` into its node name and output index (-1 for a control input). */
export function parseInput(input: string): { node: string; output: number } {
  if (input.startsWith('^')) return { node: input.slice(1), output: -1 };
  const colon = input.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(input.slice(colon + 1))) {
    return { node: input.slice(0, colon), output: Number(input.slice(colon + 1)) };
  }
  return { node: input, output: 0 };
}

/**
 * Keeps only the nodes that `outputs` (tensor names like `y:0`) depend on, in the original order.
 * Nodes named in `feeds` are kept but not looked through: their values arrive with the request.
 */
export function pruneTo(nodes: GraphNode[], outputs: string[], feeds: string[] = []): GraphNode[] {
  const fed = new Set(feeds.map((feed) => parseInput(feed).node));
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const keep = new Set<string>();
  const stack = outputs.map((output) => parseInput(output).node);
  while (stack.length) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    const node = byName.get(name);
    if (!node) continue;
    keep.add(name);
    if (fed.has(name)) continue;
    for (const input of node.inputs) stack.push(parseInput(input).node);
  }
  return nodes.filter((node) => keep.has(node.name));
}

/** A Const's attributes: its dtype and value. */
export function constAttrs(tensor: HostTensor): Record<string, AttrValue> {
  return { dtype: { kind: 'type', value: tensor.dtype }, value: { kind: 'tensor', value: tensor } };
}

/** A Const node holding `tensor` (what importers freeze weights into and rewrites fold into). */
export function constNode(name: string, tensor: HostTensor): GraphNode {
  return { name, op: 'Const', inputs: [], attrs: constAttrs(tensor) };
}

/**
 * The constant an input carries, looking through ops in `through` that pass values on unchanged
 * (frozen variable reads are Identity of a Const); undefined when it is not a constant.
 */
export function constantInput(
  input: string | undefined,
  byName: ReadonlyMap<string, GraphNode>,
  through: ReadonlySet<string> = new Set(['Identity']),
): HostTensor | undefined {
  let node = input ? byName.get(parseInput(input).node) : undefined;
  for (let hops = 0; node && through.has(node.op) && hops < 8; hops++) node = byName.get(parseInput(node.inputs[0]).node);
  const value = node?.op === 'Const' ? node.attrs.value : undefined;
  return value?.kind === 'tensor' ? value.value : undefined;
}

/**
 * Ops whose running changes what other ops read (variables, tables, tensor arrays, stacks,
 * queues, files) or may fail the run (Assert), and TF1 control-flow ops (a loop body's constants
 * hang off the loop's pivot by a control edge, which puts them in the loop's frame). A control
 * edge from a node that is one of these, or waits for one, orders or guards something: it stays.
 */
const EFFECTFUL_OP = /^(Ref)?(Assign|ResourceApply|Apply|ResourceScatter|Scatter(Nd)?(Update|Add|Sub|Mul|Div|Min|Max)|ResourceStridedSliceAssign|InitializeTable|LookupTable(Import|Insert|Remove)|TensorArray(Write|Scatter|Split|Close)|StackPush|StackPop|Print|Assert|Save|Restore|MergeV2Checkpoints|.*Enqueue|.*Dequeue|Queue|MakeIterator|IteratorGetNext|WriteFile|.*Summary|DestroyResourceOp|Switch|Merge|Enter|Exit|NextIteration|LoopCond|ControlTrigger)/;

/**
 * Drops control inputs (`^node`) that order nothing: those whose node, and everything it waits
 * for, only computes values. TF2 functions end in Identities waiting (`^NoOp`) on every variable
 * read so that reads follow writes; once variables are frozen into constants there are no writes,
 * and those edges only keep the original, unfolded weights reachable. Edges from effectful ops
 * (see EFFECTFUL_OP: assignments, table initialisation, asserts, TF1 loop frames) stay.
 * Returns the nodes in the same order; drop the now-unread ones with `pruneTo`.
 */
export function dropControlDependencies(nodes: GraphNode[]): GraphNode[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  /** Whether running the node, or anything it waits for, has an effect. */
  const effectful = new Map<string, boolean>();
  const visiting = new Set<string>();
  const hasEffect = (root: string): boolean => {
    const stack = [root];
    while (stack.length) {
      const name = stack[stack.length - 1];
      const node = byName.get(name);
      if (effectful.has(name) || !node) {
        if (!node) effectful.set(name, false);
        stack.pop();
        continue;
      }
      const sources = node.inputs.map((input) => parseInput(input).node);
      if (visiting.has(name)) {
        // Every input is settled, or on a cycle (unknown: assume it matters).
        effectful.set(name, sources.some((source) => effectful.get(source) ?? true));
        visiting.delete(name);
        stack.pop();
      } else if (EFFECTFUL_OP.test(node.op)) {
        effectful.set(name, true);
        stack.pop();
      } else {
        visiting.add(name);
        for (const source of sources) if (!effectful.has(source) && !visiting.has(source)) stack.push(source);
      }
    }
    return effectful.get(root)!;
  };
  return nodes.map((node) => {
    if (!node.inputs.some((input) => input.startsWith('^'))) return node;
    const inputs = node.inputs.filter((input) => !input.startsWith('^') || hasEffect(input.slice(1)));
    return inputs.length === node.inputs.length ? node : { ...node, inputs };
  });
}
