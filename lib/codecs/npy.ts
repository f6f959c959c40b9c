/**
 * NPY bodies (`application/x-npy`): one numpy array, as `np.save` writes it — the magic
 * `\x93NUMPY`, a version (1.0: u16 header length; 2.0: u32; 3.0: u32 and a UTF-8 header), a Python
 * dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded to 64 bytes,
 * then the raw C-order data. Numeric data becomes a typed-array view of the body (a copy only when
 * misaligned or byte-swapped); `|S<n>` and `<U<n>` become DT_STRING byte strings.
 * @module codecs/npy
 */
import { InternalError, InvalidArgumentError, NotAcceptableError } from '../errors.ts';
import { sizeOf, STORAGE, type DType, type HostTensor, type NumericDType, type TensorMap, type TensorValues } from '../tensors/host-tensor.ts';
import type { DecodeContext, DecodedBody, TensorCodec } from './codec.ts';

/** The media type NPY responses are written as. */
export const NPY_MEDIA_TYPE = 'application/x-npy';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Magic plus the two version bytes. */
const MAGIC_LENGTH = 8;
/** numpy aligns the data to this many bytes from the start of the file. */
const ARRAY_ALIGN = 64;
/** numpy leaves room in the header for the first axis to grow to this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const NATIVE_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

type NumericArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

interface NumericKind {
  dtype: NumericDType;
  /** numpy's type character and size, e.g. `f4`. */
  code: string;
  /** The dtype's host storage (lib/tensors). */
  storage: NumericArrayConstructor;
}

/** numpy's type code of every numeric dtype. */
const NPY_CODES: Record<NumericDType, string> = {
  DT_FLOAT: 'f4',
  DT_DOUBLE: 'f8',
  DT_HALF: 'f2',
  DT_INT8: 'i1',
  DT_INT16: 'i2',
  DT_INT32: 'i4',
  DT_INT64: 'i8',
  DT_UINT8: 'u1',
  DT_UINT16: 'u2',
  DT_UINT32: 'u4',
  DT_UINT64: 'u8',
  DT_BOOL: 'b1',
};

const NUMERIC_KINDS: readonly NumericKind[] = (Object.keys(NPY_CODES) as NumericDType[]).map((dtype) => ({
  dtype,
  code: NPY_CODES[dtype],
  storage: STORAGE[dtype] as NumericArrayConstructor,
}));
const KIND_BY_CODE = new Map(NUMERIC_KINDS.map((kind) => [kind.code, kind]));
const KIND_BY_DTYPE = new Map<DType, NumericKind>(NUMERIC_KINDS.map((kind) => [kind.dtype, kind]));
const SUPPORTED_CODES = `${NUMERIC_KINDS.map((kind) => `${kind.storage.BYTES_PER_ELEMENT === 1 ? '|' : '<'}${kind.code}`).join(' ')} |S<n> <U<n>`;

/** What an NPY header's `descr` says about each element. */
type ElementType =
  | { kind: 'numeric'; numeric: NumericKind; itemSize: number; swap: boolean }
  | { kind: 'bytes'; itemSize: number }
  | { kind: 'unicode'; itemSize: number; swap: boolean };

/** A parsed NPY header. */
export interface NpyHeader {
  version: string;
  descr: string;
  shape: number[];
  /** Where the data starts. */
  dataOffset: number;
}

/**
 * Reads one NPY array into a host tensor.
 * @param what names the bytes in messages, e.g. `NPY body` or `NPZ member 'x.npy'`
 * @throws InvalidArgumentError naming what is wrong, with byte counts
 */
