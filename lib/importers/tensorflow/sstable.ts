/**
 * Reader for TensorFlow's immutable sorted string table (`tensorflow/core/lib/io/table*`), the
 * LevelDB-style file format of a checkpoint's `.index` file.
 *
 * Layout (facts from tensorflow/core/lib/io/{format.h,format.cc,block.cc} and LevelDB's
 * doc/table_format.md):
 *
 * ```
 * [data block 0][trailer] ... [data block N-1][trailer]
 * [metaindex block][trailer]      (TF writes no meta blocks; it is empty)
 * [index block][trailer]          (one entry per data block: separator key -> BlockHandle)
 * [footer: 48 bytes]
 * ```
 *
 * - BlockHandle: varint64 offset, varint64 size (size excludes the trailer).
 * - Trailer (5 bytes): 1-byte compression type (0 = none, 1 = Snappy), then fixed32 little-endian
 *   masked CRC32C of the (possibly compressed) block contents followed by the type byte. TF >= 1.2
 *   writes bundle indexes uncompressed; older releases used Snappy, which we also decode.
 * - Footer: metaindex handle, index handle, zero padding to 40 bytes, then the magic number
 *   0xdb4775248b80fb57 as two little-endian fixed32 words (low word first).
 * - Block: entries, then a restart array of fixed32 offsets, then fixed32 num_restarts. Each entry
 *   is varint32 shared-key-length, varint32 unshared-key-length, varint32 value-length, the unshared
 *   key bytes, then the value bytes; the key is the previous key's first `shared` bytes plus the
 *   unshared bytes (at a restart point `shared` is 0).
 *
 * @module importers/tensorflow/sstable
 */
import { crc32c, unmaskCrc } from './crc32c.ts';

/** A checkpoint file (index or data shard) that cannot be read: truncated, corrupt or foreign. */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** Size of the table footer: two BlockHandles padded to 2 x 20 bytes, plus the 8-byte magic. */
export const FOOTER_LENGTH = 48;
/** Size of the trailer after every block: compression type (1) + masked CRC32C (4). */
export const BLOCK_TRAILER_LENGTH = 5;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;
const NO_COMPRESSION = 0;
const SNAPPY_COMPRESSION = 1;

/** Offset and size (without trailer) of a block inside the table file. */
export interface BlockHandle {
  offset: number;
  size: number;
}

/**
 * Reads an unsigned LEB128 varint (up to 64 bits) at `pos`, stopping before `limit`. Returns the
 * value (as a number; throws if it exceeds 2^53) and the position after it, or null if the bytes run
 * out or the varint is longer than 10 bytes.
 */
export function readVarint(
  bytes: Uint8Array,
  pos: number,
  limit: number = bytes.length,
): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) return null;
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) return null;
      return { value, next: pos };
    }
    scale *= 128;
  }
  return null;
}

/** Reads a little-endian fixed32 at `pos`. */
export function readFixed32(bytes: Uint8Array, pos: number): number {
  return (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24)) >>> 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Decodes a table key: UTF-8 when valid (tensor names are), otherwise byte-per-char latin1. */
