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
import type { DType, HostTensor, TensorMap } from '../tensors/host-tensor.ts';
import type { BodyPart, DecodeContext, DecodedBody, TensorCodec } from './codec.ts';
import { jsonTensor } from './json-tensor.ts';
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
  return jsonTensor(name, dtype, value, `form field ${JSON.stringify(name)}`);
}

function isB64(value: JsonValue): value is { b64: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'b64');
}
