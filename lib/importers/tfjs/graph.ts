/**
 * A TF.js graph model (`model.json` with `modelTopology.node`, the GraphDef in protobuf JSON as
 * tensorflowjs_converter writes it) → the engine-neutral `Graph`: each node's attributes decoded
 * as the TensorFlow importers decode a NodeDef's (`{"i": "3"}` → int, `{"s": <base64>}` → bytes,
 * `{"list": {"i": [...]}}`, `{"shape": {"dim": [{"size": "-1"}]}}`, inline `{"tensor": …}`), each
 * Const given its weight from the manifest (in the dtype the node declares: TF.js stores int64
 * constants as int32), and the signatures TF.js serves for the same folder (tfjs-signatures.ts).
 * TF.js-only ops the converter emits (`FusedDepthwiseConv2dNative`, `Prelu`, `_FusedConv2D` with
 * its `fused_ops`) stay as they are: engines lower them.
 * @module importers/tfjs/graph
 */
import { FailedPreconditionError } from '../../errors.ts';
import { constAttrs, parseInput, type AttrValue, type Graph, type GraphNode } from '../../graph/graph.ts';
import { floatsToHalfs } from '../../tensors/float16.ts';
import { allocateValues, numbersOf, type DType, type HostTensor } from '../../tensors/host-tensor.ts';
import { tfjsGraphSignatures, type GraphEndpoint } from '../../tensors/tfjs-signatures.ts';
import { dtypeOf, mapAttr } from '../tensorflow/mapper.ts';
import { fillDefaultAttrs } from '../tensorflow/op-defaults.ts';
import type { AttrListValueProto, AttrValueProto, TensorProtoMsg, TensorShapeProtoMsg } from '../tensorflow/proto-types.ts';
import type { TfjsFolder } from './model-json.ts';

/** One GraphDef node in protobuf JSON. */
interface NodeJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrJson>;
}

type AttrJson = Record<string, unknown>;

/** True when `model.json`'s topology is a GraphDef (a graph model) rather than a Keras config. */
export function isGraphModelJson(json: TfjsFolder['json']): boolean {
  if (json.format) return json.format === 'graph-model';
  return Array.isArray((json.modelTopology as { node?: unknown } | undefined)?.node);
}

/** The graph model in `folder` as a `Graph`; `what` names it in errors. */
export function tfjsGraphToGraph(folder: TfjsFolder, what: string): Graph {
  const topology = folder.json.modelTopology as { node?: NodeJson[]; library?: { function?: unknown[] } };
  if (!Array.isArray(topology.node)) throw new FailedPreconditionError(`${what}: modelTopology has no node list`);
  if (topology.library?.function?.length) {
    throw new FailedPreconditionError(`${what}: the graph has a function library (TF2 control flow), which this reader does not map`);
  }
  const nodes = fillDefaultAttrs(topology.node.map((node) => mapNode(node, folder.weights, what)));
  const signatures = tfjsGraphSignatures(folder.json, () => graphEndpoints(topology.node!, folder.json));
  return { source: `tfjs_graph_model (${folder.json.convertedBy ?? folder.json.generatedBy ?? 'model.json'})`, nodes, signatures };
}

function mapNode(node: NodeJson, weights: ReadonlyMap<string, HostTensor>, what: string): GraphNode {
  if (typeof node?.name !== 'string' || typeof node.op !== 'string') throw new FailedPreconditionError(`${what}: a node without a name and op: ${JSON.stringify(node).slice(0, 200)}`);
  const attrs: Record<string, AttrValue> = {};
  for (const [name, value] of Object.entries(node.attr ?? {})) {
    if (node.op === 'Const' && name === 'value') continue;
    attrs[name] = mapAttr(attrProto(value, `${what}: ${node.name}.${name}`), `${node.name}.${name}`);
  }
  if (node.op === 'Const') {
    const declared = attrs.dtype?.kind === 'type' ? dtypeOf(String(attrs.dtype.value)) : undefined;
    const weight = weights.get(node.name);
    const inline = node.attr?.value?.tensor as Record<string, unknown> | undefined;
    let tensor: HostTensor;
    if (weight) tensor = declared ? inDType(weight, declared) : weight;
    else if (inline && hasValues(inline)) tensor = (mapAttr(attrProto({ tensor: inline }, `${what}: ${node.name}.value`), node.name) as { value: HostTensor }).value;
    else throw new FailedPreconditionError(`${what}: Const ${node.name} has no weight in the manifest`);
    Object.assign(attrs, constAttrs(tensor));
  }
  return { name: node.name, op: node.op, inputs: [...(node.input ?? [])], attrs };
}