function decodeKey(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

function decodeHandle(
  bytes: Uint8Array,
  pos: number,
  limit: number,
  fileName: string,
  what: string,
): { handle: BlockHandle; next: number } {
  const off = readVarint(bytes, pos, limit);
  const size = off && readVarint(bytes, off.next, limit);
  if (!off || !size) {
    throw new CheckpointError(`${fileName}: bad block handle in ${what}`);
  }
  return { handle: { offset: off.value, size: size.value }, next: size.next };
}

/**
 * Returns the contents of the block at `handle` (a view into `bytes`) after checking that it lies
 * inside the file, that its masked CRC32C matches and that it is uncompressed.
 */
function readBlock(
  bytes: Uint8Array,
  handle: BlockHandle,
  fileName: string,
  what: string,
): Uint8Array {
  const { offset, size } = handle;
  const end = offset + size + BLOCK_TRAILER_LENGTH;
  const dataEnd = bytes.length - FOOTER_LENGTH;
  if (end > dataEnd) {
    throw new CheckpointError(
      `${fileName}: ${what} at offset ${offset} (${size} bytes + ${BLOCK_TRAILER_LENGTH}-byte ` +
        `trailer) extends past the table data, which ends at byte ${dataEnd}; ` +
        `the file is truncated or corrupt`,
    );
  }
  const stored = unmaskCrc(readFixed32(bytes, offset + size + 1));
  const actual = crc32c(bytes.subarray(offset, offset + size + 1));
  if (stored !== actual) {
    throw new CheckpointError(
      `${fileName}: ${what} at offset ${offset} fails its CRC32C check ` +
        `(stored 0x${stored.toString(16).padStart(8, '0')}, ` +
        `computed 0x${actual.toString(16).padStart(8, '0')}); the file is corrupt`,
    );
  }
  const type = bytes[offset + size];
  const contents = bytes.subarray(offset, offset + size);
  if (type === NO_COMPRESSION) return contents;
  if (type === SNAPPY_COMPRESSION) {
    // Checkpoints written by TensorFlow before 1.2 used Snappy for the index table's blocks.
    try {
      return snappyUncompress(contents);
    } catch (err) {
      throw new CheckpointError(
        `${fileName}: ${what} at offset ${offset} has corrupt Snappy-compressed contents ` +
          `(${(err as Error).message})`,
        { cause: err },
      );
    }
  }
  throw new CheckpointError(
    `${fileName}: ${what} at offset ${offset} has unknown compression type ${type} ` +
      `(expected 0 = none or 1 = Snappy)`,
  );
}

/**
 * Decompresses a raw Snappy block (google/snappy format_description.txt): a varint32 uncompressed
 * length, then elements whose tag byte's low 2 bits select literal (00), copy with 1-byte offset
 * (01), 2-byte offset (10) or 4-byte offset (11). Throws a plain Error on malformed input.
 */
export function snappyUncompress(input: Uint8Array): Uint8Array {
  const pre = readVarint(input, 0);
  if (!pre || pre.value > 0xffffffff) throw new Error('bad uncompressed-length preamble');
  const out = new Uint8Array(pre.value);
  let op = 0;
  let ip = pre.next;
  const need = (n: number) => {
    if (ip + n > input.length) throw new Error('input ends inside an element');
  };
  while (ip < input.length) {
    const tag = input[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        need(extra);
        len = 0;
        for (let i = 0; i < extra; i++) len += input[ip + i] * 2 ** (8 * i);
        ip += extra;
      }
      len += 1;
      need(len);
      if (op + len > out.length) throw new Error('literal overruns the uncompressed length');
      out.set(input.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let dist: number;
    if (kind === 1) {
      need(1);
      len = 4 + ((tag >>> 2) & 7);
      dist = ((tag >>> 5) << 8) | input[ip];
      ip += 1;
    } else if (kind === 2) {
      need(2);
      len = 1 + (tag >>> 2);
      dist = input[ip] | (input[ip + 1] << 8);
      ip += 2;
    } else {
      need(4);
      len = 1 + (tag >>> 2);
      dist = readFixed32(input, ip);
      ip += 4;
    }
    if (dist === 0 || dist > op) throw new Error(`copy offset ${dist} at output byte ${op} is invalid`);
    if (op + len > out.length) throw new Error('copy overruns the uncompressed length');
    // Byte by byte: a copy may overlap its own output (run-length style).
    for (let i = 0; i < len; i++, op++) out[op] = out[op - dist];
  }
  if (op !== out.length) {
    throw new Error(`decoded ${op} bytes but the preamble promised ${out.length}`);
  }
  return out;
}

/**
 * Decodes every entry of one block, in order. Keys are returned as raw bytes (copies), values as
 * views into `block`.
 */
function parseBlock(
  block: Uint8Array,
  fileName: string,
  what: string,
  blockOffset: number,
): Array<[Uint8Array, Uint8Array]> {
  const fail = (detail: string): never => {
    throw new CheckpointError(`${fileName}: ${what} at offset ${blockOffset} is corrupt (${detail})`);
  };
  if (block.length < 4) fail(`only ${block.length} bytes, too short for a restart count`);
  const numRestarts = readFixed32(block, block.length - 4);
  const maxRestarts = (block.length - 4) / 4;
  if (numRestarts > maxRestarts) fail(`restart count ${numRestarts} does not fit in the block`);
  const restartsAt = block.length - 4 - numRestarts * 4;
  for (let i = 0; i < numRestarts; i++) {
    if (readFixed32(block, restartsAt + i * 4) > restartsAt) fail(`restart point ${i} out of range`);
  }
  const entries: Array<[Uint8Array, Uint8Array]> = [];
  let key = new Uint8Array(0);
  let pos = 0;
  while (pos < restartsAt) {
    const shared = readVarint(block, pos, restartsAt);
    const unshared = shared && readVarint(block, shared.next, restartsAt);
    const valueLen = unshared && readVarint(block, unshared.next, restartsAt);
    if (!shared || !unshared || !valueLen) fail(`bad entry header at byte ${pos}`);
    const keyStart = valueLen!.next;
    const valueStart = keyStart + unshared!.value;
    const valueEnd = valueStart + valueLen!.value;
    if (valueEnd > restartsAt) fail(`entry at byte ${pos} runs past the entries`);
    if (shared!.value > key.length) {
      fail(`entry at byte ${pos} shares ${shared!.value} bytes with a ${key.length}-byte key`);
    }
    const next = new Uint8Array(shared!.value + unshared!.value);
    next.set(key.subarray(0, shared!.value), 0);
    next.set(block.subarray(keyStart, valueStart), shared!.value);
    key = next;
    entries.push([key, block.subarray(valueStart, valueEnd)]);
    pos = valueEnd;
  }
  return entries;
}

/** Parses and validates the 48-byte footer: returns the metaindex and index block handles. */
export function readFooter(
  bytes: Uint8Array,
  fileName: string,
): { metaindex: BlockHandle; index: BlockHandle } {
  if (bytes.length < FOOTER_LENGTH) {
    throw new CheckpointError(
      `${fileName} is not a TensorFlow checkpoint index: it is ${bytes.length} bytes long, ` +
        `shorter than the ${FOOTER_LENGTH}-byte table footer (truncated or empty file)`,
    );
  }
  const footerAt = bytes.length - FOOTER_LENGTH;
  const lo = readFixed32(bytes, bytes.length - 8);
  const hi = readFixed32(bytes, bytes.length - 4);
  if (lo !== MAGIC_LO || hi !== MAGIC_HI) {
    throw new CheckpointError(
      `${fileName} is not a TensorFlow checkpoint index (bad magic): the last 8 bytes are not the ` +
        `table magic number 0xdb4775248b80fb57; the file is truncated or of another format`,
    );
  }
  const limit = bytes.length - 8;
  const meta = decodeHandle(bytes, footerAt, limit, fileName, 'the footer');
  const index = decodeHandle(bytes, meta.next, limit, fileName, 'the footer');
  return { metaindex: meta.handle, index: index.handle };
}

/**
 * Reads every key/value pair of a table file, in key order (the Map keeps insertion order).
 * Values are views into `bytes`. Each block's CRC32C is verified.
 * @param fileName used in error messages only.
 * @throws CheckpointError when the file is not a table, is truncated or fails a checksum.
 */
export function readTable(bytes: Uint8Array, fileName: string): Map<string, Uint8Array> {
  const result = new Map<string, Uint8Array>();
  for (const [key, value] of readTableEntries(bytes, fileName)) {
    result.set(decodeKey(key), value);
  }
  return result;
}

/** Like {@link readTable}, but returns the ordered entries with raw key bytes. */
export function readTableEntries(
  bytes: Uint8Array,
  fileName: string,
): Array<[Uint8Array, Uint8Array]> {
  const { index } = readFooter(bytes, fileName);
  const indexBlock = readBlock(bytes, index, fileName, 'index block');
  const out: Array<[Uint8Array, Uint8Array]> = [];
  for (const [, handleBytes] of parseBlock(indexBlock, fileName, 'index block', index.offset)) {
    const { handle } = decodeHandle(
      handleBytes,
      0,
      handleBytes.length,
      fileName,
      `the index block entry`,
    );
    const block = readBlock(bytes, handle, fileName, 'data block');
    for (const entry of parseBlock(block, fileName, 'data block', handle.offset)) out.push(entry);
  }
  return out;
}
