/**
 * Typed decoders for TensorFlow's own protobuf files, built on the schema in `./proto-schema.ts`:
 * `saved_model.pb` (SavedModel), frozen GraphDef `.pb` files, the checkpoint index's
 * BundleHeaderProto / BundleEntryProto values and the checkpoint's TrackableObjectGraph.
 *
 * Conventions of every decoded object:
 * - Field names are the `.proto` names (snake_case), like TF Serving's JSON.
 * - Enums are their names: `'DT_FLOAT'`, `'LITTLE'`, `'V2'`. A number the schema does not know
 *   becomes `'<EnumName>(<n>)'`, e.g. `'DataType(99)'`.
 * - int64 fields: `number` where the value is a size, index, offset or count (dim sizes, BundleEntry
 *   offset/size, schema versions, AttrDef.minimum); exact up to 2^53, which no real file exceeds.
 *   `bigint` where the value is data and may use all 64 bits: TensorProto.int64_val/uint64_val,
 *   AttrValue.i and AttrValue.list.i, CollectionDef int64_list, StructuredValue.int64_value.
 * - bytes fields are plain `Uint8Array` views into the decoded buffer (no copy). Keep the input
 *   buffer unchanged while you use them.
 * - Defaults are filled: absent repeated fields are `[]`, maps `{}`, strings `''`, numbers `0`,
 *   absent sub-messages are their empty defaults (so an absent TensorShapeProto is a scalar shape,
 *   as in TensorFlow). The few fields where absence carries meaning are typed `| null` and say so.
 * - A oneof is exposed as a `kind` (or `encoding` for TensorInfo) discriminator naming the field
 *   that is set, or `'none'` when none is.
 *
 * Every decoder throws {@link ProtoDecodeError} (message:
 * `<source> is not a valid <Message> protobuf: <reason> (at byte <pos> of <length>)`) for truncated
 * or corrupted input.
 * @module importers/tensorflow/proto
 */
import protobuf from 'protobufjs';
import type { IConversionOptions } from 'protobufjs';
import { tensorflowProtoType } from './proto-schema.ts';

// ------------------------------------------------------------------------------------ errors

