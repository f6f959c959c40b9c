/**
 * Pure-TypeScript reader for TensorFlow checkpoints in the "tensor bundle" format: a SavedModel's
 * `variables/variables.index` + `variables.data-NNNNN-of-MMMMM`, or a TF1/TF2 Saver's
 * `<prefix>.index` + `<prefix>.data-*`.
 *
 * Format facts come from tensorflow/core/util/tensor_bundle/tensor_bundle.{h,cc} and
 * tensorflow/core/protobuf/tensor_bundle.proto:
 * - `<prefix>.index` is a table (see ./sstable.ts) mapping each tensor name to a serialized
 *   `BundleEntryProto`; the entry under the empty key "" is the `BundleHeaderProto`.
 * - Data file names: `<prefix>.data-%05d-of-%05d` (shard id, number of shards).
 * - A tensor's bytes are `[offset, offset + size)` of its shard. For fixed-size dtypes they are the
 *   raw little-endian element bytes and `entry.crc32c` is the masked CRC32C of exactly those bytes.
 * - For DT_STRING see {@link decodeStringTensor}.
 *
 * @module importers/tensorflow/checkpoint
 */
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32c, maskCrc, unmaskCrc } from './crc32c.ts';
import { CheckpointError, readFixed32, readTable, readVarint } from './sstable.ts';
import { decodeBundleEntry, decodeBundleHeader, type BundleEntryProtoMsg, type BundleHeaderProtoMsg } from './proto.ts';

export { CheckpointError } from './sstable.ts';

/** A tensor read from a checkpoint. */
export interface CheckpointTensor {
  /** TensorFlow DataType name, e.g. 'DT_FLOAT'. */
  dtype: string;
  shape: number[];
  /**
   * Row-major values, each dtype in its host tensor storage (DTypeStorage): DT_HALF is its binary16
   * bits in a Uint16Array; DT_BFLOAT16 is widened to Float32Array; DT_BOOL is a
   * Uint8Array of 0/1; DT_INT64 / DT_UINT64 are BigInt64Array / BigUint64Array; DT_STRING is one
   * Uint8Array per element; DT_COMPLEX64 / DT_COMPLEX128 are interleaved (re, im) pairs, so they hold
   * 2 × (number of elements) floats.
   */
  values:
    | Float32Array
    | Float64Array
    | Int32Array
    | Int16Array
    | Int8Array
    | Uint32Array
    | Uint16Array
    | Uint8Array
    | BigInt64Array
    | BigUint64Array
    | Uint8Array[];
}

/** Metadata of one checkpoint entry (a decoded BundleEntryProto). */
export interface CheckpointEntry {
  dtype: string;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** The masked CRC32C stored in the entry (TensorFlow always writes and checks it). */
  crc32c?: number;
  /** Number of slices when this entry describes a partitioned tensor (0 for ordinary tensors). */
  slices: number;
}

// ------------------------------------------------------------------ protos (tensor_bundle.proto)

/** Version of the bundle format this reader implements (tensor_bundle.cc kTensorBundleVersion). */
const BUNDLE_VERSION = 1;

// ------------------------------------------------------------------ dtype decoding

/** Bytes per element of the dtypes stored as raw little-endian bytes. */
const ELEMENT_SIZE: Record<string, number> = {
  DT_FLOAT: 4,
  DT_DOUBLE: 8,
  DT_INT32: 4,
  DT_UINT8: 1,
  DT_INT16: 2,
  DT_INT8: 1,
  DT_COMPLEX64: 8,
  DT_INT64: 8,
  DT_BOOL: 1,
  DT_QINT8: 1,
  DT_QUINT8: 1,
  DT_QINT32: 4,
  DT_BFLOAT16: 2,
  DT_QINT16: 2,
  DT_QUINT16: 2,
  DT_UINT16: 2,
  DT_COMPLEX128: 16,
  DT_HALF: 2,
  DT_UINT32: 4,
  DT_UINT64: 8,
};

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;


