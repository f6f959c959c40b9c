/**
 * `.tflite` bytes → plain structs (the parts of TFLite's schema this importer uses). Only layout
 * is checked here; meaning (types, indexes, op support) is the mapper's job.
 * @module importers/tflite/reader
 */
import { FlatFile, type FlatTable } from './flatbuffer.ts';
import { FIELDS, FILE_IDENTIFIER, OPTION_TABLES, type OptionField } from './schema.ts';

export interface TfliteModel {
  version: number;
  description?: string;
  operatorCodes: TfliteOperatorCode[];
  subgraphs: TfliteSubGraph[];
  /** Index 0 is the empty sentinel. `data` is a view into the file (or empty). */
  buffers: TfliteBuffer[];
  metadata: { name: string; buffer: number }[];
  signatureDefs: TfliteSignatureDef[];
}

export interface TfliteOperatorCode {
  /** The BuiltinOperator value: max(deprecated_builtin_code, builtin_code). */
  builtinCode: number;
  customCode?: string;
  version: number;
}

export interface TfliteSubGraph {
  name?: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  min?: number[];
  max?: number[];
}

export interface TfliteTensor {
  name: string;
  shape: number[];
  /** Like `shape` with -1 for dimensions unknown at conversion; absent in older files. */
  shapeSignature?: number[];
  /** Distinguishes a scalar (`shape` [] with rank known) from unknown rank; unset by older converters. */
  hasRank: boolean;
  /** TensorType value (see TENSOR_TYPES). */
  type: number;
  buffer: number;
  quantization?: TfliteQuantization;
  isVariable: boolean;
  /** Sparse tensors are stored compressed; this importer does not densify them. */
  sparse: boolean;
}

export interface TfliteOperator {
  opcodeIndex: number;
  /** Tensor indexes; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union value (0: none) and that table's fields, decoded when the table is known. */
  optionsType: number;
  options: Record<string, number | boolean | number[]>;
  customOptions?: Uint8Array;
  intermediates: number[];
}

export interface TfliteBuffer {
  data: Uint8Array;
  /** Set when the data sits outside the flatbuffer (offset/size fields, relative to the file start). */
  external?: { offset: number; size: number };
}

export interface TfliteTensorMap {
  name: string;
  tensorIndex: number;
}

export interface TfliteSignatureDef {
  key: string;
  subgraphIndex: number;
  inputs: TfliteTensorMap[];
  outputs: TfliteTensorMap[];
}

/** Parses a `.tflite` file; `what` names it in errors (FailedPreconditionError). */
export function readTflite(bytes: Uint8Array, what: string): TfliteModel {
  const file = new FlatFile(bytes, what);
  const model = file.root(FILE_IDENTIFIER);
  const F = FIELDS.Model;
  return {
    version: model.scalar(F.version, 'uint32'),
    description: model.string(F.description, 'description'),
    operatorCodes: model.tables(F.operator_codes, 'operator_codes').map(readOperatorCode),
    subgraphs: model.tables(F.subgraphs, 'subgraphs').map(readSubGraph),
    buffers: model.tables(F.buffers, 'buffers').map((buffer) => readBuffer(buffer, file)),
    metadata: model.tables(F.metadata, 'metadata').map((entry) => ({
      name: entry.string(FIELDS.Metadata.name, 'name') ?? '',
      buffer: entry.scalar(FIELDS.Metadata.buffer, 'uint32'),
    })),
    signatureDefs: model.tables(F.signature_defs, 'signature_defs').map(readSignatureDef),
  };
}

function readOperatorCode(code: FlatTable): TfliteOperatorCode {
  const F = FIELDS.OperatorCode;
  const deprecated = code.scalar(F.deprecated_builtin_code, 'int8');
  const extended = code.scalar(F.builtin_code, 'int32');
  return {
    // Files written before `builtin_code` existed carry the code only in the byte field; newer
    // ones write both, with the byte field saturated at PLACEHOLDER_FOR_GREATER_OP_CODES.
    builtinCode: Math.max(deprecated, extended),
    customCode: code.string(F.custom_code, 'custom_code'),
    version: code.scalar(F.version, 'int32', 1),
  };
}

function readSubGraph(subgraph: FlatTable): TfliteSubGraph {
  const F = FIELDS.SubGraph;
  return {
    name: subgraph.string(F.name, 'name'),
    tensors: subgraph.tables(F.tensors, 'tensors').map(readTensor),
    inputs: subgraph.scalars(F.inputs, 'inputs', 'int32') ?? [],
    outputs: subgraph.scalars(F.outputs, 'outputs', 'int32') ?? [],
    operators: subgraph.tables(F.operators, 'operators').map(readOperator),
  };
}