/** A TensorFlow protobuf (or a TensorProto's contents) could not be decoded. */
export class ProtoDecodeError extends Error {
  override readonly name = 'ProtoDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// ------------------------------------------------------------------------------------ types

/** A DataType enum name such as `'DT_FLOAT'` (`'DataType(<n>)'` for a number we do not know). */
export type DataTypeName = string;

export interface TensorShapeDimProto {
  /** -1 for an unknown dimension. */
  size: number;
  name: string;
}

export interface TensorShapeProtoMsg {
  dim: TensorShapeDimProto[];
  unknown_rank: boolean;
}

export interface TensorProtoMsg {
  dtype: DataTypeName;
  tensor_shape: TensorShapeProtoMsg;
  version_number: number;
  /** Raw little-endian element bytes; when non-empty it is used instead of the `*_val` fields. */
  tensor_content: Uint8Array;
  /** DT_HALF / DT_BFLOAT16 bit patterns (uint16 in an int32). */
  half_val: number[];
  float_val: number[];
  double_val: number[];
  /** DT_INT32, DT_INT16, DT_UINT16, DT_INT8, DT_UINT8. */
  int_val: number[];
  string_val: Uint8Array[];
  /** DT_COMPLEX64 as (real, imaginary) pairs. */
  scomplex_val: number[];
  int64_val: bigint[];
  bool_val: boolean[];
  /** DT_COMPLEX128 as (real, imaginary) pairs. */
  dcomplex_val: number[];
  uint32_val: number[];
  uint64_val: bigint[];
  float8_val: Uint8Array;
}

export interface AttrListValueProto {
  s: Uint8Array[];
  i: bigint[];
  f: number[];
  b: boolean[];
  type: DataTypeName[];
  shape: TensorShapeProtoMsg[];
  tensor: TensorProtoMsg[];
  func: NameAttrListProto[];
}

/** An AttrValue; `kind` names the oneof member that is set (`'none'`: nothing set). */
export type AttrValueProto =
  | { kind: 's'; s: Uint8Array }
  | { kind: 'i'; i: bigint }
  | { kind: 'f'; f: number }
  | { kind: 'b'; b: boolean }
  | { kind: 'type'; type: DataTypeName }
  | { kind: 'shape'; shape: TensorShapeProtoMsg }
  | { kind: 'tensor'; tensor: TensorProtoMsg }
  | { kind: 'list'; list: AttrListValueProto }
  | { kind: 'func'; func: NameAttrListProto }
  | { kind: 'placeholder'; placeholder: string }
  | { kind: 'none' };

export interface NameAttrListProto {
  name: string;
  attr: Record<string, AttrValueProto>;
}

export interface NodeDefProto {
  name: string;
  op: string;
  /** `node`, `node:1`, `^node` (control input); inside functions `node:out_arg:0`. */
  input: string[];
  device: string;
  attr: Record<string, AttrValueProto>;
}

export interface ArgDefProto {
  name: string;
  /** `'DT_INVALID'` when the type comes from `type_attr` or `type_list_attr`. */
  type: DataTypeName;
  type_attr: string;
  number_attr: string;
  type_list_attr: string;
  is_ref: boolean;
}

export interface AttrDefProto {
  name: string;
  /** `"int"`, `"list(type)"`, ... */
  type: string;
  /** null when the attr has no default (the attr is required). */
  default_value: AttrValueProto | null;
  has_minimum: boolean;
  minimum: number;
  /** null when the attr's values are not restricted. */
  allowed_values: AttrValueProto | null;
}

export interface OpDefProto {
  name: string;
  input_arg: ArgDefProto[];
  output_arg: ArgDefProto[];
  control_output: string[];
  attr: AttrDefProto[];
  is_commutative: boolean;
  is_aggregate: boolean;
  is_stateful: boolean;
  allows_uninitialized_input: boolean;
  is_distributed_communication: boolean;
}

export interface OpListProto {
  op: OpDefProto[];
}

export interface VersionDefProto {
  producer: number;
  min_consumer: number;
  bad_consumers: number[];
}

export interface FunctionDefProto {
  signature: OpDefProto;
  attr: Record<string, AttrValueProto>;
  /** Keyed by argument index. */
  arg_attr: Record<number, { attr: Record<string, AttrValueProto> }>;
  /** Keyed by argument index. */
  resource_arg_unique_id: Record<number, number>;
  node_def: NodeDefProto[];
  /** Output arg name → `node:out_arg:index` inside `node_def`. */
  ret: Record<string, string>;
  control_ret: Record<string, string>;
}

export interface GradientDefProto {
  function_name: string;
  gradient_func: string;
}

export interface FunctionDefLibraryProto {
  function: FunctionDefProto[];
  gradient: GradientDefProto[];
}

export interface GraphDefProto {
  node: NodeDefProto[];
  versions: VersionDefProto;
  /** Deprecated single version field. */
  version: number;
  library: FunctionDefLibraryProto;
}

export interface SaverDefProto {
  filename_tensor_name: string;
  save_tensor_name: string;
  restore_op_name: string;
  max_to_keep: number;
  sharded: boolean;
  keep_checkpoint_every_n_hours: number;
  /** `'LEGACY'`, `'V1'` or `'V2'`. */
  version: string;
}

export interface AnyProtoMsg {
  type_url: string;
  value: Uint8Array;
}

/**
 * A CollectionDef, flattened: `kind` names the list that is set and that list's values are in the
 * same-named field (the others are empty).
 */
export interface CollectionDefProto {
  kind: 'node_list' | 'bytes_list' | 'int64_list' | 'float_list' | 'any_list' | 'none';
  node_list: string[];
  bytes_list: Uint8Array[];
  int64_list: bigint[];
  float_list: number[];
  any_list: AnyProtoMsg[];
}

export interface MetaInfoDefProto {
  meta_graph_version: string;
  stripped_op_list: OpListProto;
  tags: string[];
  /** `tf.__version__` of the writer, e.g. `2.11.0`. */
  tensorflow_version: string;
  /** `tf.__git_version__` of the writer, e.g. `v2.11.0-rc2-15-g6290819256d`. */
  tensorflow_git_version: string;
  stripped_default_attrs: boolean;
  function_aliases: Record<string, string>;
}

export interface CooSparseProto {
  values_tensor_name: string;
  indices_tensor_name: string;
  dense_shape_tensor_name: string;
}

export interface CompositeTensorProto {
  type_spec: TypeSpecProtoMsg;
  components: TensorInfoProto[];
}

export interface TensorInfoProto {
  /** Which member of the `encoding` oneof is set. Dense tensors use `name`. */
  encoding: 'name' | 'coo_sparse' | 'composite_tensor' | 'none';
  /** The graph tensor name (`x:0`) for a dense tensor; `''` otherwise. */
  name: string;
  coo_sparse: CooSparseProto | null;
  composite_tensor: CompositeTensorProto | null;
  dtype: DataTypeName;
  tensor_shape: TensorShapeProtoMsg;
}

export interface SignatureDefProto {
  inputs: Record<string, TensorInfoProto>;
  outputs: Record<string, TensorInfoProto>;
  method_name: string;
  defaults: Record<string, TensorProtoMsg>;
}

export interface AssetFileDefProto {
  tensor_info: TensorInfoProto;
  filename: string;
}

export interface MetaGraphDefProto {
  meta_info_def: MetaInfoDefProto;
  graph_def: GraphDefProto;
  saver_def: SaverDefProto;
  collection_def: Record<string, CollectionDefProto>;
  signature_def: Record<string, SignatureDefProto>;
  asset_file_def: AssetFileDefProto[];
  /** TF2 object graph; `{ nodes: [], concrete_functions: {} }` for TF1 SavedModels. */
  object_graph_def: SavedObjectGraphProto;
}

export interface SavedModelProto {
  saved_model_schema_version: number;
  meta_graphs: MetaGraphDefProto[];
}

// ---- struct.proto

export interface TensorSpecProtoMsg {
  name: string;
  shape: TensorShapeProtoMsg;
  dtype: DataTypeName;
}

export interface BoundedTensorSpecProtoMsg extends TensorSpecProtoMsg {
  minimum: TensorProtoMsg;
  maximum: TensorProtoMsg;
}

export interface TypeSpecProtoMsg {
  /** e.g. `'RAGGED_TENSOR_SPEC'`, `'VARIABLE_SPEC'`. */
  type_spec_class: string;
  type_state: StructuredValueProto;
  type_spec_class_name: string;
  num_flat_components: number;
}

/** A StructuredValue (nested Python structure); `kind` names the oneof member that is set. */
export type StructuredValueProto =
  | { kind: 'none' }
  | { kind: 'none_value' }
  | { kind: 'float64_value'; float64_value: number }
  | { kind: 'int64_value'; int64_value: bigint }
  | { kind: 'string_value'; string_value: string }
  | { kind: 'bool_value'; bool_value: boolean }
  | { kind: 'tensor_shape_value'; tensor_shape_value: TensorShapeProtoMsg }
  | { kind: 'tensor_dtype_value'; tensor_dtype_value: DataTypeName }
  | { kind: 'tensor_spec_value'; tensor_spec_value: TensorSpecProtoMsg }
  | { kind: 'type_spec_value'; type_spec_value: TypeSpecProtoMsg }
  | { kind: 'bounded_tensor_spec_value'; bounded_tensor_spec_value: BoundedTensorSpecProtoMsg }
  | { kind: 'list_value'; list_value: { values: StructuredValueProto[] } }
  | { kind: 'tuple_value'; tuple_value: { values: StructuredValueProto[] } }
  | { kind: 'dict_value'; dict_value: { fields: Record<string, StructuredValueProto> } }
  | {
      kind: 'named_tuple_value';
      named_tuple_value: { name: string; values: { key: string; value: StructuredValueProto }[] };
    }
  | { kind: 'tensor_value'; tensor_value: TensorProtoMsg }
  | { kind: 'numpy_value'; numpy_value: TensorProtoMsg };

// ---- trackable_object_graph.proto / saved_object_graph.proto

export interface ObjectReferenceProto {
  node_id: number;
  local_name: string;
}

export interface SlotVariableReferenceProto {
  original_variable_node_id: number;
  slot_name: string;
  slot_variable_node_id: number;
}

export interface SerializedTensorProto {
  /** `VARIABLE_VALUE` for a plain variable. */
  name: string;
  full_name: string;
  /** The key in the checkpoint index, e.g. `layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`. */
  checkpoint_key: string;
}

export interface TrackableObjectProto {
  children: ObjectReferenceProto[];
  attributes: SerializedTensorProto[];
  slot_variables: SlotVariableReferenceProto[];
  registered_saver: { name: string; object_name: string };
  /** null when the writer did not record it (older checkpoints): treat as "may have values". */
  has_checkpoint_values: boolean | null;
}

export interface TrackableObjectGraphProto {
  nodes: TrackableObjectProto[];
}

export interface FunctionSpecProto {
  fullargspec: StructuredValueProto;
  is_method: boolean;
  input_signature: StructuredValueProto;
  /** `'DEFAULT'`, `'ON'` or `'OFF'`. */
  jit_compile: string;
}

export interface SavedUserObjectProto {
  identifier: string;
  version: VersionDefProto;
  metadata: string;
}

export interface SavedFunctionProto {
  /** Keys into SavedObjectGraph.concrete_functions (= FunctionDef names in the library). */
  concrete_functions: string[];
  function_spec: FunctionSpecProto;
}

export interface SavedBareConcreteFunctionProto {
  concrete_function_name: string;
  argument_keywords: string[];
  allowed_positional_arguments: number;
  function_spec: FunctionSpecProto;
}

export interface SavedVariableProto {
  dtype: DataTypeName;
  shape: TensorShapeProtoMsg;
  trainable: boolean;
  synchronization: string;
  aggregation: string;
  name: string;
  device: string;
  experimental_distributed_variable_components: SavedVariableProto[];
}

interface SavedObjectCommon {
  children: ObjectReferenceProto[];
  dependencies: ObjectReferenceProto[];
  slot_variables: SlotVariableReferenceProto[];
  saveable_objects: Record<string, { save_function: number; restore_function: number }>;
  registered_name: string;
  registered_saver: string;
}

/** A node of the SavedObjectGraph; `kind` names the oneof member that is set. */
export type SavedObjectProto = SavedObjectCommon &
  (
    | { kind: 'user_object'; user_object: SavedUserObjectProto }
    | { kind: 'asset'; asset: { asset_file_def_index: number } }
    | { kind: 'function'; function: SavedFunctionProto }
    | { kind: 'variable'; variable: SavedVariableProto }
    | { kind: 'bare_concrete_function'; bare_concrete_function: SavedBareConcreteFunctionProto }
    | { kind: 'constant'; constant: { operation: string } }
    | { kind: 'resource'; resource: { device: string } }
    | { kind: 'captured_tensor'; captured_tensor: { name: string; concrete_function: string } }
    | { kind: 'none' }
  );

export interface SavedConcreteFunctionProto {
  /** SavedObjectGraph node ids of the captured inputs (variables, resources, constants). */
  bound_inputs: number[];
  canonicalized_input_signature: StructuredValueProto;
  output_signature: StructuredValueProto;
}

export interface SavedObjectGraphProto {
  nodes: SavedObjectProto[];
  concrete_functions: Record<string, SavedConcreteFunctionProto>;
}

// ---- tensor_bundle.proto

export interface BundleHeaderProtoMsg {
  num_shards: number;
  /** `'LITTLE'` or `'BIG'`: the byte order of the tensor data in the data files. */
  endianness: string;
  version: VersionDefProto;
}

export interface TensorSliceExtentProto {
  start: number;
  /** -1 when absent: the whole dimension. */
  length: number;
}

export interface TensorSliceProtoMsg {
  extent: TensorSliceExtentProto[];
}

export interface BundleEntryProtoMsg {
  dtype: DataTypeName;
  shape: TensorShapeProtoMsg;
  shard_id: number;
  offset: number;
  size: number;
  /** Masked CRC32C of the tensor bytes, as an unsigned 32-bit number. */
  crc32c: number;
  slices: TensorSliceProtoMsg[];
}

// ------------------------------------------------------------------------------- decoding

/**
 * protobufjs `toObject` options: enums as names, int64 as decimal strings (exact, converted below
 * to number or bigint), bytes left as buffers, oneof discriminators set, defaults filled.
 */
const TO_OBJECT: IConversionOptions = {
  enums: String,
  longs: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function decodeRaw(typeName: string, bytes: Uint8Array, source: string): Raw {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtoDecodeError(`${source} is not a valid ${typeName} protobuf: expected a Uint8Array`);
  }
  const type = tensorflowProtoType(typeName);
  const reader = protobuf.Reader.create(bytes);
  let message: protobuf.Message;
  try {
    message = type.decode(reader);
  } catch (error) {
    throw new ProtoDecodeError(
      `${source} is not a valid ${typeName} protobuf: ${errorText(error)} (at byte ${reader.pos} of ${bytes.length})`,
      { cause: error },
    );
  }
  return type.toObject(message, TO_OBJECT) as Raw;
}

/** Decodes `saved_model.pb`. `source` names the file in error messages. */
export function decodeSavedModel(bytes: Uint8Array, source = 'saved_model.pb'): SavedModelProto {
  return toSavedModel(decodeRaw('SavedModel', bytes, source));
}

/** Decodes a GraphDef, e.g. a frozen graph `.pb`. `source` names the file in error messages. */
export function decodeGraphDef(bytes: Uint8Array, source = 'GraphDef .pb'): GraphDefProto {
  return toGraphDef(decodeRaw('GraphDef', bytes, source));
}

/** Decodes a MetaGraphDef, e.g. a TF1 checkpoint's `model.meta`. */
export function decodeMetaGraphDef(bytes: Uint8Array, source = 'MetaGraphDef .meta'): MetaGraphDefProto {
  return toMetaGraphDef(decodeRaw('MetaGraphDef', bytes, source));
}

/** Decodes the BundleHeaderProto stored under the empty key of a checkpoint's `.index` table. */
export function decodeBundleHeader(bytes: Uint8Array, source = 'checkpoint index header'): BundleHeaderProtoMsg {
  const raw = decodeRaw('BundleHeaderProto', bytes, source);
  return { num_shards: num(raw.num_shards), endianness: enumText(raw.endianness, 'Endianness'), version: toVersionDef(raw.version) };
}

/** Decodes one BundleEntryProto value of a checkpoint's `.index` table. */
export function decodeBundleEntry(bytes: Uint8Array, source = 'checkpoint index entry'): BundleEntryProtoMsg {
  const raw = decodeRaw('BundleEntryProto', bytes, source);
  return {
    dtype: dtypeText(raw.dtype),
    shape: toShape(raw.shape),
    shard_id: num(raw.shard_id),
    offset: num(raw.offset),
    size: num(raw.size),
    crc32c: num(raw.crc32c) >>> 0,
    slices: list(raw.slices, (slice) => ({
      extent: list(obj(slice).extent, (extent) => {
        const e = obj(extent);
        return { start: num(e.start), length: e.has_length === 'length' ? num(e.length) : -1 };
      }),
    })),
  };
}

/** Decodes the TrackableObjectGraph stored under `_CHECKPOINTABLE_OBJECT_GRAPH` in a checkpoint. */
export function decodeTrackableObjectGraph(
  bytes: Uint8Array,
  source = '_CHECKPOINTABLE_OBJECT_GRAPH',
): TrackableObjectGraphProto {
  const raw = decodeRaw('TrackableObjectGraph', bytes, source);
  return {
    nodes: list(raw.nodes, (node) => {
      const n = obj(node);
      const saver = obj(n.registered_saver);
      return {
        children: list(n.children, toObjectReference),
        attributes: list(n.attributes, (attribute) => {
          const a = obj(attribute);
          return { name: str(a.name), full_name: str(a.full_name), checkpoint_key: str(a.checkpoint_key) };
        }),
        slot_variables: list(n.slot_variables, toSlotVariableReference),
        registered_saver: { name: str(saver.name), object_name: str(saver.object_name) },
        has_checkpoint_values: n.has_checkpoint_values == null ? null : obj(n.has_checkpoint_values).value === true,
      };
    }),
  };
}

/** Decodes a single TensorProto (e.g. a `.pb` holding one tensor). */
export function decodeTensorProto(bytes: Uint8Array, source = 'TensorProto'): TensorProtoMsg {
  return toTensor(decodeRaw('TensorProto', bytes, source));
}

// ------------------------------------------------------------------ raw → typed conversion

type Raw = Record<string, unknown>;

const EMPTY: Raw = Object.freeze({}) as Raw;

function obj(value: unknown): Raw {
  return value !== null && typeof value === 'object' ? (value as Raw) : EMPTY;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** int32/uint32/float/double as is; int64 decimal strings to number (exact up to 2^53). */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  if (typeof value === 'bigint') return Number(value);
  return 0;
}

function big(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && value !== '') return BigInt(value);
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return 0n;
}

