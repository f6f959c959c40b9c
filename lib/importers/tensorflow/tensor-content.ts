/**
 * A TensorProto's elements as typed arrays: `tensor_content` bytes or the dtype's `*_val` field,
 * with TensorFlow's broadcasting rule, bfloat16 widening and its string-list layout.
 * @module importers/tensorflow/tensor-content
 */
import { ProtoDecodeError, type DataTypeName, type TensorProtoMsg, type TensorShapeProtoMsg } from './proto-types.ts';

import type { TensorValues } from '../../tensors/host-tensor.ts';

const NO_BYTES = new Uint8Array(0);

/** The element array {@link tensorProtoValues} returns; which one depends on the dtype. */
export type { TensorValues };

export interface DecodedTensorValues {
  dtype: DataTypeName;
  shape: number[];
  values: TensorValues;
}

/** Dims of a shape, or null for an unknown rank. Unknown dims stay -1. */
export function shapeDims(shape: TensorShapeProtoMsg): number[] | null {
  return shape.unknown_rank ? null : shape.dim.map((dim) => dim.size);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An aligned, owned copy of `content` (so typed-array views on it are always legal). */
function alignedCopy(content: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(content.byteLength);
  copy.set(content);
  return copy.buffer;
}

/** Little-endian element reader over `content` for hosts of either byte order. */
function readLittleEndian<T>(
  content: Uint8Array,
  n: number,
  itemSize: number,
  read: (view: DataView, offset: number) => T,
  out: { [index: number]: T },
): void {
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  for (let i = 0; i < n; i++) out[i] = read(view, i * itemSize);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** bfloat16 bits → number (the upper half of a float32). */
function bfloat16ToFloat(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** TensorFlow's DecodeStringList: n varint32 lengths, then the n strings back to back. */
function decodeStringList(content: Uint8Array, n: number, what: string): Uint8Array[] {
  const lengths = new Array<number>(n);
  let pos = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= content.length || shift > 28) {
        throw new ProtoDecodeError(`${what}: DT_STRING tensor_content has a bad length prefix`);
      }
      const byte = content[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    lengths[i] = value;
    total += value;
  }
  if (total !== content.length - pos) {
    throw new ProtoDecodeError(
      `${what}: DT_STRING tensor_content holds ${content.length - pos} bytes of string data, lengths add up to ${total}`,
    );
  }
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    out[i] = content.subarray(pos, pos + lengths[i]!);
    pos += lengths[i]!;
  }
  return out;
}

/**
 * Fills `out` (length n·width) from a `*_val` field the way TensorFlow does: values beyond n·width
 * are ignored, a shorter non-empty field repeats its last element (of `width` values) to fill the
 * shape, an empty field leaves the zeros.
 */
function fillFromVal<T>(source: ArrayLike<T>, out: { [index: number]: T; length: number }, width = 1, map?: (v: T) => T): void {
  const total = out.length;
  const have = Math.min(source.length - (source.length % width), total);
  if (have === 0) return;
  for (let i = 0; i < have; i++) out[i] = map ? map(source[i]!) : source[i]!;
  for (let i = have; i < total; i++) out[i] = out[i - width]!;
}

/**
 * Decodes a TensorProto's elements: `tensor_content` (raw little-endian bytes; DT_STRING uses
 * TensorFlow's length-prefixed string list) when non-empty, otherwise the dtype's `*_val` field,
 * broadcasting its last element when it holds fewer elements than the shape (TensorFlow's rule for
 * e.g. a scalar fill) and zeros when it is empty.
 *
 * Value arrays by dtype: each dtype a host tensor has in its exact storage (see DTypeStorage: DT_HALF
 * as its binary16 bits in a Uint16Array, DT_INT8 an Int8Array, …); DT_BFLOAT16 → Float32Array
 * (converted); DT_COMPLEX64 / DT_COMPLEX128 → Float32Array / Float64Array of (re, im) pairs (2·n
 * values); DT_STRING → Uint8Array[] (views, not copies). Other dtypes throw.
 */
export function tensorProtoValues(t: TensorProtoMsg, what = 'TensorProto'): DecodedTensorValues {
  const dtype = t.dtype;
  if (t.tensor_shape.unknown_rank) throw new ProtoDecodeError(`${what}: a TensorProto cannot have an unknown rank`);
  const shape = t.tensor_shape.dim.map((dim) => dim.size);
  let n = 1;
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ProtoDecodeError(`${what}: bad TensorProto dimension ${size} in shape [${shape.join(',')}]`);
    }
    n *= size;
  }
  if (n > 0x7fffffff) throw new ProtoDecodeError(`${what}: TensorProto of shape [${shape.join(',')}] is too large`);
  const content = t.tensor_content;
  const useContent = content.byteLength > 0;
  const checkContent = (itemSize: number): void => {
    if (content.byteLength !== n * itemSize) {
      throw new ProtoDecodeError(
        `${what}: ${dtype} tensor_content has ${content.byteLength} bytes, shape [${shape.join(',')}] needs ${n * itemSize}`,
      );
    }
  };
  const done = (values: TensorValues): DecodedTensorValues => ({ dtype, shape, values });

  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_COMPLEX64': {
      const width = dtype === 'DT_FLOAT' ? 1 : 2;
      const out = new Float32Array(n * width);
      if (useContent) {
        checkContent(4 * width);
        if (HOST_LITTLE_ENDIAN) out.set(new Float32Array(alignedCopy(content)));
        else readLittleEndian(content, n * width, 4, (v, o) => v.getFloat32(o, true), out);
      } else fillFromVal(dtype === 'DT_FLOAT' ? t.float_val : t.scomplex_val, out, width);
      return done(out);
    }
    case 'DT_DOUBLE':
    case 'DT_COMPLEX128': {
      const width = dtype === 'DT_DOUBLE' ? 1 : 2;
      const out = new Float64Array(n * width);
      if (useContent) {
        checkContent(8 * width);
        if (HOST_LITTLE_ENDIAN) out.set(new Float64Array(alignedCopy(content)));
        else readLittleEndian(content, n * width, 8, (v, o) => v.getFloat64(o, true), out);
      } else fillFromVal(dtype === 'DT_DOUBLE' ? t.double_val : t.dcomplex_val, out, width);
      return done(out);
    }
    case 'DT_HALF': {
      const out = new Uint16Array(n);
      if (useContent) {
        checkContent(2);
        readLittleEndian(content, n, 2, (v, o) => v.getUint16(o, true), out);
      } else fillFromVal(t.half_val, out, 1, (bits) => bits & 0xffff);
      return done(out);
    }
    case 'DT_BFLOAT16': {
      const out = new Float32Array(n);
      if (useContent) {
        checkContent(2);
        readLittleEndian(content, n, 2, (v, o) => bfloat16ToFloat(v.getUint16(o, true)), out);
      } else fillFromVal(t.half_val, out, 1, (bits) => bfloat16ToFloat(bits & 0xffff));
      return done(out);
    }
    case 'DT_INT32': {
      const out = new Int32Array(n);
      if (useContent) {
        checkContent(4);
        if (HOST_LITTLE_ENDIAN) out.set(new Int32Array(alignedCopy(content)));
        else readLittleEndian(content, n, 4, (v, o) => v.getInt32(o, true), out);
      } else fillFromVal(t.int_val, out);
      return done(out);
    }
    case 'DT_INT16': {
      const out = new Int16Array(n);
      if (useContent) {
        checkContent(2);
        readLittleEndian(content, n, 2, (v, o) => v.getInt16(o, true), out);
      } else fillFromVal(t.int_val, out);
      return done(out);
    }
    case 'DT_UINT16': {
      const out = new Uint16Array(n);
      if (useContent) {
        checkContent(2);
        readLittleEndian(content, n, 2, (v, o) => v.getUint16(o, true), out);
      } else fillFromVal(t.int_val, out);
      return done(out);
    }
    case 'DT_INT8': {
      const out = new Int8Array(n);
      if (useContent) {
        checkContent(1);
        out.set(new Int8Array(content.buffer, content.byteOffset, n));
      } else fillFromVal(t.int_val, out);
      return done(out);
    }
    case 'DT_UINT8':
    case 'DT_BOOL': {
      const out = new Uint8Array(n);
      if (useContent) {
        checkContent(1);
        if (dtype === 'DT_BOOL') for (let i = 0; i < n; i++) out[i] = content[i] ? 1 : 0;
        else out.set(content);
      } else if (dtype === 'DT_BOOL') {
        fillFromVal(t.bool_val.map((b) => (b ? 1 : 0)), out);
      } else {
        fillFromVal(t.int_val, out);
      }
      return done(out);
    }
    case 'DT_UINT32': {
      const out = new Uint32Array(n);
      if (useContent) {
        checkContent(4);
        readLittleEndian(content, n, 4, (v, o) => v.getUint32(o, true), out);
      } else fillFromVal(t.uint32_val, out);
      return done(out);
    }
    case 'DT_INT64': {
      const out = new BigInt64Array(n);
      if (useContent) {
        checkContent(8);
        if (HOST_LITTLE_ENDIAN) out.set(new BigInt64Array(alignedCopy(content)));
        else readLittleEndian(content, n, 8, (v, o) => v.getBigInt64(o, true), out);
      } else fillFromVal(t.int64_val, out);
      return done(out);
    }
    case 'DT_UINT64': {
      const out = new BigUint64Array(n);
      if (useContent) {
        checkContent(8);
        readLittleEndian(content, n, 8, (v, o) => v.getBigUint64(o, true), out);
      } else fillFromVal(t.uint64_val, out);
      return done(out);
    }
    case 'DT_STRING': {
      if (useContent) return done(decodeStringList(content, n, what));
      const out = new Array<Uint8Array>(n).fill(NO_BYTES);
      fillFromVal(t.string_val, out);
      return done(out);
    }
    default:
      throw new ProtoDecodeError(`${what}: decoding ${dtype} tensor values is not supported`);
  }
}
