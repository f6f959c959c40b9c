/**
 * What every protocol module shares: the Hono environment (the request's trace), reading a body
 * into a `RawBody`, writing JSON, byte and error responses, and the request deadline.
 * @module protocols/common
 */
import type { Context } from 'hono';
import { parseMediaType } from '../codecs/media-type.ts';
import { parseJson, type JsonValue } from '../codecs/tensor-json.ts';
import { negotiate, requireCodec } from '../codecs/registry.ts';
import { DeadlineExceededError, InvalidArgumentError, MethodNotAllowedError, type ServingError } from '../errors.ts';
import { createInferRequest, type BodyResponse, type InferRequest, type RawBody } from '../service/infer-request.ts';
import type { ModelService, RequestTrace, ServedVersion } from '../service/model-service.ts';
import { DEFAULT_SIGNATURE } from '../tensors/signature.ts';
import type { TensorMap } from '../tensors/host-tensor.ts';
import { timeStage } from '../service/timings.ts';

/** What observers learn of a request beyond the service's trace. */
export interface HttpTrace extends RequestTrace {
  model?: string;
  action?: string;
  /** The error message sent to the client, for 4xx/5xx. */
  error?: string;
}

export type AppEnv = { Variables: { trace: HttpTrace } };

export type AppContext = Context<AppEnv>;

/** Options every protocol module takes. */
export interface ProtocolOptions {
  /** Deadline for one request (`--rest_api_timeout_in_ms`); unset means none. @default undefined */
  timeoutMs?: number;
}

/** Media types read as JSON: curl's default form type and text/plain too, as TF Serving reads any body as JSON. */
const JSON_MEDIA_TYPES = /^(application\/json|application\/[\w.+-]+\+json|text\/plain|application\/x-www-form-urlencoded)$/;

export function isJsonMediaType(essence: string | undefined): boolean {
  return essence === undefined || JSON_MEDIA_TYPES.test(essence);
}

/** The request body and its media type (undefined when the client sent no Content-Type). */
export async function readRawBody(c: AppContext): Promise<RawBody> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const mediaType = parseMediaType(c.req.header('content-type'))?.essence;
  return mediaType === undefined ? { bytes } : { bytes, mediaType };
}

/** Parses a JSON body (TF Serving's JSON: NaN, Infinity, exact big integers), timed as `decode`. */
export function parseJsonBody(raw: RawBody, trace: RequestTrace): Promise<JsonValue> {
  return timeStage(trace.timings, 'decode', () => {
    const text = new TextDecoder().decode(raw.bytes);
    if (!text.trim()) throw new InvalidArgumentError('Request body is empty; expected a JSON object');
    return parseJson(text);
  });
}

/**
 * A request whose body a registered codec reads (NPY, NPZ, Arrow, multipart…): inputs named by the
 * body, the signature from `?signature_name=`. Decoded now; a failure is kept and thrown when a
 * hook reads the inputs, so a hook of the service's own can still take the raw body.
 * @param alsoAccepted what the protocol reads itself, for the 415 message
 */
export async function codecRequest(
  c: AppContext,
  service: ModelService,
  target: ServedVersion,
  raw: RawBody,
  alsoAccepted: readonly string[],
): Promise<InferRequest> {
  const codec = await requireCodec(raw.mediaType ?? '', alsoAccepted);
  const signatureName = c.req.query('signature_name') || DEFAULT_SIGNATURE;
  const signature = service.signature(target.model, signatureName);
  const mediaType = parseMediaType(c.req.header('content-type')) ?? { essence: codec.mediaTypes[0], params: {} };
  const trace = c.get('trace');
  try {
    const decoded = await timeStage(trace.timings, 'decode', () => codec.decode(raw.bytes, { mediaType, inputs: signature.inputs }));
    return createInferRequest({
      signatureName,
      inputs: decoded.inputs,
      parameters: decoded.parameters,
      raw: decoded.parts ? { ...raw, parts: decoded.parts } : raw,
    });
  } catch (error) {
    return createInferRequest({
      signatureName,
      raw,
      inputs: (): TensorMap => {
        throw error;
      },
    });
  }
}

/**
 * Tensors in the codec `Accept` asks for, or undefined when it asks for the protocol's own
 * format (`defaults`) or for nothing we write.
 */
export async function negotiatedResponse(c: AppContext, outputs: TensorMap, defaults: readonly string[]): Promise<Response | undefined> {
  const codec = await negotiate(c.req.header('accept'), defaults);
  if (codec === 'default') return undefined;
  const bytes = await timeStage(c.get('trace').timings, 'encode', () => codec.encode!(outputs));
  return bytesResponse(c, bytes, codec.mediaTypes[0]);
}

export function jsonResponse(c: AppContext, body: unknown, status = 200): Response {
  return jsonTextResponse(c, JSON.stringify(body, null, 1), status);
}

export function jsonTextResponse(c: AppContext, text: string, status = 200, headers: Record<string, string> = {}): Response {
  return c.body(text, status as 200, { 'Content-Type': 'application/json', ...headers });
}

export function bytesResponse(c: AppContext, bytes: Uint8Array, mediaType: string): Response {
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': mediaType });
}

/** A postprocess hook's own body: JSON values as JSON, bytes with their media type. */
export function bodyResponse(c: AppContext, response: BodyResponse, stringify: (value: JsonValue) => string): Response {
  const { body } = response;
  if (body instanceof Uint8Array) return bytesResponse(c, body, response.mediaType ?? 'application/octet-stream');
  return c.body(stringify(body), 200, { 'Content-Type': response.mediaType ?? 'application/json' });
}

/** `{"error": "..."}` with the error's status; the message is noted in the trace for observers. */
export function errorResponse(c: AppContext, error: ServingError): Response {
  const trace = c.get('trace');
  if (trace) trace.error = error.message;
  const headers: Record<string, string> = error instanceof MethodNotAllowedError ? { Allow: error.allow } : {};
  return jsonTextResponse(c, JSON.stringify(error.toJSON()), error.statusCode, headers);
}

/** Rejects with DEADLINE_EXCEEDED if `work` is not done in time (the work itself runs on). */
export async function withDeadline<T>(timeoutMs: number | undefined, work: () => Promise<T>): Promise<T> {
  if (!timeoutMs) return work();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(`Request did not complete within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws 405 unless the request uses `allowed`. */
export function requireMethod(c: AppContext, allowed: 'GET' | 'POST'): void {
  if (c.req.method !== allowed) {
    throw new MethodNotAllowedError(`${c.req.method} is not allowed on ${c.req.path}; use ${allowed}`, allowed);
  }
}
