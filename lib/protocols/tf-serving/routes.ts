/**
 * TF Serving's REST API as a thin module over the data plane:
 * `/v1/models/<name>[/versions/<v> | /labels/<l>][/metadata | :predict | :classify | :regress]`.
 * Each route parses its wire format into an `InferRequest`, calls `ModelService.infer`, and
 * writes the answer in TF Serving's JSON — or in the format `Accept` asks for.
 * @module protocols/tf-serving/routes
 */
import { Hono } from 'hono';
import { parseJson, stringifyJson, type JsonValue } from '../../codecs/tensor-json.ts';
import { InvalidArgumentError, NotFoundError, UnimplementedError } from '../../errors.ts';
import { createInferRequest, isBodyResponse, type InferRequest, type RawBody } from '../../service/infer-request.ts';
import type { ModelRepository } from '../../service/model-repository.ts';
import type { ModelService, RequestTrace, ServedVersion } from '../../service/model-service.ts';
import { timeStage } from '../../service/timings.ts';
import { CLASSIFY_METHOD, DEFAULT_SIGNATURE, REGRESS_METHOD, type Signature } from '../../tensors/signature.ts';
import { jsonExamples } from '../../tf-example/features.ts';
import { serializeExamples } from '../../tf-example/example-inputs.ts';
import {
  bodyResponse,
  codecRequest,
  isJsonMediaType,
  jsonResponse,
  jsonTextResponse,
  negotiatedResponse,
  parseJsonBody,
  readRawBody,
  requireMethod,
  withDeadline,
  type AppContext,
  type AppEnv,
  type ProtocolOptions,
} from '../common.ts';
import { encodeClassifyResponse, encodeRegressResponse } from './classify-regress-json.ts';
import { modelMetadataJson, modelStatusJson } from './model-json.ts';
import { parseModelPath, type ModelPath } from './model-path.ts';
import { decodePredictInputs, decodePredictJson, encodePredictResponse, readPredictBody, type DecodedPredictRequest, type PredictFormat } from './predict-json.ts';

export interface TfServingOptions extends ProtocolOptions {
  /**
   * Require `:classify`/`:regress` signatures to have the matching method_name, as
   * tensorflow_model_server's `--enable_signature_method_name_check` does. Off by default there
   * too, so TF2 exports (every signature `tensorflow/serving/predict`) still classify.
   * @default false
   */
  signatureMethodNameCheck?: boolean;
}

const JSON_RESPONSE_TYPES = ['application/json'];

/** The `/v1` sub-app. */
export function tfServingRoutes(models: ModelRepository, options: TfServingOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.all('/models/*', async (c) => {
    const route = parseModelPath(c.req.path);
    if (!route) throw new NotFoundError(`Malformed request: ${c.req.method} ${c.req.path}`);
    requireMethod(c, route.action === 'status' || route.action === 'metadata' ? 'GET' : 'POST');
    Object.assign(c.get('trace'), { model: route.name, action: route.action });
    const service = models.get(route.name);
    return withDeadline(options.timeoutMs, () => dispatch(c, service, route, options));
  });
  return app;
}

async function dispatch(c: AppContext, service: ModelService, route: ModelPath, options: TfServingOptions): Promise<Response> {
  const selector = { version: route.version, label: route.label };
  switch (route.action) {
    case 'status':
      return jsonResponse(c, modelStatusJson(await service.status(selector)));
    case 'metadata': {
      const { version, signatures } = await service.metadata(selector);
      return jsonResponse(c, modelMetadataJson(service.name, version, signatures));
    }
    case 'predict':
      return predict(c, service, await service.resolve(selector));
    case 'classify':
    case 'regress':
      return classifyOrRegress(c, service, await service.resolve(selector), route.action, options);
  }
}

/** `:predict` — TF Serving's JSON (row or columnar), or any body a codec reads (NPY, Arrow, multipart…). */
async function predict(c: AppContext, service: ModelService, target: ServedVersion): Promise<Response> {
  const trace = c.get('trace');
  const raw = await readRawBody(c);
  let request: InferRequest;
  let format: PredictFormat = 'row';
  const fast = isJsonMediaType(raw.mediaType) ? await fastDecode(raw, service, target, trace) : undefined;
  if (fast) {
    // Plain-number tensors read straight from the text; the parsed body only if a hook asks.
    format = fast.format;
    request = createInferRequest({ signatureName: fast.signatureName || DEFAULT_SIGNATURE, raw: lazyJson(raw), inputs: fast.inputs });
  } else if (isJsonMediaType(raw.mediaType)) {
    const json = await parseJsonBody(raw, trace);
    const signatureName = signatureNameOf(json);
    format = isObject(json) && Object.hasOwn(json, 'inputs') ? 'columnar' : 'row';
    const signature = service.signature(target.model, signatureName);
    request = createInferRequest({
      signatureName,
      raw: { ...raw, json },
      inputs: () => {
        const body = readPredictBody(json);
        return decodePredictInputs(body.payload, body.format, signature);
      },
    });
  } else {
    request = await codecRequest(c, service, target, raw, JSON_RESPONSE_TYPES);
  }
  const response = await service.infer(request, target, trace);
  if (isBodyResponse(response)) return bodyResponse(c, response, stringifyJson);
  return (
    (await negotiatedResponse(c, response.outputs, JSON_RESPONSE_TYPES)) ??
    jsonTextResponse(c, await timeStage(trace.timings, 'encode', () => encodePredictResponse(response.outputs, format)))
  );
}

