/**
 * TF Serving's predict bodies: the request's row (`instances`) and columnar (`inputs`) formats
 * into HostTensors typed by the signature, and output tensors into `predictions` / `outputs`.
 * @module protocols/tf-serving/predict-json
 */
import { InternalError, InvalidArgumentError } from '../../errors.ts';
import type { Signature } from '../../tensors/signature.ts';
import { sizeOf, type HostTensor, type TensorMap } from '../../tensors/host-tensor.ts';
import { halfToFloat } from '../../tensors/float16.ts';
import { encodeBase64 } from '../../codecs/base64.ts';
import { AsciiWriter } from '../../codecs/float32-text.ts';
import { blockValues, describeJson, jsonTensor, stackedJsonTensor } from '../../codecs/json-tensor.ts';
import { numberBlockEnd, readNumberBlock, type NumberBlock } from '../../codecs/json-block.ts';
import { MAX_JSON_DEPTH, formatFloat32, formatFloat64, parseJson, parseJsonValue, type JsonValue } from '../../codecs/tensor-json.ts';

/** `row`: the body has `instances`; `columnar`: it has `inputs`. The response follows the request. */
export type PredictFormat = 'row' | 'columnar';

/** A predict request once its inputs are tensors. */
export interface DecodedPredictRequest {
  signatureName?: string;
  format: PredictFormat;
  inputs: TensorMap;
}

type JsonObject = { [key: string]: JsonValue };

const PREDICT_BODY_KEYS = ['signature_name', 'instances', 'inputs'];

/**
 * Checks a predict body's top level: an object with exactly one of `instances` (row format) or
 * `inputs` (columnar format) and an optional string `signature_name`; any other key is an error.
 */
export function readPredictBody(body: JsonValue): {
  signatureName?: string;
  format: PredictFormat;
  payload: JsonValue;
} {
  if (!isObject(body)) {
    throw new InvalidArgumentError(`Predict request body must be a JSON object, got ${describeJson(body)}`);
  }
  const unknown = Object.keys(body).filter((key) => !PREDICT_BODY_KEYS.includes(key));
  if (unknown.length) {
    throw new InvalidArgumentError(
      `Unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map(quote).join(', ')} in predict request; expected 'instances' or 'inputs' and optionally 'signature_name'`,
    );
  }
  const hasInstances = Object.hasOwn(body, 'instances');
  const hasInputs = Object.hasOwn(body, 'inputs');
  if (hasInstances && hasInputs) {
    throw new InvalidArgumentError(
      "Predict request has both 'instances' (row format) and 'inputs' (columnar format); send exactly one",
    );
  }
  if (!hasInstances && !hasInputs) throw new InvalidArgumentError("Missing 'instances' or 'inputs' key in predict request");
  let signatureName: string | undefined;
  if (Object.hasOwn(body, 'signature_name')) {
    const name = body.signature_name;
    if (typeof name !== 'string') {
      throw new InvalidArgumentError(`'signature_name' must be a string, got ${describeJson(name)}`);
    }
    signatureName = name;
  }
  const format: PredictFormat = hasInstances ? 'row' : 'columnar';
  const payload = hasInstances ? body.instances : body.inputs;
  return signatureName === undefined ? { format, payload } : { signatureName, format, payload };
}

/**
 * Turns the value of `instances` (row) or `inputs` (columnar) into tensors keyed by input alias,
 * each typed by its TensorSpec's dtype. Shapes come from the JSON nesting; checking them against
 * the signature's shapes is left to the caller.
 */
export function decodePredictInputs(payload: JsonValue, format: PredictFormat, signature: Signature): TensorMap {
  return format === 'row' ? decodeRows(payload, signature) : decodeColumns(payload, signature);
}

