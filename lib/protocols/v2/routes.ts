/**
 * KServe's Open Inference Protocol (V2) REST API as a thin module over the same data plane as
 * TF Serving's: health, server and model metadata, model readiness, and `infer` with JSON
 * tensors or the binary tensor data extension (`Inference-Header-Content-Length`). The signature
 * run is `serving_default` unless the request's parameters name another (`signature_name`).
 * @module protocols/v2/routes
 */
import { Hono } from 'hono';
import { parseJson, stringifyJson, type JsonValue } from '../../codecs/tensor-json.ts';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../../errors.ts';
import { createInferRequest, isBodyResponse, type InferRequest } from '../../service/infer-request.ts';
import type { ModelRepository } from '../../service/model-repository.ts';
import type { ModelService, ServedVersion, VersionSelector } from '../../service/model-service.ts';
import { timeStage } from '../../service/timings.ts';
import type { TensorMap } from '../../tensors/host-tensor.ts';
import { DEFAULT_SIGNATURE, type Signature, type TensorSpec } from '../../tensors/signature.ts';
import {
  bodyResponse,
  codecRequest,
  isJsonMediaType,
  jsonResponse,
  jsonTextResponse,
  negotiatedResponse,
  readRawBody,
  requireMethod,
  withDeadline,
  type AppContext,
  type AppEnv,
  type ProtocolOptions,
} from '../common.ts';
import { dtypeOf, shapeOf, tensorDataJson, tensorFromBinary, tensorFromJson, tensorToBinary, v2Datatype } from './tensors.ts';

export const SERVER_NAME = 'lambda-serving';
export const SERVER_VERSION = '0.1.0';
const HEADER_LENGTH = 'inference-header-content-length';
const JSON_RESPONSE_TYPES = ['application/json'];

type JsonObject = { [key: string]: JsonValue };

