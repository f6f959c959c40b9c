/**
 * `npm run dev`: serverless-offline serving every function's bundle on localhost with the
 * API Gateway routes of serverless.yml, called over real HTTP, then stopped cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/serve-process.ts';
import { acquireBuildLock } from '../support/build-lock.ts';

let child: ChildProcess;
let output = '';
let base: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let releaseBuild: (() => Promise<void>) | undefined;

beforeAll(async () => {
  releaseBuild = await acquireBuildLock();
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${httpPort}`;
  // Its own process group, so stopping it stops npm, tsx and serverless together.
  child = spawn('npm', ['run', 'dev'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEV_PORT: String(httpPort), DEV_LAMBDA_PORT: String(lambdaPort) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 180_000;
  while (!output.includes('Server ready')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serverless-offline did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  await releaseBuild?.();
});

describe('npm run dev (serverless-offline)', () => {
  it('answers predict for both models', async () => {
    const half = await fetch(`${base}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [2.0, 3.0, 4.0]}' });
    expect(half.status).toBe(200);
    expect(await half.text()).toBe('{"predictions":[3.0,3.5,4.0]}');
    const image = Array.from({ length: 28 }, () => new Array(28).fill(0));
    const mnist = await fetch(`${base}/v1/models/mnist/versions/1:predict`, { method: 'POST', body: JSON.stringify({ inputs: [image] }) });
    expect(mnist.status).toBe(200);
    const { outputs } = (await mnist.json()) as { outputs: number[][] };
    expect(outputs).toHaveLength(1);
    expect(outputs[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('answers status and metadata for both models', async () => {
    for (const [model, version] of [['half_plus_two', '123'], ['mnist', '1']]) {
      const status = await (await fetch(`${base}/v1/models/${model}`)).json();
      expect(status).toEqual({ model_version_status: [{ version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
      const metadata = (await (await fetch(`${base}/v1/models/${model}/metadata`)).json()) as { model_spec: unknown };
      expect(metadata.model_spec).toEqual({ name: model, signature_name: '', version });
    }
  });

  it('passes a 4xx from the router through API Gateway emulation', async () => {
    const response = await fetch(`${base}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": ["two"]}' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/DT_FLOAT/);
  });

  it('stops cleanly on SIGINT and frees its port', async () => {
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    process.kill(-child.pid!, 'SIGINT');
    const [code, signal] = await exited;
    expect(code === 0 || code === 130 || signal === 'SIGINT', `exit ${code} ${signal}`).toBe(true);
    let listening = true;
    for (let i = 0; i < 40 && listening; i++) {
      listening = await fetch(`${base}/v1/models/mnist`).then(() => true, () => false);
      if (listening) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(listening).toBe(false);
    expect(output).not.toMatch(/Unhandled|TypeError/);
  });
});