/**
 * A predict body's text straight to tensors: the same tensors, and the same errors, as
 * `readPredictBody(parseJson(text))` followed by `decodePredictInputs(payload, format,
 * signatureFor(signatureName))`. Tensors of plain numbers under `instances` or `inputs` (bare, or
 * named under `inputs`) are read from the text into typed arrays, with no JavaScript array per
 * list; any other body, and any body with a problem, takes that general path.
 * @param signatureFor the signature to decode with, given the body's `signature_name` (undefined
 *   when it has none); called once, after the body's top level has been checked
 */
export function decodePredictJson(
  text: string,
  signatureFor: (signatureName: string | undefined) => Signature,
): DecodedPredictRequest {
  const body = readPlainBody(text);
  if (body) {
    const signature = signatureFor(body.signatureName);
    const inputs = decodePlainPayload(body.payload, body.format, signature);
    if (inputs) return decoded(body.signatureName, body.format, inputs);
    signatureFor = () => signature;
  }
  const { signatureName, format, payload } = readPredictBody(parseJson(text));
  return decoded(signatureName, format, decodePredictInputs(payload, format, signatureFor(signatureName)));
}

function decoded(signatureName: string | undefined, format: PredictFormat, inputs: TensorMap): DecodedPredictRequest {
  return signatureName === undefined ? { format, inputs } : { signatureName, format, inputs };
}

/** `instances` / `inputs` as decodePredictJson read it: number blocks where it could, JSON elsewhere. */
type PlainPayload = JsonValue | NumberBlock | NamedPayload;