function bool(value: unknown): boolean {
  return value === true;
}

const NO_BYTES = new Uint8Array(0);

function bytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength === 0) return NO_BYTES;
  // A Node Buffer is a Uint8Array subclass; hand out plain Uint8Array views.
  return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function list<T>(value: unknown, convert: (item: unknown) => T): T[] {
  if (!Array.isArray(value)) return [];
  const out = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = convert(value[i]);
  return out;
}

function record<T>(value: unknown, convert: (item: unknown) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, item] of Object.entries(obj(value))) out[key] = convert(item);
  return out;
}

function enumText(value: unknown, enumName: string): string {
  if (typeof value === 'string') return value;
  return `${enumName}(${typeof value === 'number' ? value : 0})`;
}

function dtypeText(value: unknown): DataTypeName {
  return enumText(value, 'DataType');
}

function oneofKind<K extends string>(value: unknown): K | 'none' {
  return typeof value === 'string' && value !== '' ? (value as K) : 'none';
}

function toShape(value: unknown): TensorShapeProtoMsg {
  const raw = obj(value);
  return {
    dim: list(raw.dim, (dim) => {
      const d = obj(dim);
      return { size: num(d.size), name: str(d.name) };
    }),
    unknown_rank: bool(raw.unknown_rank),
  };
}

