/**
 * `npm run package` for real: every zip unzipped into an empty folder and invoked by a fresh node
 * process with an API Gateway HTTP API (v2) event, as Lambda would run it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { createApp } from '../../lib/http/app.ts';
import { ModelService } from '../../lib/service/model-service.ts';
import { heldOutDigits } from '../../scripts/mnist-data.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../support/fixtures.ts';
import { httpApiEvent } from '../support/lambda-events.ts';
import { acquireBuildLock } from '../support/build-lock.ts';
import { invokeInFreshProcess, unzipToTemp } from '../support/lambda-zip.ts';
import { REPO_ROOT } from '../support/serve-process.ts';

const run = promisify(execFile);
const MB = 1024 * 1024;

const mnistBody = JSON.stringify({
  instances: heldOutDigits()
    .slice(0, 4)
    .map((digit) => Array.from({ length: 28 }, (_, r) => Array.from(digit.pixels.subarray(r * 28, r * 28 + 28)))),
});

/** The request each example model gets, and how its answer is checked. */
const CASES: Record<string, { body: string; expected: () => Promise<string> }> = {
  half_plus_two: {
    body: '{"instances": [2.0, 3.0, 4.0]}',
    expected: async () => '{"predictions":[3.0,3.5,4.0]}',
  },
  mnist: {
    body: mnistBody,
    // The same request through the repo's own code on the same (wasm) backend.
    expected: async () => {
      await initBackend('wasm', () => {});
      const app = createApp([new ModelService({ name: 'mnist', basePath: path.join(REPO_ROOT, 'models/mnist') })]);
      return (await app.fetch(new Request('http://localhost/v1/models/mnist:predict', { method: 'POST', body: mnistBody }))).text();
    },
  },
};

let zips: string[];
const taskRoots: string[] = [];

let releaseBuild: (() => Promise<void>) | undefined;

beforeAll(async () => {
  releaseBuild = await acquireBuildLock();
  await run('npm', ['run', 'package'], { cwd: REPO_ROOT, maxBuffer: 16 * MB });
  zips = (await readdir(path.join(REPO_ROOT, '.build'))).filter((f) => f.endsWith('.zip')).sort();
}, 600_000);

afterAll(async () => {
  for (const dir of taskRoots) await rm(dir, { recursive: true, force: true });
  await releaseBuild?.();
});

