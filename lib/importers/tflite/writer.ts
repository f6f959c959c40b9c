/**
 * Plain structs → `.tflite` bytes with the `flatbuffers` Builder: everything reader.ts reads
 * (so read → write → read is lossless for those fields). Used to derive test models (a
 * weight-quantized copy, a model with an unsupported op, external buffers).
 * @module importers/tflite/writer
 */
import { Builder } from 'flatbuffers';
import type { TfliteModel, TfliteOperator, TfliteQuantization, TfliteSignatureDef, TfliteSubGraph, TfliteTensor } from './reader.ts';
import { FIELDS, FILE_IDENTIFIER, OPTION_TABLES, PLACEHOLDER_FOR_GREATER_OP_CODES } from './schema.ts';

type Offset = number;

export interface WriteOptions {
  /**
   * Store buffer data after the flatbuffer, addressed by the buffers' offset/size fields (the
   * layout TFLite uses for models over 2 GB), instead of inside it. @default false
   */
  externalBuffers?: boolean;
}

export function writeTflite(model: TfliteModel, options: WriteOptions = {}): Uint8Array {
  if (!options.externalBuffers) return build(model);
  // Offsets depend on the flatbuffer's size, which does not depend on their values (fixed-width
  // fields, always present): build once with stand-ins, then again with the real offsets.
  const sizes = model.buffers.map((buffer) => buffer.data.byteLength);
  const first = build(model, sizes.map((size) => ({ offset: 2 ** 40, size })));
  let at = align(first.byteLength, 16);
  const placed = sizes.map((size) => {
    const offset = at;
    at = align(at + size, 16);
    return { offset, size };
  });
  const flat = build(model, placed);
  if (flat.byteLength !== first.byteLength) throw new Error('writeTflite: flatbuffer size changed between passes');
  const out = new Uint8Array(at);
  out.set(flat);
  model.buffers.forEach((buffer, i) => out.set(buffer.data, placed[i].offset));
  return out;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function build(model: TfliteModel, external?: { offset: number; size: number }[]): Uint8Array {
  const b = new Builder(1024 + model.buffers.reduce((sum, buffer) => sum + (external ? 0 : buffer.data.byteLength), 0));
  const F = FIELDS.Model;
  const codes = offsets(b, model.operatorCodes.map((code) => {
    const custom = code.customCode !== undefined ? b.createString(code.customCode) : 0;
    b.startObject(4);
    b.addFieldInt8(FIELDS.OperatorCode.deprecated_builtin_code, Math.min(code.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    if (custom) b.addFieldOffset(FIELDS.OperatorCode.custom_code, custom, 0);
    b.addFieldInt32(FIELDS.OperatorCode.version, code.version, 1);
    b.addFieldInt32(FIELDS.OperatorCode.builtin_code, code.builtinCode, 0);
    return b.endObject();
  }));
  const subgraphs = offsets(b, model.subgraphs.map((subgraph) => writeSubGraph(b, subgraph)));
  const description = model.description !== undefined ? b.createString(model.description) : 0;
  const buffers = offsets(b, model.buffers.map((buffer, i) => {
    let data = 0;
    if (!external && buffer.data.byteLength) {
      b.startVector(1, buffer.data.byteLength, 16);
      for (let k = buffer.data.byteLength - 1; k >= 0; k--) b.addInt8(buffer.data[k]);
      data = b.endVector();
    }
    b.startObject(3);
    if (data) b.addFieldOffset(FIELDS.Buffer.data, data, 0);
    if (external) {
      b.addFieldInt64(FIELDS.Buffer.offset, BigInt(external[i].offset), 0n);
      b.addFieldInt64(FIELDS.Buffer.size, BigInt(external[i].size), 0n);
    }
    return b.endObject();
  }));
  const metadata = offsets(b, model.metadata.map((entry) => {
    const name = b.createString(entry.name);
    b.startObject(2);
    b.addFieldOffset(FIELDS.Metadata.name, name, 0);
    b.addFieldInt32(FIELDS.Metadata.buffer, entry.buffer, 0);
    return b.endObject();
  }));
  const signatures = offsets(b, model.signatureDefs.map((def) => writeSignatureDef(b, def)));
  b.startObject(8);
  b.addFieldInt32(F.version, model.version, 0);
  b.addFieldOffset(F.operator_codes, codes, 0);
  b.addFieldOffset(F.subgraphs, subgraphs, 0);
  if (description) b.addFieldOffset(F.description, description, 0);
  b.addFieldOffset(F.buffers, buffers, 0);
  b.addFieldOffset(F.metadata, metadata, 0);
  b.addFieldOffset(F.signature_defs, signatures, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

function writeSubGraph(b: Builder, subgraph: TfliteSubGraph): Offset {
  const F = FIELDS.SubGraph;
  const tensors = offsets(b, subgraph.tensors.map((tensor) => writeTensor(b, tensor)));
  const inputs = int32s(b, subgraph.inputs);
  const outputs = int32s(b, subgraph.outputs);
  const operators = offsets(b, subgraph.operators.map((op) => writeOperator(b, op)));
  const name = subgraph.name !== undefined ? b.createString(subgraph.name) : 0;
  b.startObject(5);
  b.addFieldOffset(F.tensors, tensors, 0);
  b.addFieldOffset(F.inputs, inputs, 0);
  b.addFieldOffset(F.outputs, outputs, 0);
  b.addFieldOffset(F.operators, operators, 0);
  if (name) b.addFieldOffset(F.name, name, 0);
  return b.endObject();
}

function writeTensor(b: Builder, tensor: TfliteTensor): Offset {
  const F = FIELDS.Tensor;
  const shape = int32s(b, tensor.shape);
  const name = b.createString(tensor.name);
  const quantization = tensor.quantization ? writeQuantization(b, tensor.quantization) : 0;
  const signature = tensor.shapeSignature ? int32s(b, tensor.shapeSignature) : 0;
  b.startObject(9);
  b.addFieldOffset(F.shape, shape, 0);
  b.addFieldInt8(F.type, tensor.type, 0);
  b.addFieldInt32(F.buffer, tensor.buffer, 0);
  b.addFieldOffset(F.name, name, 0);
  if (quantization) b.addFieldOffset(F.quantization, quantization, 0);
  b.addFieldInt8(F.is_variable, tensor.isVariable ? 1 : 0, 0);
  if (signature) b.addFieldOffset(F.shape_signature, signature, 0);
  b.addFieldInt8(F.has_rank, tensor.hasRank ? 1 : 0, 0);
  return b.endObject();
}

function writeQuantization(b: Builder, q: TfliteQuantization): Offset {
  const F = FIELDS.QuantizationParameters;
  const min = q.min ? float32s(b, q.min) : 0;
  const max = q.max ? float32s(b, q.max) : 0;
  const scale = float32s(b, q.scale);
  b.startVector(8, q.zeroPoint.length, 8);
  for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i]));
  const zeroPoint = b.endVector();
  b.startObject(7);
  if (min) b.addFieldOffset(F.min, min, 0);
  if (max) b.addFieldOffset(F.max, max, 0);
  b.addFieldOffset(F.scale, scale, 0);
  b.addFieldOffset(F.zero_point, zeroPoint, 0);
  b.addFieldInt32(F.quantized_dimension, q.quantizedDimension, 0);
  return b.endObject();
}

function writeOperator(b: Builder, op: TfliteOperator): Offset {
  const F = FIELDS.Operator;
  const inputs = int32s(b, op.inputs);
  const outputs = int32s(b, op.outputs);
  const options = op.optionsType ? writeOptions(b, op.optionsType, op.options) : 0;
  const custom = op.customOptions ? b.createByteVector(op.customOptions) : 0;
  const intermediates = op.intermediates.length ? int32s(b, op.intermediates) : 0;
  b.startObject(13);
  b.addFieldInt32(F.opcode_index, op.opcodeIndex, 0);
  b.addFieldOffset(F.inputs, inputs, 0);
  b.addFieldOffset(F.outputs, outputs, 0);
  if (options) {
    b.addFieldInt8(F.builtin_options_type, op.optionsType, 0);
    b.addFieldOffset(F.builtin_options, options, 0);
  }
  if (custom) b.addFieldOffset(F.custom_options, custom, 0);
  if (intermediates) b.addFieldOffset(F.intermediates, intermediates, 0);
  return b.endObject();
}

function writeOptions(b: Builder, optionsType: number, values: TfliteOperator['options']): Offset {
  const table = OPTION_TABLES[optionsType];
  if (!table) throw new Error(`writeTflite: no schema for BuiltinOptions ${optionsType}`);
  const vectors = new Map<string, Offset>();
  for (const [name, , type] of table.fields) {
    const value = values[name];
    if (type === 'int32[]' && Array.isArray(value)) vectors.set(name, int32s(b, value));
  }
  b.startObject(Math.max(0, ...table.fields.map(([, id]) => id + 1)));
  for (const [name, id, type, defaultValue] of table.fields) {
    const value = values[name];
    if (value === undefined) continue;
    if (type === 'int32[]') {
      const vector = vectors.get(name);
      if (vector) b.addFieldOffset(id, vector, 0);
    } else if (type === 'bool') b.addFieldInt8(id, value ? 1 : 0, defaultValue ? 1 : 0);
    else if (type === 'float32') b.addFieldFloat32(id, Number(value), Number(defaultValue ?? 0));
    else if (type === 'int8') b.addFieldInt8(id, Number(value), Number(defaultValue ?? 0));
    else b.addFieldInt32(id, Number(value), Number(defaultValue ?? 0));
  }
  return b.endObject();
}

function writeSignatureDef(b: Builder, def: TfliteSignatureDef): Offset {
  const F = FIELDS.SignatureDef;
  const maps = (list: { name: string; tensorIndex: number }[]) =>
    offsets(b, list.map((entry) => {
      const name = b.createString(entry.name);
      b.startObject(2);
      b.addFieldOffset(FIELDS.TensorMap.name, name, 0);
      b.addFieldInt32(FIELDS.TensorMap.tensor_index, entry.tensorIndex, 0);
      return b.endObject();
    }));
  const inputs = maps(def.inputs);
  const outputs = maps(def.outputs);
  const key = b.createString(def.key);
  b.startObject(5);
  b.addFieldOffset(F.inputs, inputs, 0);
  b.addFieldOffset(F.outputs, outputs, 0);
  b.addFieldOffset(F.signature_key, key, 0);
  b.addFieldInt32(F.subgraph_index, def.subgraphIndex, 0);
  return b.endObject();
}

function offsets(b: Builder, list: Offset[]): Offset {
  b.startVector(4, list.length, 4);
  for (let i = list.length - 1; i >= 0; i--) b.addOffset(list[i]);
  return b.endVector();
}

function int32s(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function float32s(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}
