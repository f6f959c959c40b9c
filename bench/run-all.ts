/**
 * `npm run bench`: every figure in one process, one run — writes bench/results.json and
 * bench/results.md and prints the Markdown.
 *
 * 1. Engines: mnist and half_plus_two (models/) and the nsfwjs MobileNetV2 224² and InceptionV3 299²
 *    (TF.js layers models; extracted into bench/models/nsfwjs when missing) × ONNX Runtime with 1
 *    and 2 intra-op threads and TF.js (LAMBDA_SERVING_BACKEND, default wasm) × batch 1/4/16, plus a
 *    1024³ float32 MatMul on ONNX Runtime (1 and 2 threads) — all interleaved, round-robin over
 *    every configuration each round; medians. GFLOP/s = 2·MACs / time, MACs counted from the ONNX
 *    graph (see MAC_METHOD); its share is of the MatMul's GFLOP/s at the same thread count (TF.js
 *    rows: of the 1-thread MatMul).
 * 2. Served ÷ raw: MobileNetV2 batch 1 on ONNX Runtime, 1 thread: run() alone vs the Lambda handler
 *    (HTTP API v2 event) and the local server over loopback HTTP, each with a JSON and an NPY body.
 * 3. Codec MB/s (bench/codecs.ts's measureCodecs).
 * 4. Cold start of each packaged function (packages first): see COLD_START_METHOD.
 *
 * Run: npm run bench  (ROUNDS=10 by default; SKIP_COLD_START=1 to skip packaging and fresh processes).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../lib/engine/backend.ts';
import type { LoadedModel } from '../lib/engine/model.ts';
import { lowerGraph, onnxEngine, THREADS_ENV } from '../lib/engine/onnx/engine.ts';
import { decodeModel, encodeModel, ONNX_DTYPE, ONNX_IR_VERSION, ONNX_OPSET, type ModelProto } from '../lib/engine/onnx/onnx-proto.ts';
import { tfjsEngine } from '../lib/engine/tfjs/engine.ts';
import { readModelFolder } from '../lib/formats/registry.ts';
import { createApp } from '../lib/http/app.ts';
import { createHandler } from '../lib/http/lambda.ts';
import { listen } from '../lib/http/node.ts';
import { ModelService } from '../lib/service/model-service.ts';
import type { TensorMap } from '../lib/tensors/host-tensor.ts';
import { DEFAULT_OUT_DIR, extractNsfwjsModels, type NsfwjsModel } from '../scripts/extract-nsfwjs-models.ts';
import { httpApiEvent } from '../test/support/lambda-events.ts';
import { requestBodies } from './request-bodies.ts';
import { invokeInFreshProcess, unzipToTemp } from '../test/support/lambda-zip.ts';
import { measureCodecs } from './codecs.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const WARM_UP = 2;
const SERVED_ROUNDS = ROUNDS * 5;
const COLD_ROUNDS = Math.max(3, Math.ceil(ROUNDS / 2));
const BATCHES = [1, 4, 16];
const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const started = performance.now();

const MAC_METHOD =
  'Per image, from the lowered ONNX graph: every Conv/ConvTranspose/MatMul/Gemm output is exposed as a graph output and the model run once ' +
  '(ONNX Runtime, optimizations off) at batch 1; Conv MACs = output elements × (c_in/groups)·k_h·k_w (the weight shape [c_out, c_in/groups, k_h, k_w]), ' +
  'MatMul/Gemm MACs = output elements × K. FLOPs = 2 × MACs; elementwise ops, pools and batch norm not counted.';
const COLD_START_METHOD =
  'Packaged zip (scripts/package-lambdas.ts) unzipped to an empty folder; a fresh `node` process imports handlers/<model>.mjs (import_ms, which starts the ' +
  'model load) and invokes it once with an HTTP API v2 predict event (first_response_ms from process code start; process_uptime_ms includes Node start). ' +
  'The split of the rest comes from a second fresh process in the same folder, no handler: import onnxruntime-node from the zip (engine_init_ms), ' +
  'InferenceSession.create on the packaged .onnx (model_load_ms), first run (first_inference_ms). Medians of cold_rounds.';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits = 2) => +x.toFixed(digits);
const log = (message: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`);

/** Runs `work` with LAMBDA_SERVING_ORT_THREADS set (read at session creation). */
async function withThreads<T>(threads: number, work: () => Promise<T>): Promise<T> {
  const before = process.env[THREADS_ENV];
  process.env[THREADS_ENV] = String(threads);
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env[THREADS_ENV];
    else process.env[THREADS_ENV] = before;
  }
}

