/**
 * The TensorFlow protobuf messages we decode, as typed plain objects (conventions in ./proto.ts),
 * and the error every decoder throws.
 * @module importers/tensorflow/proto-types
 */
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

export interface SavedObjectCommon {
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
