/**
 * The engine-neutral graph → ONNX models, one per signature: the graph is folded once (constant
 * arithmetic, inference batch norm into convolutions, lib/graph), then each signature's graph is
 * pruned to its outputs (control dependencies dropped), fed at its inputs with their exact dtypes,
 * and lowered node by node through the op table. An op the table lacks refuses the whole model,
 * naming every such op and where it is — never a different answer.
 * @module engine/onnx/lower/lower-graph
 */
import { FailedPreconditionError } from '../../../errors.ts';
import { foldBatchNorms, foldScaleShifts } from '../../../graph/fold-batch-norm.ts';
import { foldConstants } from '../../../graph/fold-constants.ts';
import { parseInput, type Graph, type GraphNode } from '../../../graph/graph.ts';
import type { DType } from '../../../tensors/host-tensor.ts';
import type { Signature } from '../../../tensors/signature.ts';
import { encodeModel, ONNX_IR_VERSION, ONNX_OPSET, type DimensionProto, type ModelProto, type ValueInfoProto } from '../onnx-proto.ts';
import { dataInputs, LowerContext } from './context.ts';
import { cast } from './elementwise.ts';
import { EMITTERS } from './families.ts';
import { OP_TABLE } from './ops.ts';
import { ONNX_TYPE_OF } from './tensors.ts';

export interface OnnxLowerOptions {
  /** Names the model in refusals, e.g. `SavedModel models/m/1`. @default the graph's source */
  what?: string;
  /** Fold constants and batch norms first (lib/graph). @default true */
  fold?: boolean;
}

/** One signature as an ONNX model. */
export interface LoweredSignature {
  /** The serialized ModelProto. */
  bytes: Uint8Array;
  /** Signature input alias → ONNX graph input name, for the inputs the graph reads. */
  inputs: Record<string, string>;
  /** Signature output alias → ONNX graph output name. */
  outputs: Record<string, string>;
}

/**
 * Every signature that can run (signatures marked `unavailable` are left out) as an ONNX model;
 * refuses, with a FailedPreconditionError, a graph using ops the lowering lacks.
 */
export function lowerGraph(graph: Graph, options: OnnxLowerOptions = {}): Map<string, LoweredSignature> {
  const what = options.what ?? graph.source;
  const keep = addressable(graph);
  let nodes = graph.nodes;
  if (options.fold !== false) {
    nodes = foldConstants(nodes, keep).nodes;
    nodes = foldBatchNorms(nodes, keep).nodes;
    nodes = foldScaleShifts(nodes, keep).nodes;
  }
  const byName = new Map(nodes.map((node) => [node.name, node]));
  assertLowerable(graph, byName, what);
  const lowered = new Map<string, LoweredSignature>();
  for (const [name, signature] of Object.entries(graph.signatures)) {
    if (signature.unavailable) continue;
    lowered.set(name, lowerSignature(byName, name, signature, what));
  }
  return lowered;
}

/** The ONNX model bytes of every runnable signature (what packaging and `convert` write). */
export function lowerToOnnx(graph: Graph, options: OnnxLowerOptions = {}): Map<string, Uint8Array> {
  return new Map([...lowerGraph(graph, options)].map(([name, signature]) => [name, signature.bytes]));
}

/** What a run feeds, name → graph tensor: the inputs by alias, or the parsed tf.Example features by key. */
export function feedPoints(signature: Signature): Record<string, { tensorName: string; dtype: DType; shape: number[] | null | undefined }> {
  if (signature.examples) {
    return Object.fromEntries(signature.examples.features.map((f) => [f.key, { tensorName: f.tensorName, dtype: f.dtype, shape: [-1, ...f.shape] }]));
  }
  return Object.fromEntries(Object.entries(signature.inputs).map(([alias, spec]) => [alias, { tensorName: spec.tensorName, dtype: spec.dtype, shape: spec.feedShape === undefined ? spec.shape : spec.feedShape }]));
}

function addressable(graph: Graph): string[] {
  return Object.values(graph.signatures).flatMap((signature) => [
    ...Object.values(feedPoints(signature)).map((feed) => feed.tensorName),
    ...Object.values(signature.outputs).map((spec) => spec.tensorName),
  ]);
}

const tensorKey = (name: string) => {
  const { node, output } = parseInput(name);
  return `${node}:${output}`;
};

/** The nodes `outputs` need, inputs before readers, not looking past fed nodes or control edges. */
function needed(byName: ReadonlyMap<string, GraphNode>, outputs: string[], fed: ReadonlySet<string>): GraphNode[] {
  const order: GraphNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: { name: string; expanded: boolean }[] = outputs.map((output) => ({ name: parseInput(output).node, expanded: false }));
  while (stack.length) {
    const top = stack.pop()!;
    const node = byName.get(top.name);
    if (!node || state.get(top.name) === 'done') continue;
    if (top.expanded) {
      state.set(top.name, 'done');
      order.push(node);
      continue;
    }
    if (state.get(top.name) === 'open') continue; // a cycle (TF1 loops): lowering refuses their ops anyway
    state.set(top.name, 'open');
    stack.push({ name: top.name, expanded: true });
    if (fed.has(top.name)) continue;
    for (const input of dataInputs(node)) stack.push({ name: parseInput(input).node, expanded: false });
  }
  return order;
}

