/**
 * A bounds-checked view of flatbuffer tables over the `flatbuffers` package's ByteBuffer. Every
 * offset is checked against the file before it is followed, so a truncated or corrupt file fails
 * with a FailedPreconditionError naming the file and the field — never a crash, a garbage read or a
 * hang (a flatbuffer is read by following forward references a bounded number of times).
 * @module importers/tflite/flatbuffer
 */
import { ByteBuffer } from 'flatbuffers';
import { FailedPreconditionError } from '../../errors.ts';

const SIZE_UOFFSET = 4;

/** Reads tables from one flatbuffer file; `what` names the file in errors. */
export class FlatFile {
  readonly bb: ByteBuffer;
  readonly length: number;

  readonly bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly what: string,
  ) {
    // A plain view (not a Node Buffer, whose slice() shares memory), so copies really copy.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bb = new ByteBuffer(this.bytes);
    this.length = bytes.length;
  }

  fail(message: string): never {
    throw new FailedPreconditionError(`${this.what} is not a valid TFLite model: ${message}`);
  }

  /** Fails unless `[offset, offset + size)` lies inside the file. */
  check(offset: number, size: number, field: string): void {
    if (!Number.isInteger(offset) || offset < 0 || size < 0 || offset + size > this.length) {
      this.fail(`${field} points outside the file (bytes ${offset}…${offset + size} of ${this.length})`);
    }
  }

  /** The root table, after checking the size and the 4-byte file identifier. */
  root(identifier: string): FlatTable {
    if (this.length < 8) this.fail(`${this.length} bytes is too short for a flatbuffer`);
    const found = String.fromCharCode(...this.bytes.subarray(4, 8));
    if (found !== identifier) {
      const shown = /^[\x20-\x7e]{4}$/.test(found) ? `"${found}"` : `bytes ${Array.from(this.bytes.subarray(4, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
      this.fail(`file identifier is ${shown}, expected "${identifier}"`);
    }
    return this.table(this.bb.readUint32(0), 'root table');
  }

  /** The table at absolute position `pos`, with its vtable checked. */
  table(pos: number, field: string): FlatTable {
    this.check(pos, 4, field);
    const vtable = pos - this.bb.readInt32(pos);
    this.check(vtable, 4, `${field} vtable`);
    const vtableSize = this.bb.readUint16(vtable);
    const objectSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2) this.fail(`${field} has a vtable of ${vtableSize} bytes`);
    this.check(vtable, vtableSize, `${field} vtable`);
    this.check(pos, objectSize, field);
    return new FlatTable(this, pos, vtable, vtableSize, field);
  }
}

export type ScalarType = 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'int64' | 'uint64';

const SCALAR_SIZE: Record<ScalarType, number> = {
  bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8,
};

export class FlatTable {
  constructor(
    private readonly file: FlatFile,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vtableSize: number,
    readonly where: string,
  ) {}

  /** Absolute position of field `id`, or 0 when the field is absent. */
  private field(id: number): number {
    const entry = 4 + 2 * id;
    if (entry + 2 > this.vtableSize) return 0;
    const relative = this.file.bb.readUint16(this.vtable + entry);
    return relative ? this.pos + relative : 0;
  }

  has(id: number): boolean {
    return this.field(id) !== 0;
  }

  /** A scalar field (as a number; 64-bit values beyond 2^53 lose precision), or its default. */
  scalar(id: number, type: ScalarType, defaultValue = 0): number {
    const at = this.field(id);
    if (!at) return defaultValue;
    this.file.check(at, SCALAR_SIZE[type], `${this.where} field ${id}`);
    return readScalar(this.file.bb, at, type);
  }

  bool(id: number, defaultValue = false): boolean {
    return this.has(id) ? this.scalar(id, 'uint8') !== 0 : defaultValue;
  }

  /** Follows an offset field; undefined when absent. */
  private target(id: number, name: string): number | undefined {
    const at = this.field(id);
    if (!at) return undefined;
    this.file.check(at, SIZE_UOFFSET, `${this.where}.${name}`);
    const target = at + this.file.bb.readUint32(at);
    this.file.check(target, 4, `${this.where}.${name}`);
    return target;
  }

  table(id: number, name: string): FlatTable | undefined {
    const target = this.target(id, name);
    return target === undefined ? undefined : this.file.table(target, `${this.where}.${name}`);
  }

  /** Start and length of a vector of `elementSize`-byte elements, checked. */
  private vector(id: number, name: string, elementSize: number): { start: number; length: number } | undefined {
    const target = this.target(id, name);
    if (target === undefined) return undefined;
    const length = this.file.bb.readUint32(target);
    this.file.check(target + 4, length * elementSize, `${this.where}.${name} (${length} elements)`);
    return { start: target + 4, length };
  }

  string(id: number, name: string): string | undefined {
    const bytes = this.bytes(id, name);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /** A `[ubyte]`/`string` field as a view into the file (no copy). */
  bytes(id: number, name: string): Uint8Array | undefined {
    const vector = this.vector(id, name, 1);
    return vector && this.file.bytes.subarray(vector.start, vector.start + vector.length);
  }

  scalars(id: number, name: string, type: ScalarType): number[] | undefined {
    const size = SCALAR_SIZE[type];
    const vector = this.vector(id, name, size);
    if (!vector) return undefined;
    return Array.from({ length: vector.length }, (_, i) => readScalar(this.file.bb, vector.start + i * size, type));
  }

  tables(id: number, name: string): FlatTable[] {
    const vector = this.vector(id, name, SIZE_UOFFSET);
    if (!vector) return [];
    return Array.from({ length: vector.length }, (_, i) => {
      const at = vector.start + i * SIZE_UOFFSET;
      return this.file.table(at + this.file.bb.readUint32(at), `${this.where}.${name}[${i}]`);
    });
  }
}

function readScalar(bb: ByteBuffer, at: number, type: ScalarType): number {
  switch (type) {
    case 'bool':
    case 'uint8':
      return bb.readUint8(at);
    case 'int8':
      return bb.readInt8(at);
    case 'int16':
      return bb.readInt16(at);
    case 'uint16':
      return bb.readUint16(at);
    case 'int32':
      return bb.readInt32(at);
    case 'uint32':
      return bb.readUint32(at);
    case 'float32':
      return bb.readFloat32(at);
    case 'int64':
      return Number(bb.readInt64(at));
    case 'uint64':
      return Number(bb.readUint64(at));
  }
}