export function decodeNpy(bytes: Uint8Array, what = 'NPY body'): HostTensor {
  const header = readNpyHeader(bytes, what);
  const element = elementType(header.descr, what);
  const count = sizeOf(header.shape);
  const needed = count * element.itemSize;
  const actual = bytes.length - header.dataOffset;
  if (!Number.isSafeInteger(needed) || actual !== needed) {
    throw new InvalidArgumentError(
      `${what} has ${actual} bytes of data after its ${header.dataOffset}-byte header, but shape ${pythonTuple(header.shape)} of '${header.descr}' needs ${needed} (${count} elements × ${element.itemSize} bytes)${actual < needed ? ': the data is cut short' : `: ${actual - needed} bytes too many`}`,
    );
  }
  const data = bytes.subarray(header.dataOffset);
  switch (element.kind) {
    case 'numeric':
      return { dtype: element.numeric.dtype, shape: header.shape, values: numericValues(data, element.numeric, element.swap, count) };
    case 'bytes':
      return { dtype: 'DT_STRING', shape: header.shape, values: byteStrings(data, element.itemSize, count) };
    case 'unicode':
      return { dtype: 'DT_STRING', shape: header.shape, values: unicodeStrings(data, element.itemSize / 4, element.swap, count, what) };
  }
}

/**
 * Writes one host tensor as NPY, byte for byte as numpy 2's `np.save` does: version 1.0 (2.0
 * when the header exceeds 65535 bytes), little-endian, C order; DT_STRING as `|S<longest>`.
 * @param name the output's name, for messages
 */
export function encodeNpy(tensor: HostTensor, name: string): Uint8Array {
  const count = sizeOf(tensor.shape);
  if (tensor.dtype === 'DT_STRING') {
    const strings = tensor.values as Uint8Array[];
    checkLength(strings.length, count, tensor, name);
    let longest = 1; // numpy's smallest string type is S1
    for (const string of strings) {
      if (!(string instanceof Uint8Array)) throw new InternalError(`Output '${name}' (DT_STRING) holds a ${typeof string}, not byte strings`);
      longest = Math.max(longest, string.length);
    }
    const out = withHeader(`|S${longest}`, tensor.shape, count * longest);
    const start = out.length - count * longest;
    strings.forEach((string, i) => out.set(string, start + i * longest));
    return out;
  }
  const kind = KIND_BY_DTYPE.get(tensor.dtype);
  if (!kind) throw new InternalError(`Output '${name}' has dtype ${tensor.dtype}, which NPY cannot carry`);
  const values = tensor.values;
  if (!(values instanceof kind.storage)) {
    throw new InternalError(
      `Output '${name}' (${tensor.dtype}) holds a ${values.constructor.name}, but ${tensor.dtype} is stored as a ${kind.storage.name}`,
    );
  }
  checkLength(values.length, count, tensor, name);
  const itemSize = kind.storage.BYTES_PER_ELEMENT;
  const out = withHeader(`${itemSize === 1 ? '|' : '<'}${kind.code}`, tensor.shape, count * itemSize);
  const start = out.length - count * itemSize;
  out.set(new Uint8Array(values.buffer, values.byteOffset, count * itemSize), start);
  const data = out.subarray(start);
  if (tensor.dtype === 'DT_BOOL') normalizeBools(data);
  else if (!NATIVE_LITTLE_ENDIAN) swapBytes(data, itemSize);
  return out;
}

/** The codec for `application/x-npy`: one array in, one output out. */
export const npyCodec: TensorCodec = {
  name: 'npy',
  mediaTypes: [NPY_MEDIA_TYPE, 'application/npy'],

  decode(body: Uint8Array, context: DecodeContext): DecodedBody {
    const names = Object.keys(context.inputs);
    if (names.length !== 1) {
      throw new InvalidArgumentError(
        names.length === 0
          ? 'An NPY body carries one array, but the signature has no inputs'
          : `An NPY body carries one array, but the signature has inputs ${names.map((n) => `'${n}'`).join(', ')}; send NPZ (application/x-npz) with one array per input name`,
      );
    }
    return { inputs: { [names[0]]: decodeNpy(body) } };
  },

  encode(outputs: TensorMap): Uint8Array {
    const names = Object.keys(outputs);
    if (names.length !== 1) {
      throw new NotAcceptableError(
        `An NPY body carries one array, but there are ${names.length} outputs${names.length ? ` (${names.map((n) => `'${n}'`).join(', ')})` : ''}; ask for application/x-npz (one .npy per output)`,
      );
    }
    return encodeNpy(outputs[names[0]], names[0]);
  },
};

/**
 * Reads the magic, version and header dict.
 * @throws InvalidArgumentError for bad magic, an unknown version, a truncated or malformed header
 */
