/**
 * Packaged Lambda zips as Lambda runs them: unzipped into an empty folder (no node_modules of the
 * repo's around), the handler imported by a fresh `node` process with Lambda's environment.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';

const run = promisify(execFile);
const invoker = fileURLToPath(new URL('./invoke-handler.mjs', import.meta.url));

/** Unzips into a new empty folder; returns it and the unzipped byte count. */
export async function unzipToTemp(zipFile: string): Promise<{ dir: string; unzippedBytes: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `task-root-${path.basename(zipFile, '.zip')}-`));
  let unzippedBytes = 0;
  for (const [name, data] of Object.entries(unzipSync(await readFile(zipFile)))) {
    if (name.endsWith('/')) continue;
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), data);
    unzippedBytes += data.byteLength;
  }
  return { dir, unzippedBytes };
}

export interface Invocation {
  result: { statusCode: number; body: string; headers?: Record<string, string>; isBase64Encoded?: boolean };
  importMs: number;
  firstResponseMs: number;
  /** Process start to first response, as Lambda's init + first invoke would see it. */
  processUptimeMs: number;
  log: string;
}

/** Starts a fresh node process in `taskRoot` (as /var/task) and invokes `handlers/<model>.mjs` once. */
export async function invokeInFreshProcess(
  taskRoot: string,
  model: string,
  event: unknown,
  envOverrides: Record<string, string | undefined> = {},
): Promise<Invocation> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'lambda-event-'));
  const eventFile = path.join(scratch, 'event.json');
  await writeFile(eventFile, JSON.stringify(event));
  const { stdout, stderr } = await run(process.execPath, [invoker, taskRoot, `handlers/${model}.mjs`, eventFile], {
    cwd: taskRoot,
    // What Lambda's Node runtime sets, and nothing from this repo (no NODE_PATH, no tsx).
    env: withOverrides({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      AWS_LAMBDA_FUNCTION_NAME: `lambda-serving-dev-${model}`,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      LAMBDA_SERVING_BACKEND: 'wasm',
      POWERTOOLS_SERVICE_NAME: 'lambda-serving',
      POWERTOOLS_METRICS_NAMESPACE: 'LambdaServing',
    }, envOverrides),
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from ${model}:\n${stdout}\n${stderr}`);
  return { ...(JSON.parse(line.slice(7)) as Omit<Invocation, 'log'>), log: stdout + stderr };
}

function withOverrides(env: Record<string, string>, overrides: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...env, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
