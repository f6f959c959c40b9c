/**
 * TF Serving's predict bodies: the request's row (`instances`) and columnar (`inputs`) formats
 * into HostTensors typed by the signature, and output tensors into `predictions` / `outputs`.
 * @module codecs/predict-json
 */
import { InternalError, InvalidArgumentError } from '../../errors.ts';
import type { Signature } from '../../tensors/signature.ts';
import {
  INTEGER_RANGE,
  allocateValues,
  sizeOf,
  type DType,
  type HostTensor,
  type TensorMap,
  type TensorValues,
} from '../../tensors/host-tensor.ts';
import { floatToHalf, halfToFloat } from '../../tensors/float16.ts';
import { decodeBase64, encodeBase64, isBase64 } from '../../codecs/base64.ts';
import { formatFloat32, formatFloat64, type JsonValue } from '../../codecs/tensor-json.ts';

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
    tensors[name] = batchTensor(name, signature.inputs[name].dtype, columns[j], where);
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
      tensors[name] = columnTensor(name, signature.inputs[name].dtype, object[name], `inputs${member(name)}`);
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
  tensors[names[0]] = columnTensor(names[0], signature.inputs[names[0]].dtype, payload, 'inputs');
  return tensors;
}

/** A row-format input: one value per instance, all of one shape, stacked along a new 0-th dimension. */
function batchTensor(name: string, dtype: DType, instances: JsonValue[], where: (i: number) => string): HostTensor {
  const instanceShape = nestingShape(instances[0]);
  for (let i = 1; i < instances.length; i++) {
    const shape = nestingShape(instances[i]);
    if (!sameShape(shape, instanceShape)) {
      throw new InvalidArgumentError(
        `Input ${quote(name)}: ${where(i)} has shape [${shape}], but ${where(0)} has shape [${instanceShape}]; every instance must have the same shape`,
      );
    }
  }
  const values = allocateValues(dtype, instances.length * sizeOf(instanceShape));
  const filler = new Filler(name, dtype, values, instanceShape);
  for (let i = 0; i < instances.length; i++) filler.fill(instances[i], where(i));
  return { dtype, shape: [instances.length, ...instanceShape], values };
}

/** A columnar input: the value's nesting is the tensor's shape. */
function columnTensor(name: string, dtype: DType, value: JsonValue, where: string): HostTensor {
  const shape = nestingShape(value);
  const values = allocateValues(dtype, sizeOf(shape));
  new Filler(name, dtype, values, shape).fill(value, where);
  return { dtype, shape, values };
}

/** The shape a nested list claims, read along its first elements: a scalar is [], `[[1, 2]]` is [1, 2]. */
function nestingShape(value: JsonValue): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/**
 * Writes nested-list values into flat row-major storage, checking that every list at a depth has
 * the expected length (no ragged lists) and that every element fits the dtype.
 */
class Filler {
  private cursor = 0;
  private readonly indices: number[] = [];
  private where = '';
  private readonly write: ElementWriter;

  constructor(
    private readonly name: string,
    private readonly dtype: DType,
    values: TensorValues,
    private readonly shape: number[],
  ) {
    this.write = elementWriter(dtype, values);
  }

  /** Fills the next `sizeOf(shape)` elements from `value`, found at JSON path `where`. */
  fill(value: JsonValue, where: string): void {
    this.where = where;
    this.walk(value, 0);
  }

  private walk(value: JsonValue, depth: number): void {
    const shape = this.shape;
    if (depth === shape.length) {
      if (Array.isArray(value)) {
        this.ragged(depth, `expected a scalar like its siblings, got a list of length ${value.length}`);
      }
      const problem = this.write(this.cursor, value);
      if (problem !== undefined) {
        throw new InvalidArgumentError(
          `Input ${quote(this.name)} expects ${this.dtype}, got ${problem} at ${this.path(depth)}`,
        );
      }
      this.cursor++;
      return;
    }
    const length = shape[depth];
    if (!Array.isArray(value)) {
      this.ragged(depth, `expected a list of length ${length} like its siblings, got ${describeJson(value)}`);
    }
    if (value.length !== length) {
      this.ragged(depth, `expected a list of length ${length} like its siblings, got length ${value.length}`);
    }
    const indices = this.indices;
    for (let k = 0; k < length; k++) {
      indices[depth] = k;
      this.walk(value[k], depth + 1);
    }
  }

