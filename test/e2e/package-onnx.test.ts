/**
 * Packaging for ONNX Runtime, for real: a temporary models tree holding TF Serving's
 * half_plus_two SavedModel, with its own handlers, packaged by scripts/package-lambdas.ts for
 * LAMBDA_ARCH. `auto` serves it on ONNX Runtime, so its zip holds the ONNX folder and only that
 * architecture's onnxruntime-node library; the same model with `"engine": "tfjs"` in lambda.json
 * is staged as a TF.js folder and carries no ONNX Runtime. Each zip is unzipped into an empty
 * folder and invoked by a fresh node process with an API Gateway HTTP API (v2) event.
 */
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageLambdas, type Architecture, type PackagedLambda } from '../../scripts/package-lambdas.ts';
import { acquireBuildLock } from '../support/build-lock.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';
import { httpApiEvent } from '../support/lambda-events.ts';
import { invokeInFreshProcess, unzipToTemp } from '../support/lambda-zip.ts';
import { REPO_ROOT } from '../support/serve-process.ts';

const MB = 1024 * 1024;
const ARCH = ((process.env.LAMBDA_ARCH as Architecture | undefined) || 'x86_64') satisfies Architecture;
const ORT_ARCH = ARCH === 'arm64' ? 'arm64' : 'x64';
/** Can this machine run the zip's native library? */
const RUNS_HERE = process.platform === 'linux' && process.arch === ORT_ARCH;

let tmp: string;
const packaged: Record<string, PackagedLambda> = {};
const taskRoots: Record<string, { dir: string; unzippedBytes: number }> = {};

function handlerSource(model: string): string {
  return `import { fileURLToPath } from 'node:url';
import { createHandler, ModelService } from ${JSON.stringify(path.join(REPO_ROOT, 'lib/index.ts'))};
const basePath = process.env.MODEL_BASE_PATH ?? fileURLToPath(new URL('../models/${model}', import.meta.url));
export const handler = createHandler(new ModelService({ name: 'half_plus_two', basePath }));
`;
}

beforeAll(async () => {
  if (!HAVE_FIXTURES) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'package-onnx-'));
  const handlers = path.join(tmp, 'handlers');
  const models = path.join(tmp, 'models');
  await mkdir(handlers, { recursive: true });
  for (const model of ['hp2_onnx', 'hp2_tfjs']) {
    await mkdir(path.join(models, model), { recursive: true });
    await symlink(fixture('tf-serving/saved_model_half_plus_two_cpu/00000123'), path.join(models, model, '00000123'));
    await writeFile(path.join(handlers, `${model}.ts`), handlerSource(model));
  }
  await writeFile(path.join(models, 'hp2_tfjs', 'lambda.json'), '{ "engine": "tfjs" }');
  // The zips go to tmp; only the shared native-module cache is under .build/.
  const release = await acquireBuildLock();
  try {
    const results = await packageLambdas({ arch: ARCH, models: [], handlersDir: handlers, modelsDir: models, outDir: path.join(tmp, 'out') });
    for (const result of results) packaged[result.model] = result;
  } finally {
    await release();
  }
  for (const model of Object.keys(packaged)) taskRoots[model] = await unzipToTemp(packaged[model].zip!);
}, 600_000);