function hasValues(tensor: Record<string, unknown>): boolean {
  return Object.keys(tensor).some((key) => key.endsWith('Val') || key === 'tensorContent');
}

/**
 * A weight in the dtype its Const declares: TF.js weights are float32, int32, bool or string, so
 * int64 (and narrower integer or float64/float16) constants were stored converted.
 */
function inDType(tensor: HostTensor, dtype: DType): HostTensor {
  if (tensor.dtype === dtype || dtype === 'DT_STRING' || tensor.dtype === 'DT_STRING') return tensor;
  const numbers = numbersOf(tensor);
  if (dtype === 'DT_HALF') return { dtype, shape: tensor.shape, values: floatsToHalfs(numbers) };
  const values = allocateValues(dtype, numbers.length) as unknown as { [i: number]: number | bigint };
  const big = dtype === 'DT_INT64' || dtype === 'DT_UINT64';
  for (let i = 0; i < numbers.length; i++) values[i] = big ? BigInt(Math.trunc(numbers[i])) : numbers[i];
  return { dtype, shape: tensor.shape, values } as HostTensor;
}

// ------------------------------------------------------------------------- protobuf JSON → AttrValueProto

/** DataType enum numbers, for JSON that spells a type as its number. */
const DATA_TYPES: Record<number, string> = {
  1: 'DT_FLOAT', 2: 'DT_DOUBLE', 3: 'DT_INT32', 4: 'DT_UINT8', 5: 'DT_INT16', 6: 'DT_INT8', 7: 'DT_STRING',
  9: 'DT_INT64', 10: 'DT_BOOL', 14: 'DT_BFLOAT16', 17: 'DT_UINT16', 19: 'DT_HALF', 22: 'DT_UINT32', 23: 'DT_UINT64',
};

const typeName = (value: unknown): string => (typeof value === 'number' ? (DATA_TYPES[value] ?? `DataType(${value})`) : String(value));
const bytes = (base64: unknown): Uint8Array => new Uint8Array(Buffer.from(String(base64 ?? ''), 'base64'));
/** Proto JSON numbers: numbers, or strings for int64 and for NaN/Infinity. */
const number = (value: unknown): number => Number(value);
const list = <T>(value: unknown, map: (item: unknown) => T): T[] => (Array.isArray(value) ? value.map(map) : []);

function attrProto(json: AttrJson, where: string): AttrValueProto {
  if (!json || typeof json !== 'object') throw new FailedPreconditionError(`${where} is not an AttrValue: ${JSON.stringify(json)}`);
  if ('list' in json) return { kind: 'list', list: listProto((json.list ?? {}) as Record<string, unknown>, where) };
  if ('s' in json) return { kind: 's', s: bytes(json.s) };
  if ('i' in json) return { kind: 'i', i: BigInt(json.i as string | number) };
  if ('f' in json) return { kind: 'f', f: number(json.f) };
  if ('b' in json) return { kind: 'b', b: Boolean(json.b) };
  if ('type' in json) return { kind: 'type', type: typeName(json.type) };
  if ('shape' in json) return { kind: 'shape', shape: shapeProto(json.shape) };
  if ('tensor' in json) return { kind: 'tensor', tensor: tensorProto((json.tensor ?? {}) as Record<string, unknown>) };
  if ('func' in json) {
    const func = (json.func ?? {}) as { name?: string; attr?: Record<string, AttrJson> };
    return { kind: 'func', func: { name: func.name ?? '', attr: Object.fromEntries(Object.entries(func.attr ?? {}).map(([k, v]) => [k, attrProto(v, `${where}.${k}`)])) } };
  }
  if ('placeholder' in json) return { kind: 'placeholder', placeholder: String(json.placeholder) };
  return { kind: 'none' };
}

function listProto(json: Record<string, unknown>, where: string): AttrListValueProto {
  return {
    s: list(json.s, bytes),
    i: list(json.i, (v) => BigInt(v as string | number)),
    f: list(json.f, number),
    b: list(json.b, Boolean),
    type: list(json.type, typeName),
    shape: list(json.shape, shapeProto),
    tensor: list(json.tensor, (t) => tensorProto(t as Record<string, unknown>)),
    func: list(json.func, (f) => (attrProto({ func: f }, where) as Extract<AttrValueProto, { kind: 'func' }>).func),
  };
}

