/**
 * One request, sent every way a client reaches lambda-serving: real HTTP over loopback to
 * `lambda-serving serve`, and a Lambda handler invoked with each event shape AWS sends (API
 * Gateway REST v1, HTTP API v2, HTTP API on a named stage, function URL). Shared suites run each
 * case through all of them and expect the same answer.
 */
import { functionUrlEvent, httpApiEvent, lambdaContext, restApiEvent, type EventInput } from './lambda-events.ts';

export interface WireRequest {
  method: string;
  /** Path with an optional `?query`. */
  path: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface WireResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  text(): string;
  json(): unknown;
}

export interface Transport {
  name: string;
  send(request: WireRequest): Promise<WireResponse>;
}

type LambdaResult = {
  statusCode: number;
  body: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  isBase64Encoded?: boolean;
};
export type LambdaHandler = (event: unknown, context?: unknown) => Promise<LambdaResult>;

function wireResponse(status: number, headers: Record<string, string>, body: Uint8Array): WireResponse {
  return {
    status,
    headers,
    body,
    text: () => new TextDecoder().decode(body),
    json: () => JSON.parse(new TextDecoder().decode(body)),
  };
}

/** Real HTTP to a running server. */
export function httpTransport(baseUrl: string): Transport {
  return {
    name: 'HTTP (lambda-serving serve)',
    async send(request) {
      const response = await fetch(`${baseUrl}${request.path}`, {
        method: request.method,
        body: request.body as BodyInit | undefined,
        headers: { 'content-type': 'application/json', ...request.headers },
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      return wireResponse(response.status, headers, new Uint8Array(await response.arrayBuffer()));
    },
  };
}

const EVENT_SHAPES: Record<string, (input: EventInput) => unknown> = {
  'API Gateway REST API (v1)': restApiEvent,
  'API Gateway HTTP API (v2)': (input) => httpApiEvent(input),
  'HTTP API on a named stage': (input) => httpApiEvent(input, 'prod'),
  'function URL': functionUrlEvent,
};

/** The handler invoked in process with each event shape. */
export function lambdaTransports(handler: LambdaHandler): Transport[] {
  return Object.entries(EVENT_SHAPES).map(([name, makeEvent]) => ({
    name: `Lambda, ${name}`,
    async send(request) {
      const result = await handler(makeEvent(request), lambdaContext());
      const headers: Record<string, string> = {};
      for (const [key, values] of Object.entries(result.multiValueHeaders ?? {})) headers[key.toLowerCase()] = values.join(', ');
      for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = value;
      const body = result.isBase64Encoded ? new Uint8Array(Buffer.from(result.body, 'base64')) : new TextEncoder().encode(result.body ?? '');
      return wireResponse(result.statusCode, headers, body);
    },
  }));
}