function numbers(value: unknown): number[] {
  return list(value, num);
}

function toTensor(value: unknown): TensorProtoMsg {
  const raw = obj(value);
  return {
    dtype: dtypeText(raw.dtype),
    tensor_shape: toShape(raw.tensor_shape),
    version_number: num(raw.version_number),
    tensor_content: bytes(raw.tensor_content),
    half_val: numbers(raw.half_val),
    float_val: numbers(raw.float_val),
    double_val: numbers(raw.double_val),
    int_val: numbers(raw.int_val),
    string_val: list(raw.string_val, bytes),
    scomplex_val: numbers(raw.scomplex_val),
    int64_val: list(raw.int64_val, big),
    bool_val: list(raw.bool_val, bool),
    dcomplex_val: numbers(raw.dcomplex_val),
    uint32_val: numbers(raw.uint32_val),
    uint64_val: list(raw.uint64_val, big),
    float8_val: bytes(raw.float8_val),
  };
}

function toNameAttrList(value: unknown): NameAttrListProto {
  const raw = obj(value);
  return { name: str(raw.name), attr: record(raw.attr, toAttrValue) };
}

function toAttrValue(value: unknown): AttrValueProto {
  const raw = obj(value);
  const kind = oneofKind<Exclude<AttrValueProto['kind'], 'none'>>(raw.value);
  switch (kind) {
    case 's':
      return { kind, s: bytes(raw.s) };
    case 'i':
      return { kind, i: big(raw.i) };
    case 'f':
      return { kind, f: num(raw.f) };
    case 'b':
      return { kind, b: bool(raw.b) };
    case 'type':
      return { kind, type: dtypeText(raw.type) };
    case 'shape':
      return { kind, shape: toShape(raw.shape) };
    case 'tensor':
      return { kind, tensor: toTensor(raw.tensor) };
    case 'func':
      return { kind, func: toNameAttrList(raw.func) };
    case 'placeholder':
      return { kind, placeholder: str(raw.placeholder) };
    case 'list': {
      const l = obj(raw.list);
      return {
        kind,
        list: {
          s: list(l.s, bytes),
          i: list(l.i, big),
          f: numbers(l.f),
          b: list(l.b, bool),
          type: list(l.type, dtypeText),
          shape: list(l.shape, toShape),
          tensor: list(l.tensor, toTensor),
          func: list(l.func, toNameAttrList),
        },
      };
    }
    default:
      return { kind: 'none' };
  }
}

