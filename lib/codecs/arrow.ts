/**
 * Apache Arrow IPC stream bodies (`application/vnd.apache.arrow.stream`): one column per tensor,
 * rows along the batch dimension. A primitive column is a tensor `[rows]`; a FixedSizeList column
 * (lists of lists too) is `[rows, listSize, …]`, and a field metadata key `shape` (JSON, e.g.
 * `[28,28]`) gives the dims of one row of a flat list; Utf8 and Binary columns are DT_STRING.
 * Values are read straight from the columns' buffers: a column of one record batch is a view into
 * the body, several batches are copied into one array.
 * Loaded lazily by the registry, so apache-arrow is only evaluated when a request uses it.
 * @module codecs/arrow
 */
import {
  Binary,
  Bool,
  Field,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Data,
  type DataType,
} from 'apache-arrow';
import { InternalError, InvalidArgumentError, NotAcceptableError, ServingError } from '../errors.ts';
import { STORAGE as SHARED_STORAGE, type DType, type HostTensor, type NumericDType, type TensorMap, type TensorValues, type ValuesOf } from '../tensors/host-tensor.ts';
import { ARROW_STREAM_MEDIA_TYPE, checkStream } from './arrow-stream-check.ts';
import type { DecodedBody, TensorCodec } from './codec.ts';

export { ARROW_STREAM_MEDIA_TYPE };

/** Field metadata key holding the JSON list of one row's dims, e.g. `[28,28]`. */
export const SHAPE_METADATA_KEY = 'shape';

/** Reads and writes Arrow IPC streams. */
export const arrowCodec: TensorCodec = {
  name: 'arrow',
  mediaTypes: [ARROW_STREAM_MEDIA_TYPE],
  decode: (body) => decodeArrowStream(body),
  encode: (outputs) => encodeArrowStream(outputs),
};

type NumericArray = ValuesOf<NumericDType>;

type NumericArrayConstructor = {
  new (length: number): NumericArray;
  readonly name: string;
};

/** The exact storage of each numeric dtype (lib/tensors), with its name for messages. */
const STORAGE = SHARED_STORAGE as unknown as Record<NumericDType, NumericArrayConstructor>;

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes an Arrow IPC stream into one tensor per column, named by the column.
 * @throws InvalidArgumentError for anything but a complete stream of supported, null-free columns.
 */