// ------------------------------------------------------------------ models

interface BenchModel {
  name: string;
  dir: string;
  /** Batches TF.js skips (too slow for the time budget). */
  tfjsSkip: number[];
}

const NSFWJS: NsfwjsModel[] = ['mobilenet_v2', 'inception_v3'];
if (!NSFWJS.every((m) => existsSync(path.join(DEFAULT_OUT_DIR, m, 'model.json')))) {
  log('extracting the nsfwjs models');
  await extractNsfwjsModels(DEFAULT_OUT_DIR, NSFWJS);
}
const MODELS: BenchModel[] = [
  { name: 'mnist', dir: path.join(root, 'models/mnist/1'), tfjsSkip: [] },
  { name: 'half_plus_two', dir: path.join(root, 'models/half_plus_two/00000123'), tfjsSkip: [] },
  { name: 'MobileNetV2 224²', dir: path.join(DEFAULT_OUT_DIR, 'mobilenet_v2'), tfjsSkip: [] },
  { name: 'InceptionV3 299²', dir: path.join(DEFAULT_OUT_DIR, 'inception_v3'), tfjsSkip: [16] },
];

const backend = await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});

/** Deterministic float inputs for every signature input, batch `n` (-1 dims → n). */
function inputsFor(model: LoadedModel, signature: string, n: number): TensorMap {
  const feeds: TensorMap = {};
  for (const [alias, spec] of Object.entries(model.signatures[signature].inputs)) {
    const dims = spec.shape ?? [-1];
    const shape = dims.map((d, i) => (d < 0 ? (i === 0 ? n : 1) : d));
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[alias] = { dtype: 'DT_FLOAT', shape, values: Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 255) / 255) };
  }
  return feeds;
}

/** MACs per image, counted as MAC_METHOD says. */
async function countMacs(dir: string): Promise<number> {
  const artifact = await readModelFolder(dir);
  if (artifact.kind === 'onnx') throw new Error('expected a graph to lower');
  const graph = artifact.kind === 'graph' ? artifact.graph : await artifact.toGraph();
  const lowered = [...lowerGraph(graph, { what: artifact.what }).values()][0];
  const proto: ModelProto = decodeModel(lowered.bytes);
  const g = proto.graph;
  const initDims = new Map((g.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map(Number)]));
  const counted = g.node.filter((n) => ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'].includes(n.op_type));
  const exposed = new Set<string>();
  for (const n of counted) {
    exposed.add(n.output[0]);
    if (!initDims.has(n.input[1])) exposed.add(n.input[1]);
    if (n.op_type !== 'Conv' && !initDims.has(n.input[0])) exposed.add(n.input[0]);
  }
  const outputs = new Set(g.output.map((o) => o.name));
  for (const name of exposed) if (!outputs.has(name) && !g.input.some((i) => i.name === name)) g.output.push({ name, type: { tensor_type: { elem_type: ONNX_DTYPE.FLOAT } } });
  const session = await ort.InferenceSession.create(encodeModel(proto), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 });
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of g.input) {
    if (initDims.has(input.name)) continue;
    const dims = (input.type?.tensor_type.shape?.dim ?? []).map((d) => ('dim_value' in d ? Number(d.dim_value) : 1));
    feeds[input.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);
  }
  const got = await session.run(feeds);
  const dimsOf = (name: string) => initDims.get(name) ?? (got[name]?.dims as number[] | undefined) ?? (feeds[name]?.dims as number[] | undefined);
  let macs = 0;
  for (const n of counted) {
    const out = dimsOf(n.output[0])!;
    const outElements = out.reduce((a, b) => a * b, 1);
    const w = dimsOf(n.input[1])!;
    if (n.op_type === 'Conv') macs += outElements * w.slice(1).reduce((a, b) => a * b, 1);
    else if (n.op_type === 'ConvTranspose') macs += dimsOf(n.input[0])!.reduce((a, b) => a * b, 1) * w.slice(1).reduce((a, b) => a * b, 1);
    else if (n.op_type === 'MatMul') macs += outElements * w[w.length - 2];
    else {
      const transB = n.attribute?.find((a) => a.name === 'transB')?.i;
      macs += outElements * (Number(transB) ? w[1] : w[0]);
    }
  }
  await session.release();
  return macs;
}

