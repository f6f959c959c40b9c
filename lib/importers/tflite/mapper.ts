/**
 * TFLite model structs → the engine-neutral graph: each signature's subgraph becomes TensorFlow
 * nodes (ops.ts / convert-ops.ts), constants become Consts (quantized ones dequantized), and
 * TFLite SignatureDefs become TF Serving signatures.
 *
 * Batch size: TFLite converters often fix dimension 0 at 1 (`shape` [1,224,224,3], no
 * `shape_signature`). The mapper follows dimension 0 of every input through the ops (ops.ts
 * `BatchRule`); when every output still carries it and no op depends on its size, the batch is
 * made dynamic (-1) in the signature, the Placeholders and any reshape/slice that spelled it out,
 * so a request may hold any number of examples. Otherwise the file's shapes stand, and a request
 * with another batch size gets a 400 naming the expected shape. A graph of elementwise ops only
 * takes any shape at all, as TF Serving's TFLite path does (see elementwiseOnly).
 * @module importers/tflite/mapper
 */
import { FailedPreconditionError } from '../../errors.ts';
import { DEFAULT_SIGNATURE, PREDICT_METHOD, type SignatureMap, type TensorSpec } from '../../tensors/signature.ts';
import type { DType, HostTensor } from '../../tensors/host-tensor.ts';
import { constAttrs, constNode, pruneTo, type AttrValue, type Graph, type GraphNode } from '../../graph/graph.ts';
import { OpContext, uniqueName, type SubgraphState } from './context.ts';
import { CONVERTERS } from './convert-ops.ts';
import { OP_SPECS, type SupportedBuiltin } from './ops.ts';
import type { TfliteModel, TfliteSubGraph, TfliteTensor } from './reader.ts';
import { builtinName, CUSTOM_OPERATOR } from './schema.ts';
import { decodeConstant, graphDType, isQuantized, storedDType, typeName } from './tensors.ts';

interface SignaturePlan {
  key: string;
  subgraph: number;
  inputs: { alias: string; tensor: number }[];
  outputs: { alias: string; tensor: number }[];
}

interface MappedSubgraph {
  /** Graph reference of each tensor a signature reads or feeds. */
  refs: Map<number, string>;
  /** Placeholder nodes by input tensor. */
  placeholders: Map<number, GraphNode>;
  /** Whether dimension 0 of the inputs became dynamic. */
  dynamicBatch: boolean;
  carries: Set<number>;
  /** Elementwise ops only: requests may have any shape (see elementwiseOnly). */
  anyShape: boolean;
}

export function mapTflite(model: TfliteModel, what: string): Graph {
  validateIndexes(model, what);
  const plans = signaturePlans(model, what);
  const used = [...new Set(plans.map((plan) => plan.subgraph))].sort((a, b) => a - b);
  assertSupported(model, used, what);

  const nodes: GraphNode[] = [];
  const taken = new Set<string>();
  const mapped = new Map<number, MappedSubgraph>();
  for (const [n, k] of used.entries()) {
    const prefix = n === 0 ? '' : `subgraph_${k}/`;
    mapped.set(k, mapSubgraph(model, k, prefix, nodes, taken, what));
  }

  const signatures: SignatureMap = {};
  const feeds: string[] = [];
  const fetches: string[] = [];
  for (const plan of plans) {
    const sub = mapped.get(plan.subgraph)!;
    const tensors = model.subgraphs[plan.subgraph].tensors;
    const spec = (tensor: number, input: boolean): TensorSpec => {
      const t = tensors[tensor];
      // Inputs are fed at their Placeholder (what the graph reads may be its dequantized value).
      const ref = (input ? sub.placeholders.get(tensor)?.name : undefined) ?? sub.refs.get(tensor);
      if (ref === undefined) throw new FailedPreconditionError(`${what}: signature '${plan.key}' names tensor ${tensor} ('${t.name}'), which nothing produces`);
      const shape = declaredShape(t, sub.dynamicBatch && sub.carries.has(tensor));
      const dtype = ioDType(t) ?? unsupportedType(t, what);
      return input ? { tensorName: tensorName(ref), dtype, shape, feedShape: sub.anyShape ? null : shape } : { tensorName: tensorName(ref), dtype, shape };
    };
    const inputs = Object.fromEntries(plan.inputs.map(({ alias, tensor }) => [alias, spec(tensor, true)]));
    const outputs = Object.fromEntries(plan.outputs.map(({ alias, tensor }) => [alias, spec(tensor, false)]));
    feeds.push(...Object.values(inputs).map((s) => s.tensorName));
    fetches.push(...Object.values(outputs).map((s) => s.tensorName));
    signatures[plan.key] = { methodName: PREDICT_METHOD, inputs, outputs };
  }
  return { source: 'tflite', nodes: pruneTo(nodes, fetches, feeds), signatures };
}

