/**
 * End to end, once per backend: `lambda-serving serve` in its own process over real loopback HTTP,
 * and the mnist Lambda handler invoked with API Gateway v1, v2 and function URL events. Both must
 * give the same answers, and mnist must classify digits it never trained on.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOutDigits, type Digit } from '../../scripts/mnist-data.ts';
import { functionUrlEvent, httpApiEvent, lambdaContext, restApiEvent, type EventInput } from '../support/lambda-events.ts';
import { REPO_ROOT, startServe, waitAvailable, type ServeProcess } from '../support/serve-process.ts';
import { writeLinearLayersModel } from '../support/tfjs-models.ts';

type Handler = (event: unknown, context?: unknown) => Promise<{ statusCode: number; body: string; headers?: Record<string, string>; isBase64Encoded?: boolean }>;

const EVENT_SHAPES = {
  'API Gateway REST API (v1)': restApiEvent,
  'API Gateway HTTP API (v2)': (input: EventInput) => httpApiEvent(input),
  'HTTP API on a named stage': (input: EventInput) => httpApiEvent(input, 'prod'),
  'function URL': functionUrlEvent,
} as const;

function instancesBody(digits: Digit[]): string {
  const rows = digits.map((digit) => {
    const image: number[][] = [];
    for (let r = 0; r < 28; r++) image.push(Array.from(digit.pixels.subarray(r * 28, r * 28 + 28)));
    return image;
  });
  return JSON.stringify({ instances: rows });
}

function argmax(values: number[]): number {
  return values.indexOf(Math.max(...values));
}

export function runEndToEndCases(backend: 'cpu' | 'wasm'): void {
  describe(`serve and Lambda on ${backend}`, () => {
    let dir: string;
    let server: ServeProcess;
    let handler: Handler;

    beforeAll(async () => {
      process.env.LAMBDA_SERVING_BACKEND = backend;
      // The subject is the TF.js backend: pin the engine (auto would serve these folders on ONNX Runtime).
      process.env.LAMBDA_SERVING_ENGINE = 'tfjs';
      dir = await mkdtemp(path.join(os.tmpdir(), `e2e-${backend}-`));
      await writeLinearLayersModel(path.join(dir, 'linear', '1'), 0.5, 2);
      await writeLinearLayersModel(path.join(dir, 'linear', '2'), 2, 1);
      const config = path.join(dir, 'models.config');
      await writeFile(
        config,
        `model_config_list {
          config { name: 'mnist' base_path: '${path.join(REPO_ROOT, 'models', 'mnist')}' }
          config {
            name: 'linear' base_path: 'linear'
            model_version_policy { all {} }
            version_labels { key: 'stable' value: 1 }
            version_labels { key: 'canary' value: 2 }
          }
        }`,
      );
      server = await startServe(['--rest_api_port=0', '--rest_api_host', '127.0.0.1', '--model_config_file', config], {
        LAMBDA_SERVING_BACKEND: backend,
        LAMBDA_SERVING_ENGINE: 'tfjs',
      });
      ({ handler } = (await import('../../handlers/mnist.ts')) as unknown as { handler: Handler });
    });

    afterAll(async () => {
      await server?.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    });

    it('logs the backend it chose', async () => {
      await waitAvailable(server.url, 'mnist');
      expect(server.output()).toContain(`TF.js backend "${backend}"`);
    });

    it('classifies held-out MNIST digits with at least 95% accuracy over HTTP', async () => {
      const digits = heldOutDigits();
      expect(digits.length).toBeGreaterThanOrEqual(1000);
      let correct = 0;
      for (let start = 0; start < digits.length; start += 250) {
        const batch = digits.slice(start, start + 250);
        const response = await fetch(`${server.url}/v1/models/mnist:predict`, { method: 'POST', body: instancesBody(batch) });
        expect(response.status).toBe(200);
        const { predictions } = (await response.json()) as { predictions: number[][] };
        expect(predictions).toHaveLength(batch.length);
        predictions.forEach((probabilities, i) => {
          expect(probabilities).toHaveLength(10);
          if (argmax(probabilities) === batch[i].label) correct++;
        });
      }
      const accuracy = correct / digits.length;
      console.log(`mnist held-out accuracy on ${backend}: ${(accuracy * 100).toFixed(2)}% of ${digits.length}`);
      expect(accuracy).toBeGreaterThanOrEqual(0.95);
    });

    it('gives the same answer over HTTP and through every Lambda event shape', async () => {
      const body = instancesBody(heldOutDigits().slice(0, 3));
      const overHttp = await (await fetch(`${server.url}/v1/models/mnist:predict`, { method: 'POST', body })).text();
      expect(overHttp).toMatch(/^\{"predictions":\[\[/);
      for (const [shape, makeEvent] of Object.entries(EVENT_SHAPES)) {
        for (const base64 of [false, true]) {
          const result = await handler(makeEvent({ method: 'POST', path: '/v1/models/mnist:predict', body, base64 }), lambdaContext());
          expect(result.statusCode, `${shape}${base64 ? ' base64' : ''}`).toBe(200);
          expect(result.body, `${shape}${base64 ? ' base64' : ''}`).toBe(overHttp);
        }
      }
    });

    it('answers status and metadata identically over HTTP and Lambda', async () => {
      for (const route of ['/v1/models/mnist', '/v1/models/mnist/metadata', '/v1/models/mnist/versions/1/metadata']) {
        const overHttp = await (await fetch(`${server.url}${route}`)).json();
        for (const [shape, makeEvent] of Object.entries(EVENT_SHAPES)) {
          const result = await handler(makeEvent({ method: 'GET', path: route }), lambdaContext());
          expect(result.statusCode, `${shape} ${route}`).toBe(200);
          expect(JSON.parse(result.body), `${shape} ${route}`).toEqual(overHttp);
        }
      }
      const metadata = (await (await fetch(`${server.url}/v1/models/mnist/metadata`)).json()) as {
        metadata: { signature_def: { signature_def: Record<string, { inputs: Record<string, { tensor_shape: unknown }> }> } };
      };
      const input = Object.values(metadata.metadata.signature_def.signature_def.serving_default.inputs)[0];
      expect(input.tensor_shape).toEqual({
        dim: [{ size: '-1', name: '' }, { size: '28', name: '' }, { size: '28', name: '' }],
        unknown_rank: false,
      });
    });

    it('gives the same 4xx errors over HTTP and Lambda', async () => {
      const cases: { method: string; path: string; body?: string; status: number }[] = [
        { method: 'POST', path: '/v1/models/mnist:predict', body: '{"instances": [[1, 2, 3]]}', status: 400 },
        { method: 'POST', path: '/v1/models/mnist:predict', body: '{"instances": ', status: 400 },
        { method: 'POST', path: '/v1/models/mnist/versions/5:predict', body: '{"instances": []}', status: 404 },
        { method: 'GET', path: '/v1/models/mnist:predict', status: 405 },
      ];
      for (const c of cases) {
        const overHttp = await fetch(`${server.url}${c.path}`, { method: c.method, body: c.body });
        expect(overHttp.status).toBe(c.status);
        const httpBody = await overHttp.json();
        for (const [shape, makeEvent] of Object.entries(EVENT_SHAPES)) {
          const result = await handler(makeEvent(c), lambdaContext());
          expect(result.statusCode, `${shape} ${c.path}`).toBe(c.status);
          expect(JSON.parse(result.body)).toEqual(httpBody);
        }
      }
    });

    it('refuses a body over 6 MB by default with 413, over HTTP and Lambda', async () => {
      const body = `{"instances": [${'0.5,'.repeat(1_700_000)}0.5]}`;
      expect(body.length).toBeGreaterThan(6 * 1024 * 1024);
      const overHttp = await fetch(`${server.url}/v1/models/mnist:predict`, { method: 'POST', body });
      expect(overHttp.status).toBe(413);
      const result = await handler(httpApiEvent({ method: 'POST', path: '/v1/models/mnist:predict', body }), lambdaContext());
      expect(result.statusCode).toBe(413);
      expect(JSON.parse(result.body).error).toMatch(/6291456-byte limit/);
    });

    it('serves two versions by policy, version and label', async () => {
      const status = (await (await fetch(`${server.url}/v1/models/linear`)).json()) as { model_version_status: { version: string; state: string }[] };
      expect(status.model_version_status.map((s) => [s.version, s.state])).toEqual([['2', 'AVAILABLE'], ['1', 'AVAILABLE']]);
      const predict = async (route: string) =>
        (await fetch(`${server.url}/v1/models/linear${route}:predict`, { method: 'POST', body: '{"instances": [[2.0]]}' })).text();
      expect(await predict('')).toBe('{"predictions":[[5.0]]}');
      expect(await predict('/versions/1')).toBe('{"predictions":[[3.0]]}');
      expect(await predict('/versions/2')).toBe('{"predictions":[[5.0]]}');
      expect(await predict('/labels/stable')).toBe('{"predictions":[[3.0]]}');
      expect(await predict('/labels/canary')).toBe('{"predictions":[[5.0]]}');
    });

    it('takes the hyphen spelling of the flags and stops cleanly on SIGTERM', async () => {
      const other = await startServe(
        ['--rest-api-port', '0', '--rest-api-host=127.0.0.1', '--model-name', 'digits', '--model-base-path', 'models/mnist'],
        { LAMBDA_SERVING_BACKEND: backend, LAMBDA_SERVING_ENGINE: 'tfjs' },
      );
      await waitAvailable(other.url, 'digits');
      const code = await other.stop('SIGTERM');
      expect(code).toBe(0);
      expect(other.output()).toMatch(/SIGTERM received, shutting down/);
    });
  });
}