/** `inputs` as an object keyed by input name, its values in the order written. */
class NamedPayload {
  constructor(readonly entries: Array<[string, JsonValue | NumberBlock]>) {}
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The top level of a body that readPredictBody would accept as it stands — one object, known keys
 * once each, exactly one of `instances` and `inputs`, a string `signature_name` — with its
 * payload read; undefined for anything else, malformed JSON included (the general path then
 * reads it, and throws what it throws).
 */
function readPlainBody(text: string): { signatureName?: string; format: PredictFormat; payload: PlainPayload } | undefined {
  let signatureName: string | undefined;
  let format: PredictFormat | undefined;
  let payload: PlainPayload | undefined;
  try {
    let pos = skipWhitespace(text, 0);
    if (text.charCodeAt(pos) !== OPEN_BRACE) return undefined;
    pos = skipWhitespace(text, pos + 1);
    for (;;) {
      if (text.charCodeAt(pos) !== QUOTE) return undefined;
      const key = parseJsonValue(text, pos, 1);
      pos = skipWhitespace(text, key.end);
      if (text.charCodeAt(pos) !== COLON) return undefined;
      pos = skipWhitespace(text, pos + 1);
      if (key.value === 'signature_name') {
        if (signatureName !== undefined) return undefined;
        const name = parseJsonValue(text, pos, 1);
        if (typeof name.value !== 'string') return undefined;
        signatureName = name.value;
        pos = name.end;
      } else if (key.value === 'instances' || key.value === 'inputs') {
        if (format !== undefined) return undefined;
        format = key.value === 'instances' ? 'row' : 'columnar';
        const read = readPayload(text, pos, 1, format === 'columnar');
        if (!read) return undefined;
        payload = read.payload;
        pos = read.end;
      } else {
        return undefined;
      }
      pos = skipWhitespace(text, pos);
      const c = text.charCodeAt(pos);
      if (c === COMMA) {
        pos = skipWhitespace(text, pos + 1);
      } else if (c === CLOSE_BRACE) {
        pos = skipWhitespace(text, pos + 1);
        break;
      } else {
        return undefined;
      }
    }
    if (pos !== text.length || format === undefined) return undefined;
  } catch {
    return undefined; // malformed JSON: the general path says where
  }
  return signatureName === undefined ? { format, payload: payload! } : { signatureName, format, payload: payload! };
}

/** A payload value at `pos`, `depth` levels deep: a number block, named blocks (`named`), or JSON. */
function readPayload(text: string, pos: number, depth: number, named: boolean): { payload: PlainPayload; end: number } | undefined {
  const c = text.charCodeAt(pos);
  if (c === OPEN_BRACKET) {
    const block = readNumberBlock(text, pos, MAX_JSON_DEPTH - depth);
    if (block) return { payload: block, end: numberBlockEnd() };
  } else if (c === OPEN_BRACE && named) {
    const entries: Array<[string, JsonValue | NumberBlock]> = [];
    pos = skipWhitespace(text, pos + 1);
    if (text.charCodeAt(pos) === CLOSE_BRACE) return undefined;
    for (;;) {
      if (text.charCodeAt(pos) !== QUOTE) return undefined;
      const key = parseJsonValue(text, pos, depth + 1);
      const name = key.value as string;
      // Names the general path treats specially, or twice: leave the body to it.
      if (name === '__proto__' || name === 'b64' || entries.some(([n]) => n === name)) return undefined;
      pos = skipWhitespace(text, key.end);
      if (text.charCodeAt(pos) !== COLON) return undefined;
      pos = skipWhitespace(text, pos + 1);
      const value = readPayload(text, pos, depth + 1, false);
      if (!value) return undefined;
      entries.push([name, value.payload as JsonValue | NumberBlock]);
      pos = skipWhitespace(text, value.end);
      const next = text.charCodeAt(pos);
      if (next === COMMA) {
        pos = skipWhitespace(text, pos + 1);
      } else if (next === CLOSE_BRACE) {
        return { payload: new NamedPayload(entries), end: pos + 1 };
      } else {
        return undefined;
      }
    }
  }
  const { value, end } = parseJsonValue(text, pos, depth);
  return { payload: value, end };
}

/**
 * decodePredictInputs for a payload read by readPlainBody, or undefined where a number block does
 * not decode as it stands (the general path then gives the error).
 */
function decodePlainPayload(payload: PlainPayload, format: PredictFormat, signature: Signature): TensorMap | undefined {
  const names = Object.keys(signature.inputs);
  if (payload instanceof NamedPayload) {
    if (names.length !== payload.entries.length || !payload.entries.every(([name]) => Object.hasOwn(signature.inputs, name))) {
      return undefined;
    }
    const tensors: TensorMap = {};
    for (const name of names) {
      const value = payload.entries.find(([n]) => n === name)![1];
      const dtype = signature.inputs[name].dtype;
      if (isNumberBlock(value)) {
        const values = blockValues(dtype, value.values);
        if (!values) return undefined;
        tensors[name] = { dtype, shape: value.shape, values };
      } else {
        tensors[name] = jsonTensor(name, dtype, value, `inputs${member(name)}`);
      }
    }
    return tensors;
  }
  if (!isNumberBlock(payload)) return decodePredictInputs(payload, format, signature);
  // A bare list of numbers: one input, and for rows at least one instance.
  if (names.length !== 1 || (format === 'row' && payload.shape[0] === 0)) return undefined;
  const dtype = signature.inputs[names[0]].dtype;
  const values = blockValues(dtype, payload.values);
  if (!values) return undefined;
  return { [names[0]]: { dtype, shape: payload.shape, values } };
}

function isNumberBlock(value: PlainPayload): value is NumberBlock {
  return typeof value === 'object' && value !== null && (value as NumberBlock).values instanceof Float64Array;
}

function skipWhitespace(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
    else return pos;
  }
}