function mapSubgraph(model: TfliteModel, k: number, prefix: string, nodes: GraphNode[], taken: Set<string>, what: string): MappedSubgraph {
  const subgraph = model.subgraphs[k];
  const where = `${what}: subgraph ${k}`;
  const state: SubgraphState = {
    what,
    tensors: subgraph.tensors,
    nodes,
    refs: new Map(),
    constants: new Map(),
    tensorNodes: subgraph.tensors.map((t, i) => uniqueName(taken, prefix + nodeName(t.name, i))),
    taken,
    carries: new Set(),
    batchFixedBy: [],
  };
  for (const [i, tensor] of subgraph.tensors.entries()) {
    const data = model.buffers[tensor.buffer].data;
    if (!data.byteLength || subgraph.inputs.includes(i)) continue;
    if (tensor.sparse) throw new FailedPreconditionError(`${where}: tensor ${i} ('${tensor.name}') is sparse, which is not supported`);
    const value = decodeConstant(tensor, data);
    if (typeof value === 'string') throw new FailedPreconditionError(`${where}: constant tensor ${i} ('${tensor.name}') ${value}`);
    state.constants.set(i, value);
  }

  const placeholders = new Map<number, GraphNode>();
  for (const i of subgraph.inputs) {
    const tensor = subgraph.tensors[i];
    const dtype = ioDType(tensor) ?? unsupportedType(tensor, where);
    const placeholder: GraphNode = { name: state.tensorNodes[i], op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: dtype } } };
    nodes.push(placeholder);
    placeholders.set(i, placeholder);
    state.refs.set(i, isQuantized(tensor) ? dequantizeInput(state, i, tensor, where) : placeholder.name);
    const sig = tensor.shapeSignature;
    if (tensor.shape.length > 0 && (tensor.shape[0] === 1 || sig?.[0] === -1)) state.carries.add(i);
  }

  for (const [index, op] of subgraph.operators.entries()) {
    const builtin = operatorName(model, op.opcodeIndex);
    const ctx = new OpContext(state, op, index, builtin);
    for (const i of op.outputs) {
      if (!graphDType(subgraph.tensors[i])) ctx.fail(`output tensor '${subgraph.tensors[i].name}' has unsupported type ${typeName(subgraph.tensors[i].type)}`);
    }
    applyBatchRule(ctx, OP_SPECS.get(builtin)!.batch);
    CONVERTERS[builtin as SupportedBuiltin](ctx);
    op.outputs.forEach((tensor, i) => {
      if (!state.refs.has(tensor) && !state.constants.has(tensor)) state.refs.set(tensor, ctx.out(i));
    });
  }

  const outputs = subgraph.outputs;
  for (const i of outputs) {
    if (!state.refs.has(i) && state.constants.has(i)) {
      const name = state.tensorNodes[i];
      nodes.push(constNode(name, state.constants.get(i)!));
      state.refs.set(i, name);
    }
    const tensor = subgraph.tensors[i];
    if (isQuantized(tensor) && state.refs.has(i)) state.refs.set(i, quantizeOutput(state, i, tensor, where));
  }

  const carriedInputs = subgraph.inputs.filter((i) => state.carries.has(i));
  const dynamicBatch = carriedInputs.length > 0 && state.batchFixedBy.length === 0 && outputs.every((i) => state.carries.has(i));
  const anyShape = elementwiseOnly(model, subgraph);
  for (const [i, placeholder] of placeholders) {
    // TF.js checks what it is fed against the Placeholder's shape: unknown rank lets any through.
    const shape = anyShape ? null : declaredShape(subgraph.tensors[i], dynamicBatch && state.carries.has(i));
    placeholder.attrs.shape = { kind: 'shape', value: shape };
  }
  return { refs: state.refs, placeholders, dynamicBatch, carries: state.carries, anyShape };
}