afterAll(async () => {
  for (const { dir } of Object.values(taskRoots)) await rm(dir, { recursive: true, force: true });
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!HAVE_FIXTURES)(`packaging a SavedModel for ONNX Runtime (${ARCH})${FIXTURES_NOTE}`, () => {
  it('stages it as an ONNX folder under auto and as a TF.js folder under "engine": "tfjs"', async () => {
    expect(packaged.hp2_onnx.staged).toEqual([{ version: '00000123', kind: 'saved_model', engine: 'onnxruntime', converted: true }]);
    expect(packaged.hp2_tfjs.staged).toEqual([{ version: '00000123', kind: 'saved_model', engine: 'tfjs', converted: true }]);
    const onnxVersion = path.join(taskRoots.hp2_onnx.dir, 'models/hp2_onnx/00000123');
    expect((await readdir(onnxVersion)).sort()).toEqual([
      'classify_x_to_y.onnx', 'lambda-serving-onnx.json', 'regress_x2_to_y3.onnx', 'regress_x_to_y.onnx', 'regress_x_to_y2.onnx', 'serving_default.onnx',
    ]); // prettier-ignore
    expect((await readdir(path.join(taskRoots.hp2_tfjs.dir, 'models/hp2_tfjs/00000123'))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });

  it(`carries onnxruntime-node for linux/${ORT_ARCH} only, and only beside a model ONNX Runtime serves`, async () => {
    for (const [model, { unzippedBytes }] of Object.entries(taskRoots)) {
      const zipped = (await stat(packaged[model].zip!)).size;
      console.log(`${model}.zip (${ARCH}): ${(zipped / MB).toFixed(2)} MB zipped, ${(unzippedBytes / MB).toFixed(2)} MB unzipped`);
      expect(unzippedBytes).toBe(packaged[model].unzippedBytes);
      expect(unzippedBytes).toBeLessThan(250 * MB);
    }
    const onnxModules = await readdir(path.join(taskRoots.hp2_onnx.dir, 'node_modules'));
    expect(onnxModules).toEqual(expect.arrayContaining(['onnxruntime-node', 'onnxruntime-common', 'sharp']));
    expect(onnxModules).not.toContain('@tensorflow');
    const ort = path.join(taskRoots.hp2_onnx.dir, 'node_modules/onnxruntime-node');
    expect((await readdir(ort)).sort()).toEqual(['bin', 'dist', 'package.json']);
    const binaries = (await readdir(path.join(ort, 'bin'), { recursive: true })).filter((name) => /\.(so|node|dll|dylib)/.test(name));
    expect(binaries.length).toBeGreaterThan(0);
    for (const file of binaries) expect(file).toMatch(new RegExp(`^napi-v6/linux/${ORT_ARCH}/`));
    expect(await readdir(path.join(taskRoots.hp2_tfjs.dir, 'node_modules'))).not.toContain('onnxruntime-node');
    expect(await readdir(path.join(taskRoots.hp2_tfjs.dir, 'node_modules'))).not.toContain('onnxruntime-common');
  });

  it.runIf(RUNS_HERE)('runs from an empty folder in a fresh node process on ONNX Runtime and answers as TF Serving does', async () => {
    const { dir } = taskRoots.hp2_onnx;
    const before = (await readdir(dir, { recursive: true })).sort();
    const invocation = await invokeInFreshProcess(dir, 'hp2_onnx', httpApiEvent({ method: 'POST', path: '/v1/models/half_plus_two:predict', body: '{"instances": [2.0, 3.0, 4.0]}' }));
    expect(invocation.result.statusCode, invocation.result.body).toBe(200);
    expect(invocation.result.body).toBe('{"predictions":[3.0,3.5,4.0]}');
    expect(invocation.log).toMatch(/ONNX model .*models\/hp2_onnx\/00000123: engine onnxruntime/);
    // Nothing was lowered or imported at cold start: no TF.js backend was started for the model.
    expect(invocation.log).not.toContain('TF.js backend');
    console.log(
      `hp2_onnx.zip cold start (fresh process → first answer): ${invocation.processUptimeMs.toFixed(0)} ms ` +
        `(handler import ${invocation.importMs.toFixed(0)} ms, import → answer ${(invocation.firstResponseMs - invocation.importMs).toFixed(0)} ms)`,
    );
    // tf.Example requests: the manifest carries the signature's feature specs.
    const regress = await invokeInFreshProcess(
      dir,
      'hp2_onnx',
      httpApiEvent({ method: 'POST', path: '/v1/models/half_plus_two:regress', body: '{"signature_name": "regress_x_to_y", "examples": [{"x": 2.0}]}' }),
    );
    expect(regress.result.statusCode, regress.result.body).toBe(200);
    expect(regress.result.body).toBe('{"results":[3.0]}');
    // Lambda's task root is read-only: nothing may be written beside the bundle.
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(before);
  });

  it('runs the "engine": "tfjs" zip on TF.js with the same answer', async () => {
    const invocation = await invokeInFreshProcess(
      taskRoots.hp2_tfjs.dir,
      'hp2_tfjs',
      httpApiEvent({ method: 'POST', path: '/v1/models/half_plus_two:predict', body: '{"instances": [2.0, 3.0, 4.0]}' }),
    );
    expect(invocation.result.statusCode, invocation.result.body).toBe(200);
    expect(invocation.result.body).toBe('{"predictions":[3.0,3.5,4.0]}');
    expect(invocation.log).toMatch(/models\/hp2_tfjs\/00000123\/model\.json: engine tfjs/);
    console.log(`hp2_tfjs.zip cold start (fresh process → first answer): ${invocation.processUptimeMs.toFixed(0)} ms`);
  });
});