function toNodeDef(value: unknown): NodeDefProto {
  const raw = obj(value);
  return {
    name: str(raw.name),
    op: str(raw.op),
    input: list(raw.input, str),
    device: str(raw.device),
    attr: record(raw.attr, toAttrValue),
  };
}

function toArgDef(value: unknown): ArgDefProto {
  const raw = obj(value);
  return {
    name: str(raw.name),
    type: dtypeText(raw.type),
    type_attr: str(raw.type_attr),
    number_attr: str(raw.number_attr),
    type_list_attr: str(raw.type_list_attr),
    is_ref: bool(raw.is_ref),
  };
}

function toOpDef(value: unknown): OpDefProto {
  const raw = obj(value);
  return {
    name: str(raw.name),
    input_arg: list(raw.input_arg, toArgDef),
    output_arg: list(raw.output_arg, toArgDef),
    control_output: list(raw.control_output, str),
    attr: list(raw.attr, (attr) => {
      const a = obj(attr);
      return {
        name: str(a.name),
        type: str(a.type),
        default_value: a.default_value == null ? null : toAttrValue(a.default_value),
        has_minimum: bool(a.has_minimum),
        minimum: num(a.minimum),
        allowed_values: a.allowed_values == null ? null : toAttrValue(a.allowed_values),
      };
    }),
    is_commutative: bool(raw.is_commutative),
    is_aggregate: bool(raw.is_aggregate),
    is_stateful: bool(raw.is_stateful),
    allows_uninitialized_input: bool(raw.allows_uninitialized_input),
    is_distributed_communication: bool(raw.is_distributed_communication),
  };
}

function toVersionDef(value: unknown): VersionDefProto {
  const raw = obj(value);
  return { producer: num(raw.producer), min_consumer: num(raw.min_consumer), bad_consumers: numbers(raw.bad_consumers) };
}

function toFunctionDef(value: unknown): FunctionDefProto {
  const raw = obj(value);
  return {
    signature: toOpDef(raw.signature),
    attr: record(raw.attr, toAttrValue),
    arg_attr: record(raw.arg_attr, (argAttrs) => ({ attr: record(obj(argAttrs).attr, toAttrValue) })),
    resource_arg_unique_id: record(raw.resource_arg_unique_id, num),
    node_def: list(raw.node_def, toNodeDef),
    ret: record(raw.ret, str),
    control_ret: record(raw.control_ret, str),
  };
}

function toGraphDef(value: unknown): GraphDefProto {
  const raw = obj(value);
  const library = obj(raw.library);
  return {
    node: list(raw.node, toNodeDef),
    versions: toVersionDef(raw.versions),
    version: num(raw.version),
    library: {
      function: list(library.function, toFunctionDef),
      gradient: list(library.gradient, (gradient) => {
        const g = obj(gradient);
        return { function_name: str(g.function_name), gradient_func: str(g.gradient_func) };
      }),
    },
  };
}

function toAny(value: unknown): AnyProtoMsg {
  const raw = obj(value);
  return { type_url: str(raw.type_url), value: bytes(raw.value) };
}

function toCollectionDef(value: unknown): CollectionDefProto {
  const raw = obj(value);
  const kind = oneofKind<Exclude<CollectionDefProto['kind'], 'none'>>(raw.kind);
  const values = (field: string): unknown => (kind === field ? obj(raw[field]).value : undefined);
  return {
    kind,
    node_list: list(values('node_list'), str),
    bytes_list: list(values('bytes_list'), bytes),
    int64_list: list(values('int64_list'), big),
    float_list: numbers(values('float_list')),
    any_list: list(values('any_list'), toAny),
  };
}

function toTensorSpec(value: unknown): TensorSpecProtoMsg {
  const raw = obj(value);
  return { name: str(raw.name), shape: toShape(raw.shape), dtype: dtypeText(raw.dtype) };
}

function toTypeSpec(value: unknown): TypeSpecProtoMsg {
  const raw = obj(value);
  return {
    type_spec_class: enumText(raw.type_spec_class, 'TypeSpecClass'),
    type_state: toStructuredValue(raw.type_state),
    type_spec_class_name: str(raw.type_spec_class_name),
    num_flat_components: num(raw.num_flat_components),
  };
}