/** A 1024×1024 · 1024×1024 MatMul, both operands graph inputs (nothing to fold). */
async function matmulSession(threads: number) {
  const N = 1024;
  const io = (name: string) => ({ name, type: { tensor_type: { elem_type: ONNX_DTYPE.FLOAT, shape: { dim: [{ dim_value: N }, { dim_value: N }] } } } });
  const bytes = encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'lambda-serving bench',
    graph: { name: 'matmul', node: [{ op_type: 'MatMul', input: ['a', 'b'], output: ['c'] }], initializer: [], input: [io('a'), io('b')], output: [io('c')] },
  });
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const fill = (seed: number) => new ort.Tensor('float32', Float32Array.from({ length: N * N }, (_, i) => (((i + seed) * 7919) % 255) / 255 - 0.5), [N, N]);
  const feeds = { a: fill(1), b: fill(2) };
  return { session, run: () => session.run(feeds) };
}

interface Config {
  model: string;
  engine: string;
  threads: number | null;
  batch: number;
  run: () => Promise<unknown>;
  samples: number[];
}

log(`loading models (TF.js backend ${backend})`);
const configs: Config[] = [];
const loaded: LoadedModel[] = [];
const loadMs: Record<string, Record<string, number>> = {};
const macs: Record<string, number> = {};
for (const m of MODELS) {
  loadMs[m.name] = {};
  const engines: [string, number | null, () => Promise<LoadedModel>][] = [
    ['onnxruntime', 1, () => withThreads(1, async () => onnxEngine.load(await readModelFolder(m.dir)))],
    ['onnxruntime', 2, () => withThreads(2, async () => onnxEngine.load(await readModelFolder(m.dir)))],
    [`tfjs-${backend}`, null, async () => tfjsEngine.load(await readModelFolder(m.dir))],
  ];
  for (const [engine, threads, load] of engines) {
    const start = performance.now();
    const model = await load();
    loadMs[m.name][threads ? `${engine} ${threads}t` : engine] = round(performance.now() - start, 1);
    loaded.push(model);
    const signature = Object.keys(model.signatures).includes('serving_default') ? 'serving_default' : Object.keys(model.signatures)[0];
    for (const batch of BATCHES) {
      if (engine.startsWith('tfjs') && m.tfjsSkip.includes(batch)) continue;
      const feeds = inputsFor(model, signature, batch);
      configs.push({ model: m.name, engine, threads, batch, run: () => model.run(signature, feeds), samples: [] });
    }
  }
  if (m.name.includes('²')) macs[m.name] = await countMacs(m.dir);
}
const matmuls = [await matmulSession(1), await matmulSession(2)];
for (const [k, mm] of matmuls.entries()) configs.push({ model: 'MatMul 1024³', engine: 'onnxruntime', threads: k + 1, batch: 1, run: mm.run, samples: [] });

log(`${configs.length} configurations × ${ROUNDS} rounds (+${WARM_UP} warm-up), interleaved`);
for (let r = 0; r < WARM_UP + ROUNDS; r++) {
  for (const c of configs) {
    const start = performance.now();
    await c.run();
    if (r >= WARM_UP) c.samples.push(performance.now() - start);
  }
  log(`round ${r + 1}/${WARM_UP + ROUNDS}`);
}
const MATMUL_FLOP = 2 * 1024 ** 3;
const matmulGflops = (threads: number) => MATMUL_FLOP / (median(configs.find((c) => c.model === 'MatMul 1024³' && c.threads === threads)!.samples) / 1e3) / 1e9;
const engineRows = configs.map((c) => {
  const ms = median(c.samples);
  const flopPerImage = c.model === 'MatMul 1024³' ? MATMUL_FLOP : macs[c.model] ? 2 * macs[c.model] : undefined;
  const gflops = flopPerImage === undefined ? undefined : (flopPerImage * c.batch) / (ms / 1e3) / 1e9;
  return {
    model: c.model,
    engine: c.engine,
    threads: c.threads,
    batch: c.batch,
    median_ms: round(ms, 3),
    ms_per_image: round(ms / c.batch, 3),
    images_per_s: round((c.batch * 1e3) / ms, 1),
    gflop_per_s: gflops === undefined ? undefined : round(gflops, 1),
    share_of_matmul: gflops === undefined ? undefined : round(gflops / matmulGflops(c.threads ?? 1), 3),
    samples: c.samples.length,
  };
});
for (const model of loaded) model.dispose();
for (const mm of matmuls) await mm.session.release();

