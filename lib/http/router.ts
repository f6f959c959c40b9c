/**
 * The one router behind every adapter (Lambda, local Node server): TF Serving's REST API as
 * `fetch(Request) → Response`.
 * @module http/router
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  DeadlineExceededError,
  InternalError,
  InvalidArgumentError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ServingError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import { encodePredictResponse, parseJson, stringifyJson } from '../codecs/index.ts';
import { TensorResponse, type ModelService, type PredictResult, type RequestTrace } from '../service/model-service.ts';
import { timeStage } from '../service/timings.ts';
import { parseModelPath, type ModelPath } from '../protocols/tf-serving/model-path.ts';
import { modelMetadataJson, modelStatusJson } from '../protocols/tf-serving/model-json.ts';

export interface RouterOptions {
  /** Largest request body accepted, in bytes. @default 6 MiB (Lambda's synchronous payload limit) */
  maxBodyBytes?: number;
  /** Deadline for one request (`--rest_api_timeout_in_ms`); unset means none. @default undefined */
  timeoutMs?: number;
  /** Where unexpected (500) errors are reported. @default console.error */
  logError?: (message: string, error: unknown) => void;
  /** Called once per request after the response is ready (logging, metrics). @default none */
  onRequest?: (record: RequestRecord) => void;
}

/** One request as observers see it: no bodies, only what is safe to log. */
export interface RequestRecord extends RequestTrace {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  model?: string;
  action?: string;
  /** The error message sent to the client, for 4xx/5xx. */
  error?: string;
}

export type RouterEnv = { Variables: { trace: RequestTrace & { model?: string; action?: string } } };

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Body types read as JSON: curl's default form type too, as TF Serving's own examples rely on it. */
const JSON_CONTENT_TYPES = /^(application\/json|application\/[\w.+-]+\+json|text\/plain|application\/x-www-form-urlencoded)$/i;

/** The router: a Hono app whose `fetch` every adapter calls. */
export function createRouter(services: Iterable<ModelService>, options: RouterOptions = {}): Hono<RouterEnv> {
  const byName = new Map<string, ModelService>();
  for (const service of services) {
    if (byName.has(service.name)) throw new Error(`Two services are named ${service.name}`);
    byName.set(service.name, service);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logError = options.logError ?? ((message, error) => console.error(message, error));

  const app = new Hono<RouterEnv>();
  const onRequest = options.onRequest;

  if (onRequest) {
    app.use('*', async (c, next) => {
      const start = performance.now();
      const trace = { timings: {} };
      c.set('trace', trace);
      await next();
      const error = c.res.status >= 400 ? await errorMessage(c.res) : undefined;
      onRequest({ ...trace, method: c.req.method, path: c.req.path, status: c.res.status, durationMs: performance.now() - start, ...(error ? { error } : {}) });
    });
  }

  app.onError((error, c) => {
    if (error instanceof ServingError) return errorResponse(c, error);
    logError(`lambda-serving: internal error on ${c.req.method} ${c.req.path}`, error);
    return errorResponse(c, new InternalError(`Internal error: ${error.message}`));
  });
  app.notFound((c) => errorResponse(c, new NotFoundError(`Malformed request: ${c.req.method} ${c.req.path}`)));

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        errorResponse(c, new PayloadTooLargeError(`Request body exceeds the ${maxBodyBytes}-byte limit`)),
    }),
  );

  app.all('/v1/models/*', async (c) => {
    const route = parseModelPath(c.req.path);
    if (!route) return c.notFound();
    const method = c.req.method;
    const wantsPost = route.action !== 'status' && route.action !== 'metadata';
    if (method !== (wantsPost ? 'POST' : 'GET')) {
      const allow = wantsPost ? 'POST' : 'GET';
      throw new MethodNotAllowedError(`${method} is not allowed on ${c.req.path}; use ${allow}`, allow);
    }
    const trace = c.get('trace');
    if (trace) Object.assign(trace, { model: route.name, action: route.action });
    const service = byName.get(route.name);
    if (!service) {
      throw new NotFoundError(`Servable not found for request: model ${route.name} is not served here`);
    }
    return withDeadline(options.timeoutMs, () => dispatch(c, service, route));
  });

  return app;
}

async function dispatch(c: Context<RouterEnv>, service: ModelService, route: ModelPath): Promise<Response> {
  const selector = { version: route.version, label: route.label };
  switch (route.action) {
    case 'status':
      return json(c, modelStatusJson(await service.status(selector)));
    case 'metadata': {
      const { version, signatures } = await service.metadata(selector);
      return json(c, modelMetadataJson(service.name, version, signatures));
    }
    case 'predict': {
      const trace = c.get('trace') ?? { timings: {} };
      const body = await timeStage(trace.timings, 'decode', () => readJsonBody(c));
      const result = await service.predict(body, selector, trace);
      return jsonText(c, await timeStage(trace.timings, 'encode', () => encodeResult(result)));
    }
    case 'classify':
    case 'regress': {
      const trace = c.get('trace') ?? { timings: {} };
      const body = await timeStage(trace.timings, 'decode', () => readJsonBody(c));
      return jsonText(c, await service[route.action](body, selector, trace));
    }
  }
}

async function readJsonBody(c: Context) {
  const type = c.req.header('content-type')?.split(';')[0].trim();
  if (type && !JSON_CONTENT_TYPES.test(type)) {
    throw new UnsupportedMediaTypeError(`Content-Type ${type} is not supported; send JSON (application/json)`);
  }
  const text = await c.req.text();
  if (!text.trim()) throw new InvalidArgumentError('Request body is empty; expected a JSON object');
  return parseJson(text);
}

function encodeResult(result: PredictResult): string {
  return result instanceof TensorResponse
    ? encodePredictResponse(result.outputs, result.format)
    : stringifyJson(result);
}

/** The `error` of an error response, read from a clone so the response itself stays unread. */
async function errorMessage(response: Response): Promise<string | undefined> {
  try {
    return ((await response.clone().json()) as { error?: string }).error;
  } catch {
    return undefined;
  }
}

/** Rejects with DEADLINE_EXCEEDED if `work` is not done in time (the work itself runs on). */
async function withDeadline<T>(timeoutMs: number | undefined, work: () => Promise<T>): Promise<T> {
  if (!timeoutMs) return work();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceededError(`Request did not complete within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function json(c: Context, body: unknown): Response {
  return jsonText(c, JSON.stringify(body, null, 1));
}

function jsonText(c: Context, text: string, status = 200, headers: Record<string, string> = {}): Response {
  return c.body(text, status as 200, { 'Content-Type': 'application/json', ...headers });
}

function errorResponse(c: Context, error: ServingError): Response {
  const headers: Record<string, string> = error instanceof MethodNotAllowedError ? { Allow: error.allow } : {};
  return jsonText(c, JSON.stringify(error.toJSON()), error.statusCode, headers);
}
