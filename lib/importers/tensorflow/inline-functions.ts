/**
 * TF2 graphs call functions (`StatefulPartitionedCall`/`PartitionedCall` with an `f` attr). This
 * inlines every call the served outputs depend on, recursively: the function's nodes are copied
 * under `<call>/`, its `node:out_arg:i` references resolved to flat output indices with the OpDefs,
 * its arguments wired to the call's inputs, and the call itself becomes an `IdentityN` of the
 * function's results — so `<call>:k` keeps meaning the k-th result.
 * @module importers/tensorflow/inline-functions
 */
import { FailedPreconditionError } from '../../errors.ts';
import { parseInput, pruneTo, type GraphNode } from '../../graph/graph.ts';
import { mapNode } from './mapper.ts';
import type { FunctionDefProto, OpDefProto } from './proto.ts';

const CALL_OPS = new Set(['StatefulPartitionedCall', 'PartitionedCall']);
/** Deep enough for Keras (model → layer → activation); a cycle would otherwise never end. */
const MAX_DEPTH = 64;

export function inlineFunctionCalls(
  nodes: GraphNode[],
  functions: FunctionDefProto[],
  opDefs: OpDefProto[],
  roots: string[],
  feeds: string[] = [],
): GraphNode[] {
  const library = new Map(functions.map((fn) => [fn.signature.name, fn]));
  const ops = new Map(opDefs.map((def) => [def.name, def]));
  for (const fn of functions) ops.set(fn.signature.name, fn.signature);
  let graph = pruneTo(nodes, roots, feeds);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const calls = graph.filter((node) => CALL_OPS.has(node.op));
    if (!calls.length) return graph;
    const expanded: GraphNode[] = [];
    for (const node of graph) {
      if (CALL_OPS.has(node.op)) expanded.push(...inlineCall(node, library, ops));
      else expanded.push(node);
    }
    graph = pruneTo(expanded, roots, feeds);
  }
  throw new FailedPreconditionError(`Function calls nest deeper than ${MAX_DEPTH} levels (a recursive function?)`);
}

function inlineCall(call: GraphNode, library: Map<string, FunctionDefProto>, ops: Map<string, OpDefProto>): GraphNode[] {
  const f = call.attrs.f;
  if (f?.kind !== 'func') throw new FailedPreconditionError(`${call.name} (${call.op}) names no function`);
  const fn = library.get(f.name);
  if (!fn) throw new FailedPreconditionError(`${call.name} calls ${f.name}, which the function library lacks`);
  const prefix = `${call.name}/`;
  const dataInputs = call.inputs.filter((input) => !input.startsWith('^'));
  const controlInputs = call.inputs.filter((input) => input.startsWith('^'));
  const args = new Map(fn.signature.input_arg.map((arg, i) => [arg.name, dataInputs[i]]));
  const body = fn.node_def.map(mapNode);
  const byName = new Map(body.map((node) => [node.name, node]));

  const translate = (input: string): string => {
    if (input.startsWith('^')) {
      const name = input.slice(1);
      const outer = args.get(name);
      return outer !== undefined ? `^${parseInput(outer).node}` : `^${prefix}${name}`;
    }
    const parts = input.split(':');
    if (parts.length === 1) {
      const outer = args.get(input);
      if (outer !== undefined) return outer;
      return `${prefix}${input}`;
    }
    const [node, outputArg, index] = parts;
    const producer = byName.get(node);
    if (!producer) throw new FailedPreconditionError(`${f.name}: ${input} refers to a node the function lacks`);
    return `${prefix}${node}:${flatIndex(producer, outputArg, Number(index ?? 0), ops, f.name)}`;
  };

  const inlined = body.map((node) => ({
    ...node,
    name: `${prefix}${node.name}`,
    // Nodes with no inputs still wait for the call's own control inputs.
    inputs: node.inputs.length ? node.inputs.map(translate) : controlInputs.map((c) => c),
  }));
  const results = fn.signature.output_arg.map((arg) => {
    const ret = fn.ret[arg.name];
    if (!ret) throw new FailedPreconditionError(`${f.name} does not return its output ${arg.name}`);
    return translate(ret);
  });
  const types = call.attrs.Tout?.kind === 'list' ? call.attrs.Tout.types : undefined;
  return [...inlined, { name: call.name, op: 'IdentityN', inputs: results, attrs: { T: { kind: 'list', types: types ?? [] } } }];
}

/** Output args of common ops with several outputs, each one tensor (tensorflow/core/ops/*.cc). */
const MULTI_OUTPUT_OPS: Record<string, string[]> = {
  FusedBatchNorm: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV2: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV3: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2', 'reserve_space_3'],
  TopKV2: ['values', 'indices'],
  Unique: ['y', 'idx'],
  NonMaxSuppressionV5: ['selected_indices', 'selected_scores', 'valid_outputs'],
};

/** `node:out_arg:i` → the flat output index, counting the sizes of the output args before it. */
function flatIndex(node: GraphNode, outputArg: string, index: number, ops: Map<string, OpDefProto>, where: string): number {
  const def = ops.get(node.op);
  if (!def) {
    // stripped_op_list can omit ops only functions use. Most ops have one output arg; the few
    // common ones with several single-tensor args are listed.
    const args = MULTI_OUTPUT_OPS[node.op];
    if (!args) return index;
    const at = args.indexOf(outputArg);
    if (at < 0) throw new FailedPreconditionError(`${where}: ${node.op} has no output ${outputArg} (node ${node.name})`);
    return at + index;
  }
  let offset = 0;
  for (const arg of def.output_arg) {
    if (arg.name === outputArg) return offset + index;
    offset += argSize(node, arg.number_attr, arg.type_list_attr);
  }
  throw new FailedPreconditionError(`${where}: ${node.op} has no output ${outputArg} (node ${node.name})`);
}

function argSize(node: GraphNode, numberAttr: string, typeListAttr: string): number {
  if (numberAttr) {
    const n = node.attrs[numberAttr];
    return n?.kind === 'int' ? n.value : 1;
  }
  if (typeListAttr) {
    const list = node.attrs[typeListAttr];
    return list?.kind === 'list' ? (list.types?.length ?? 0) : 0;
  }
  return 1;
}
