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
import { describeJson, jsonTensor, stackedJsonTensor } from '../../codecs/json-tensor.ts';
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

/** `.name` for identifier-like names, else `["name"]`, for JSON paths in messages. */
function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function quote(name: string): string {
  return `'${name}'`;
}