export function decodeArrowStream(body: Uint8Array): DecodedBody {
  try {
    const end = checkStream(body);
    const table = tableFromIPC(body.subarray(0, end));
    const inputs: TensorMap = {};
    table.schema.fields.forEach((field, index) => {
      if (Object.hasOwn(inputs, field.name)) {
        throw new InvalidArgumentError(`Arrow stream has more than one column named ${quote(field.name)}`);
      }
      const batches = table.batches.map((batch) => batch.data.children[index]);
      setOwn(inputs, field.name, columnTensor(field, batches, table.numRows));
    });
    return { inputs };
  } catch (error) {
    if (error instanceof ServingError) throw error;
    throw new InvalidArgumentError(`Malformed Arrow stream: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What a column's type makes of each row: dims from nested FixedSizeLists, and the leaf. */
interface ColumnLayout {
  dims: number[];
  leaf: DataType;
  dtype: DType;
}

function columnLayout(field: Field): ColumnLayout {
  const dims: number[] = [];
  let type: DataType = field.type;
  while (type.typeId === Type.FixedSizeList) {
    const list = type as FixedSizeList;
    if (!(list.listSize >= 0)) {
      throw new InvalidArgumentError(`Arrow column ${quote(field.name)} has a FixedSizeList of size ${list.listSize}`);
    }
    dims.push(list.listSize);
    type = list.children[0].type;
  }
  const dtype = leafDType(type);
  if (!dtype) {
    throw new InvalidArgumentError(
      `Arrow column ${quote(field.name)} has type ${field.type}, which is not a tensor; send Float, Int, Bool, Utf8 or Binary columns, or FixedSizeLists of them`,
    );
  }
  return { dims, leaf: type, dtype };
}

function leafDType(type: DataType): DType | undefined {
  switch (type.typeId) {
    case Type.Float: {
      const precision = (type as Float32).precision;
      return precision === Precision.HALF ? 'DT_HALF' : precision === Precision.SINGLE ? 'DT_FLOAT' : 'DT_DOUBLE';
    }
    case Type.Int: {
      const { bitWidth, isSigned } = type as Int32;
      const dtype = `DT_${isSigned ? '' : 'U'}INT${bitWidth}`;
      return Object.hasOwn(STORAGE, dtype) ? (dtype as DType) : undefined;
    }
    case Type.Bool:
      return 'DT_BOOL';
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return 'DT_STRING';
    default:
      return undefined;
  }
}

/** One column, all record batches, as a tensor `[rows, …row dims]`. */
function columnTensor(field: Field, batches: Data[], rows: number): HostTensor {
  const name = field.name;
  const { dims, dtype } = columnLayout(field);
  const perRow = product(dims);
  const rowShape = metadataShape(field, dims, perRow) ?? dims;
  const shape = [rows, ...rowShape];
  // Every batch is checked against its buffers before anything is allocated for the whole column.
  const leaves = batches.map((data) => leafData(name, data, dims));
  if (dtype === 'DT_STRING') {
    const values: Uint8Array[] = [];
    for (const { data, count } of leaves) readStrings(name, data, count, values);
    return { dtype, shape, values };
  }
  if (dtype === 'DT_BOOL') {
    const bitmaps = leaves.map(({ data, count }) => bitmap(name, data, count));
    const values = new Uint8Array(rows * perRow);
    let at = 0;
    for (const { bits, offset, count } of bitmaps) {
      for (let i = 0; i < count; i++) {
        const bit = offset + i;
        values[at++] = (bits[bit >> 3] >> (bit & 7)) & 1;
      }
    }
    return { dtype, shape, values };
  }
  const Storage = STORAGE[dtype];
  const parts = leaves.map(({ data, count }) => numericView(name, data, count, Storage));
  // One batch: a view of the body. Several: one array (they are not contiguous in the body).
  if (parts.length === 1) return { dtype, shape, values: parts[0] as TensorValues };
  const values = new Storage(rows * perRow);
  let at = 0;
  for (const part of parts) {
    (values as Float32Array).set(part as Float32Array, at);
    at += part.length;
  }
  return { dtype, shape, values: values as TensorValues };
}

/** The row dims the field's `shape` metadata gives, checked against the lists' size. */
function metadataShape(field: Field, dims: number[], perRow: number): number[] | undefined {
  const text = field.metadata.get(SHAPE_METADATA_KEY);
  if (text === undefined) return undefined;
  const where = `Arrow column ${quote(field.name)}: field metadata ${quote(SHAPE_METADATA_KEY)}`;
  let shape: unknown;
  try {
    shape = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`${where} is not JSON: ${clip(text)}`);
  }
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InvalidArgumentError(`${where} must be a JSON list of non-negative integers (the dims of one row), got ${clip(text)}`);
  }
  if (product(shape) !== perRow) {
    throw new InvalidArgumentError(
      `${where} ${clip(text)} holds ${product(shape)} values per row, but the column's lists hold ${perRow} (${field.type})`,
    );
  }
  return shape;
}

/**
 * Descends through a batch's FixedSizeLists to the leaf values, refusing nulls at every level.
 * apache-arrow keeps a sliced list's children sliced, so the leaf's first `count` values are the
 * batch's.
 */
