/**
 * The protocol-neutral request and response of the data plane. Protocols (TF Serving's REST API,
 * KServe V2, gRPC) build an `InferRequest` from their wire format and write an `InferResponse`
 * back; `ModelService` and its hooks see only these.
 * @module service/infer-request
 */
import type { BodyPart } from '../codecs/codec.ts';
import type { JsonValue } from '../codecs/tensor-json.ts';
import type { TensorMap } from '../tensors/host-tensor.ts';
import { DEFAULT_SIGNATURE } from '../tensors/signature.ts';

/** The body as it arrived, for hooks that read a format of their own. */
export interface RawBody {
  /** The bytes (after any base64 or gzip transfer encoding was undone). */
  bytes: Uint8Array;
  /** The request's media type essence, e.g. `application/json`, `multipart/form-data`. */
  mediaType?: string;
  /** The parsed JSON, when the body is JSON (TF Serving's JSON: NaN, big integers as bigint). */
  json?: JsonValue;
  /** Every part of a multipart body. */
  parts?: BodyPart[];
}

export interface InferRequest {
  /** The signature to run. @default 'serving_default' */
  signatureName: string;
  /**
   * Input tensors keyed by input name. Decoded from the body when first read: a body that does
   * not decode throws InvalidArgumentError here, so a hook that reads only `raw` may accept
   * bodies of its own design.
   */
  readonly inputs: TensorMap;
  /** The outputs the client asked for; undefined for all of the signature's. */
  outputNames?: string[];
  /** Request parameters (KServe's `parameters`, multipart fields that are not inputs). */
  parameters: Record<string, JsonValue>;
  /** Request id, echoed by protocols that have one. */
  id?: string;
  raw: RawBody;
}

/** Tensors for the protocol to encode in the client's format. */
export interface TensorResponse {
  outputs: TensorMap;
  /** Response parameters (KServe's `parameters`). */
  parameters?: Record<string, JsonValue>;
}

/** A body of the service's own design, sent as it is (JSON unless bytes with a media type). */
export interface BodyResponse {
  body: JsonValue | Uint8Array;
  /** @default 'application/json' for JSON values, 'application/octet-stream' for bytes */
  mediaType?: string;
}

/** What `postprocess` returns. */
export type InferResponse = TensorResponse | BodyResponse;

export function isBodyResponse(response: InferResponse): response is BodyResponse {
  return Object.hasOwn(response, 'body');
}

export interface InferRequestInit {
  signatureName?: string;
  /** Tensors, or a function that decodes them on first read (called at most once). */
  inputs: TensorMap | (() => TensorMap);
  outputNames?: string[];
  parameters?: Record<string, JsonValue>;
  id?: string;
  raw?: RawBody;
}

/** Builds an InferRequest; with `inputs` as a function, decoding waits until a hook reads them. */
export function createInferRequest(init: InferRequestInit): InferRequest {
  const request = {
    signatureName: init.signatureName || DEFAULT_SIGNATURE,
    parameters: init.parameters ?? {},
    raw: init.raw ?? { bytes: new Uint8Array(0) },
    ...(init.outputNames ? { outputNames: init.outputNames } : {}),
    ...(init.id !== undefined ? { id: init.id } : {}),
  } as InferRequest;
  const source = init.inputs;
  if (typeof source !== 'function') {
    Object.defineProperty(request, 'inputs', { value: source, enumerable: true });
    return request;
  }
  let decoded: TensorMap | undefined;
  Object.defineProperty(request, 'inputs', {
    enumerable: true,
    get: () => (decoded ??= source()),
  });
  return request;
}