/**
 * TF Serving's JSON body decoded from its text in one pass (`decodePredictJson`). Undefined when it
 * does not decode: the general path then parses it and defers the error to whoever reads the
 * inputs, so a hook of the service's own may still take a body of its own design.
 */
async function fastDecode(raw: RawBody, service: ModelService, target: ServedVersion, trace: RequestTrace): Promise<DecodedPredictRequest | undefined> {
  try {
    return await timeStage(trace.timings, 'decode', () =>
      decodePredictJson(new TextDecoder().decode(raw.bytes), (name) => service.signature(target.model, name || DEFAULT_SIGNATURE)),
    );
  } catch {
    return undefined;
  }
}

/** The raw body with `json` parsed on first read. */
function lazyJson(raw: RawBody): RawBody {
  let json: JsonValue | undefined;
  const lazy = { ...raw };
  Object.defineProperty(lazy, 'json', { enumerable: true, get: () => (json ??= parseJson(new TextDecoder().decode(raw.bytes))) });
  return lazy;
}

/**
 * `:classify` / `:regress` — TF Serving's JSON examples (plus `context`), serialized into the
 * signature's tf.Example input, so the request goes through the same hooks a predict does.
 */
async function classifyOrRegress(
  c: AppContext,
  service: ModelService,
  target: ServedVersion,
  action: 'classify' | 'regress',
  options: TfServingOptions,
): Promise<Response> {
  const trace = c.get('trace');
  const raw = await readRawBody(c);
  if (!isJsonMediaType(raw.mediaType)) {
    throw new InvalidArgumentError(`:${action} takes a JSON body, not ${raw.mediaType}`);
  }
  const json = await parseJsonBody(raw, trace);
  if (!isObject(json)) throw new InvalidArgumentError(`${action} request body must be a JSON object`);
  const signatureName = signatureNameOf(json);
  const signature = service.signature(target.model, signatureName);
  const method = action === 'classify' ? CLASSIFY_METHOD : REGRESS_METHOD;
  if (options.signatureMethodNameCheck && signature.methodName !== method) {
    throw new InvalidArgumentError(
      `Expected ${action === 'classify' ? 'classification' : 'regression'} signature method_name to be ${method}. Was: ${signature.methodName}`,
    );
  }
  if (signature.unavailable) throw new UnimplementedError(`Signature '${signatureName}': ${signature.unavailable}`);
  checkResultOutputs(action, signature, signatureName);
  if (!signature.examples) {
    throw new InvalidArgumentError(`Signature '${signatureName}' does not take serialized tf.Example input; call :predict instead`);
  }
  const examples = jsonExamples(json.examples, json.context);
  const inputName = Object.keys(signature.inputs)[0];
  const request = createInferRequest({
    signatureName,
    raw: { ...raw, json },
    inputs: () => ({ [inputName]: serializeExamples(examples, signature) }),
  });
  const response = await service.infer(request, target, trace);
  if (isBodyResponse(response)) return bodyResponse(c, response, stringifyJson);
  const encode = action === 'classify' ? encodeClassifyResponse : encodeRegressResponse;
  return jsonTextResponse(c, await timeStage(trace.timings, 'encode', () => encode(response.outputs, examples.length)));
}

/** The outputs TF Serving reads a result from: `classes` and/or `scores`, or `outputs` (its texts). */
function checkResultOutputs(action: 'classify' | 'regress', signature: Signature, signatureName: string): void {
  const outputs = Object.keys(signature.outputs).map((name) => `"${name}"`).join(', ');
  if (action === 'classify' && !Object.hasOwn(signature.outputs, 'classes') && !Object.hasOwn(signature.outputs, 'scores')) {
    throw new InvalidArgumentError(
      `Expected classification signature outputs to contain at least one of "classes" or "scores". Signature '${signatureName}' has ${outputs}`,
    );
  }
  if (action === 'regress' && !Object.hasOwn(signature.outputs, 'outputs')) {
    throw new InvalidArgumentError(`No regression outputs found in SignatureDef '${signatureName}' (expected "outputs"; it has ${outputs})`);
  }
}

function signatureNameOf(json: JsonValue): string {
  if (!isObject(json) || !Object.hasOwn(json, 'signature_name')) return DEFAULT_SIGNATURE;
  const name = json.signature_name;
  if (typeof name !== 'string') throw new InvalidArgumentError("'signature_name' must be a string");
  return name || DEFAULT_SIGNATURE;
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