export function readNpyHeader(bytes: Uint8Array, what = 'NPY body'): NpyHeader {
  const magicSeen = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < magicSeen; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new InvalidArgumentError(
        `${what} is not NPY: it must start with the magic \\x93NUMPY, but starts with ${describeBytes(bytes.subarray(0, 8))}`,
      );
    }
  }
  if (bytes.length < MAGIC_LENGTH + 2) {
    throw new InvalidArgumentError(`${what} is truncated: ${bytes.length} bytes, shorter than the ${MAGIC_LENGTH + 2}-byte NPY preamble`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const version = `${major}.${minor}`;
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw new InvalidArgumentError(`${what} has NPY version ${version}; versions 1.0, 2.0 and 3.0 are supported`);
  }
  const lengthSize = major === 1 ? 2 : 4;
  const preamble = MAGIC_LENGTH + lengthSize;
  if (bytes.length < preamble) {
    throw new InvalidArgumentError(`${what} is truncated: ${bytes.length} bytes, shorter than the ${preamble}-byte NPY ${version} preamble`);
  }
  const headerLength =
    major === 1 ? bytes[8] | (bytes[9] << 8) : (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  const dataOffset = preamble + headerLength;
  if (bytes.length < dataOffset) {
    throw new InvalidArgumentError(
      `${what} has a truncated header: its length field says ${headerLength} bytes, but only ${bytes.length - preamble} follow the ${preamble}-byte preamble`,
    );
  }
  const text = headerText(bytes.subarray(preamble, dataOffset), major === 3, what);
  const dict = parseHeaderDict(text, what);
  return { version, ...dict, dataOffset };
}

function headerText(bytes: Uint8Array, utf8: boolean, what: string): string {
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InvalidArgumentError(`${what} has an NPY 3.0 header that is not valid UTF-8`);
    }
  }
  // latin1 (TextDecoder's 'latin1' is windows-1252, which differs in 0x80–0x9f)
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

/** The three keys numpy writes, checked. */
function parseHeaderDict(text: string, what: string): { descr: string; shape: number[] } {
  const bad = (problem: string) =>
    new InvalidArgumentError(`${what} has a header that is not an NPY header dict (${problem}): ${JSON.stringify(clip(text))}`);
  let value: PyValue;
  try {
    value = new PyLiteralParser(text).parseWhole();
  } catch (error) {
    if (error instanceof SyntaxError) throw bad(error.message);
    throw error;
  }
  if (!(value instanceof Map)) throw bad('not a dict literal');
  const keys = [...value.keys()];
  const expected = ['descr', 'fortran_order', 'shape'];
  if (keys.length !== 3 || !expected.every((key) => value.has(key))) {
    throw bad(`its keys are ${keys.map((key) => `'${key}'`).join(', ') || 'none'}, but must be 'descr', 'fortran_order' and 'shape'`);
  }
  const descr = value.get('descr');
  const fortranOrder = value.get('fortran_order');
  const shape = value.get('shape');
  if (typeof fortranOrder !== 'boolean') throw bad("'fortran_order' is not True or False");
  if (!Array.isArray(shape) || !shape.every((dim) => typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0)) {
    throw bad("'shape' is not a tuple of non-negative integers");
  }
  if (typeof descr !== 'string') {
    throw new InvalidArgumentError(
      `${what} holds a structured (record) dtype, which is not supported; send one plain array per input (NPZ for several)`,
    );
  }
  if (fortranOrder) {
    throw new InvalidArgumentError(
      `${what} is in Fortran order ('fortran_order': True), which is not supported; send C order (np.ascontiguousarray)`,
    );
  }
  return { descr, shape: shape as number[] };
}