/** The op families whose ops work elementwise on inputs of any shape. */
const ELEMENTWISE_FAMILIES = new Set(['arithmetic', 'activation', 'basic_math']);

/**
 * True when every op is elementwise and every constant holds one value: then any input shape
 * works, as TFLite's ResizeInputTensor (which TF Serving calls with the request's shape) allows.
 * That is how TF Serving answers `{"instances": [2.0, 3.0, 4.0]}` from a half_plus_two whose
 * input is declared [1,1]. Other models keep their declared shape (batch aside), because a
 * mapped graph may have baked shapes in (an unrolled LSTM's time steps) where TFLite would not.
 */
function elementwiseOnly(model: TfliteModel, subgraph: TfliteSubGraph): boolean {
  const scalarOrData = (i: number) => i < 0 || !model.buffers[subgraph.tensors[i].buffer].data.byteLength || subgraph.tensors[i].shape.every((dim) => dim === 1);
  return subgraph.operators.every((op) => {
    const family = OP_SPECS.get(operatorName(model, op.opcodeIndex))?.family;
    return family !== undefined && ELEMENTWISE_FAMILIES.has(family) && op.inputs.every(scalarOrData);
  });
}

/** The generic part of an op's batch rule; `custom` ops decide in their converter. */
function applyBatchRule(ctx: OpContext, rule: string): void {
  const data = ctx.dataInputs();
  const carrying = data.filter((i) => ctx.carries(i));
  switch (rule) {
    case 'same':
      if (carrying.some((i) => i !== 0)) ctx.fixBatch('reads the batch in a parameter input');
      else ctx.setCarries(ctx.carries(0));
      return;
    case 'axis':
      if (carrying.length && carrying.length !== data.length) ctx.fixBatch('joins batch and non-batch tensors');
      else ctx.setCarries(carrying.length > 0);
      return;
    case 'broadcast': {
      if (!carrying.length) return ctx.setCarries(false);
      const rank = ctx.outShape().length;
      const fits = ctx.op.inputs.every((index, i) => {
        if (index < 0) return true;
        const shape = ctx.shape(i);
        return ctx.carries(i) ? shape.length === rank : shape.length < rank || shape[0] === 1;
      });
      if (fits) ctx.setCarries(true);
      else ctx.fixBatch('broadcasts the batch against a fixed-size dimension');
      return;
    }
    case 'none':
      ctx.fixBatch('does not keep dimension 0');
      return;
    default:
      ctx.setCarries(false);
  }
}

/** Declared shape: shape_signature (-1 = dynamic) else shape; null for unknown rank. */
function declaredShape(tensor: TfliteTensor, dynamicBatch: boolean): number[] | null {
  if (!tensor.shape.length && !tensor.hasRank && !tensor.shapeSignature?.length) return null;
  const shape = [...(tensor.shapeSignature ?? tensor.shape)];
  if (dynamicBatch && shape.length) shape[0] = -1;
  return shape;
}

/** What a signature feeds or returns: quantized tensors keep their integer type at the boundary. */
function ioDType(tensor: TfliteTensor): DType | undefined {
  return isQuantized(tensor) ? storedDType(tensor.type) : graphDType(tensor);
}

function unsupportedType(tensor: TfliteTensor, where: string): never {
  throw new FailedPreconditionError(`${where}: tensor '${tensor.name}' has unsupported type ${typeName(tensor.type)}`);
}