function leafData(name: string, data: Data, dims: number[]): { data: Data; count: number } {
  refuseNulls(name, data, '');
  let count = data.length;
  let level = data;
  for (const size of dims) {
    const lists = count;
    count *= size;
    const child = level.children[0];
    if (!child || child.length < count) {
      throw new InvalidArgumentError(
        `Arrow column ${quote(name)}: a FixedSizeList of ${lists} lists of ${size} has ${child?.length ?? 0} child values, not ${count}`,
      );
    }
    refuseNulls(name, child, ' inside its lists');
    level = child;
  }
  return { data: level, count };
}

function refuseNulls(name: string, data: Data, where: string): void {
  const nulls = data.nullCount;
  if (nulls > 0) {
    throw new InvalidArgumentError(
      `Arrow column ${quote(name)} has ${nulls} null ${nulls === 1 ? 'value' : 'values'}${where}; tensors cannot hold nulls`,
    );
  }
}

/** The first `count` values of a fixed-width leaf (apache-arrow's `values` start at the data's first element). */
function numericView(name: string, data: Data, count: number, Storage: NumericArrayConstructor): NumericArray {
  const values = data.values as NumericArray | undefined;
  if (!(values instanceof Storage)) {
    throw new InvalidArgumentError(`Arrow column ${quote(name)}: its ${data.type} data buffer is missing or of the wrong kind`);
  }
  if (values.length < count) {
    throw new InvalidArgumentError(
      `Arrow column ${quote(name)}: its data buffer holds ${values.length} ${data.type} values, ${count} needed`,
    );
  }
  return values.subarray(0, count);
}

/** A Bool leaf's bitmap, checked to hold `count` bits from the data's bit offset. */
function bitmap(name: string, data: Data, count: number): { bits: Uint8Array; offset: number; count: number } {
  const bits = data.values as Uint8Array | undefined;
  const offset = data.offset;
  if (!(bits instanceof Uint8Array) || bits.length * 8 < offset + count) {
    throw new InvalidArgumentError(
      `Arrow column ${quote(name)}: its Bool data buffer holds ${(bits?.length ?? 0) * 8 - offset} bits, ${count} needed`,
    );
  }
  return { bits, offset, count };
}

/** Appends `count` byte strings (views of the body) from a Utf8/Binary leaf to `out`. */
function readStrings(name: string, data: Data, count: number, out: Uint8Array[]): void {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  const bytes = (data.values as Uint8Array | undefined) ?? new Uint8Array(0);
  if (!offsets || offsets.length < count + 1) {
    throw new InvalidArgumentError(
      `Arrow column ${quote(name)}: its ${data.type} offsets buffer holds ${offsets?.length ?? 0} offsets, ${count + 1} needed`,
    );
  }
  for (let i = 0; i < count; i++) {
    const start = Number(offsets[i]);
    const end = Number(offsets[i + 1]);
    if (!(start >= 0 && start <= end && end <= bytes.length)) {
      throw new InvalidArgumentError(
        `Arrow column ${quote(name)}: value ${out.length} spans bytes ${start} to ${end} of a ${bytes.length}-byte data buffer`,
      );
    }
    out.push(bytes.subarray(start, end));
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes outputs as an Arrow IPC stream: one column per output, its first dim the rows. Rank-1
 * outputs are primitive columns; higher ranks are FixedSizeLists of one row's values with the
 * row's dims in the field metadata `shape`; DT_STRING is Binary.
 * @throws NotAcceptableError when the outputs do not share their first dimension.
 */
export function encodeArrowStream(outputs: TensorMap): Uint8Array {
  const names = Object.keys(outputs);
  const rows = rowCount(outputs, names);
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const name of names) {
    const tensor = outputs[name];
    const rowDims = tensor.shape.slice(1);
    const perRow = product(rowDims);
    const leaf = leafColumn(name, tensor, rows * perRow);
    if (tensor.shape.length === 1) {
      fields.push(new Field(name, leaf.type, false));
      children.push(leaf);
    } else {
      const type = new FixedSizeList(perRow, new Field('item', leaf.type, false));
      const metadata = new Map([[SHAPE_METADATA_KEY, JSON.stringify(rowDims)]]);
      fields.push(new Field(name, type, false, metadata));
      children.push(makeData({ type, length: rows, nullCount: 0, child: leaf }));
    }
  }
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }));
  return tableToIPC(new Table(schema, [batch]), 'stream');
}

