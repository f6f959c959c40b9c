/**
 * How much does serving add to the engine? The nsfwjs MobileNetV2 (scripts/extract-nsfwjs-models.ts
 * writes it to bench/models/nsfwjs) at batch 1: the loaded model's run() alone, against the same
 * model answering a Lambda HTTP API v2 event through the handler with a JSON body, an NPY body and a
 * KServe V2 binary body — interleaved, median of ROUNDS (default 60) after warm-up.
 * Run: npx tsx scripts/extract-nsfwjs-models.ts && npx tsx bench/served-vs-engine.ts
 */
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHandler } from '../lib/http/lambda.ts';
import { ModelService } from '../lib/service/model-service.ts';
import { httpApiEvent } from '../test/support/lambda-events.ts';
import { requestBodies } from './request-bodies.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 60);
const source = path.resolve(import.meta.dirname, 'models/nsfwjs/mobilenet_v2');
const base = await mkdtemp(path.join(os.tmpdir(), 'served-vs-engine-'));
await mkdir(path.join(base, 'm'));
await symlink(source, path.join(base, 'm', '1'));

const service = new ModelService({ name: 'm', basePath: path.join(base, 'm') });
const handler = createHandler(service, { observer: false });
const { model } = await service.resolve();
const signature = Object.keys(model.signatures)[0];
const inputName = Object.keys(model.signatures[signature].inputs)[0];
const pixels = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 7919) % 255) / 255);
const input = { dtype: 'DT_FLOAT' as const, shape: [1, 224, 224, 3], values: pixels };

const bodies = requestBodies(input, inputName, Object.keys(model.signatures[signature].outputs)[0]);

const cases: Record<string, () => Promise<unknown>> = {
  'engine run() alone': () => model.run(signature, { [inputName]: input }),
  'Lambda handler, NPY body': () => handler(httpApiEvent({ method: 'POST', path: '/v1/models/m:predict', body: bodies.npy, headers: { 'content-type': 'application/x-npy' } })),
  'Lambda handler, V2 binary body': () => handler(httpApiEvent({ method: 'POST', path: '/v2/models/m/infer', body: bodies.v2, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(bodies.v2HeaderLength) } })),
  'Lambda handler, JSON body': () => handler(httpApiEvent({ method: 'POST', path: '/v1/models/m:predict', body: bodies.json })),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < ROUNDS + 5; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = performance.now();
    const result = (await run()) as { statusCode?: number };
    const ms = performance.now() - start;
    if (result?.statusCode !== undefined && result.statusCode !== 200) throw new Error(`${name}: ${result.statusCode} ${JSON.stringify(result).slice(0, 300)}`);
    if (round >= 5) samples[name].push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const engine = median(samples['engine run() alone']);
console.log(`model ${model.format}, ${ROUNDS} interleaved rounds, median ms (× engine alone)`);
for (const [name, xs] of Object.entries(samples)) console.log(`${name.padEnd(32)} ${median(xs).toFixed(2).padStart(8)} ms  ${(median(xs) / engine).toFixed(2)}×`);
await service.unload();