describe('npm run package', () => {
  it('writes one zip per handler', async () => {
    const handlers = (await readdir(path.join(REPO_ROOT, 'handlers'))).map((f) => f.replace(/\.ts$/, '.zip')).sort();
    expect(zips).toEqual(handlers);
    expect(zips.map((z) => z.slice(0, -4)).sort()).toEqual(Object.keys(CASES).sort());
  });

  it('wrote the CloudFormation template with a function, a function URL and HTTP API routes per model', async () => {
    const template = JSON.parse(
      await (await import('node:fs/promises')).readFile(path.join(REPO_ROOT, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const resources = Object.values(template.Resources);
    const routes = resources.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey);
    for (const model of Object.keys(CASES)) {
      expect(routes).toContain(`POST /v1/models/${model}:predict`);
      expect(routes).toContain(`GET /v1/models/${model}`);
      expect(routes).toContain(`ANY /v1/models/${model}/{proxy+}`);
      expect(routes).toContain(`GET /v2/models/${model}`);
      expect(routes).toContain(`ANY /v2/models/${model}/{proxy+}`);
    }
    const urls = resources.filter((r) => r.Type === 'AWS::Lambda::Url');
    expect(urls).toHaveLength(Object.keys(CASES).length);
    for (const url of urls) expect(url.Properties.AuthType).toBe('AWS_IAM');
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    for (const fn of functions) expect(fn.Properties.Runtime).toBe('nodejs20.x');
  });

  for (const model of Object.keys(CASES)) {
    it(`${model}.zip runs from an empty folder in a fresh node process and answers a v2 event`, async () => {
      const zipFile = path.join(REPO_ROOT, '.build', `${model}.zip`);
      const zipped = (await stat(zipFile)).size;
      const { dir, unzippedBytes } = await unzipToTemp(zipFile);
      taskRoots.push(dir);
      console.log(`${model}.zip: ${(zipped / MB).toFixed(2)} MB zipped, ${(unzippedBytes / MB).toFixed(2)} MB unzipped`);
      expect(zipped).toBeLessThan(50 * MB);
      expect(unzippedBytes).toBeLessThan(250 * MB);

      const entries = await readdir(dir);
      expect(entries.sort()).toEqual(['handlers', 'models', 'node_modules', 'wasm']);
      expect(await readdir(path.join(dir, 'models'))).toEqual([model]);
      expect(await readdir(path.join(dir, 'node_modules'))).not.toContain('@tensorflow');

      const before = await listFiles(dir);
      const invocation = await invokeInFreshProcess(
        dir,
        model,
        httpApiEvent({ method: 'POST', path: `/v1/models/${model}:predict`, body: CASES[model].body }),
      );
      expect(invocation.result.statusCode).toBe(200);
      expect(invocation.result.body).toBe(await CASES[model].expected());
      // auto serves the bundled TF.js folders on ONNX Runtime, so packaging staged them as ONNX folders.
      expect(invocation.log).toMatch(new RegExp(`ONNX model .*models/${model}/\\d+: engine onnxruntime`));
      expectPowertoolsOutput(invocation.log, model);
      // Lambda's task root is read-only: nothing may be written beside the bundle.
      expect(await listFiles(dir)).toEqual(before);
    });
  }

  it.skipIf(!HAVE_FIXTURES)(`the zipped bundle also serves TFLite and Keras files (flatbuffers, h5wasm inside it)${FIXTURES_NOTE}`, async () => {
    const { dir } = await unzipToTemp(path.join(REPO_ROOT, '.build', 'half_plus_two.zip'));
    taskRoots.push(dir);
    const models = await mkdtemp(path.join(os.tmpdir(), 'zip-models-'));
    taskRoots.push(models);
    const cases = [
      { file: 'tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite', body: '{"instances": [2.0, 3.0, 4.0]}', expected: '{"predictions":[3.0,3.5,4.0]}' },
      // tf.keras Functional model, 10×10×3 in, 4 channels out after GlobalMaxPooling2D.
      { file: 'keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5', body: JSON.stringify({ instances: [Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => [0.1, 0.2, 0.3]))] }) },
    ];
    const before = await listFiles(dir);
    for (const [i, c] of cases.entries()) {
      const basePath = path.join(models, String(i));
      await mkdir(path.join(basePath, '1'), { recursive: true });
      await symlink(fixture(c.file), path.join(basePath, '1', path.basename(c.file)));
      const invocation = await invokeInFreshProcess(
        dir,
        'half_plus_two',
        httpApiEvent({ method: 'POST', path: '/v1/models/half_plus_two:predict', body: c.body }),
        { MODEL_BASE_PATH: basePath },
      );
      expect(invocation.result.statusCode, invocation.result.body).toBe(200);
      if (c.expected) expect(invocation.result.body).toBe(c.expected);
      else expect((JSON.parse(invocation.result.body) as { predictions: number[][] }).predictions[0]).toHaveLength(4);
      console.log(`${path.basename(c.file)} from the half_plus_two zip: cold start ${invocation.processUptimeMs.toFixed(0)} ms`);
    }
    expect(await listFiles(dir)).toEqual(before);
  });

  it('answers KServe V2 and binary bodies from the zip (codec chunks load on first use inside the bundle)', async () => {
    const { dir } = await unzipToTemp(path.join(REPO_ROOT, '.build', 'half_plus_two.zip'));
    taskRoots.push(dir);
    const v2 = await invokeInFreshProcess(
      dir,
      'half_plus_two',
      httpApiEvent({ method: 'POST', path: '/v2/models/half_plus_two/infer', body: JSON.stringify({ id: '7', inputs: [{ name: 'x', shape: [3], datatype: 'FP32', data: [2, 3, 4] }] }) }),
    );
    expect(v2.result.statusCode, v2.result.body).toBe(200);
    expect(JSON.parse(v2.result.body)).toEqual({
      model_name: 'half_plus_two',
      model_version: '123',
      id: '7',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [3], data: [3.0, 3.5, 4.0] }],
    });
    // An NPY request answered as an Arrow stream: both codecs are chunks imported on first use.
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, padded.length, 0]), Buffer.from(padded), Buffer.from(Float32Array.from([2, 3, 4]).buffer)]);
    const binary = await invokeInFreshProcess(
      dir,
      'half_plus_two',
      httpApiEvent({
        method: 'POST',
        path: '/v1/models/half_plus_two:predict',
        body: new Uint8Array(npy),
        headers: { 'content-type': 'application/x-npy', accept: 'application/vnd.apache.arrow.stream' },
      }),
    );
    expect(binary.result.statusCode, binary.result.body).toBe(200);
    expect(binary.result.isBase64Encoded).toBe(true);
    const { tableFromIPC } = await import('apache-arrow');
    const y = tableFromIPC(Buffer.from(binary.result.body, 'base64')).getChild('y')!;
    expect(Array.from(y.toArray() as Float32Array)).toEqual([3, 3.5, 4]);
  });

  it('carries a loadable sharp binary for the target architecture', async () => {
    const dir = taskRoots[0];
    const { stdout } = await run(process.execPath, ['-e', "console.log(require('sharp').versions.vips)"], { cwd: dir });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** One JSON log line with request id, model, version and stage timings; EMF metrics; no bodies. */
function expectPowertoolsOutput(log: string, model: string): void {
  const records = log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const served = records.find((r) => r.message === 'request served');
  expect(served, log).toMatchObject({
    level: 'INFO',
    service: 'lambda-serving',
    function_request_id: 'zip-test',
    cold_start: true,
    model,
    status: 200,
    action: 'predict',
  });
  expect(Object.keys(served!.timings_ms as object).sort()).toEqual(['decode', 'encode', 'inference', 'postprocess', 'preprocess']);
  const emf = records.filter((r) => r._aws !== undefined);
  const metricNames = emf.flatMap((r) =>
    (r._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)),
  );
  expect(metricNames).toEqual(expect.arrayContaining(['ColdStart', 'Latency', 'InferenceLatency', 'Requests']));
  expect(log).not.toContain('instances');
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}
