/**
 * The one app behind every adapter (Lambda, local Node server): the protocol modules mounted as
 * Hono sub-apps — TF Serving's REST API under `/v1`, KServe's Open Inference Protocol under
 * `/v2` — over one data plane, with the body limit, errors and observers in front of them.
 * @module http/app
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { InternalError, NotFoundError, PayloadTooLargeError, ServingError } from '../errors.ts';
import { errorResponse, type AppEnv } from '../protocols/common.ts';
import { tfServingRoutes, type TfServingOptions } from '../protocols/tf-serving/routes.ts';
import { v2Routes } from '../protocols/v2/routes.ts';
import { ModelRepository } from '../service/model-repository.ts';
import type { ModelService } from '../service/model-service.ts';

export interface AppOptions extends TfServingOptions {
  /** Largest request body accepted, in bytes. @default 6 MiB (Lambda's synchronous payload limit) */
  maxBodyBytes?: number;
  /** Where unexpected (500) errors are reported. @default console.error */
  logError?: (message: string, error: unknown) => void;
  /** Middleware run around every request, outermost first (request logs, metrics). @default [] */
  middleware?: MiddlewareHandler<AppEnv>[];
}

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

/** The app: its `fetch(Request) → Response` is all an adapter needs. */
export function createApp(services: Iterable<ModelService>, options: AppOptions = {}): Hono<AppEnv> {
  const models = new ModelRepository(services);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logError = options.logError ?? ((message, error) => console.error(message, error));

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('trace', { timings: {} });
    await next();
  });
  for (const middleware of options.middleware ?? []) app.use('*', middleware);

  app.onError((error, c) => {
    if (error instanceof ServingError) return errorResponse(c, error);
    logError(`lambda-serving: internal error on ${c.req.method} ${c.req.path}`, error);
    return errorResponse(c, new InternalError(`Internal error: ${error.message}`));
  });
  app.notFound((c) => errorResponse(c, new NotFoundError(`Malformed request: ${c.req.method} ${c.req.path}`)));

  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => errorResponse(c, new PayloadTooLargeError(`Request body exceeds the ${maxBodyBytes}-byte limit`)),
  });
  app.use('/v1/*', limit);
  app.use('/v2/*', limit);
  app.route('/v1', tfServingRoutes(models, options));
  app.route('/v2', v2Routes(models, options));
  return app;
}