// ------------------------------------------------------------------ served ÷ raw

log('served vs raw: MobileNetV2 batch 1, onnxruntime 1 thread');
const served = await withThreads(1, async () => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'bench-served-'));
  await mkdir(path.join(base, 'm'));
  await symlink(path.join(DEFAULT_OUT_DIR, 'mobilenet_v2'), path.join(base, 'm', '1'));
  const service = new ModelService({ name: 'm', basePath: path.join(base, 'm'), engine: 'onnxruntime' });
  const handler = createHandler(service, { observer: false });
  const { model } = await service.resolve();
  const server = await listen(createApp([service]).fetch, { port: 0, hostname: '127.0.0.1' });
  const signature = Object.keys(model.signatures)[0];
  const feeds = inputsFor(model, signature, 1);
  const [inputName, input] = Object.entries(feeds)[0];
  const { json: jsonBody, npy } = requestBodies(input, inputName, Object.keys(model.signatures[signature].outputs)[0]);
  const url = `http://127.0.0.1:${server.port}/v1/models/m:predict`;
  const ok = async (response: Response) => {
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${response.status} ${text.slice(0, 300)}`);
  };
  const lambdaOk = (result: unknown) => {
    const r = result as { statusCode?: number; body?: string };
    if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body?.slice(0, 300)}`);
  };
  const cases: Record<string, () => Promise<unknown>> = {
    'engine run() alone': () => model.run(signature, feeds),
    'Lambda handler, NPY body': async () => lambdaOk(await handler(httpApiEvent({ method: 'POST', path: '/v1/models/m:predict', body: npy, headers: { 'content-type': 'application/x-npy' } }))),
    'Lambda handler, JSON body': async () => lambdaOk(await handler(httpApiEvent({ method: 'POST', path: '/v1/models/m:predict', body: jsonBody }))),
    'local server (loopback HTTP), NPY body': async () => ok(await fetch(url, { method: 'POST', body: npy, headers: { 'content-type': 'application/x-npy' } })),
    'local server (loopback HTTP), JSON body': async () => ok(await fetch(url, { method: 'POST', body: jsonBody, headers: { 'content-type': 'application/json' } })),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let r = 0; r < SERVED_ROUNDS + 5; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const start = performance.now();
      await run();
      if (r >= 5) samples[name].push(performance.now() - start);
    }
  }
  await server.close();
  await service.unload();
  await rm(base, { recursive: true, force: true });
  const raw = median(samples['engine run() alone']);
  return Object.entries(samples).map(([path, xs]) => ({ path, median_ms: round(median(xs), 3), times_raw: round(median(xs) / raw, 2), samples: xs.length }));
});

// ------------------------------------------------------------------ codecs

log('codecs');
const codecs = await measureCodecs(Math.max(3, Math.ceil(ROUNDS / 2)));

// ------------------------------------------------------------------ cold start

const SPLIT_CHILD = `
import { createRequire } from 'node:module';
const [taskRoot, onnxFile, shapeJson] = process.argv.slice(2);
const t0 = performance.now();
const ortModule = createRequire(taskRoot + '/index.js')('onnxruntime-node');
const t1 = performance.now();
const session = await ortModule.InferenceSession.create(onnxFile, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
const t2 = performance.now();
const shape = JSON.parse(shapeJson);
const size = shape.reduce((a, b) => a * b, 1);
await session.run({ [session.inputNames[0]]: new ortModule.Tensor('float32', new Float32Array(size).fill(0.5), shape) });
const t3 = performance.now();
console.log('SPLIT ' + JSON.stringify({ engine_init_ms: t1 - t0, model_load_ms: t2 - t1, first_inference_ms: t3 - t2, process_uptime_ms: process.uptime() * 1000 }));
`;
const BODIES: Record<string, string> = {
  half_plus_two: '{"instances": [2.0, 3.0, 4.0]}',
  mnist: JSON.stringify({ instances: [Array.from({ length: 28 }, () => new Array(28).fill(0))] }),
};