/** Refuses, naming them, the ops the table lacks among the nodes any runnable signature needs. */
function assertLowerable(graph: Graph, byName: ReadonlyMap<string, GraphNode>, what: string): void {
  const missing = new Map<string, GraphNode>();
  for (const signature of Object.values(graph.signatures)) {
    if (signature.unavailable) continue;
    const feeds = Object.values(feedPoints(signature)).map((feed) => feed.tensorName);
    const fed = new Set(feeds.map((feed) => parseInput(feed).node));
    for (const node of needed(byName, Object.values(signature.outputs).map((spec) => spec.tensorName), fed)) {
      if (!fed.has(node.name) && !OP_TABLE.has(node.op)) missing.set(node.name, node);
    }
  }
  if (!missing.size) return;
  const unsupported = [...missing.values()];
  const ops = [...new Set(unsupported.map((node) => node.op))].sort();
  const shown = unsupported.slice(0, 10).map((node) => `${node.name} (${node.op})`).join(', ');
  throw new FailedPreconditionError(
    `${what} uses op${ops.length > 1 ? 's' : ''} the ONNX lowering cannot map: ${ops.join(', ')} — at ${shown}${unsupported.length > 10 ? `, and ${unsupported.length - 10} more` : ''}`,
  );
}

function lowerSignature(byName: ReadonlyMap<string, GraphNode>, signatureName: string, signature: Signature, what: string): LoweredSignature {
  const ctx = new LowerContext(`${what} signature '${signatureName}'`);
  const feeds = feedPoints(signature);
  const outputs = Object.entries(signature.outputs);
  const fed = new Set(Object.values(feeds).map((feed) => parseInput(feed.tensorName).node));

  // Graph inputs keep their aliases as ONNX names (outputs too, where they do not clash).
  const inputNames: Record<string, string> = {};
  const graphInputs: ValueInfoProto[] = [];
  for (const [alias, feed] of Object.entries(feeds)) {
    if (feed.dtype === 'DT_STRING') throw new FailedPreconditionError(`${what} signature '${signatureName}': input '${alias}' is DT_STRING, which the ONNX lowering does not take`);
    const name = ctx.reserve(alias) ? alias : ctx.fresh(alias);
    inputNames[alias] = name;
    const placeholder = byName.get(parseInput(feed.tensorName).node);
    const declared = placeholder?.op === 'Placeholder' && placeholder.attrs.shape?.kind === 'shape' ? placeholder.attrs.shape.value : undefined;
    const tracked = declared ?? feed.shape ?? undefined;
    ctx.define(tensorKey(feed.tensorName), ctx.value(name, feed.dtype, tracked ?? undefined));
    graphInputs.push(valueInfo(name, feed.dtype, feed.shape));
  }
  const outputNames: Record<string, string> = {};
  for (const [alias] of outputs) outputNames[alias] = ctx.reserve(alias) ? alias : ctx.fresh(alias);

  for (const node of needed(byName, outputs.map(([, spec]) => spec.tensorName), fed)) {
    if (fed.has(node.name)) continue;
    const values = EMITTERS[OP_TABLE.get(node.op)!.family](ctx, node, OP_TABLE.get(node.op)!);
    values.forEach((value, i) => ctx.define(`${node.name}:${i}`, value));
  }

  const graphOutputs: ValueInfoProto[] = [];
  for (const [alias, spec] of outputs) {
    const lowered = ctx.lookup(tensorKey(spec.tensorName));
    if (!lowered) throw new FailedPreconditionError(`${what} signature '${signatureName}': output '${alias}' (${spec.tensorName}) is not computed by the graph`);
    if (spec.dtype === 'DT_STRING') throw new FailedPreconditionError(`${what} signature '${signatureName}': output '${alias}' is DT_STRING, which the ONNX lowering does not produce`);
    ctx.emit('Identity', [ctx.tf(cast(ctx, lowered, spec.dtype))], {}, { names: [outputNames[alias]] });
    graphOutputs.push(valueInfo(outputNames[alias], spec.dtype, undefined));
  }

  const read = new Set(ctx.nodes.flatMap((node) => node.input));
  const usedInputs = graphInputs.filter((input) => read.has(input.name));
  const model: ModelProto = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'lambda-serving',
    doc_string: `${what}, signature '${signatureName}'`,
    graph: { name: signatureName, node: ctx.nodes, initializer: ctx.initializers, input: usedInputs, output: graphOutputs },
    metadata_props: [
      { key: 'lambda_serving.signature', value: signatureName },
      { key: 'lambda_serving.inputs', value: JSON.stringify(Object.fromEntries(Object.entries(inputNames).filter(([, name]) => read.has(name)))) },
      { key: 'lambda_serving.outputs', value: JSON.stringify(outputNames) },
    ],
  };
  return {
    bytes: encodeModel(model),
    inputs: Object.fromEntries(Object.entries(inputNames).filter(([, name]) => read.has(name))),
    outputs: outputNames,
  };
}

function valueInfo(name: string, dtype: DType, shape: number[] | null | undefined): ValueInfoProto {
  const dims: DimensionProto[] | undefined = shape?.map((size, i) => (size >= 0 ? { dim_value: size } : { dim_param: `${name}_${i}` }));
  return { name, type: { tensor_type: { elem_type: ONNX_TYPE_OF[dtype], ...(dims ? { shape: { dim: dims } } : {}) } } };
}
