/**
 * A structural check of an Arrow IPC stream before apache-arrow reads it: every message's length
 * and flatbuffer metadata (tables, vectors, strings) bounds-checked, row counts bounded by the
 * body's size, an end-of-stream marker required. apache-arrow itself trusts its input: a stream
 * cut at a message boundary reads as complete, and a corrupt vector length makes it loop or
 * allocate without bound.
 * @module codecs/arrow-stream-check
 */
import { MessageHeader, Type } from 'apache-arrow';
import { InvalidArgumentError } from '../errors.ts';

/** The media type of the Arrow IPC stream format. */
export const ARROW_STREAM_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

const CONTINUATION = -1;
const FILE_MAGIC = 'ARROW1';

/**
 * Walks the stream's messages before apache-arrow reads it, and returns the offset just past the
 * end-of-stream marker. apache-arrow takes a stream cut short at a message boundary (or inside
 * the first length word) for a complete one, and trusts the flatbuffer metadata: a corrupt vector
 * length makes it loop or allocate without bound. So every message's metadata is checked here:
 * each vector and table inside the metadata, and row counts bounded by the body's size.
 */
export function checkStream(body: Uint8Array): number {
  if (body.length >= 6 && Buffer.from(body.buffer, body.byteOffset, 6).toString('latin1') === FILE_MAGIC) {
    throw new InvalidArgumentError(
      `Body is in the Arrow IPC file format (it starts with ${FILE_MAGIC}); send the stream format, ${ARROW_STREAM_MEDIA_TYPE}`,
    );
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  // Every row of a real column takes at least a bit of the body (only zero-width lists do not).
  const rowLimit = 8 * body.length + 1024;
  let pos = 0;
  for (let index = 0; ; index++) {
    const what = index === 0 ? 'the schema message' : `message ${index}`;
    const problem = (text: string) =>
      new InvalidArgumentError(
        index === 0 ? `Body is not an Arrow IPC stream: ${text}` : `Arrow stream is cut short or corrupt: ${text}`,
      );
    if (pos + 4 > body.length) throw problem(`it ends (at byte ${body.length}) before ${what} or its end-of-stream marker`);
    let metadataLength = view.getInt32(pos, true);
    pos += 4;
    if (metadataLength === CONTINUATION) {
      if (pos + 4 > body.length) throw problem(`it ends (at byte ${body.length}) inside the length of ${what}`);
      metadataLength = view.getInt32(pos, true);
      pos += 4;
    }
    if (metadataLength === 0) {
      if (index === 0) throw problem('it ends before its schema message');
      if (pos !== body.length) {
        throw new InvalidArgumentError(`Arrow stream has ${body.length - pos} bytes after its end-of-stream marker (at byte ${pos})`);
      }
      return pos;
    }
    if (metadataLength < 0 || pos + metadataLength > body.length) {
      throw problem(`${what} claims ${metadataLength} bytes of metadata at byte ${pos}, but the body has ${body.length - pos} left`);
    }
    let header: { type: number; bodyLength: number };
    try {
      header = checkMessage(new FlatBuffer(body.subarray(pos, pos + metadataLength)), rowLimit);
    } catch (error) {
      if (!(error instanceof FlatBufferError)) throw error;
      throw problem(`the metadata of ${what} (at byte ${pos}) is corrupt: ${error.message}`);
    }
    if ((index === 0) !== (header.type === MessageHeader.Schema)) {
      throw problem(index === 0 ? 'it does not start with a schema message' : `${what} is a second schema`);
    }
    pos += metadataLength;
    if (pos + header.bodyLength > body.length) {
      throw problem(`${what} claims a body of ${header.bodyLength} bytes at byte ${pos}, but the body has ${body.length - pos} left`);
    }
    pos += header.bodyLength;
  }
}

class FlatBufferError extends Error {}

/** Bounds-checked reads of one flatbuffer; every table visited costs one unit of a budget. */
class FlatBuffer {
  private readonly view: DataView;
  private budget: number;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // A table takes at least 4 bytes, so a tree of tables has at most this many.
    this.budget = bytes.length >> 2;
  }

  root(): number {
    return this.table(this.u32(0));
  }

  /** The table of field `index` of a table, if set. */
  tableField(table: number, index: number): number | undefined {
    const at = this.field(table, index);
    return at === 0 ? undefined : this.table(at + this.u32(at));
  }

  /** The tables of a vector-of-tables field. */
  tablesField(table: number, index: number): number[] {
    const vector = this.vectorField(table, index, 4);
    const tables: number[] = [];
    for (let i = 0; i < vector.length; i++) {
      const at = vector.start + 4 * i;
      tables.push(this.table(at + this.u32(at)));
    }
    return tables;
  }

  /** A vector (or string, `size` 1) field's elements' position and count; empty when unset. */
  vectorField(table: number, index: number, size: number): { start: number; length: number } {
    const at = this.field(table, index);
    if (at === 0) return { start: 0, length: 0 };
    const vector = at + this.u32(at);
    const length = this.u32(vector);
    this.need(vector + 4, length * size, `a vector of ${length} elements`);
    return { start: vector + 4, length };
  }

  u8Field(table: number, index: number): number {
    const at = this.field(table, index);
    return at === 0 ? 0 : this.view.getUint8(this.need(at, 1));
  }

  i64Field(table: number, index: number): number {
    const at = this.field(table, index);
    return at === 0 ? 0 : this.i64(at);
  }

  i64(at: number): number {
    return Number(this.view.getBigInt64(this.need(at, 8), true));
  }

  private table(at: number): number {
    if (--this.budget < 0) throw new FlatBufferError('it holds more tables than its size allows');
    const vtable = at - this.view.getInt32(this.need(at, 4), true);
    const size = this.view.getUint16(this.need(vtable, 2), true);
    if (size < 4 || size % 2 !== 0) throw new FlatBufferError(`a table at ${at} has a vtable of ${size} bytes`);
    this.need(vtable, size, 'a vtable');
    return at;
  }

  private field(table: number, index: number): number {
    const vtable = table - this.view.getInt32(table, true);
    const entry = 4 + 2 * index;
    if (entry >= this.view.getUint16(vtable, true)) return 0;
    const offset = this.view.getUint16(vtable + entry, true);
    return offset === 0 ? 0 : table + offset;
  }

  private u32(at: number): number {
    return this.view.getUint32(this.need(at, 4), true);
  }

  private need(at: number, size: number, what = `${size} bytes`): number {
    if (!(at >= 0 && at + size <= this.bytes.length)) {
      throw new FlatBufferError(`${what} at ${at} lies outside its ${this.bytes.length} bytes`);
    }
    return at;
  }
}