async function coldStart() {
  log('cold start: packaging');
  execFileSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/package-lambdas.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const run = promisify(execFile);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-split-'));
  const child = path.join(scratch, 'split.mjs');
  await writeFile(child, SPLIT_CHILD);
  const results = [];
  for (const zip of (await readdir(path.join(root, '.build'))).filter((f) => f.endsWith('.zip')).sort()) {
    const model = zip.slice(0, -4);
    const zipFile = path.join(root, '.build', zip);
    const { dir, unzippedBytes } = await unzipToTemp(zipFile);
    const versionDir = path.join(dir, 'models', model, (await readdir(path.join(dir, 'models', model)))[0]);
    const manifest = JSON.parse(await readFile(path.join(versionDir, 'lambda-serving-onnx.json'), 'utf8'));
    const first = Object.values(manifest.models as Record<string, { file: string }>)[0];
    const spec = Object.values((Object.values(manifest.signatures)[0] as { inputs: Record<string, { shape: number[] }> }).inputs)[0];
    const shape = BODIES[model] === BODIES.half_plus_two ? [3] : spec.shape.map((d) => (d < 0 ? 1 : d));
    const event = httpApiEvent({ method: 'POST', path: `/v1/models/${model}:predict`, body: BODIES[model] ?? '{"instances": []}' });
    const rows: { import_ms: number; first_response_ms: number; process_uptime_ms: number; engine_init_ms: number; model_load_ms: number; first_inference_ms: number; ort_only_uptime_ms: number }[] = [];
    for (let i = 0; i < COLD_ROUNDS; i++) {
      const invocation = await invokeInFreshProcess(dir, model, event, { LAMBDA_SERVING_ORT_THREADS: '1' });
      if (invocation.result.statusCode !== 200) throw new Error(`${model}: ${invocation.result.body}`);
      const { stdout } = await run(process.execPath, [child, dir, path.join(versionDir, first.file), JSON.stringify(shape)], { cwd: dir, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
      const split = JSON.parse(stdout.split('\n').find((l) => l.startsWith('SPLIT '))!.slice(6));
      rows.push({
        import_ms: invocation.importMs,
        first_response_ms: invocation.firstResponseMs,
        process_uptime_ms: invocation.processUptimeMs,
        engine_init_ms: split.engine_init_ms,
        model_load_ms: split.model_load_ms,
        first_inference_ms: split.first_inference_ms,
        ort_only_uptime_ms: split.process_uptime_ms,
      });
    }
    await rm(dir, { recursive: true, force: true });
    const med = (key: keyof (typeof rows)[number]) => round(median(rows.map((r) => r[key])), 1);
    results.push({
      function: model,
      zip_mb: round((await stat(zipFile)).size / 2 ** 20),
      unzipped_mb: round(unzippedBytes / 2 ** 20),
      import_ms: med('import_ms'),
      first_response_ms: med('first_response_ms'),
      process_uptime_ms: med('process_uptime_ms'),
      engine_init_ms: med('engine_init_ms'),
      model_load_ms: med('model_load_ms'),
      first_inference_ms: med('first_inference_ms'),
      bare_onnxruntime_uptime_ms: med('ort_only_uptime_ms'),
    });
    log(`cold start: ${model} done`);
  }
  await rm(scratch, { recursive: true, force: true });
  return results;
}
const cold = process.env.SKIP_COLD_START ? [] : await coldStart();

// ------------------------------------------------------------------ report

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, available_parallelism: os.availableParallelism(), platform: `${process.platform}-${process.arch}` },
  versions: { node: process.version, onnxruntime_node: require('onnxruntime-node/package.json').version as string, tfjs: require('@tensorflow/tfjs-core/package.json').version as string, tfjs_backend: backend },
  rounds: ROUNDS,
  warm_up_rounds: WARM_UP,
  served_rounds: SERVED_ROUNDS,
  cold_rounds: COLD_ROUNDS,
  thread_counts: { onnxruntime: [1, 2], tfjs: 'one (TF.js WASM in Node has no threads)' },
  skipped: 'InceptionV3 batch 16 on TF.js (≈5 s an inference; beyond the run-time budget)',
  mac_method: MAC_METHOD,
  macs_per_image: macs,
  matmul_1024: { gflop_per_s_1_thread: round(matmulGflops(1), 1), gflop_per_s_2_threads: round(matmulGflops(2), 1) },
  load_ms: loadMs,
  engines: engineRows,
  served_vs_raw: { model: 'nsfwjs MobileNetV2 224², batch 1, onnxruntime 1 thread', rows: served },
  codecs,
  cold_start_method: COLD_START_METHOD,
  cold_start: cold,
  total_s: 0,
};
results.total_s = round((performance.now() - started) / 1000, 1);