/** A quantized input: fed as integers, computed as scale·(q − zero_point). */
function dequantizeInput(state: SubgraphState, i: number, tensor: TfliteTensor, where: string): string {
  const { scale, zeroPoint } = tensor.quantization!;
  if (scale.length !== 1) throw new FailedPreconditionError(`${where}: input '${tensor.name}' is quantized per channel, which is not supported`);
  const base = state.tensorNodes[i];
  const name = (suffix: string) => uniqueName(state.taken, `${base}/${suffix}`);
  const cast = push(state, name('to_float'), 'Cast', [base], { SrcT: type(storedDType(tensor.type)!), DstT: type('DT_FLOAT') });
  const centered = push(state, name('centered'), 'Sub', [cast, scalarConst(state, name('zero_point'), zeroPoint[0] ?? 0)], { T: type('DT_FLOAT') });
  return push(state, name('dequantized'), 'Mul', [centered, scalarConst(state, name('scale'), scale[0])], { T: type('DT_FLOAT') });
}

/** A quantized output: returned as its integers, round(x/scale) + zero_point, saturated. */
function quantizeOutput(state: SubgraphState, i: number, tensor: TfliteTensor, where: string): string {
  const { scale, zeroPoint } = tensor.quantization!;
  if (scale.length !== 1) throw new FailedPreconditionError(`${where}: output '${tensor.name}' is quantized per channel, which is not supported`);
  const ranges: Record<string, [number, number]> = { DT_INT8: [-128, 127], DT_UINT8: [0, 255], DT_INT16: [-32768, 32767] };
  const [low, high] = ranges[storedDType(tensor.type)!] ?? [-2147483648, 2147483647];
  const base = `${state.tensorNodes[i]}/quantized`;
  const name = (suffix: string) => uniqueName(state.taken, `${base}/${suffix}`);
  const f = { T: type('DT_FLOAT') };
  const scaled = push(state, name('scaled'), 'Mul', [state.refs.get(i)!, scalarConst(state, name('inverse_scale'), 1 / scale[0])], f);
  const rounded = push(state, name('rounded'), 'Round', [scaled], f);
  const shifted = push(state, name('shifted'), 'AddV2', [rounded, scalarConst(state, name('zero_point'), zeroPoint[0] ?? 0)], f);
  const clipped = push(state, name('saturated'), 'ClipByValue', [shifted, scalarConst(state, name('min'), low), scalarConst(state, name('max'), high)], f);
  return push(state, uniqueName(state.taken, base), 'Cast', [clipped], { SrcT: type('DT_FLOAT'), DstT: type('DT_INT32') });
}

function push(state: SubgraphState, name: string, op: string, inputs: string[], attrs: Record<string, AttrValue>): string {
  state.nodes.push({ name, op, inputs, attrs });
  return name;
}

function scalarConst(state: SubgraphState, name: string, value: number): string {
  const tensor: HostTensor = { dtype: 'DT_FLOAT', shape: [], values: Float32Array.of(value) };
  return push(state, name, 'Const', [], constAttrs(tensor));
}

function type(value: string): AttrValue {
  return { kind: 'type', value };
}

/** A TFLite tensor name as a graph node name: no `:k` suffix, no `:` or leading `^`. */
function nodeName(name: string, index: number): string {
  const cleaned = name.replace(/:\d+$/, '').replace(/:/g, '_').replace(/^\^/, '_');
  return cleaned || `tensor_${index}`;
}

function tensorName(ref: string): string {
  return /:\d+$/.test(ref) ? ref : `${ref}:0`;
}

function operatorName(model: TfliteModel, opcodeIndex: number): string {
  return builtinName(model.operatorCodes[opcodeIndex].builtinCode);
}