function toStructuredValue(value: unknown): StructuredValueProto {
  const raw = obj(value);
  const kind = oneofKind<Exclude<StructuredValueProto['kind'], 'none'>>(raw.kind);
  switch (kind) {
    case 'none_value':
      return { kind };
    case 'float64_value':
      return { kind, float64_value: num(raw.float64_value) };
    case 'int64_value':
      return { kind, int64_value: big(raw.int64_value) };
    case 'string_value':
      return { kind, string_value: str(raw.string_value) };
    case 'bool_value':
      return { kind, bool_value: bool(raw.bool_value) };
    case 'tensor_shape_value':
      return { kind, tensor_shape_value: toShape(raw.tensor_shape_value) };
    case 'tensor_dtype_value':
      return { kind, tensor_dtype_value: dtypeText(raw.tensor_dtype_value) };
    case 'tensor_spec_value':
      return { kind, tensor_spec_value: toTensorSpec(raw.tensor_spec_value) };
    case 'type_spec_value':
      return { kind, type_spec_value: toTypeSpec(raw.type_spec_value) };
    case 'bounded_tensor_spec_value': {
      const b = obj(raw.bounded_tensor_spec_value);
      return {
        kind,
        bounded_tensor_spec_value: { ...toTensorSpec(b), minimum: toTensor(b.minimum), maximum: toTensor(b.maximum) },
      };
    }
    case 'list_value':
      return { kind, list_value: { values: list(obj(raw.list_value).values, toStructuredValue) } };
    case 'tuple_value':
      return { kind, tuple_value: { values: list(obj(raw.tuple_value).values, toStructuredValue) } };
    case 'dict_value':
      return { kind, dict_value: { fields: record(obj(raw.dict_value).fields, toStructuredValue) } };
    case 'named_tuple_value': {
      const t = obj(raw.named_tuple_value);
      return {
        kind,
        named_tuple_value: {
          name: str(t.name),
          values: list(t.values, (pair) => {
            const p = obj(pair);
            return { key: str(p.key), value: toStructuredValue(p.value) };
          }),
        },
      };
    }
    case 'tensor_value':
      return { kind, tensor_value: toTensor(raw.tensor_value) };
    case 'numpy_value':
      return { kind, numpy_value: toTensor(raw.numpy_value) };
    default:
      return { kind: 'none' };
  }
}

function toTensorInfo(value: unknown): TensorInfoProto {
  const raw = obj(value);
  const encoding = oneofKind<Exclude<TensorInfoProto['encoding'], 'none'>>(raw.encoding);
  let cooSparse: CooSparseProto | null = null;
  let composite: CompositeTensorProto | null = null;
  if (encoding === 'coo_sparse') {
    const c = obj(raw.coo_sparse);
    cooSparse = {
      values_tensor_name: str(c.values_tensor_name),
      indices_tensor_name: str(c.indices_tensor_name),
      dense_shape_tensor_name: str(c.dense_shape_tensor_name),
    };
  } else if (encoding === 'composite_tensor') {
    const c = obj(raw.composite_tensor);
    composite = { type_spec: toTypeSpec(c.type_spec), components: list(c.components, toTensorInfo) };
  }
  return {
    encoding,
    name: encoding === 'name' ? str(raw.name) : '',
    coo_sparse: cooSparse,
    composite_tensor: composite,
    dtype: dtypeText(raw.dtype),
    tensor_shape: toShape(raw.tensor_shape),
  };
}

function toSignatureDef(value: unknown): SignatureDefProto {
  const raw = obj(value);
  return {
    inputs: record(raw.inputs, toTensorInfo),
    outputs: record(raw.outputs, toTensorInfo),
    method_name: str(raw.method_name),
    defaults: record(raw.defaults, toTensor),
  };
}

function toObjectReference(value: unknown): ObjectReferenceProto {
  const raw = obj(value);
  return { node_id: num(raw.node_id), local_name: str(raw.local_name) };
}

function toSlotVariableReference(value: unknown): SlotVariableReferenceProto {
  const raw = obj(value);
  return {
    original_variable_node_id: num(raw.original_variable_node_id),
    slot_name: str(raw.slot_name),
    slot_variable_node_id: num(raw.slot_variable_node_id),
  };
}

function toFunctionSpec(value: unknown): FunctionSpecProto {
  const raw = obj(value);
  return {
    fullargspec: toStructuredValue(raw.fullargspec),
    is_method: bool(raw.is_method),
    input_signature: toStructuredValue(raw.input_signature),
    jit_compile: enumText(raw.jit_compile, 'JitCompile'),
  };
}

function toSavedVariable(value: unknown): SavedVariableProto {
  const raw = obj(value);
  return {
    dtype: dtypeText(raw.dtype),
    shape: toShape(raw.shape),
    trainable: bool(raw.trainable),
    synchronization: enumText(raw.synchronization, 'VariableSynchronization'),
    aggregation: enumText(raw.aggregation, 'VariableAggregation'),
    name: str(raw.name),
    device: str(raw.device),
    experimental_distributed_variable_components: list(raw.experimental_distributed_variable_components, toSavedVariable),
  };
}

function toSavedObject(value: unknown): SavedObjectProto {
  const raw = obj(value);
  const common: SavedObjectCommon = {
    children: list(raw.children, toObjectReference),
    dependencies: list(raw.dependencies, toObjectReference),
    slot_variables: list(raw.slot_variables, toSlotVariableReference),
    saveable_objects: record(raw.saveable_objects, (saveable) => {
      const s = obj(saveable);
      return { save_function: num(s.save_function), restore_function: num(s.restore_function) };
    }),
    registered_name: str(raw.registered_name),
    registered_saver: str(raw.registered_saver),
  };
  const kind = oneofKind<Exclude<SavedObjectProto['kind'], 'none'>>(raw.kind);
  switch (kind) {
    case 'user_object': {
      const u = obj(raw.user_object);
      return {
        ...common,
        kind,
        user_object: { identifier: str(u.identifier), version: toVersionDef(u.version), metadata: str(u.metadata) },
      };
    }
    case 'asset':
      return { ...common, kind, asset: { asset_file_def_index: num(obj(raw.asset).asset_file_def_index) } };
    case 'function': {
      const f = obj(raw.function);
      return {
        ...common,
        kind,
        function: { concrete_functions: list(f.concrete_functions, str), function_spec: toFunctionSpec(f.function_spec) },
      };
    }
    case 'variable':
      return { ...common, kind, variable: toSavedVariable(raw.variable) };
    case 'bare_concrete_function': {
      const b = obj(raw.bare_concrete_function);
      return {
        ...common,
        kind,
        bare_concrete_function: {
          concrete_function_name: str(b.concrete_function_name),
          argument_keywords: list(b.argument_keywords, str),
          allowed_positional_arguments: num(b.allowed_positional_arguments),
          function_spec: toFunctionSpec(b.function_spec),
        },
      };
    }
    case 'constant':
      return { ...common, kind, constant: { operation: str(obj(raw.constant).operation) } };
    case 'resource':
      return { ...common, kind, resource: { device: str(obj(raw.resource).device) } };
    case 'captured_tensor': {
      const c = obj(raw.captured_tensor);
      return { ...common, kind, captured_tensor: { name: str(c.name), concrete_function: str(c.concrete_function) } };
    }
    default:
      return { ...common, kind: 'none' };
  }
}

