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
import {
  ProtoDecodeError,
  type AnyProtoMsg,
  type ArgDefProto,
  type AttrValueProto,
  type BundleEntryProtoMsg,
  type BundleHeaderProtoMsg,
  type CollectionDefProto,
  type CompositeTensorProto,
  type CooSparseProto,
  type DataTypeName,
  type FunctionDefProto,
  type FunctionSpecProto,
  type GraphDefProto,
  type MetaGraphDefProto,
  type NameAttrListProto,
  type NodeDefProto,
  type ObjectReferenceProto,
  type OpDefProto,
  type SavedModelProto,
  type SavedObjectCommon,
  type SavedObjectGraphProto,
  type SavedObjectProto,
  type SavedVariableProto,
  type SignatureDefProto,
  type SlotVariableReferenceProto,
  type StructuredValueProto,
  type TensorInfoProto,
  type TensorProtoMsg,
  type TensorShapeProtoMsg,
  type TensorSpecProtoMsg,
  type TrackableObjectGraphProto,
  type TypeSpecProtoMsg,
  type VersionDefProto,
} from './proto-types.ts';

// The message types and tensor contents live beside this module; users import them from here.
export * from './proto-types.ts';
export * from './tensor-content.ts';

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
