/**
 * `multipart/form-data` bodies (HTML forms, `curl -F`, ModelArts-style `images=@a.jpg` uploads),
 * read with busboy. File parts become DT_STRING tensors of their bytes (several parts of one
 * name, one tensor `[n]` in order); a field named like a signature input is TF Serving JSON
 * converted to the input's dtype; other fields (e.g. `signature_name`) are parameters. Every part
 * is also kept as sent. Only read, never written. Loaded lazily by the registry, so busboy is
 * only evaluated when a request uses it.
 * @module codecs/multipart
 */
import busboy from 'busboy';
import { InvalidArgumentError } from '../errors.ts';
import { floatToHalf } from '../tensors/float16.ts';
import { allocateValues, type DType, type HostTensor, type TensorMap, type TensorValues } from '../tensors/host-tensor.ts';
import { decodeBase64, isBase64 } from './base64.ts';
import type { BodyPart, DecodeContext, DecodedBody, TensorCodec } from './codec.ts';
import { parseJson, type JsonValue } from './tensor-json.ts';

/** The most parts a body may have. */
export const MAX_MULTIPART_PARTS = 1000;

/** Reads `multipart/form-data`. */
export const multipartCodec: TensorCodec = {
  name: 'multipart',
  mediaTypes: ['multipart/form-data'],
  decode: decodeMultipart,
};

/**
 * Decodes a form: file parts (and `application/octet-stream` parts) into DT_STRING inputs,
 * fields named like a signature input into tensors of its dtype, other fields into parameters.
 * @throws InvalidArgumentError for a body without its boundary, cut short, with more than
 *   MAX_MULTIPART_PARTS parts, with a part without a name or a name used twice (except by files),
 *   or a field whose value does not fit its input's dtype.
 */
export async function decodeMultipart(body: Uint8Array, context: DecodeContext): Promise<DecodedBody> {
  const boundary = context.mediaType.params.boundary;
  if (!boundary) throw new InvalidArgumentError('multipart/form-data body without a boundary parameter');
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.indexOf(`--${boundary}`, 0, 'latin1') < 0) {
    throw new InvalidArgumentError(
      `multipart body does not contain its boundary ${JSON.stringify(`--${boundary}`)} from the Content-Type header`,
    );
  }
  const parts = await readParts(bytes, boundary);

  const inputs: TensorMap = {};
  const parameters: Record<string, JsonValue> = {};
  const fileNames = new Set<string>();
  const fieldNames = new Set<string>();
  for (const part of parts) {
    const { name } = part;
    if (part.text === undefined) {
      if (fieldNames.has(name)) throw usedTwice(name);
      if (!fileNames.has(name)) {
        fileNames.add(name);
        setOwn<HostTensor>(inputs, name, { dtype: 'DT_STRING', shape: [0], values: [] });
      }
      const files = inputs[name];
      (files.values as Uint8Array[]).push(part.data);
      files.shape[0]++;
      continue;
    }
    if (fieldNames.has(name) || fileNames.has(name)) throw usedTwice(name);
    fieldNames.add(name);
    const spec = Object.hasOwn(context.inputs, name) ? context.inputs[name] : undefined;
    if (spec) setOwn(inputs, name, fieldTensor(name, spec.dtype, part.text));
    else setOwn(parameters, name, jsonOrText(part.text));
  }
  return {
    inputs,
    parameters,
    parts: parts.map(({ name, filename, mediaType, data }) => ({ name, data, mediaType, ...(filename === undefined ? {} : { filename }) })),
  };
}

/** `object[key] = value`, also for a key `__proto__` (which plain assignment would take as the prototype). */
function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function usedTwice(name: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `multipart field ${JSON.stringify(name)} appears more than once; only file parts may share a name`,
  );
}

/** A part as busboy gave it; `text` is set for (non-file) fields. */
interface ReadPart extends BodyPart {
  text?: string;
}

/** Runs busboy over the whole body; settles on its 'close' (or 'finish'), its first error, or the parts limit. */
function readParts(bytes: Buffer, boundary: string): Promise<ReadPart[]> {
  return new Promise((resolve, reject) => {
    const parts: ReadPart[] = [];
    const fileChunks = new Map<ReadPart, Buffer[]>();
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const [part, chunks] of fileChunks) {
        const data = Buffer.concat(chunks);
        part.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      }
      resolve(parts);
    };
    const named = (name: string | undefined): string | undefined => {
      if (name !== undefined) return name;
      fail(new InvalidArgumentError(`multipart part ${parts.length + 1} has no name in its Content-Disposition header`));
      return undefined;
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': `multipart/form-data; boundary="${boundary.replace(/["\\]/g, '\\$&')}"` },
        // One more part than allowed, so 'partsLimit' means "too many" rather than "exactly enough".
        limits: { parts: MAX_MULTIPART_PARTS + 1, fieldSize: bytes.length + 1 },
      });
    } catch (error) {
      fail(new InvalidArgumentError(`multipart/form-data body cannot be read: ${describe(error)}`));
      return;
    }
    parser.on('file', (name: string | undefined, stream, info) => {
      const chunks: Buffer[] = [];
      // busboy reports a cut-short file on the parser too; this keeps the stream's own copy handled.
      stream.on('error', () => {});
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const partName = named(name);
      if (partName === undefined) return;
      const part: ReadPart = { name: partName, filename: info.filename, mediaType: info.mimeType, data: new Uint8Array(0) };
      parts.push(part);
      fileChunks.set(part, chunks);
    });
    parser.on('field', (name: string | undefined, value: string, info) => {
      const partName = named(name);
      if (partName === undefined) return;
      if (info.valueTruncated) fail(new InvalidArgumentError(`multipart field ${JSON.stringify(partName)} was truncated`));
      parts.push({ name: partName, mediaType: info.mimeType, data: new TextEncoder().encode(value), text: value });
    });
    parser.on('partsLimit', () => fail(new InvalidArgumentError(`multipart body has more than ${MAX_MULTIPART_PARTS} parts`)));
    parser.on('error', (error: unknown) => fail(busboyError(error)));
    parser.on('finish', finish);
    parser.on('close', finish);
    parser.end(bytes);
  });
}