/**
 * Typed-array view of little-endian element bytes. `bytes` must start at byteOffset 0 of its own
 * buffer (we always read into fresh buffers), so every element type is aligned.
 */
function fixedWidthValues(dtype: string, bytes: Uint8Array): CheckpointTensor['values'] {
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  const len = bytes.byteLength;
  if (!HOST_IS_LITTLE_ENDIAN) return fixedWidthValuesPortable(dtype, bytes);
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_COMPLEX64':
      return new Float32Array(buf, off, len / 4);
    case 'DT_DOUBLE':
    case 'DT_COMPLEX128':
      return new Float64Array(buf, off, len / 8);
    case 'DT_INT32':
    case 'DT_QINT32':
      return new Int32Array(buf, off, len / 4);
    case 'DT_UINT32':
      return new Uint32Array(buf, off, len / 4);
    case 'DT_INT16':
    case 'DT_QINT16':
      return new Int16Array(buf, off, len / 2);
    case 'DT_UINT16':
    case 'DT_QUINT16':
    case 'DT_HALF':
      return new Uint16Array(buf, off, len / 2);
    case 'DT_INT8':
    case 'DT_QINT8':
      return new Int8Array(buf, off, len);
    case 'DT_UINT8':
    case 'DT_QUINT8':
    case 'DT_BOOL':
      return new Uint8Array(buf, off, len);
    case 'DT_INT64':
      return new BigInt64Array(buf, off, len / 8);
    case 'DT_UINT64':
      return new BigUint64Array(buf, off, len / 8);
    case 'DT_BFLOAT16': {
      const bits = new Uint16Array(buf, off, len / 2);
      const wide = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
      return new Float32Array(wide.buffer);
    }
    default:
      throw new Error(`unreachable dtype ${dtype}`);
  }
}

/** Same as {@link fixedWidthValues}, via DataView (for big-endian hosts). */
function fixedWidthValuesPortable(dtype: string, bytes: Uint8Array): CheckpointTensor['values'] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = (w: number) => bytes.byteLength / w;
  const fill = <T extends { [i: number]: number | bigint; length: number }>(
    out: T,
    w: number,
    get: (at: number) => number | bigint,
  ): T => {
    for (let i = 0; i < out.length; i++) out[i] = get(i * w);
    return out;
  };
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_COMPLEX64':
      return fill(new Float32Array(n(4)), 4, (a) => dv.getFloat32(a, true));
    case 'DT_DOUBLE':
    case 'DT_COMPLEX128':
      return fill(new Float64Array(n(8)), 8, (a) => dv.getFloat64(a, true));
    case 'DT_INT32':
    case 'DT_QINT32':
      return fill(new Int32Array(n(4)), 4, (a) => dv.getInt32(a, true));
    case 'DT_UINT32':
      return fill(new Uint32Array(n(4)), 4, (a) => dv.getUint32(a, true));
    case 'DT_INT16':
    case 'DT_QINT16':
      return fill(new Int16Array(n(2)), 2, (a) => dv.getInt16(a, true));
    case 'DT_UINT16':
    case 'DT_QUINT16':
    case 'DT_HALF':
      return fill(new Uint16Array(n(2)), 2, (a) => dv.getUint16(a, true));
    case 'DT_INT8':
    case 'DT_QINT8':
      return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    case 'DT_UINT8':
    case 'DT_QUINT8':
    case 'DT_BOOL':
      return bytes;
    case 'DT_INT64':
      return fill(new BigInt64Array(n(8)), 8, (a) => dv.getBigInt64(a, true));
    case 'DT_UINT64':
      return fill(new BigUint64Array(n(8)), 8, (a) => dv.getBigUint64(a, true));
    case 'DT_BFLOAT16': {
      const tmp = new DataView(new ArrayBuffer(4));
      return fill(new Float32Array(n(2)), 2, (a) => {
        tmp.setUint32(0, dv.getUint16(a, true) << 16);
        return tmp.getFloat32(0);
      });
    }
    default:
      throw new Error(`unreachable dtype ${dtype}`);
  }
}