function elementType(descr: string, what: string): ElementType {
  const match = /^([<>=|]?)([a-zA-Z?])(\d*)$/.exec(descr);
  if (match) {
    const [, order, type, digits] = match;
    const swap = order === '>' ? NATIVE_LITTLE_ENDIAN : order === '<' ? !NATIVE_LITTLE_ENDIAN : false;
    const size = digits === '' ? (type === '?' ? 1 : NaN) : Number(digits);
    if (type === 'S' && digits !== '') return { kind: 'bytes', itemSize: size };
    if (type === 'U' && digits !== '') return { kind: 'unicode', itemSize: size * 4, swap };
    const numeric = KIND_BY_CODE.get(type === '?' ? 'b1' : `${type}${digits}`);
    if (numeric) return { kind: 'numeric', numeric, itemSize: size, swap: size > 1 && swap };
    if (type === 'O') {
      throw new InvalidArgumentError(
        `${what} holds Python objects (dtype '${descr}', pickled), which are not supported; send a numeric or fixed-width string (S or U) array`,
      );
    }
  }
  throw new InvalidArgumentError(`${what} has dtype '${descr}', which is not supported; supported: ${SUPPORTED_CODES} (and their big-endian '>' forms)`);
}

function numericValues(data: Uint8Array, kind: NumericKind, swap: boolean, count: number): TensorValues {
  const itemSize = kind.storage.BYTES_PER_ELEMENT;
  let values: InstanceType<NumericArrayConstructor>;
  if (swap) {
    const copy = data.slice(0, count * itemSize);
    swapBytes(copy, itemSize);
    values = new kind.storage(copy.buffer, 0, count);
  } else if ((data.byteOffset % itemSize) === 0) {
    values = new kind.storage(data.buffer as ArrayBuffer, data.byteOffset, count);
  } else {
    values = new kind.storage(data.slice(0, count * itemSize).buffer, 0, count);
  }
  if (kind.dtype === 'DT_BOOL' && !allBools(values as Uint8Array)) {
    values = (values as Uint8Array).slice();
    normalizeBools(values);
  }
  // The other engineer's per-dtype storage is the target; the union may still lag behind it.
  return values as unknown as TensorValues;
}

function byteStrings(data: Uint8Array, itemSize: number, count: number): Uint8Array[] {
  const strings = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    const start = i * itemSize;
    let end = start + itemSize;
    while (end > start && data[end - 1] === 0) end--;
    strings[i] = data.subarray(start, end);
  }
  return strings;
}

/** UTF-32 elements of `chars` code units each, trailing NULs stripped, as UTF-8. */
function unicodeStrings(data: Uint8Array, chars: number, swap: boolean, count: number, what: string): Uint8Array[] {
  const [b0, b1, b2, b3] = swap === NATIVE_LITTLE_ENDIAN ? [3, 2, 1, 0] : [0, 1, 2, 3];
  const codePoints = new Uint32Array(chars);
  const strings = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    let length = 0;
    let utf8Length = 0;
    for (let j = 0; j < chars; j++) {
      const at = (i * chars + j) * 4;
      const codePoint = (data[at + b0] | (data[at + b1] << 8) | (data[at + b2] << 16) | (data[at + b3] << 24)) >>> 0;
      if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
        throw new InvalidArgumentError(
          `${what}: element ${i} holds 0x${codePoint.toString(16)}, which is not a Unicode scalar value`,
        );
      }
      codePoints[j] = codePoint;
      if (codePoint !== 0) length = j + 1;
    }
    for (let j = 0; j < length; j++) {
      const c = codePoints[j];
      utf8Length += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    const out = new Uint8Array(utf8Length);
    let k = 0;
    for (let j = 0; j < length; j++) {
      const c = codePoints[j];
      if (c < 0x80) {
        out[k++] = c;
      } else if (c < 0x800) {
        out[k++] = 0xc0 | (c >> 6);
        out[k++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        out[k++] = 0xe0 | (c >> 12);
        out[k++] = 0x80 | ((c >> 6) & 0x3f);
        out[k++] = 0x80 | (c & 0x3f);
      } else {
        out[k++] = 0xf0 | (c >> 18);
        out[k++] = 0x80 | ((c >> 12) & 0x3f);
        out[k++] = 0x80 | ((c >> 6) & 0x3f);
        out[k++] = 0x80 | (c & 0x3f);
      }
    }
    strings[i] = out;
  }
  return strings;
}