// Field indexes in Arrow's Message.fbs and Schema.fbs.
const MESSAGE = { headerType: 1, header: 2, bodyLength: 3, customMetadata: 4 };
const SCHEMA = { fields: 1, customMetadata: 2, features: 3 };
const FIELD = { name: 0, typeType: 2, type: 3, dictionary: 4, children: 5, customMetadata: 6 };
const RECORD_BATCH = { length: 0, nodes: 1, buffers: 2, compression: 3, variadicBufferCounts: 4 };
const DICTIONARY_BATCH_DATA = 1;
const UNION_TYPE_IDS = 1;
const DICTIONARY_INDEX_TYPE = 1;
const MAX_FIELD_DEPTH = 64;

/** Checks one message's metadata; returns its header type and body length. */
function checkMessage(flat: FlatBuffer, rowLimit: number): { type: number; bodyLength: number } {
  const message = flat.root();
  checkKeyValues(flat, message, MESSAGE.customMetadata);
  const type = flat.u8Field(message, MESSAGE.headerType);
  const header = flat.tableField(message, MESSAGE.header);
  const bodyLength = flat.i64Field(message, MESSAGE.bodyLength);
  if (header === undefined) throw new FlatBufferError('the message has no header');
  if (bodyLength < 0) throw new FlatBufferError(`the message claims a body of ${bodyLength} bytes`);
  switch (type) {
    case MessageHeader.Schema:
      checkKeyValues(flat, header, SCHEMA.customMetadata);
      flat.vectorField(header, SCHEMA.features, 8);
      for (const field of flat.tablesField(header, SCHEMA.fields)) checkField(flat, field, 1);
      break;
    case MessageHeader.DictionaryBatch: {
      const data = flat.tableField(header, DICTIONARY_BATCH_DATA);
      if (data === undefined) throw new FlatBufferError('a dictionary batch has no data');
      checkRecordBatch(flat, data, rowLimit);
      break;
    }
    case MessageHeader.RecordBatch:
      checkRecordBatch(flat, header, rowLimit);
      break;
    default:
      throw new FlatBufferError(`the message is a ${MessageHeader[type] ?? `type ${type}`} message, not a schema or a batch`);
  }
  return { type, bodyLength };
}

function checkField(flat: FlatBuffer, field: number, depth: number): void {
  if (depth > MAX_FIELD_DEPTH) throw new FlatBufferError(`its fields nest deeper than ${MAX_FIELD_DEPTH} levels`);
  flat.vectorField(field, FIELD.name, 1);
  const type = flat.tableField(field, FIELD.type);
  if (type !== undefined && flat.u8Field(field, FIELD.typeType) === Type.Union) flat.vectorField(type, UNION_TYPE_IDS, 4);
  const dictionary = flat.tableField(field, FIELD.dictionary);
  if (dictionary !== undefined) flat.tableField(dictionary, DICTIONARY_INDEX_TYPE);
  checkKeyValues(flat, field, FIELD.customMetadata);
  for (const child of flat.tablesField(field, FIELD.children)) checkField(flat, child, depth + 1);
}

function checkKeyValues(flat: FlatBuffer, table: number, index: number): void {
  for (const keyValue of flat.tablesField(table, index)) {
    flat.vectorField(keyValue, 0, 1);
    flat.vectorField(keyValue, 1, 1);
  }
}

function checkRecordBatch(flat: FlatBuffer, batch: number, rowLimit: number): void {
  const rows = flat.i64Field(batch, RECORD_BATCH.length);
  const nodes = flat.vectorField(batch, RECORD_BATCH.nodes, 16);
  flat.vectorField(batch, RECORD_BATCH.buffers, 16);
  flat.vectorField(batch, RECORD_BATCH.variadicBufferCounts, 8);
  if (flat.tableField(batch, RECORD_BATCH.compression) !== undefined) {
    throw new InvalidArgumentError('Arrow stream uses buffer compression (LZ4 or ZSTD), which is not supported; send it uncompressed');
  }
  const lengths = [rows];
  for (let i = 0; i < nodes.length; i++) lengths.push(flat.i64(nodes.start + 16 * i), flat.i64(nodes.start + 16 * i + 8));
  for (const length of lengths) {
    if (!(length >= 0 && length <= rowLimit)) {
      throw new FlatBufferError(`a batch claims ${length} rows, more than a body of its size can hold`);
    }
  }
}