function shapeProto(json: unknown): TensorShapeProtoMsg {
  const shape = (json ?? {}) as { dim?: { size?: string | number; name?: string }[]; unknownRank?: boolean };
  // Proto JSON leaves out zero values: a dim without a size has size 0.
  return { dim: (shape.dim ?? []).map((dim) => ({ size: number(dim.size ?? 0), name: dim.name ?? '' })), unknown_rank: Boolean(shape.unknownRank) };
}

function tensorProto(json: Record<string, unknown>): TensorProtoMsg {
  return {
    dtype: typeName(json.dtype ?? 'DT_FLOAT'),
    tensor_shape: shapeProto(json.tensorShape),
    version_number: number(json.versionNumber ?? 0),
    tensor_content: bytes(json.tensorContent),
    half_val: list(json.halfVal, number),
    float_val: list(json.floatVal, number),
    double_val: list(json.doubleVal, number),
    int_val: list(json.intVal, number),
    string_val: list(json.stringVal, bytes),
    scomplex_val: list(json.scomplexVal, number),
    int64_val: list(json.int64Val, (v) => BigInt(v as string | number)),
    bool_val: list(json.boolVal, Boolean),
    dcomplex_val: list(json.dcomplexVal, number),
    uint32_val: list(json.uint32Val, number),
    uint64_val: list(json.uint64Val, (v) => BigInt(v as string | number)),
    float8_val: bytes(json.float8Val),
  };
}

// ------------------------------------------------------------------------- inputs and outputs

/**
 * The graph's inputs and outputs as tfjs-converter's `OperationMapper.transformGraph` finds them
 * (what a GraphModel's `inputs`/`outputs` list): with a signature in `userDefinedMetadata` (older
 * converters put it there), the nodes it names; else the Placeholders and the nodes nothing
 * reads. Dtypes as TF.js sees them (int64 as int32).
 */
type SignatureNames = { inputs?: Record<string, { name: string }>; outputs?: Record<string, { name: string }> };

function graphEndpoints(nodes: NodeJson[], json: TfjsFolder['json']): { inputs: GraphEndpoint[]; outputs: GraphEndpoint[] } {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const metadata = json.userDefinedMetadata as { signature?: SignatureNames } | undefined;
  const signature = (metadata?.signature ?? json.signature) as SignatureNames | undefined;
  const named = (entries: Record<string, { name: string }> | undefined) =>
    Object.values(entries ?? {}).map((tensor) => byName.get(parseInput(tensor.name).node)).filter((node): node is NodeJson => node !== undefined);
  const read = new Set(nodes.flatMap((node) => (node.input ?? []).map((input) => parseInput(input).node)));
  const inputs = Object.keys(signature?.inputs ?? {}).length ? named(signature!.inputs) : nodes.filter((node) => node.op.startsWith('Placeholder'));
  const outputs = Object.keys(signature?.outputs ?? {}).length ? named(signature!.outputs) : nodes.filter((node) => !read.has(node.name));
  return { inputs: inputs.map(endpoint), outputs: outputs.map(endpoint) };
}

function endpoint(node: NodeJson): GraphEndpoint {
  const placeholder = node.op.startsWith('Placeholder');
  const shape = placeholder && node.attr?.shape ? shapeProto(node.attr.shape.shape) : undefined;
  const dtype = node.attr?.dtype?.type;
  return {
    name: node.name,
    ...(shape && !shape.unknown_rank ? { shape: shape.dim.map((dim) => dim.size) } : {}),
    dtype: asTfjsSees(dtype === undefined ? undefined : typeName(dtype)),
  };
}

/** The TensorFlow dtype a TF.js graph input or output reports (tfjs-converter's parseDtypeParam, then back). */
function asTfjsSees(dtype: string | undefined): DType {
  switch (dtype) {
    case 'DT_INT32':
    case 'DT_INT64':
    case 'DT_INT8':
    case 'DT_UINT8':
      return 'DT_INT32';
    case 'DT_BOOL':
      return 'DT_BOOL';
    case 'DT_STRING':
      return 'DT_STRING';
    default:
      return 'DT_FLOAT';
  }
}