/** The `/v2` sub-app. */
export function v2Routes(models: ModelRepository, options: ProtocolOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const get = (path: string, handler: (c: AppContext) => Promise<Response> | Response) =>
    app.all(path, (c) => {
      requireMethod(c, 'GET');
      return handler(c);
    });

  get('/', (c) => jsonResponse(c, { name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data'] }));
  get('/health/live', (c) => jsonResponse(c, { live: true }));
  get('/health/ready', async (c) => {
    const notReady: string[] = [];
    for (const service of models.list()) if (!(await isReady(service, {}))) notReady.push(service.name);
    if (notReady.length) throw new UnavailableError(`Models not ready: ${notReady.join(', ')}`);
    return jsonResponse(c, { ready: true });
  });

  for (const prefix of ['/models/:name', '/models/:name/versions/:version']) {
    get(prefix, async (c) => {
      const { service, selector } = lookup(c, models, 'metadata');
      return jsonResponse(c, await modelMetadata(service, selector));
    });
    get(`${prefix}/ready`, async (c) => {
      const { service, selector } = lookup(c, models, 'ready');
      if (!(await isReady(service, selector))) throw new UnavailableError(`Model ${service.name} is not ready`);
      return jsonResponse(c, { name: service.name, ready: true });
    });
    app.all(`${prefix}/infer`, (c) => {
      requireMethod(c, 'POST');
      const { service, selector } = lookup(c, models, 'infer');
      return withDeadline(options.timeoutMs, async () => infer(c, service, await service.resolve(selector)));
    });
  }
  return app;
}

function lookup(c: AppContext, models: ModelRepository, action: string): { service: ModelService; selector: VersionSelector } {
  const name = c.req.param('name')!;
  Object.assign(c.get('trace'), { model: name, action });
  const text = c.req.param('version');
  if (text !== undefined && !/^\d+$/.test(text)) throw new InvalidArgumentError(`Version must be a non-negative integer, got '${text}'`);
  return { service: models.get(name), selector: text === undefined ? {} : { version: Number(text) } };
}

async function isReady(service: ModelService, selector: VersionSelector): Promise<boolean> {
  const statuses = await service.status(selector);
  return statuses.some((status) => status.state === 'AVAILABLE');
}

async function modelMetadata(service: ModelService, selector: VersionSelector) {
  const { version, model } = await service.resolve(selector);
  const signature = defaultSignature(model.signatures, service.name);
  const tensors = (specs: Record<string, TensorSpec>) =>
    Object.entries(specs).map(([name, spec]) => ({ name, datatype: v2Datatype(spec.dtype), shape: spec.shape ?? [-1] }));
  return {
    name: service.name,
    versions: (await service.servedVersions()).map(String),
    platform: model.format,
    inputs: tensors(signature.inputs),
    outputs: tensors(signature.outputs),
    // Not in the protocol; which version answered, as TF Serving's metadata says too.
    parameters: { version: String(version) },
  };
}

function defaultSignature(signatures: Record<string, Signature>, model: string): Signature {
  if (Object.hasOwn(signatures, DEFAULT_SIGNATURE)) return signatures[DEFAULT_SIGNATURE];
  const first = Object.values(signatures)[0];
  if (!first) throw new NotFoundError(`Model ${model} has no signatures`);
  return first;
}

/** What the request asked about its outputs: which, and which of them as binary data. */
interface OutputRequest {
  names?: string[];
  binary: Set<string>;
  binaryByDefault: boolean;
}

async function infer(c: AppContext, service: ModelService, target: ServedVersion): Promise<Response> {
  const trace = c.get('trace');
  const raw = await readRawBody(c);
  const headerLength = c.req.header(HEADER_LENGTH);
  let request: InferRequest;
  let outputs: OutputRequest = { binary: new Set(), binaryByDefault: false };
  if (headerLength !== undefined || isJsonMediaType(raw.mediaType)) {
    const { json, binary } = await timeStage(trace.timings, 'decode', () => splitBody(raw.bytes, headerLength));
    const header = inferenceHeader(json);
    const parameters = objectField(header, 'parameters', 'request') ?? {};
    const signatureName = typeof parameters.signature_name === 'string' ? parameters.signature_name : DEFAULT_SIGNATURE;
    outputs = outputRequest(header, parameters);
    request = createInferRequest({
      signatureName,
      id: typeof header.id === 'string' ? header.id : undefined,
      parameters,
      outputNames: outputs.names,
      raw: { ...raw, json },
      inputs: () => decodeInputs(header, binary),
    });
  } else {
    // Any other body a codec reads (NPY, NPZ, Arrow, multipart): inputs named by the body.
    request = await codecRequest(c, service, target, raw, ['application/json', `application/octet-stream with ${HEADER_LENGTH}`]);
  }
  const response = await service.infer(request, target, trace);
  if (isBodyResponse(response)) return bodyResponse(c, response, stringifyJson);
  const anyBinary = outputs.binaryByDefault || outputs.binary.size > 0;
  if (!anyBinary) {
    const negotiated = await negotiatedResponse(c, response.outputs, JSON_RESPONSE_TYPES);
    if (negotiated) return negotiated;
  }
  const encoded = await timeStage(trace.timings, 'encode', () =>
    encodeResponse(service.name, target.version, request, response.outputs, response.parameters, outputs),
  );
  if (encoded.binary.length === 0) return jsonTextResponse(c, encoded.json);
  const header = new TextEncoder().encode(encoded.json);
  const body = new Uint8Array(header.length + encoded.binary.reduce((sum, part) => sum + part.length, 0));
  body.set(header, 0);
  let at = header.length;
  for (const part of encoded.binary) {
    body.set(part, at);
    at += part.length;
  }
  return c.body(body, 200, { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) });
}

/** Splits a body into its JSON header and the binary tensor data after it. */
function splitBody(bytes: Uint8Array, headerLength: string | undefined): { json: JsonValue; binary: Uint8Array } {
  let length = bytes.length;
  if (headerLength !== undefined) {
    length = /^\d+$/.test(headerLength.trim()) ? Number(headerLength.trim()) : NaN;
    if (!Number.isSafeInteger(length) || length > bytes.length) {
      throw new InvalidArgumentError(`${HEADER_LENGTH} is ${headerLength}, but the body has ${bytes.length} bytes`);
    }
  }
  const text = new TextDecoder().decode(bytes.subarray(0, length));
  if (!text.trim()) throw new InvalidArgumentError('Request body is empty; expected an inference request JSON object');
  return { json: parseJson(text), binary: bytes.subarray(length) };
}

function inferenceHeader(json: JsonValue): JsonObject {
  if (!isObject(json)) throw new InvalidArgumentError('Inference request must be a JSON object');
  if (!Array.isArray(json.inputs)) throw new InvalidArgumentError("Inference request needs 'inputs', a list of tensors");
  return json;
}

function outputRequest(header: JsonObject, parameters: JsonObject): OutputRequest {
  const request: OutputRequest = { binary: new Set(), binaryByDefault: parameters.binary_data_output === true };
  if (header.outputs === undefined) return request;
  if (!Array.isArray(header.outputs)) throw new InvalidArgumentError("'outputs' must be a list of {\"name\": ...} objects");
  request.names = header.outputs.map((output, i) => {
    if (!isObject(output) || typeof output.name !== 'string') throw new InvalidArgumentError(`outputs[${i}] needs a 'name'`);
    const binary = objectField(output, 'parameters', `outputs[${i}]`)?.binary_data;
    if (binary === true || (binary === undefined && request.binaryByDefault)) request.binary.add(output.name);
    return output.name;
  });
  request.binaryByDefault = false;
  return request;
}

/** The request's inputs: JSON `data`, or `binary_data_size` bytes taken in order from after the header. */
function decodeInputs(header: JsonObject, binary: Uint8Array): TensorMap {
  const inputs: TensorMap = {};
  let at = 0;
  (header.inputs as JsonValue[]).forEach((input, i) => {
    if (!isObject(input) || typeof input.name !== 'string') throw new InvalidArgumentError(`inputs[${i}] needs a 'name'`);
    const where = `Input '${input.name}'`;
    if (Object.hasOwn(inputs, input.name)) throw new InvalidArgumentError(`${where} is given twice`);
    const dtype = dtypeOf(input.datatype, where);
    const shape = shapeOf(input.shape, where);
    const size = objectField(input, 'parameters', where)?.binary_data_size;
    if (size === undefined) {
      setOwn(inputs, input.name, tensorFromJson(input.data, dtype, shape, where));
      return;
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new InvalidArgumentError(`${where}: binary_data_size must be a non-negative integer`);
    if (at + size > binary.length) {
      throw new InvalidArgumentError(`${where}: binary_data_size ${size} runs past the end of the body (${binary.length - at} bytes left)`);
    }
    setOwn(inputs, input.name, tensorFromBinary(binary.subarray(at, at + size), dtype, shape, where));
    at += size;
  });
  if (at !== binary.length) throw new InvalidArgumentError(`${binary.length - at} bytes of binary data after the last binary input`);
  return inputs;
}

function encodeResponse(
  model: string,
  version: number,
  request: InferRequest,
  outputs: TensorMap,
  parameters: JsonObject | undefined,
  wanted: OutputRequest,
): { json: string; binary: Uint8Array[] } {
  const binary: Uint8Array[] = [];
  const entries = Object.entries(outputs).map(([name, tensor]) => {
    const head = `{"name":${JSON.stringify(name)},"datatype":"${v2Datatype(tensor.dtype)}","shape":[${tensor.shape.join(',')}]`;
    if (wanted.binaryByDefault || wanted.binary.has(name)) {
      const bytes = tensorToBinary(tensor);
      binary.push(bytes);
      return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
    }
    return `${head},"data":${tensorDataJson(tensor)}}`;
  });
  const fields = [`"model_name":${JSON.stringify(model)}`, `"model_version":"${version}"`];
  if (request.id !== undefined) fields.push(`"id":${JSON.stringify(request.id)}`);
  if (parameters) fields.push(`"parameters":${stringifyJson(parameters)}`);
  fields.push(`"outputs":[${entries.join(',')}]`);
  return { json: `{${fields.join(',')}}`, binary };
}

/** A client-chosen key (`__proto__` included) as an ordinary own property. */
function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function objectField(object: JsonObject, key: string, where: string): JsonObject | undefined {
  if (!Object.hasOwn(object, key)) return undefined;
  const value = object[key];
  if (!isObject(value)) throw new InvalidArgumentError(`${where}: '${key}' must be an object`);
  return value;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