const fmt = (x: number | undefined, digits = 2) => (x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(digits));
const md: string[] = [];
md.push(
  `Node ${results.versions.node}, onnxruntime-node ${results.versions.onnxruntime_node}, TF.js ${results.versions.tfjs} (${backend}); ${results.machine.cpus} × ${results.machine.cpu_model}; ` +
    `${ROUNDS} interleaved rounds (medians), ${results.total_s} s in all.`,
  '',
  `**Engines** — ms per inference at batch 1 / 4 / 16, images/s at the largest batch; GFLOP/s (2 × MACs counted from the ONNX graph) and its share of a 1024³ float32 MatMul on ONNX Runtime in the same run (${results.matmul_1024.gflop_per_s_1_thread} GFLOP/s on 1 thread, ${results.matmul_1024.gflop_per_s_2_threads} on 2).`,
  '',
  '| model | engine | batch 1 | batch 4 | batch 16 | images/s | GFLOP/s (share of MatMul) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
);
const groups = new Map<string, typeof engineRows>();
for (const row of engineRows) {
  if (row.model === 'MatMul 1024³') continue;
  const key = `${row.model}|${row.engine}${row.threads ? `, ${row.threads} thread${row.threads > 1 ? 's' : ''}` : ''}`;
  groups.set(key, [...(groups.get(key) ?? []), row]);
}
for (const [key, rows] of groups) {
  const [model, engine] = key.split('|');
  const at = (b: number) => rows.find((r) => r.batch === b);
  const best = rows[rows.length - 1];
  const cell = (b: number) => (at(b) ? `${fmt(at(b)!.median_ms)} ms` : 'skipped');
  const flops = best.gflop_per_s === undefined ? '—' : `${fmt(best.gflop_per_s, 1)} (${Math.round(best.share_of_matmul! * 100)}%) at batch ${best.batch}`;
  md.push(`| ${model} | ${engine} | ${cell(1)} | ${cell(4)} | ${cell(16)} | ${fmt(best.images_per_s, 1)} | ${flops} |`);
}
md.push('', `**Served ÷ raw** — ${results.served_vs_raw.model}, median of ${SERVED_ROUNDS} interleaved:`, '', '| path | ms | × run() alone |', '| --- | --- | --- |');
for (const row of served) md.push(`| ${row.path} | ${fmt(row.median_ms)} | ${row.times_raw.toFixed(2)}× |`);
md.push('', `**Codecs** — float32 [1000, 1000] (4 MB of data), MB/s of tensor data, median of ${codecs.rounds}:`, '', '| format | body MB | encode MB/s | decode MB/s |', '| --- | --- | --- | --- |');
for (const row of codecs.results) md.push(`| ${row.codec} | ${row.wire_mb} | ${fmt(row.encode_mb_per_s, 1)} | ${fmt(row.decode_mb_per_s, 1)} |`);
if (cold.length) {
  md.push(
    '',
    `**Cold start** — packaged zip, fresh process, onnxruntime 1 thread, median of ${COLD_ROUNDS}. Import and first response from the handler; engine init / model load / first inference from a second fresh process running onnxruntime-node alone on the packaged .onnx (see cold_start_method in results.json):`,
    '',
    '| function | zip / unzipped MB | handler import | first response (process start → answer) | engine init | model load | first inference | bare ORT, process start → answer |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of cold) md.push(`| ${r.function} | ${r.zip_mb} / ${r.unzipped_mb} | ${fmt(r.import_ms, 1)} ms | ${fmt(r.first_response_ms, 1)} ms (${fmt(r.process_uptime_ms, 1)} ms) | ${fmt(r.engine_init_ms, 1)} ms | ${fmt(r.model_load_ms, 1)} ms | ${fmt(r.first_inference_ms, 1)} ms | ${fmt(r.bare_onnxruntime_uptime_ms, 1)} ms |`);
}
const markdown = `${md.join('\n')}\n`;
await writeFile(path.join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(path.join(root, 'bench/results.md'), markdown);
console.log(markdown);
log('wrote bench/results.json and bench/results.md');
