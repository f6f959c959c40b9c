/**
 * A bare ONNX model's interface (for serving a user's `model.onnx`, e.g. from tf2onnx, as
 * `serving_default`): its producer, graph inputs — initializers left out, as older exporters list
 * them among the inputs — and outputs, with dtypes and shapes. Decoded with a schema of only those
 * fields, so the weights are skipped over, never copied.
 * @module importers/onnx/model-io
 */
import protobuf from 'protobufjs';
import { FailedPreconditionError } from '../../errors.ts';
import type { DType } from '../../tensors/host-tensor.ts';
import type { TensorSpec } from '../../tensors/signature.ts';

/** Field numbers as in onnx.proto; everything else is skipped. */
const SCHEMA = `
syntax = "proto3";
message ModelProto { string producer_name = 2; string producer_version = 3; GraphProto graph = 7; }
message GraphProto { repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message TensorProto { string name = 8; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message TypeProto { TensorType tensor_type = 1; }
message TensorType { int32 elem_type = 1; TensorShapeProto shape = 2; }
message TensorShapeProto { repeated Dimension dim = 1; }
message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
`;

/** TensorProto.DataType → host dtype, for the types served here. */
const DTYPE_OF: Record<number, DType> = {
  1: 'DT_FLOAT',
  2: 'DT_UINT8',
  3: 'DT_INT8',
  4: 'DT_UINT16',
  5: 'DT_INT16',
  6: 'DT_INT32',
  7: 'DT_INT64',
  8: 'DT_STRING',
  9: 'DT_BOOL',
  10: 'DT_HALF',
  11: 'DT_DOUBLE',
  12: 'DT_UINT32',
  13: 'DT_UINT64',
};

interface ValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}

export interface OnnxModelIo {
  /** `producer_name producer_version`, e.g. `tf2onnx 1.16.1`; empty when unset. */
  producer: string;
  /** By ONNX name, in the graph's order. */
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

let modelType: protobuf.Type | undefined;

/** Reads `bytes` (a serialized ModelProto; `file` names it in errors). */
export function readOnnxModelIo(bytes: Uint8Array, file: string): OnnxModelIo {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('ModelProto');
  let model: { producer_name?: string; producer_version?: string; graph?: { initializer?: { name?: string }[]; input?: ValueInfo[]; output?: ValueInfo[] } };
  try {
    model = modelType.toObject(modelType.decode(bytes), { longs: Number, arrays: true, oneofs: false });
  } catch (error) {
    throw new FailedPreconditionError(`${file} is not an ONNX model: ${(error as Error).message}`);
  }
  const graph = model.graph;
  if (!graph || !graph.output?.length) throw new FailedPreconditionError(`${file} is not an ONNX model: it has no graph outputs`);
  const initialized = new Set((graph.initializer ?? []).map((tensor) => tensor.name));
  const spec = (value: ValueInfo): [string, TensorSpec] => {
    const name = value.name ?? '';
    const tensorType = value.type?.tensor_type;
    const dtype = tensorType?.elem_type === undefined ? undefined : DTYPE_OF[tensorType.elem_type];
    if (!dtype) throw new FailedPreconditionError(`${file}: '${name}' is not a tensor of a type served here (elem_type ${tensorType?.elem_type ?? 'unset'})`);
    const shape = tensorType?.shape ? (tensorType.shape.dim ?? []).map((dim) => (dim.dim_value ? Number(dim.dim_value) : -1)) : null;
    return [name, { tensorName: name, dtype, shape }];
  };
  return {
    producer: [model.producer_name, model.producer_version].filter(Boolean).join(' '),
    inputs: Object.fromEntries((graph.input ?? []).filter((value) => !initialized.has(value.name)).map(spec)),
    outputs: Object.fromEntries(graph.output.map(spec)),
  };
}
