/**
 * Runs `lambda-serving serve` as a separate process (as a user would) and finds its port.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/lambda-serving.mjs', 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /REST API listening on [^:\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: `http://127.0.0.1:${match[1]}`,
          child,
          output: () => output,
          stop: async (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${output}`));
    });
  });
}

/**
 * Writes `<dir>/models.config` serving each model from `<dir>/<base path>` (the base path is the
 * name unless given), and starts `lambda-serving serve` on it on a free loopback port.
 */
export async function serveModels(
  dir: string,
  models: (string | { name: string; basePath: string })[],
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const entries = models.map((model) => (typeof model === 'string' ? { name: model, basePath: model } : model));
  const config = path.join(dir, 'models.config');
  await writeFile(config, `model_config_list {\n${entries.map((m) => `  config { name: '${m.name}' base_path: '${m.basePath}' }`).join('\n')}\n}\n`);
  return startServe(['--rest_api_port=0', '--rest_api_host=127.0.0.1', `--model_config_file=${config}`], env);
}

/** Polls the status route until every listed version is AVAILABLE. */
export async function waitAvailable(url: string, model: string): Promise<void> {
  const response = await fetch(`${url}/v1/models/${model}`);
  const body = (await response.json()) as { model_version_status?: { state: string }[]; error?: string };
  if (!body.model_version_status?.every((status) => status.state === 'AVAILABLE')) {
    throw new Error(`${model} is not available: ${JSON.stringify(body)}`);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lambda-serving <args>` to completion; a non-zero exit is returned, not thrown. */
export async function runCli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/lambda-serving.mjs', ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
