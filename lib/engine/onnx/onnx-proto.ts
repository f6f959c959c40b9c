/**
 * The subset of ONNX's protobuf schema the ONNX lowering writes (and tests read back): ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto,
 * OperatorSetIdProto. Field numbers and types follow onnx/onnx.proto (proto2, package `onnx`);
 * fields we never write (training info, sparse tensors, external data, …) are left out, which is
 * wire-safe: a reader skips nothing it does not expect and misses nothing we wrote.
 *
 * We write IR version 8 with the default-domain opset {@link ONNX_OPSET} (18: every reduction
 * takes its axes as an input, Resize takes an `axes` attribute, Split a `num_outputs`).
 * @module engine/onnx/onnx-proto
 */
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';

/** The default-domain ONNX opset the lowering targets. */
export const ONNX_OPSET = 18;
/** The IR version that goes with opset 18 (onnx/docs/Versioning.md). */
export const ONNX_IR_VERSION = 8;

export const ONNX_PROTO_TEXT = `
syntax = "proto2";

package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    FLOAT = 1;
    INT = 2;
    STRING = 3;
    TENSOR = 4;
    GRAPH = 5;
    FLOATS = 6;
    INTS = 7;
    STRINGS = 8;
    TENSORS = 9;
    GRAPHS = 10;
    SPARSE_TENSOR = 11;
    SPARSE_TENSORS = 12;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0;
    FLOAT = 1;
    UINT8 = 2;
    INT8 = 3;
    UINT16 = 4;
    INT16 = 5;
    INT32 = 6;
    INT64 = 7;
    STRING = 8;
    BOOL = 9;
    FLOAT16 = 10;
    DOUBLE = 11;
    UINT32 = 12;
    UINT64 = 13;
    COMPLEX64 = 14;
    COMPLEX128 = 15;
    BFLOAT16 = 16;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

/** TensorProto.DataType values. */
export const ONNX_DTYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** AttributeProto.AttributeType values. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

// ---------------------------------------------------------------- message shapes we build

export interface TensorProto {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  string_data?: Uint8Array[];
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: AttributeProto[];
}

/** A dimension: a size, a symbolic name, or neither (unknown). */
export type DimensionProto = { dim_value: number } | { dim_param: string } | Record<string, never>;

export interface ValueInfoProto {
  name: string;
  type?: { tensor_type: { elem_type: number; shape?: { dim: DimensionProto[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: { key: string; value: string }[];
}

// ---------------------------------------------------------------- encoding

let root: Root | undefined;

/** The parsed schema (snake_case field names, as in onnx.proto). Built once. */
export function onnxProtoRoot(): Root {
  if (!root) {
    const parsed = protobuf.parse(ONNX_PROTO_TEXT, { keepCase: true }).root;
    parsed.resolveAll();
    root = parsed;
  }
  return root;
}

function modelType(): Type {
  return onnxProtoRoot().lookupType('onnx.ModelProto');
}

/** Serializes a model to the bytes ONNX Runtime (or any ONNX reader) loads. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelType();
  return type.encode(type.fromObject(model)).finish();
}

/** Reads model bytes back (int64 fields as numbers, bytes as Uint8Array): for tests and tools. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: true, defaults: false }) as ModelProto;
}
