/**
 * The AWS Lambda adapter: Hono's own aws-lambda `handle` (API Gateway REST v1, HTTP API v2,
 * function URLs, ALB; `isBase64Encoded` bodies in, binary media types out as base64) plus the one
 * thing it lacks for us — stripping a named stage from an HTTP API's `rawPath`.
 * @module http/lambda
 */
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, Context as LambdaContext } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { powertoolsObserver, type InvocationObserver } from '../observability/powertools.ts';
import { observeRequests } from '../observability/request-record.ts';
import type { ModelService } from '../service/model-service.ts';
import { createApp, type AppOptions } from './app.ts';

/** The events API Gateway (REST v1, HTTP API v2), function URLs and ALB send. */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent | LambdaEvent;

export interface HandlerOptions extends AppOptions {
  /** Logs and metrics per invocation; `false` for none. @default Powertools (JSON logs, EMF metrics) */
  observer?: InvocationObserver | false;
}

/**
 * Builds the Lambda handler for one or more services and starts loading their models right away,
 * so the cold start's init phase pays for it (a failed load is logged and retried per request).
 */
export function createHandler(services: ModelService | ModelService[], options: HandlerOptions = {}) {
  const list = Array.isArray(services) ? services : [services];
  for (const service of list) {
    service.load().catch((error: unknown) => console.error(`lambda-serving: ${service.name} failed to load`, error));
  }
  const observer = options.observer === undefined ? powertoolsObserver() : options.observer;
  const middleware = [...(observer ? [observeRequests(observer.record)] : []), ...(options.middleware ?? [])];
  const handler = handle(createApp(list, { ...options, middleware }));
  return async (event: HttpEvent, context?: LambdaContext) => {
    if (!observer) return handler(withoutStagePrefix(event as LambdaEvent), context);
    observer.start(context);
    try {
      return await handler(withoutStagePrefix(event as LambdaEvent), context);
    } finally {
      observer.finish();
    }
  };
}

/** HTTP API events on a named stage carry `/<stage>` in rawPath; routes are stage-independent. */
function withoutStagePrefix<E extends LambdaEvent>(event: E): E {
  const v2 = event as unknown as Partial<APIGatewayProxyEventV2>;
  const stage = v2.requestContext?.stage;
  if (typeof v2.rawPath !== 'string' || !stage || stage === '$default') return event;
  const prefix = `/${stage}/`;
  return v2.rawPath.startsWith(prefix) ? { ...event, rawPath: v2.rawPath.slice(prefix.length - 1) } : event;
}