/**
 * Decodes a DT_STRING tensor's bytes and returns the elements plus the CRC32C TensorFlow computes
 * over them (to compare with the entry's checksum). On-disk layout (tensor_bundle.cc
 * WriteStringTensor / ReadStringTensor):
 *
 * ```
 * [varint64 len_0] ... [varint64 len_{n-1}]   lengths of all elements
 * [fixed32 masked CRC32C of the lengths]
 * [bytes_0] ... [bytes_{n-1}]                 the element bytes, back to back
 * ```
 *
 * The length checksum is computed over each length as a little-endian uint32 (or uint64 when the
 * length exceeds 2^32 - 1), not over the varint bytes. The entry's checksum covers the same length
 * words, then the 4 stored bytes of the masked length checksum, then all element bytes.
 */
export function decodeStringTensor(
  bytes: Uint8Array,
  numElements: number,
  describe: string,
): { values: Uint8Array[]; crc: number } {
  if (bytes.length === 0) {
    if (numElements !== 0) {
      throw new CheckpointError(`${describe}: empty data for a string tensor of ${numElements} elements`);
    }
    return { values: [], crc: 0 };
  }
  const lengths: number[] = new Array(numElements);
  let crc = 0;
  let pos = 0;
  const word = new Uint8Array(8);
  const wordView = new DataView(word.buffer);
  for (let i = 0; i < numElements; i++) {
    const v = readVarint(bytes, pos);
    if (!v) throw new CheckpointError(`${describe}: string length ${i} is truncated or invalid`);
    lengths[i] = v.value;
    pos = v.next;
    if (v.value <= 0xffffffff) {
      wordView.setUint32(0, v.value, true);
      crc = crc32c(word.subarray(0, 4), crc);
    } else {
      wordView.setBigUint64(0, BigInt(v.value), true);
      crc = crc32c(word, crc);
    }
  }
  if (pos + 4 > bytes.length) {
    throw new CheckpointError(`${describe}: string lengths run past the tensor's ${bytes.length} bytes`);
  }
  const storedLengthCrc = readFixed32(bytes, pos);
  if (unmaskCrc(storedLengthCrc) !== crc) {
    throw new CheckpointError(
      `${describe}: the string-length checksum does not match (the data file is corrupt)`,
    );
  }
  crc = crc32c(bytes.subarray(pos, pos + 4), crc);
  pos += 4;
  const values: Uint8Array[] = new Array(numElements);
  for (let i = 0; i < numElements; i++) {
    const end = pos + lengths[i];
    if (end > bytes.length) {
      throw new CheckpointError(
        `${describe}: string element ${i} (${lengths[i]} bytes) runs past the tensor's ${bytes.length} bytes`,
      );
    }
    values[i] = bytes.subarray(pos, end);
    crc = crc32c(values[i], crc);
    pos = end;
  }
  return { values, crc };
}

// ------------------------------------------------------------------ reader

