/**
 * The container-image path, as far as it runs without a Docker engine: the image tree that
 * deploy/Dockerfile copies, its `npm ci --omit=dev` step, the handler answering from it in a fresh
 * process, and serverless.image.yml wiring one image to every model.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../support/lambda-events.ts';
import { invokeInFreshProcess } from '../support/lambda-zip.ts';
import { REPO_ROOT } from '../support/serve-process.ts';

const run = promisify(execFile);
let taskRoot: string;

beforeAll(async () => {
  // Packaged for the TF.js engine: the container path exists to run TF.js on native TensorFlow
  // (tfjs-node), which this test checks the fallback of. (Zips for ONNX Runtime: package*.test.ts.)
  await run('npm', ['run', 'package:image'], { cwd: REPO_ROOT, env: { ...process.env, LAMBDA_SERVING_ENGINE: 'tfjs' } });
  taskRoot = await mkdtemp(path.join(os.tmpdir(), 'image-task-root-'));
  await cp(path.join(REPO_ROOT, '.build/image'), taskRoot, { recursive: true });
  // The Dockerfile's RUN step. npm >= 11.6.2 refuses this workplace's lock (see .ci/run); 11.6.1 takes it.
  const args = ['ci', '--omit=dev', '--no-audit', '--no-fund'];
  await run('npm', args, { cwd: taskRoot }).catch(() => run('npx', ['-y', 'npm@11.6.1', ...args], { cwd: taskRoot }));
}, 300_000);

afterAll(async () => {
  await rm(taskRoot, { recursive: true, force: true });
});

describe('container image', () => {
  it('Dockerfile builds on the Lambda Node.js base image from the image tree', async () => {
    const dockerfile = await readFile(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM public\.ecr\.aws\/lambda\/nodejs:20$/m);
    expect(dockerfile).toMatch(/^COPY \.build\/image\/ \.\/$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const cmd = /^CMD \["handlers\/(\w+)\.handler"\]$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(await readdir(path.join(taskRoot, 'handlers'))).toContain(`${cmd![1]}.mjs`);
  });

  it('keeps TF.js out of the bundles so tfjs-node and the handler share one tfjs-core', async () => {
    // One handler and the chunks (code-split: what handlers import on first use), bar the HDF5
    // library's chunk (4 MB of WebAssembly as JavaScript, loaded only for Keras files).
    const chunk = /-[A-Z0-9]{8}\.mjs$/;
    const files = (await readdir(path.join(taskRoot, 'handlers'))).filter((file) => file === 'mnist.mjs' || (chunk.test(file) && !file.startsWith('hdf5_hl-')));
    expect(files.length).toBeGreaterThan(1);
    const code = await Promise.all(files.map((file) => readFile(path.join(taskRoot, 'handlers', file), 'utf8')));
    expect(code.some((text) => /from\s*"@tensorflow\/tfjs-core"/.test(text))).toBe(true);
    // tfjs-core alone would add over 1 MB: together they stay under what one copy of it weighs.
    expect(code.reduce((total, text) => total + text.length, 0)).toBeLessThan(1_000_000);
    expect(await readdir(path.join(taskRoot, 'node_modules/@tensorflow'))).toEqual(
      expect.arrayContaining(['tfjs-core', 'tfjs-converter', 'tfjs-layers', 'tfjs-backend-wasm']),
    );
  });

  it('answers from the image tree, falling back from tensorflow when its native binding is absent', async () => {
    const invocation = await invokeInFreshProcess(
      taskRoot,
      'half_plus_two',
      httpApiEvent({ method: 'POST', path: '/v1/models/half_plus_two:predict', body: '{"instances": [2.0, 3.0, 4.0]}' }),
      // No forced backend: the default order, tensorflow first.
      { LAMBDA_SERVING_BACKEND: undefined, LAMBDA_SERVING_ENGINE: 'tfjs' },
    );
    expect(invocation.result.body).toBe('{"predictions":[3.0,3.5,4.0]}');
    // Here libtensorflow cannot be downloaded, so tfjs-node is absent and the log says why.
    expect(invocation.log).toMatch(/TF\.js backend "wasm" \(tensorflow unavailable: /);
  });

  it('serverless.image.yml gives every model a function on the one image, with its own CMD', async () => {
    const { stdout } = await run('npx', ['serverless', 'print', '--config', 'serverless.image.yml', '--format', 'json'], {
      cwd: REPO_ROOT,
      maxBuffer: 8 * 1024 * 1024,
    });
    const config = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      provider: { ecr: { images: Record<string, { file: string }> } };
      functions: Record<string, { image: { name: string; command: string[] }; handler?: string }>;
    };
    expect(config.provider.ecr.images.lambdaserving.file).toBe('deploy/Dockerfile');
    const handlers = (await readdir(path.join(REPO_ROOT, 'handlers'))).map((f) => `handlers/${f.replace(/\.ts$/, '')}.handler`);
    const commands = Object.values(config.functions).map((fn) => {
      expect(fn.image.name).toBe('lambdaserving');
      expect(fn.handler).toBeUndefined();
      return fn.image.command[0];
    });
    expect(commands.sort()).toEqual(handlers.sort());
  });
});