function decodeRows(payload: JsonValue, signature: Signature): TensorMap {
  if (!Array.isArray(payload)) {
    throw new InvalidArgumentError(`'instances' must be a list, got ${describeJson(payload)}`);
  }
  if (payload.length === 0) throw new InvalidArgumentError("'instances' must be a non-empty list");
  const names = Object.keys(signature.inputs);
  const named = isNamedInputs(payload[0], signature);
  if (!named && names.length !== 1) {
    throw new InvalidArgumentError(
      names.length === 0
        ? 'The signature takes no inputs, but instances[0] is a value'
        : `instances[0] must be an object keyed by input name: the signature has ${names.length} inputs (${names.map(quote).join(', ')})`,
    );
  }
  const columns = names.map(() => new Array<JsonValue>(payload.length));
  for (let i = 0; i < payload.length; i++) {
    const instance = payload[i];
    if (isNamedInputs(instance, signature) !== named) {
      throw new InvalidArgumentError(
        named
          ? `instances[${i}] is a plain value, but instances[0] is an object keyed by input name; all instances must take the same form`
          : `instances[${i}] is an object keyed by input name, but instances[0] is a plain value; all instances must take the same form`,
      );
    }
    if (named) {
      const object = instance as JsonObject;
      checkInputNames(object, names, `instances[${i}]`);
      for (let j = 0; j < names.length; j++) columns[j][i] = object[names[j]];
    } else {
      columns[0][i] = instance;
    }
  }
  const tensors: TensorMap = {};
  names.forEach((name, j) => {
    const where = (i: number) => `instances[${i}]${named ? member(name) : ''}`;
    tensors[name] = stackedJsonTensor(name, signature.inputs[name].dtype, columns[j], where);
  });
  return tensors;
}

function decodeColumns(payload: JsonValue, signature: Signature): TensorMap {
  const names = Object.keys(signature.inputs);
  const tensors: TensorMap = {};
  if (isNamedInputs(payload, signature)) {
    const object = payload as JsonObject;
    checkInputNames(object, names, "'inputs'");
    for (const name of names) {
      tensors[name] = jsonTensor(name, signature.inputs[name].dtype, object[name], `inputs${member(name)}`);
    }
    return tensors;
  }
  if (names.length !== 1) {
    throw new InvalidArgumentError(
      names.length === 0
        ? "The signature takes no inputs, but 'inputs' is a value"
        : `'inputs' must be an object keyed by input name: the signature has ${names.length} inputs (${names.map(quote).join(', ')})`,
    );
  }
  tensors[names[0]] = jsonTensor(names[0], signature.inputs[names[0]].dtype, payload, 'inputs');
  return tensors;
}

/**
 * True if `value` is an object keyed by input name rather than a value. `{"b64": ...}` is a
 * value; with extra keys it is still taken as a (bad) value unless the signature has an input
 * called `b64`, so the error names the real problem.
 */
function isNamedInputs(value: JsonValue, signature: Signature): boolean {
  if (!isObject(value)) return false;
  if (!Object.hasOwn(value, 'b64')) return true;
  return Object.keys(value).length > 1 && Object.hasOwn(signature.inputs, 'b64');
}

function checkInputNames(object: JsonObject, names: string[], where: string): void {
  const missing = names.filter((name) => !Object.hasOwn(object, name));
  if (missing.length) {
    throw new InvalidArgumentError(
      `Missing input${missing.length > 1 ? 's' : ''} ${missing.map(quote).join(', ')} in ${where} (the signature's inputs: ${names.map(quote).join(', ')})`,
    );
  }
  const unknown = Object.keys(object).filter((key) => !names.includes(key));
  if (unknown.length) {
    throw new InvalidArgumentError(
      `Unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map(quote).join(', ')} in ${where} (the signature's inputs: ${names.map(quote).join(', ')})`,
    );
  }
}

/**
 * Writes a predict response body. Row format: `{"predictions": [...]}`, one entry per instance
 * (a bare value with one output, an object keyed by output name with several), so all outputs
 * must share their 0-th dimension. Columnar: `{"outputs": value}` with one output, else
 * `{"outputs": {name: value, ...}}`. DT_STRING outputs whose name ends in `_bytes` are written
 * as `{"b64": "..."}`.
 */