function toSavedObjectGraph(value: unknown): SavedObjectGraphProto {
  const raw = obj(value);
  return {
    nodes: list(raw.nodes, toSavedObject),
    concrete_functions: record(raw.concrete_functions, (fn) => {
      const f = obj(fn);
      return {
        bound_inputs: numbers(f.bound_inputs),
        canonicalized_input_signature: toStructuredValue(f.canonicalized_input_signature),
        output_signature: toStructuredValue(f.output_signature),
      };
    }),
  };
}

function toMetaGraphDef(value: unknown): MetaGraphDefProto {
  const raw = obj(value);
  const info = obj(raw.meta_info_def);
  const saver = obj(raw.saver_def);
  return {
    meta_info_def: {
      meta_graph_version: str(info.meta_graph_version),
      stripped_op_list: { op: list(obj(info.stripped_op_list).op, toOpDef) },
      tags: list(info.tags, str),
      tensorflow_version: str(info.tensorflow_version),
      tensorflow_git_version: str(info.tensorflow_git_version),
      stripped_default_attrs: bool(info.stripped_default_attrs),
      function_aliases: record(info.function_aliases, str),
    },
    graph_def: toGraphDef(raw.graph_def),
    saver_def: {
      filename_tensor_name: str(saver.filename_tensor_name),
      save_tensor_name: str(saver.save_tensor_name),
      restore_op_name: str(saver.restore_op_name),
      max_to_keep: num(saver.max_to_keep),
      sharded: bool(saver.sharded),
      keep_checkpoint_every_n_hours: num(saver.keep_checkpoint_every_n_hours),
      version: enumText(saver.version ?? 'LEGACY', 'CheckpointFormatVersion'),
    },
    collection_def: record(raw.collection_def, toCollectionDef),
    signature_def: record(raw.signature_def, toSignatureDef),
    asset_file_def: list(raw.asset_file_def, (asset) => {
      const a = obj(asset);
      return { tensor_info: toTensorInfo(a.tensor_info), filename: str(a.filename) };
    }),
    object_graph_def: toSavedObjectGraph(raw.object_graph_def),
  };
}

function toSavedModel(raw: Raw): SavedModelProto {
  return {
    saved_model_schema_version: num(raw.saved_model_schema_version),
    meta_graphs: list(raw.meta_graphs, toMetaGraphDef),
  };
}

// ------------------------------------------------------------------------ tensor contents

/** The element array {@link tensorProtoValues} returns; which one depends on the dtype. */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Uint8Array
  | Uint8Array[];

export interface DecodedTensorValues {
  dtype: DataTypeName;
  shape: number[];
  values: TensorValues;
}

