/**
 * Powertools for AWS Lambda at the Lambda edge: one JSON log line per request (request id, model,
 * version, status, per-stage timings — never bodies) and CloudWatch EMF metrics (latency, errors,
 * cold start). Core code never imports this; the Lambda adapter plugs it into the router.
 * @module observability/powertools
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context as LambdaContext } from 'aws-lambda';
import type { RequestRecord } from './request-record.ts';

export interface PowertoolsObserverOptions {
  /** @default a Logger with service name from POWERTOOLS_SERVICE_NAME, else `lambda-serving` */
  logger?: Logger;
  /** @default Metrics in namespace POWERTOOLS_METRICS_NAMESPACE, else `LambdaServing` */
  metrics?: Metrics;
}

export interface InvocationObserver {
  /** Before each invocation: request id into the logs, cold start metric on the first. */
  start(context: LambdaContext | undefined): void;
  /** For each request the router answered. */
  record(record: RequestRecord): void;
  /** After each invocation: flush the metrics as EMF. */
  finish(): void;
}

export function powertoolsObserver(options: PowertoolsObserverOptions = {}): InvocationObserver {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-serving';
  const logger = options.logger ?? new Logger({ serviceName });
  const metrics = options.metrics ?? new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'LambdaServing' });
  let coldStart = true;

  return {
    start(context) {
      if (context?.awsRequestId) logger.addContext(context);
      if (coldStart) {
        metrics.captureColdStartMetric();
        coldStart = false;
      }
    },
    record(record) {
      const timings = Object.fromEntries(Object.entries(record.timings).map(([stage, ms]) => [stage, round(ms)]));
      const fields = {
        model: record.model,
        version: record.version,
        signature: record.signatureName,
        action: record.action,
        method: record.method,
        path: record.path,
        status: record.status,
        duration_ms: round(record.durationMs),
        timings_ms: timings,
        ...(record.error ? { error: record.error } : {}),
      };
      if (record.status >= 500) logger.error('request failed', fields);
      else if (record.status >= 400) logger.warn('request rejected', fields);
      else logger.info('request served', fields);

      if (record.model) metrics.addDimension('model', record.model);
      metrics.addMetric('Latency', MetricUnit.Milliseconds, record.durationMs);
      if (record.timings.inference !== undefined) metrics.addMetric('InferenceLatency', MetricUnit.Milliseconds, record.timings.inference);
      metrics.addMetric(record.status >= 500 ? 'Errors' : record.status >= 400 ? 'ClientErrors' : 'Requests', MetricUnit.Count, 1);
    },
    finish() {
      metrics.publishStoredMetrics();
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