  private ragged(depth: number, problem: string): never {
    throw new InvalidArgumentError(`Input ${quote(this.name)} is ragged at ${this.path(depth)}: ${problem}`);
  }

  private path(depth: number): string {
    let path = this.where;
    for (let d = 0; d < depth; d++) path += `[${this.indices[d]}]`;
    return path;
  }
}

/** Stores one JSON element at an index; returns what was wrong with it (for "got …"), or undefined. */
type ElementWriter = (index: number, value: JsonValue) => string | undefined;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function elementWriter(dtype: DType, values: TensorValues): ElementWriter {
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_DOUBLE': {
      const out = values as Float32Array | Float64Array;
      return (i, v) => {
        if (typeof v === 'number') out[i] = v;
        else if (typeof v === 'bigint') out[i] = Number(v);
        else return describeJson(v);
        return undefined;
      };
    }
    case 'DT_HALF': {
      // Rounded once, from the JSON number to the nearest binary16.
      const out = values as Uint16Array;
      return (i, v) => {
        if (typeof v === 'number') out[i] = floatToHalf(v);
        else if (typeof v === 'bigint') out[i] = floatToHalf(Number(v));
        else return describeJson(v);
        return undefined;
      };
    }
    case 'DT_INT64':
    case 'DT_UINT64': {
      const out = values as BigInt64Array | BigUint64Array;
      const [min, max] = dtype === 'DT_INT64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
      const range = `${min} to ${max}`;
      return (i, v) => {
        let n: bigint;
        if (typeof v === 'bigint') n = v;
        else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
        else return describeJson(v);
        if (n < min || n > max) return `${n}, outside its range ${range},`;
        out[i] = n;
        return undefined;
      };
    }
    case 'DT_BOOL': {
      const out = values as Uint8Array;
      return (i, v) => {
        if (typeof v !== 'boolean') return describeJson(v);
        out[i] = v ? 1 : 0;
        return undefined;
      };
    }
    case 'DT_STRING': {
      const out = values as Uint8Array[];
      const encoder = new TextEncoder();
      return (i, v) => {
        if (typeof v === 'string') {
          out[i] = encoder.encode(v);
          return undefined;
        }
        if (!isObject(v) || !Object.hasOwn(v, 'b64')) return describeJson(v);
        const keys = Object.keys(v);
        if (keys.length !== 1) {
          return `a {"b64": ...} object with other keys (${keys.filter((key) => key !== 'b64').map(quote).join(', ')}); 'b64' must be its only key,`;
        }
        const text = v.b64;
        if (typeof text !== 'string') return `a {"b64": ...} object whose value is ${describeJson(text)}, not a string,`;
        if (!isBase64(text)) return 'a {"b64": ...} object whose value is not valid base64,';
        out[i] = decodeBase64(text);
        return undefined;
      };
    }
    default: {
      const range = INTEGER_RANGE[dtype];
      if (!range) throw new InternalError(`No JSON decoding for ${dtype}`);
      const [min, max] = range;
      const out = values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
      return (i, v) => {
        let n: number;
        if (typeof v === 'number' && Number.isInteger(v)) n = v;
        else if (typeof v === 'bigint') n = Number(v);
        else return describeJson(v);
        if (n < min || n > max) return `${typeof v === 'bigint' ? v : n}, outside its range ${min} to ${max},`;
        out[i] = n;
        return undefined;
      };
    }
  }
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
  const parts: string[] = [];
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
    return parts.join('');
  }

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
  return parts.join('');
}

interface OutputWriter {
  name: string;
  /** The name as a JSON string. */
  key: string;
  shape: number[];
  /** Elements between consecutive indices of each dimension. */
  strides: number[];
  format: (index: number) => string;
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
  return { name, key: JSON.stringify(name), shape, strides, format: elementFormatter(name, tensor) };
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
function writeSlice(parts: string[], tensor: OutputWriter, dim: number, offset: number): void {
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

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How an unexpected JSON value reads in an error: `a string`, `1.5`, `a list`, … */
function describeJson(value: JsonValue | undefined): string {
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return formatFloat64(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return `a boolean (${value})`;
    case 'undefined':
      return 'nothing';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return Object.hasOwn(value, 'b64') ? 'a {"b64": ...} object' : 'an object';
}

/** `.name` for identifier-like names, else `["name"]`, for JSON paths in messages. */
function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function quote(name: string): string {
  return `'${name}'`;
}