export function encodePredictResponse(outputs: TensorMap, format: PredictFormat): string {
  const names = Object.keys(outputs);
  const tensors = names.map((name) => prepareOutput(name, outputs[name]));
  if (format === 'row') checkBatch(tensors);
  const parts = new ResponseText(ASCII);
  try {
    // Float text is about 11 bytes a value: room for it up front saves regrowing the buffer.
    ASCII.reserve(tensors.reduce((bytes, tensor) => bytes + (tensor.floats ? 12 * tensor.floats.values.length : 0), 64));
    if (format === 'columnar') {
      parts.push('{"outputs":');
      if (tensors.length === 1) {
        writeSlice(parts, tensors[0], 0, 0);
      } else {
        parts.push('{');
        tensors.forEach((tensor, j) => {
          parts.push(j > 0 ? ',' : '', tensor.key, ':');
          writeSlice(parts, tensor, 0, 0);
        });
        parts.push('}');
      }
      parts.push('}');
      return parts.text();
    }
    const batch = tensors[0]?.shape[0] ?? 0;
    parts.push('{"predictions":[');
    for (let b = 0; b < batch; b++) {
      if (b > 0) parts.push(',');
      if (tensors.length === 1) {
        writeSlice(parts, tensors[0], 1, b * tensors[0].strides[0]);
      } else {
        parts.push('{');
        tensors.forEach((tensor, j) => {
          parts.push(j > 0 ? ',' : '', tensor.key, ':');
          writeSlice(parts, tensor, 1, b * tensor.strides[0]);
        });
        parts.push('}');
      }
    }
    parts.push(']}');
    return parts.text();
  } finally {
    ASCII.clear();
  }
}

/** The row format splits every output along its 0-th dimension: they must have one, the same. */
function checkBatch(tensors: OutputWriter[]): void {
  let batch = 0;
  tensors.forEach((tensor, j) => {
    if (tensor.shape.length === 0) {
      throw new InvalidArgumentError(
        `Output ${quote(tensor.name)} is a scalar, so it cannot be split into instances for the row format ('instances'); use the columnar format ('inputs')`,
      );
    }
    if (j === 0) batch = tensor.shape[0];
    else if (tensor.shape[0] !== batch) {
      throw new InvalidArgumentError(
        `Output ${quote(tensor.name)} has ${tensor.shape[0]} in its 0-th dimension, but output ${quote(tensors[0].name)} has ${batch}; the row format ('instances') needs outputs that share the batch size, use the columnar format ('inputs')`,
      );
    }
  });
}

/**
 * A response's text as it is written: ASCII (punctuation, numbers, float text written as bytes)
 * gathered in one byte buffer, other text (non-ASCII strings and names) between its runs.
 */
class ResponseText {
  private readonly parts: string[] = [];

  constructor(readonly ascii: AsciiWriter) {}

  push(...texts: string[]): void {
    for (const text of texts) {
      if (isAscii(text)) {
        this.ascii.ascii(text);
      } else {
        this.flush();
        this.parts.push(text);
      }
    }
  }

  text(): string {
    this.flush();
    return this.parts.length === 1 ? this.parts[0] : this.parts.join('');
  }