function signaturePlans(model: TfliteModel, what: string): SignaturePlan[] {
  if (!model.subgraphs.length) throw new FailedPreconditionError(`${what}: the model has no subgraphs`);
  if (!model.signatureDefs.length) {
    const subgraph = model.subgraphs[0];
    const named = (list: number[]) => list.map((tensor) => ({ alias: subgraph.tensors[tensor].name || `tensor_${tensor}`, tensor }));
    return [{ key: DEFAULT_SIGNATURE, subgraph: 0, inputs: named(subgraph.inputs), outputs: named(subgraph.outputs) }];
  }
  return model.signatureDefs.map((def) => {
    const subgraph = model.subgraphs[def.subgraphIndex];
    if (!subgraph) throw new FailedPreconditionError(`${what}: signature '${def.key}' refers to subgraph ${def.subgraphIndex}, but the model has ${model.subgraphs.length}`);
    const entries = (list: { name: string; tensorIndex: number }[]) =>
      list.map(({ name, tensorIndex }) => {
        if (tensorIndex >= subgraph.tensors.length) {
          throw new FailedPreconditionError(`${what}: signature '${def.key}' names tensor ${tensorIndex}, but subgraph ${def.subgraphIndex} has ${subgraph.tensors.length}`);
        }
        return { alias: name, tensor: tensorIndex };
      });
    return { key: def.key || DEFAULT_SIGNATURE, subgraph: def.subgraphIndex, inputs: entries(def.inputs), outputs: entries(def.outputs) };
  });
}

/** Every index in the file points at something that exists (before anything is followed). */
function validateIndexes(model: TfliteModel, what: string): void {
  const bad = (message: string): never => {
    throw new FailedPreconditionError(`${what} is not a valid TFLite model: ${message}`);
  };
  model.subgraphs.forEach((subgraph: TfliteSubGraph, k) => {
    const count = subgraph.tensors.length;
    subgraph.tensors.forEach((tensor, i) => {
      if (tensor.buffer >= model.buffers.length) bad(`subgraph ${k} tensor ${i} ('${tensor.name}') refers to buffer ${tensor.buffer}, but the model has ${model.buffers.length} buffers`);
      if (tensor.shape.some((dim) => dim < -1)) bad(`subgraph ${k} tensor ${i} ('${tensor.name}') has shape [${tensor.shape}]`);
    });
    for (const [list, name] of [[subgraph.inputs, 'inputs'], [subgraph.outputs, 'outputs']] as const) {
      for (const i of list) if (i < 0 || i >= count) bad(`subgraph ${k} ${name} name tensor ${i}, but it has ${count} tensors`);
    }
    subgraph.operators.forEach((op, n) => {
      if (op.opcodeIndex >= model.operatorCodes.length) bad(`subgraph ${k} operator ${n} uses opcode ${op.opcodeIndex}, but the model has ${model.operatorCodes.length}`);
      for (const i of op.inputs) if (i < -1 || i >= count) bad(`subgraph ${k} operator ${n} reads tensor ${i}, but it has ${count} tensors`);
      for (const i of op.outputs) if (i < 0 || i >= count) bad(`subgraph ${k} operator ${n} writes tensor ${i}, but it has ${count} tensors`);
    });
  });
}

/** Refuses, before mapping anything, a model with builtins this importer has no mapping for. */
function assertSupported(model: TfliteModel, used: number[], what: string): void {
  const found: { op: string; where: string }[] = [];
  for (const k of used) {
    const subgraph = model.subgraphs[k];
    subgraph.operators.forEach((op, n) => {
      const code = model.operatorCodes[op.opcodeIndex];
      if (OP_SPECS.has(builtinName(code.builtinCode))) return;
      const name = code.builtinCode === CUSTOM_OPERATOR ? `CUSTOM '${code.customCode ?? ''}'` : builtinName(code.builtinCode);
      const output = subgraph.tensors[op.outputs[0]]?.name;
      found.push({ op: name, where: `${used.length > 1 ? `subgraph ${k} ` : ''}operator ${n}${output ? ` → '${output}'` : ''}` });
    });
  }
  if (!found.length) return;
  const ops = [...new Set(found.map((f) => f.op))];
  const shown = found.slice(0, 10).map((f) => `${f.where} (${f.op})`).join(', ');
  throw new FailedPreconditionError(
    `${what} uses TFLite op${ops.length > 1 ? 's' : ''} this importer cannot map: ${ops.join(', ')} — at ${shown}${found.length > 10 ? `, and ${found.length - 10} more` : ''}`,
  );
}