/** Allocates magic + header + `dataLength` bytes, the header written as numpy writes it. */
function withHeader(descr: string, shape: readonly number[], dataLength: number): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  let major = 1;
  let lengthSize = 2;
  let padding = ARRAY_ALIGN - ((MAGIC_LENGTH + lengthSize + dict.length + 1) % ARRAY_ALIGN);
  if (dict.length + 1 + padding > 0xffff) {
    major = 2;
    lengthSize = 4;
    padding = ARRAY_ALIGN - ((MAGIC_LENGTH + lengthSize + dict.length + 1) % ARRAY_ALIGN);
  }
  const headerLength = dict.length + padding + 1;
  const dataOffset = MAGIC_LENGTH + lengthSize + headerLength;
  const out = new Uint8Array(dataOffset + dataLength);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  for (let i = 0; i < lengthSize; i++) out[8 + i] = (headerLength >>> (8 * i)) & 0xff;
  let at = MAGIC_LENGTH + lengthSize;
  for (let i = 0; i < dict.length; i++) out[at++] = dict.charCodeAt(i); // ASCII: names of dtypes and digits
  out.fill(0x20, at, at + padding);
  out[dataOffset - 1] = 0x0a;
  return out;
}

function checkLength(length: number, count: number, tensor: HostTensor, name: string): void {
  if (length !== count) {
    throw new InternalError(`Output '${name}' has ${length} values, but its shape [${tensor.shape.join(', ')}] holds ${count}`);
  }
}

function allBools(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 1) return false;
  return true;
}

/** numpy reads any nonzero byte as True; the host storage is 0/1. */
function normalizeBools(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 1) bytes[i] = 1;
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const byte = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = byte;
    }
  }
}

/** Python's repr of a tuple of ints: `()`, `(3,)`, `(2, 3)`. */
function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'nothing (the body is empty)';
  return [...bytes].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`)).join('');
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The Python literals an NPY header can hold. Tuples and lists both become arrays. */
type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** A parser for Python literal syntax: dicts, tuples, lists, strings, integers, True/False/None. */
class PyLiteralParser {
  private at = 0;

  constructor(private readonly text: string) {}

  parseWhole(): PyValue {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.at])}`);
    return value;
  }

  private value(): PyValue {
    this.space();
    const char = this.text[this.at];
    if (char === '{') return this.dict();
    if (char === '(') return this.sequence(')');
    if (char === '[') return this.sequence(']');
    if (char === "'" || char === '"') return this.string();
    const word = /^(?:True|False|None|[-+]?\d+L?)/.exec(this.text.slice(this.at, this.at + 32));
    if (!word) this.fail(char === undefined ? 'it ends early' : `unexpected ${JSON.stringify(char)}`);
    this.at += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace('L', ''));
  }

  private dict(): Map<string, PyValue> {
    const map = new Map<string, PyValue>();
    this.at++;
    while (!this.closes('}')) {
      const key = this.value();
      if (typeof key !== 'string') this.fail('a dict key is not a string');
      this.expect(':');
      map.set(key, this.value());
      if (this.closes('}')) break;
      this.expect(',');
    }
    return map;
  }

  private sequence(close: string): PyValue[] {
    const items: PyValue[] = [];
    this.at++;
    while (!this.closes(close)) {
      items.push(this.value());
      if (this.closes(close)) break;
      this.expect(',');
    }
    return items;
  }

  private string(): string {
    const quote = this.text[this.at++];
    let out = '';
    for (;;) {
      const char = this.text[this.at++];
      if (char === undefined) this.fail('a string is not closed');
      if (char === quote) return out;
      if (char === '\\') {
        const escaped = this.text[this.at++];
        if (escaped !== '\\' && escaped !== "'" && escaped !== '"') this.fail(`unsupported escape \\${escaped ?? ''}`);
        out += escaped;
      } else {
        out += char;
      }
    }
  }

  /** Skips spaces; consumes `close` and returns true when it comes next. */
  private closes(close: string): boolean {
    this.space();
    if (this.at >= this.text.length) this.fail('it ends early');
    if (this.text[this.at] !== close) return false;
    this.at++;
    return true;
  }

  private expect(char: string): void {
    this.space();
    if (this.text[this.at] !== char) this.fail(`expected '${char}' at character ${this.at}`);
    this.at++;
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  private fail(problem: string): never {
    throw new SyntaxError(problem);
  }
}