  private flush(): void {
    if (this.ascii.length === 0) return;
    this.parts.push(this.ascii.text());
    this.ascii.length = 0;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

interface OutputWriter {
  name: string;
  /** The name as a JSON string. */
  key: string;
  shape: number[];
  /** Elements between consecutive indices of each dimension. */
  strides: number[];
  format: (index: number) => string;
  /** DT_FLOAT and DT_HALF values as float32s and their bits, written as bytes (see writeFloatSlice). */
  floats?: { values: Float32Array; bits: Int32Array };
}

function prepareOutput(name: string, tensor: HostTensor): OutputWriter {
  const { shape, values } = tensor;
  const size = sizeOf(shape);
  if (values.length !== size) {
    throw new InternalError(`Output ${quote(name)} has ${values.length} values, but its shape [${shape}] holds ${size}`);
  }
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  const writer: OutputWriter = { name, key: JSON.stringify(name), shape, strides, format: elementFormatter(name, tensor) };
  if (tensor.dtype === 'DT_FLOAT' || tensor.dtype === 'DT_HALF') {
    // Every binary16 is a float32: written as the shortest decimal that reads back to it.
    const floats =
      tensor.dtype === 'DT_HALF'
        ? Float32Array.from(tensor.values as Uint16Array, halfToFloat)
        : tensor.values instanceof Float32Array
          ? tensor.values
          : Float32Array.from(tensor.values as ArrayLike<number>);
    writer.floats = { values: floats, bits: new Int32Array(floats.buffer, floats.byteOffset, floats.length) };
  }
  return writer;
}

function elementFormatter(name: string, tensor: HostTensor): (index: number) => string {
  switch (tensor.dtype) {
    case 'DT_FLOAT': {
      const values = tensor.values as ArrayLike<number>;
      return (i) => formatFloat32(values[i]);
    }
    case 'DT_HALF': {
      // Every binary16 is a float32: written as the shortest decimal that reads back to it.
      const bits = tensor.values as Uint16Array;
      return (i) => formatFloat32(halfToFloat(bits[i]));
    }
    case 'DT_DOUBLE': {
      const values = tensor.values as ArrayLike<number>;
      return (i) => formatFloat64(values[i], true);
    }
    case 'DT_BOOL': {
      const values = tensor.values as ArrayLike<number>;
      return (i) => (values[i] ? 'true' : 'false');
    }
    case 'DT_STRING': {
      const values = tensor.values as Uint8Array[];
      if (name.endsWith('_bytes')) return (i) => `{"b64":"${encodeBase64(values[i])}"}`;
      const decoder = new TextDecoder();
      return (i) => JSON.stringify(decoder.decode(values[i]));
    }
    default: {
      // Integers, including int64/uint64 bigints, written with all their digits.
      const values = tensor.values as ArrayLike<number | bigint>;
      return (i) => String(values[i]);
    }
  }
}

/** Writes dimensions `dim..` of a tensor, starting at flat element `offset`, as nested lists. */
function writeSlice(parts: ResponseText, tensor: OutputWriter, dim: number, offset: number): void {
  if (tensor.floats) {
    writeFloatSlice(parts.ascii, tensor, tensor.floats, dim, offset);
    return;
  }
  const { shape, strides, format } = tensor;
  if (dim === shape.length) {
    parts.push(format(offset));
    return;
  }
  const length = shape[dim];
  if (dim === shape.length - 1) {
    const items = new Array<string>(length);
    for (let k = 0; k < length; k++) items[k] = format(offset + k);
    parts.push(`[${items.join(',')}]`);
    return;
  }
  parts.push('[');
  const stride = strides[dim];
  for (let k = 0; k < length; k++) {
    if (k > 0) parts.push(',');
    writeSlice(parts, tensor, dim + 1, offset + k * stride);
  }
  parts.push(']');
}

/** One buffer for the float text of every response (writing is synchronous). */
const ASCII = new AsciiWriter();

/** writeSlice for float32 values: bytes into an ASCII buffer, no string per value (formatFloat32's text). */
function writeFloatSlice(
  out: AsciiWriter,
  tensor: OutputWriter,
  floats: { values: Float32Array; bits: Int32Array },
  dim: number,
  offset: number,
): void {
  const { shape, strides } = tensor;
  if (dim === shape.length) {
    out.float32s(floats.values, floats.bits, offset, 1);
    return;
  }
  const length = shape[dim];
  out.byte(OPEN_BRACKET);
  if (dim === shape.length - 1) {
    out.float32s(floats.values, floats.bits, offset, length);
  } else {
    const stride = strides[dim];
    for (let k = 0; k < length; k++) {
      if (k > 0) out.byte(COMMA);
      writeFloatSlice(out, tensor, floats, dim + 1, offset + k * stride);
    }
  }
  out.byte(CLOSE_BRACKET);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `.name` for identifier-like names, else `["name"]`, for JSON paths in messages. */
function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function quote(name: string): string {
  return `'${name}'`;
}