/** The row count every output shares. */
function rowCount(outputs: TensorMap, names: string[]): number {
  const scalars = names.filter((name) => outputs[name].shape.length === 0);
  if (scalars.length > 0) {
    throw new NotAcceptableError(
      `Arrow columns need a batch dimension, but ${scalars.map(quote).join(', ')} ${scalars.length === 1 ? 'is a scalar' : 'are scalars'}; ask for JSON instead`,
    );
  }
  const counts = names.map((name) => outputs[name].shape[0]);
  if (counts.some((count) => count !== counts[0])) {
    throw new NotAcceptableError(
      `Arrow columns share one row count, but the outputs' first dimensions differ: ${names.map((name, i) => `${quote(name)} ${counts[i]}`).join(', ')}; ask for JSON instead`,
    );
  }
  return counts[0] ?? 0;
}

const ARROW_TYPES: Record<Exclude<DType, 'DT_STRING' | 'DT_BOOL'>, () => DataType> = {
  DT_FLOAT: () => new Float32(),
  DT_DOUBLE: () => new Float64(),
  DT_HALF: () => new Float16(),
  DT_INT8: () => new Int8(),
  DT_INT16: () => new Int16(),
  DT_INT32: () => new Int32(),
  DT_INT64: () => new Int64(),
  DT_UINT8: () => new Uint8(),
  DT_UINT16: () => new Uint16(),
  DT_UINT32: () => new Uint32(),
  DT_UINT64: () => new Uint64(),
};

/** A tensor's flat values as one null-free Arrow array of `count` values. */
function leafColumn(name: string, tensor: HostTensor, count: number): Data {
  const { dtype } = tensor;
  if (dtype === 'DT_STRING') {
    const strings = tensor.values as Uint8Array[];
    checkLength(name, strings.length, count);
    const valueOffsets = new Int32Array(count + 1);
    let total = 0;
    for (let i = 0; i < count; i++) {
      total += strings[i].length;
      if (total > 0x7fffffff) throw new NotAcceptableError(`Output ${quote(name)} has more than 2 GiB of strings for one Arrow column`);
      valueOffsets[i + 1] = total;
    }
    const data = new Uint8Array(total);
    for (let i = 0; i < count; i++) data.set(strings[i], valueOffsets[i]);
    return makeData({ type: new Binary(), length: count, nullCount: 0, valueOffsets, data });
  }
  const Storage = STORAGE[dtype];
  const values = tensor.values as NumericArray;
  if (!(values instanceof Storage)) {
    throw new InternalError(`Output ${quote(name)}: ${dtype} values are a ${values?.constructor?.name}, not a ${Storage.name}`);
  }
  checkLength(name, values.length, count);
  if (dtype === 'DT_BOOL') {
    const bits = new Uint8Array((count + 7) >> 3);
    for (let i = 0; i < count; i++) if (values[i]) bits[i >> 3] |= 1 << (i & 7);
    return makeData({ type: new Bool(), length: count, nullCount: 0, data: bits });
  }
  const type = ARROW_TYPES[dtype]();
  return makeData({ type, length: count, nullCount: 0, data: values.subarray(0, count) } as Parameters<typeof makeData>[0]) as Data;
}

function checkLength(name: string, actual: number, expected: number): void {
  if (actual < expected) {
    throw new InternalError(`Output ${quote(name)} has ${actual} values, fewer than its shape's ${expected}`);
  }
}

function product(dims: readonly number[]): number {
  let size = 1;
  for (const dim of dims) size *= dim;
  return size;
}

/** `object[key] = value`, also for a key `__proto__` (which plain assignment would take as the prototype). */
function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function quote(name: string): string {
  return JSON.stringify(name);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