function readTensor(tensor: FlatTable): TfliteTensor {
  const F = FIELDS.Tensor;
  const quantization = tensor.table(F.quantization, 'quantization');
  return {
    name: tensor.string(F.name, 'name') ?? '',
    shape: tensor.scalars(F.shape, 'shape', 'int32') ?? [],
    shapeSignature: tensor.scalars(F.shape_signature, 'shape_signature', 'int32'),
    hasRank: tensor.bool(F.has_rank),
    type: tensor.scalar(F.type, 'int8'),
    buffer: tensor.scalar(F.buffer, 'uint32'),
    quantization: quantization && readQuantization(quantization),
    isVariable: tensor.bool(F.is_variable),
    sparse: tensor.has(F.sparsity),
  };
}

function readQuantization(table: FlatTable): TfliteQuantization | undefined {
  const F = FIELDS.QuantizationParameters;
  const scale = table.scalars(F.scale, 'scale', 'float32') ?? [];
  if (!scale.length) return undefined; // min/max only (import hints) or custom details: not affine
  return {
    scale,
    zeroPoint: table.scalars(F.zero_point, 'zero_point', 'int64') ?? [],
    quantizedDimension: table.scalar(F.quantized_dimension, 'int32'),
    min: table.scalars(F.min, 'min', 'float32'),
    max: table.scalars(F.max, 'max', 'float32'),
  };
}

function readOperator(operator: FlatTable): TfliteOperator {
  const F = FIELDS.Operator;
  const optionsType = operator.scalar(F.builtin_options_type, 'uint8');
  const optionsTable = optionsType ? operator.table(F.builtin_options, 'builtin_options') : undefined;
  const schema = OPTION_TABLES[optionsType];
  return {
    opcodeIndex: operator.scalar(F.opcode_index, 'uint32'),
    inputs: operator.scalars(F.inputs, 'inputs', 'int32') ?? [],
    outputs: operator.scalars(F.outputs, 'outputs', 'int32') ?? [],
    optionsType,
    options: schema && optionsTable ? readOptions(optionsTable, schema.fields) : {},
    customOptions: operator.bytes(F.custom_options, 'custom_options'),
    intermediates: operator.scalars(F.intermediates, 'intermediates', 'int32') ?? [],
  };
}

function readOptions(table: FlatTable, fields: readonly OptionField[]): Record<string, number | boolean | number[]> {
  const options: Record<string, number | boolean | number[]> = {};
  for (const [name, id, type, defaultValue] of fields) {
    if (type === 'int32[]') {
      const values = table.scalars(id, name, 'int32');
      if (values) options[name] = values;
    } else if (type === 'bool') {
      options[name] = table.bool(id, (defaultValue as boolean | undefined) ?? false);
    } else {
      options[name] = table.scalar(id, type, (defaultValue as number | undefined) ?? 0);
    }
  }
  return options;
}

function readBuffer(buffer: FlatTable, file: FlatFile): TfliteBuffer {
  const F = FIELDS.Buffer;
  const offset = buffer.scalar(F.offset, 'uint64');
  const size = buffer.scalar(F.size, 'uint64');
  // The schema: offset/size are valid only when offset > 1 (0 and 1 are "not set" markers).
  if (offset > 1) {
    file.check(offset, size, `buffer data at offset ${offset} size ${size}`);
    return { data: file.bytes.subarray(offset, offset + size), external: { offset, size } };
  }
  return { data: buffer.bytes(F.data, 'data') ?? new Uint8Array(0) };
}

function readSignatureDef(signature: FlatTable): TfliteSignatureDef {
  const F = FIELDS.SignatureDef;
  const maps = (id: number, name: string) =>
    signature.tables(id, name).map((map) => ({
      name: map.string(FIELDS.TensorMap.name, 'name') ?? '',
      tensorIndex: map.scalar(FIELDS.TensorMap.tensor_index, 'uint32'),
    }));
  return {
    key: signature.string(F.signature_key, 'signature_key') ?? '',
    subgraphIndex: signature.scalar(F.subgraph_index, 'uint32'),
    inputs: maps(F.inputs, 'inputs'),
    outputs: maps(F.outputs, 'outputs'),
  };
}
