/**
 * One request as observers see it, and the middleware that reports it: no bodies, only what is
 * safe to log. Observers (Powertools at the Lambda edge, the local server's request log) plug in
 * as middleware around the app; nothing in the data plane calls them.
 * @module observability/request-record
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, HttpTrace } from '../protocols/common.ts';

export interface RequestRecord extends HttpTrace {
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

/** Middleware that calls `report` once per request, after the response is ready. */
export function observeRequests(report: (record: RequestRecord) => void): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const trace = c.get('trace');
    report({ ...trace, method: c.req.method, path: c.req.path, status: c.res.status, durationMs: performance.now() - start });
  };
}

/** The local server's log: one line per request on stderr. */
export function requestLogLine(record: RequestRecord): string {
  const parts = [record.method, record.path, String(record.status), `${record.durationMs.toFixed(1)}ms`];
  if (record.model) parts.push(`model=${record.model}`);
  if (record.version !== undefined) parts.push(`version=${record.version}`);
  if (record.signatureName) parts.push(`signature=${record.signatureName}`);
  const stages = Object.entries(record.timings).map(([stage, ms]) => `${stage}=${ms.toFixed(2)}`);
  if (stages.length) parts.push(`timings_ms{${stages.join(',')}}`);
  if (record.error) parts.push(`error=${JSON.stringify(record.error)}`);
  return parts.join(' ');
}
