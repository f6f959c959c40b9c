/**
 * Picks the TF.js backend once per process: native TensorFlow when its binding loads, else WASM,
 * else pure-JS CPU. `LAMBDA_SERVING_BACKEND` forces one.
 * @module engine/backend
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Environment variable that forces a backend. */
export const BACKEND_ENV = 'LAMBDA_SERVING_BACKEND';
/** Environment variable naming the folder that holds the TF.js `.wasm` files (bundles set it). */
export const WASM_PATH_ENV = 'LAMBDA_SERVING_WASM_PATH';

let selected: Promise<BackendName> | undefined;

/**
 * Initialises the backend (once; later calls return the same promise).
 * @param preferred a backend name, or undefined to read `LAMBDA_SERVING_BACKEND`, else try all in order
 */
export function initBackend(
  preferred: string | undefined = process.env[BACKEND_ENV],
  log: (message: string) => void = (message) => console.log(message),
): Promise<BackendName> {
  selected ??= chooseBackend(preferred, log).catch((error: unknown) => {
    selected = undefined;
    throw error;
  });
  return selected;
}

async function chooseBackend(
  preferred: string | undefined,
  log: (message: string) => void,
): Promise<BackendName> {
  const wanted = preferred?.trim().toLowerCase() || undefined;
  if (wanted !== undefined && !BACKENDS.includes(wanted as BackendName)) {
    throw new Error(`${BACKEND_ENV}=${preferred} is not one of ${BACKENDS.join(', ')}`);
  }
  const candidates = wanted ? [wanted as BackendName] : BACKENDS;
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      await REGISTER[name]();
      if (!(await tf.setBackend(name))) throw new Error('setBackend returned false');
      await tf.ready();
      log(`lambda-serving: TF.js backend "${name}"${failures.length ? ` (${failures.join('; ')})` : ''}`);
      return name;
    } catch (error) {
      failures.push(`${name} unavailable: ${firstLine(error)}`);
    }
  }
  throw new Error(`No TF.js backend could start: ${failures.join('; ')}`);
}

const REGISTER: Record<BackendName, () => Promise<void>> = {
  // Optional dependency: present only where its native libtensorflow could be installed.
  async tensorflow() {
    const moduleName = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ moduleName);
  },
  async wasm() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // A CommonJS package: esbuild's code-split bundles hand its exports over as `default`.
    const { setWasmPaths } = 'setWasmPaths' in wasm ? wasm : (wasm as { default: typeof wasm }).default;
    setWasmPaths(wasmDirectory());
  },
  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
  },
};

/**
 * Where the `.wasm` binaries are: the env override, else a `wasm/` folder beside the running
 * bundle (how `npm run package` lays out a Lambda zip), else the installed package.
 */
function wasmDirectory(): string {
  const configured = process.env[WASM_PATH_ENV];
  if (configured) return configured.endsWith('/') ? configured : `${configured}/`;
  const besideBundle = fileURLToPath(new URL('../wasm/', import.meta.url));
  if (existsSync(path.join(besideBundle, 'tfjs-backend-wasm.wasm'))) return besideBundle;
  const require = createRequire(import.meta.url);
  return `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0];
}