/** Dims of a shape, or null for an unknown rank. Unknown dims stay -1. */
export function shapeDims(shape: TensorShapeProtoMsg): number[] | null {
  return shape.unknown_rank ? null : shape.dim.map((dim) => dim.size);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An aligned, owned copy of `content` (so typed-array views on it are always legal). */
function alignedCopy(content: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(content.byteLength);
  copy.set(content);
  return copy.buffer;
}

/** Little-endian element reader over `content` for hosts of either byte order. */
function readLittleEndian<T>(
  content: Uint8Array,
  n: number,
  itemSize: number,
  read: (view: DataView, offset: number) => T,
  out: { [index: number]: T },
): void {
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  for (let i = 0; i < n; i++) out[i] = read(view, i * itemSize);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 half-precision bits → number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits → number (the upper half of a float32). */
function bfloat16ToFloat(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** TensorFlow's DecodeStringList: n varint32 lengths, then the n strings back to back. */
function decodeStringList(content: Uint8Array, n: number, what: string): Uint8Array[] {
  const lengths = new Array<number>(n);
  let pos = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= content.length || shift > 28) {
        throw new ProtoDecodeError(`${what}: DT_STRING tensor_content has a bad length prefix`);
      }
      const byte = content[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    lengths[i] = value;
    total += value;
  }
  if (total !== content.length - pos) {
    throw new ProtoDecodeError(
      `${what}: DT_STRING tensor_content holds ${content.length - pos} bytes of string data, lengths add up to ${total}`,
    );
  }
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    out[i] = content.subarray(pos, pos + lengths[i]!);
    pos += lengths[i]!;
  }
  return out;
}

/**
 * Fills `out` (length n·width) from a `*_val` field the way TensorFlow does: values beyond n·width
 * are ignored, a shorter non-empty field repeats its last element (of `width` values) to fill the
 * shape, an empty field leaves the zeros.
 */
function fillFromVal<T>(source: ArrayLike<T>, out: { [index: number]: T; length: number }, width = 1, map?: (v: T) => T): void {
  const total = out.length;
  const have = Math.min(source.length - (source.length % width), total);
  if (have === 0) return;
  for (let i = 0; i < have; i++) out[i] = map ? map(source[i]!) : source[i]!;
  for (let i = have; i < total; i++) out[i] = out[i - width]!;
}

/**
 * Decodes a TensorProto's elements: `tensor_content` (raw little-endian bytes; DT_STRING uses
 * TensorFlow's length-prefixed string list) when non-empty, otherwise the dtype's `*_val` field,
 * broadcasting its last element when it holds fewer elements than the shape (TensorFlow's rule for
 * e.g. a scalar fill) and zeros when it is empty.
 *
 * Value arrays by dtype: DT_FLOAT, DT_HALF, DT_BFLOAT16 → Float32Array (halves converted);
 * DT_DOUBLE → Float64Array; DT_INT32, DT_INT16, DT_INT8, DT_UINT16 → Int32Array; DT_UINT8 and
 * DT_BOOL (0/1) → Uint8Array; DT_UINT32 → Uint32Array; DT_INT64 → BigInt64Array; DT_UINT64 →
 * BigUint64Array; DT_COMPLEX64 / DT_COMPLEX128 → Float32Array / Float64Array of (re, im) pairs
 * (2·n values); DT_STRING → Uint8Array[] (views, not copies). Other dtypes throw.
 */
export function tensorProtoValues(t: TensorProtoMsg, what = 'TensorProto'): DecodedTensorValues {
  const dtype = t.dtype;
  if (t.tensor_shape.unknown_rank) throw new ProtoDecodeError(`${what}: a TensorProto cannot have an unknown rank`);
  const shape = t.tensor_shape.dim.map((dim) => dim.size);
  let n = 1;
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ProtoDecodeError(`${what}: bad TensorProto dimension ${size} in shape [${shape.join(',')}]`);
    }
    n *= size;
  }
  if (n > 0x7fffffff) throw new ProtoDecodeError(`${what}: TensorProto of shape [${shape.join(',')}] is too large`);
  const content = t.tensor_content;
  const useContent = content.byteLength > 0;
  const checkContent = (itemSize: number): void => {
    if (content.byteLength !== n * itemSize) {
      throw new ProtoDecodeError(
        `${what}: ${dtype} tensor_content has ${content.byteLength} bytes, shape [${shape.join(',')}] needs ${n * itemSize}`,
      );
    }
  };
  const done = (values: TensorValues): DecodedTensorValues => ({ dtype, shape, values });

  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_COMPLEX64': {
      const width = dtype === 'DT_FLOAT' ? 1 : 2;
      const out = new Float32Array(n * width);
      if (useContent) {
        checkContent(4 * width);
        if (HOST_LITTLE_ENDIAN) out.set(new Float32Array(alignedCopy(content)));
        else readLittleEndian(content, n * width, 4, (v, o) => v.getFloat32(o, true), out);
      } else fillFromVal(dtype === 'DT_FLOAT' ? t.float_val : t.scomplex_val, out, width);
      return done(out);
    }
    case 'DT_DOUBLE':
    case 'DT_COMPLEX128': {
      const width = dtype === 'DT_DOUBLE' ? 1 : 2;
      const out = new Float64Array(n * width);
      if (useContent) {
        checkContent(8 * width);
        if (HOST_LITTLE_ENDIAN) out.set(new Float64Array(alignedCopy(content)));
        else readLittleEndian(content, n * width, 8, (v, o) => v.getFloat64(o, true), out);
      } else fillFromVal(dtype === 'DT_DOUBLE' ? t.double_val : t.dcomplex_val, out, width);
      return done(out);
    }
    case 'DT_HALF':
    case 'DT_BFLOAT16': {
      const convert = dtype === 'DT_HALF' ? halfToFloat : bfloat16ToFloat;
      const out = new Float32Array(n);
      if (useContent) {
        checkContent(2);
        readLittleEndian(content, n, 2, (v, o) => convert(v.getUint16(o, true)), out);
      } else {
        fillFromVal(t.half_val, out, 1, (bits) => convert(bits & 0xffff));
      }
      return done(out);
    }
    case 'DT_INT32':
    case 'DT_INT16':
    case 'DT_INT8':
    case 'DT_UINT16': {
      const out = new Int32Array(n);
      if (useContent) {
        if (dtype === 'DT_INT32') {
          checkContent(4);
          if (HOST_LITTLE_ENDIAN) out.set(new Int32Array(alignedCopy(content)));
          else readLittleEndian(content, n, 4, (v, o) => v.getInt32(o, true), out);
        } else if (dtype === 'DT_INT16') {
          checkContent(2);
          readLittleEndian(content, n, 2, (v, o) => v.getInt16(o, true), out);
        } else if (dtype === 'DT_UINT16') {
          checkContent(2);
          readLittleEndian(content, n, 2, (v, o) => v.getUint16(o, true), out);
        } else {
          checkContent(1);
          out.set(new Int8Array(content.buffer, content.byteOffset, n));
        }
      } else fillFromVal(t.int_val, out);
      return done(out);
    }
    case 'DT_UINT8':
    case 'DT_BOOL': {
      const out = new Uint8Array(n);
      if (useContent) {
        checkContent(1);
        if (dtype === 'DT_BOOL') for (let i = 0; i < n; i++) out[i] = content[i] ? 1 : 0;
        else out.set(content);
      } else if (dtype === 'DT_BOOL') {
        fillFromVal(t.bool_val.map((b) => (b ? 1 : 0)), out);
      } else {
        fillFromVal(t.int_val, out);
      }
      return done(out);
    }
    case 'DT_UINT32': {
      const out = new Uint32Array(n);
      if (useContent) {
        checkContent(4);
        readLittleEndian(content, n, 4, (v, o) => v.getUint32(o, true), out);
      } else fillFromVal(t.uint32_val, out);
      return done(out);
    }
    case 'DT_INT64': {
      const out = new BigInt64Array(n);
      if (useContent) {
        checkContent(8);
        if (HOST_LITTLE_ENDIAN) out.set(new BigInt64Array(alignedCopy(content)));
        else readLittleEndian(content, n, 8, (v, o) => v.getBigInt64(o, true), out);
      } else fillFromVal(t.int64_val, out);
      return done(out);
    }
    case 'DT_UINT64': {
      const out = new BigUint64Array(n);
      if (useContent) {
        checkContent(8);
        readLittleEndian(content, n, 8, (v, o) => v.getBigUint64(o, true), out);
      } else fillFromVal(t.uint64_val, out);
      return done(out);
    }
    case 'DT_STRING': {
      if (useContent) return done(decodeStringList(content, n, what));
      const out = new Array<Uint8Array>(n).fill(NO_BYTES);
      fillFromVal(t.string_val, out);
      return done(out);
    }
    default:
      throw new ProtoDecodeError(`${what}: decoding ${dtype} tensor values is not supported`);
  }
}