/** `<prefix>.data-%05d-of-%05d`, as tensor_bundle.cc DataFilename. */
export function dataFileName(prefix: string, shardId: number, numShards: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shardId)}-of-${pad(numShards)}`;
}

function toSafeNumber(value: string | number, what: string, describe: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CheckpointError(`${describe}: invalid ${what} ${value}`);
  }
  return n;
}

/** Reads the tensors of one checkpoint. Data shards are opened lazily and kept open until close(). */
export class CheckpointReader {
  private readonly shards = new Map<number, Promise<{ handle: FileHandle; size: number }>>();

  private constructor(
    /** The checkpoint prefix, e.g. `<dir>/variables/variables`. */
    readonly prefix: string,
    /** Number of data files (`.data-*-of-N`). */
    readonly numShards: number,
    /** The bundle format version that wrote this checkpoint (BundleHeaderProto.version.producer). */
    readonly producer: number,
    private readonly entries: Map<string, CheckpointEntry>,
  ) {}

  /**
   * Opens `${prefix}.index` and decodes all entries (data files are opened on first read()).
   * @throws CheckpointError if the index is missing, not a table, corrupt, or has an unusable header.
   */
  static async open(prefix: string): Promise<CheckpointReader> {
    const indexFile = `${prefix}.index`;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(indexFile));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CheckpointError(
        code === 'ENOENT'
          ? `no checkpoint index at ${indexFile}`
          : `cannot read checkpoint index ${indexFile}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const table = readTable(bytes, indexFile);

    const headerBytes = table.get('');
    if (headerBytes === undefined) {
      throw new CheckpointError(`${indexFile} has no header entry (the empty key); not a tensor bundle`);
    }
    let header: BundleHeaderProtoMsg;
    try {
      header = decodeBundleHeader(headerBytes, `${indexFile} header`);
    } catch (err) {
      throw new CheckpointError(`${indexFile}: the bundle header cannot be parsed`, { cause: err });
    }
    if (header.endianness !== 'LITTLE') {
      throw new CheckpointError(
        `${indexFile} was written on a big-endian machine (endianness ${header.endianness}); ` +
          `only little-endian checkpoints are supported`,
      );
    }
    if (!(header.num_shards >= 1)) {
      throw new CheckpointError(`${indexFile}: invalid number of data shards ${header.num_shards}`);
    }
    const version = header.version;
    if (version.min_consumer > BUNDLE_VERSION || version.bad_consumers.includes(BUNDLE_VERSION)) {
      throw new CheckpointError(
        `${indexFile}: checkpoint format version (producer ${version.producer}, min consumer ` +
          `${version.min_consumer}) is not readable by this reader (version ${BUNDLE_VERSION})`,
      );
    }

    const entries = new Map<string, CheckpointEntry>();
    for (const [key, value] of table) {
      if (key === '') continue;
      const describe = `${indexFile}: entry "${key}"`;
      let e: BundleEntryProtoMsg;
      try {
        e = decodeBundleEntry(value, describe);
      } catch (err) {
        throw new CheckpointError(`${describe} cannot be parsed`, { cause: err });
      }
      if (e.shape.unknown_rank) {
        throw new CheckpointError(`${describe} has a shape of unknown rank`);
      }
      const shape = e.shape.dim.map((d) => {
        const n = Number(d.size);
        if (!Number.isSafeInteger(n) || n < 0) {
          throw new CheckpointError(`${describe} has an invalid dimension size ${d.size}`);
        }
        return n;
      });
      entries.set(key, {
        dtype: e.dtype,
        shape,
        shardId: e.shard_id,
        offset: toSafeNumber(e.offset, 'offset', describe),
        size: toSafeNumber(e.size, 'size', describe),
        crc32c: e.crc32c >>> 0,
        slices: e.slices.length,
      });
    }
    return new CheckpointReader(prefix, header.num_shards, version.producer, entries);
  }

  /** Tensor names in key order (the header entry "" excluded). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Entry metadata; throws CheckpointError if the key is absent. */
  entry(key: string): CheckpointEntry {
    const e = this.entries.get(key);
    if (!e) throw new CheckpointError(`tensor "${key}" not found in checkpoint ${this.prefix}`);
    return { ...e, shape: [...e.shape] };
  }

  /** Reads, verifies (CRC32C) and decodes one tensor. */
  async read(key: string): Promise<CheckpointTensor> {
    const e = this.entry(key);
    const describe = `checkpoint ${this.prefix}: tensor "${key}"`;
    if (e.slices > 0) {
      throw new CheckpointError(
        `${describe} is a partitioned variable saved as ${e.slices} slices; ` +
          `reading partitioned variables is not supported`,
      );
    }
    const numElements = e.shape.reduce((a, b) => a * b, 1);
    const elementSize = ELEMENT_SIZE[e.dtype];
    if (elementSize === undefined && e.dtype !== 'DT_STRING') {
      throw new CheckpointError(`${describe} has dtype ${e.dtype}, which this reader does not support`);
    }
    if (elementSize !== undefined && e.size !== numElements * elementSize) {
      throw new CheckpointError(
        `${describe}: stored size ${e.size} bytes does not match ${e.dtype} shape ` +
          `[${e.shape.join(',')}] (${numElements * elementSize} bytes)`,
      );
    }
    if (e.shardId < 0 || e.shardId >= this.numShards) {
      throw new CheckpointError(
        `${describe}: shard id ${e.shardId} is out of range (the checkpoint has ${this.numShards} shards)`,
      );
    }

    const { handle, size: fileSize } = await this.shard(e.shardId);
    const fileName = dataFileName(this.prefix, e.shardId, this.numShards);
    if (e.offset + e.size > fileSize) {
      throw new CheckpointError(
        `${describe}: bytes [${e.offset}, ${e.offset + e.size}) are out of range of ${fileName} ` +
          `(${fileSize} bytes); the data file is truncated or does not belong to this index`,
      );
    }
    const bytes = new Uint8Array(e.size);
    let got = 0;
    while (got < e.size) {
      const { bytesRead } = await handle.read(bytes, got, e.size - got, e.offset + got);
      if (bytesRead === 0) {
        throw new CheckpointError(`${describe}: unexpected end of ${fileName} at byte ${e.offset + got}`);
      }
      got += bytesRead;
    }

    let values: CheckpointTensor['values'];
    let actual: number;
    if (e.dtype === 'DT_STRING') {
      const decoded = decodeStringTensor(bytes, numElements, describe);
      values = decoded.values;
      actual = decoded.crc;
    } else {
      actual = crc32c(bytes);
      values = [];
    }
    const stored = e.crc32c ?? 0;
    if (maskCrc(actual) !== stored) {
      throw new CheckpointError(
        `${describe} fails its CRC32C check in ${fileName} (offset ${e.offset}, ${e.size} bytes): ` +
          `stored 0x${unmaskCrc(stored).toString(16).padStart(8, '0')}, ` +
          `computed 0x${actual.toString(16).padStart(8, '0')}; the data file is corrupt`,
      );
    }
    if (e.dtype !== 'DT_STRING') values = fixedWidthValues(e.dtype, bytes);
    return { dtype: e.dtype, shape: e.shape, values };
  }

  /** Reads every tensor (in key order). Partitioned or unsupported entries make it throw. */
  async readAll(): Promise<Map<string, CheckpointTensor>> {
    const out = new Map<string, CheckpointTensor>();
    for (const key of this.entries.keys()) out.set(key, await this.read(key));
    return out;
  }

  /** Closes the data files opened so far. The reader can still be used; files reopen on demand. */
  async close(): Promise<void> {
    const opened = [...this.shards.values()];
    this.shards.clear();
    await Promise.all(
      opened.map((p) =>
        p.then(
          ({ handle }) => handle.close(),
          () => undefined,
        ),
      ),
    );
  }

  private shard(shardId: number): Promise<{ handle: FileHandle; size: number }> {
    let pending = this.shards.get(shardId);
    if (!pending) {
      const fileName = dataFileName(this.prefix, shardId, this.numShards);
      pending = (async () => {
        let handle: FileHandle;
        try {
          handle = await open(fileName, 'r');
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new CheckpointError(
            code === 'ENOENT'
              ? `checkpoint data file ${fileName} is missing`
              : `cannot open checkpoint data file ${fileName}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        try {
          const { size } = await handle.stat();
          return { handle, size };
        } catch (err) {
          await handle.close().catch(() => undefined);
          throw new CheckpointError(`cannot stat checkpoint data file ${fileName}`, { cause: err });
        }
      })();
      // A failed open is not cached, so a later read() can retry.
      pending.catch(() => this.shards.delete(shardId));
      this.shards.set(shardId, pending);
    }
    return pending;
  }
}