function busboyError(error: unknown): InvalidArgumentError {
  const message = describe(error);
  if (/^Unexpected end of (form|file)$/.test(message)) {
    return new InvalidArgumentError('multipart body ends before its closing boundary');
  }
  if (message === 'Malformed part header') return new InvalidArgumentError('multipart body has a malformed part header');
  return new InvalidArgumentError(`Malformed multipart body: ${message}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A field's JSON value, or its text when it is not JSON (`signature_name=serving_default`). */
function jsonOrText(text: string): JsonValue {
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

/**
 * A field for a signature input: its JSON (nested lists give the shape) as the input's dtype. For
 * DT_STRING inputs a field whose JSON is not a string, a list or `{"b64": …}` is its own text, so
 * `-F text=123` is the string "123".
 */
function fieldTensor(name: string, dtype: DType, text: string): HostTensor {
  let value = jsonOrText(text);
  if (dtype === 'DT_STRING' && !(typeof value === 'string' || Array.isArray(value) || isB64(value))) value = text;
  return jsonTensor(name, dtype, value);
}

function isB64(value: JsonValue): value is { b64: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'b64');
}

type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;


/** The shape its nesting gives a JSON value (along first elements), and its leaves, row-major, as `dtype`. */
function jsonTensor(name: string, dtype: DType, value: JsonValue): HostTensor {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  let size = 1;
  for (const dim of shape) size *= dim;
  const values: NumericArray | Uint8Array[] = dtype === 'DT_STRING' ? new Array<Uint8Array>(size) : (allocateValues(dtype, size) as NumericArray);
  const write = elementWriter(dtype, values);
  const indices: number[] = [];
  const where = (depth: number) => `${JSON.stringify(name)}${indices.slice(0, depth).map((i) => `[${i}]`).join('')}`;
  let cursor = 0;
  const walk = (v: JsonValue, depth: number): void => {
    if (depth === shape.length) {
      const problem = Array.isArray(v) ? `a list where its siblings are not` : write(cursor++, v);
      if (problem !== undefined) {
        throw new InvalidArgumentError(`Input ${JSON.stringify(name)} expects ${dtype}, got ${problem} at ${where(depth)}`);
      }
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new InvalidArgumentError(
        `Input ${JSON.stringify(name)} is ragged at ${where(depth)}: expected a list of length ${shape[depth]} like its siblings, got ${describeJson(v)}`,
      );
    }
    for (let i = 0; i < v.length; i++) {
      indices[depth] = i;
      walk(v[i], depth + 1);
    }
  };
  walk(value, 0);
  return { dtype, shape, values: values as TensorValues };
}

/** Stores one JSON leaf; returns what was wrong with it, or undefined. */
type ElementWriter = (index: number, value: JsonValue) => string | undefined;

const INTEGER_RANGES: Partial<Record<DType, readonly [bigint, bigint]>> = {
  DT_INT8: [-128n, 127n],
  DT_INT16: [-32768n, 32767n],
  DT_INT32: [-2147483648n, 2147483647n],
  DT_INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  DT_UINT8: [0n, 255n],
  DT_UINT16: [0n, 65535n],
  DT_UINT32: [0n, 4294967295n],
  DT_UINT64: [0n, 2n ** 64n - 1n],
};

function elementWriter(dtype: DType, values: NumericArray | Uint8Array[]): ElementWriter {
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_DOUBLE':
    case 'DT_HALF': {
      const out = values as Float32Array | Float64Array | Uint16Array;
      const convert = dtype === 'DT_HALF' ? floatToHalf : (x: number) => x;
      return (i, v) => {
        if (typeof v !== 'number' && typeof v !== 'bigint') return describeJson(v);
        out[i] = convert(Number(v));
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
        if (typeof v === 'string') out[i] = encoder.encode(v);
        else if (isB64(v) && Object.keys(v).length === 1 && typeof v.b64 === 'string' && isBase64(v.b64)) out[i] = decodeBase64(v.b64);
        else return describeJson(v);
        return undefined;
      };
    }
    default: {
      const [min, max] = INTEGER_RANGES[dtype]!;
      const wide = dtype === 'DT_INT64' || dtype === 'DT_UINT64';
      return (i, v) => {
        if (!(typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) return describeJson(v);
        const n = BigInt(v);
        if (n < min || n > max) return `${n}, outside its range ${min} to ${max},`;
        if (wide) (values as BigInt64Array | BigUint64Array)[i] = n;
        else (values as Int32Array)[i] = Number(n);
        return undefined;
      };
    }
  }
}

function describeJson(value: JsonValue): string {
  if (Array.isArray(value)) return `a list of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}
