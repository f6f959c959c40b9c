/**
 * How long does one mnist predict take through the local server (real loopback HTTP) and through
 * the Lambda handler (API Gateway v2 event), and does tf.memory() stay flat?
 * Run: npm run bench:predict-latency  (LAMBDA_SERVING_BACKEND=cpu|wasm to pick the backend; ROUNDS=1000)
 * Writes bench/results/predict-latency-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { serve } from '../lib/cli/serve.ts';
import { initBackend } from '../lib/engine/backend.ts';
import { heldOutDigits } from '../scripts/mnist-data.ts';
import { httpApiEvent, lambdaContext } from '../test/support/lambda-events.ts';

const rounds = Number(process.env.ROUNDS ?? 1000);
const root = path.resolve(import.meta.dirname, '..');

function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, median_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), min_ms: sorted[0] };
}

/** Times `rounds` calls after a warm-up; tf.memory() after the warm-up and at the end. */
async function time(work: () => Promise<void>) {
  for (let i = 0; i < 20; i++) await work();
  const memoryBefore = tf.memory();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  return { ...summarize(samples), tf_memory_before: memoryBefore, tf_memory_after: tf.memory() };
}

const backend = await initBackend();
const digit = heldOutDigits()[0];
const body = JSON.stringify({
  instances: [Array.from({ length: 28 }, (_, r) => Array.from(digit.pixels.subarray(r * 28, r * 28 + 28)))],
});

const server = await serve(
  { restApiPort: 0, restApiHost: '127.0.0.1', modelName: 'mnist', modelBasePath: path.join(root, 'models/mnist'), ignored: [] },
  () => {},
);
const url = `http://127.0.0.1:${server.port}/v1/models/mnist:predict`;
const http = await time(async () => {
  const response = await fetch(url, { method: 'POST', body });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  await response.text();
});
await server.close();

process.env.MODEL_BASE_PATH = path.join(root, 'models/mnist');
const { handler, service } = await import('../handlers/mnist.ts');
await service.load();
const event = httpApiEvent({ method: 'POST', path: '/v1/models/mnist:predict', body });
const lambda = await time(async () => {
  const result = await handler(event, lambdaContext());
  if (result.statusCode !== 200) throw new Error(`Lambda ${result.statusCode}: ${result.body}`);
});

const results = {
  backend,
  rounds,
  local_server_http: http,
  lambda_handler_v2_event: lambda,
  node: process.version,
};
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, `bench/results/predict-latency-${backend}.json`), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
