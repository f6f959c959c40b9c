/**
 * Builds one Lambda zip per handler: `handlers/<model>.ts` → `.build/<model>.zip` holding
 *   handlers/<model>.mjs   the esbuild bundle (ESM, Node 20, minified; tfjs-node left out), with
 *                          its chunks (*-HASH.mjs) beside it: what it imports on first use
 *   models/<model>/        only this model's files, each version in the form of the engine serving
 *                          it (scripts/stage-models.ts, chosen as serving chooses: lambda.json's
 *                          `engine`, else LAMBDA_SERVING_ENGINE, else auto): an ONNX folder for
 *                          ONNX Runtime, a TF.js folder for TF.js; --no-convert copies them as is
 *   wasm/*.wasm            TF.js WASM binaries (found by lib/engine/backend.ts beside the bundle)
 *   node_modules/          sharp and its native binary for the target architecture (external);
 *                          onnxruntime-node (package.json, dist/, only bin/napi-v6/linux/<arch>/)
 *                          and onnxruntime-common when ONNX Runtime serves a version of the model
 * `--dev` instead writes every handler into one tree, `.build/dev/`, for serverless-offline.
 * `--image` writes that tree to `.build/image/` with TF.js left out of the bundles, plus
 * package.json and the lock, for deploy/Dockerfile: there `npm ci` installs TF.js and the native
 * `@tensorflow/tfjs-node`, which must share one tfjs-core with the handler.
 *
 * Why our own script rather than serverless-esbuild: the zip must carry files esbuild never sees
 * (WASM binaries, model folders, another architecture's sharp binary); here each is one explicit
 * step, and the same layout serves `sls package`, serverless-offline and the zip tests.
 *
 * Usage: tsx scripts/package-lambdas.ts [--arch x86_64|arm64] [--dev | --image] [--no-convert]
 *          [--handlers DIR] [--models DIR] [--out DIR] [model ...]
 * (--handlers, --models: other roots than the repo's handlers/ and models/; --out: another
 * folder than .build/ for the zips and trees.)
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';
import { stageModel, type StagedVersion } from './stage-models.ts';

const root = path.resolve(import.meta.dirname, '..');
const buildDir = path.join(root, '.build');
const require = createRequire(import.meta.url);

export type Architecture = 'x86_64' | 'arm64';

interface Options {
  arch: Architecture;
  /** One tree for every handler instead of a zip each: for serverless-offline or a container image. */
  tree?: 'dev' | 'image';
  /** Stage each version in its engine's form (scripts/stage-models.ts). @default true */
  convert?: boolean;
  models: string[];
  /** Where handlers/<model>.ts are. @default <repo>/handlers */
  handlersDir?: string;
  /** Where models/<model>/ are. @default <repo>/models */
  modelsDir?: string;
  /** Where the zips (and the dev/image trees) are written. @default <repo>/.build */
  outDir?: string;
}

/** Lambda's limit on a function's unzipped code. */
export const UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

function parseArgs(argv: string[]): Options {
  const options: Options = { arch: (process.env.LAMBDA_ARCH as Architecture) || 'x86_64', models: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dev' || arg === '--image') options.tree = arg.slice(2) as 'dev' | 'image';
    else if (arg === '--no-convert') options.convert = false;
    else if (arg === '--arch') options.arch = argv[++i] as Architecture;
    else if (arg.startsWith('--arch=')) options.arch = arg.slice(7) as Architecture;
    else if (/^--(handlers|models|out)(=|$)/.test(arg)) {
      const [flag, inline] = arg.split(/=(.*)/s);
      const value = path.resolve(inline ?? argv[++i] ?? '');
      if (flag === '--handlers') options.handlersDir = value;
      else if (flag === '--models') options.modelsDir = value;
      else options.outDir = value;
    }
    else options.models.push(arg);
  }
  if (!['x86_64', 'arm64'].includes(options.arch)) throw new Error(`--arch must be x86_64 or arm64, got ${options.arch}`);
  return options;
}

/** Every handler file names one model: handlers/<model>.ts. */
async function handlerModels(handlersDir: string): Promise<string[]> {
  return (await readdir(handlersDir)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
}

/** TF.js stays out of image bundles: the image's node_modules holds it with tfjs-node. */
const TFJS_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];

async function bundle(model: string, handlersDir: string, outDir: string, externalTfjs = false): Promise<void> {
  await build({
    entryPoints: [path.join(handlersDir, `${model}.ts`)],
    outdir: path.join(outDir, 'handlers'),
    outExtension: { '.js': '.mjs' },
    // Importers loaded on first use (Keras's HDF5 library alone is 4 MB of JavaScript) become
    // chunks beside the handler: a model in another format never reads them at cold start.
    splitting: true,
    chunkNames: '[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    // Native or optional: tfjs-node only where a container image ships it; sharp beside the bundle;
    // onnxruntime-node (a native library per platform) only beside a model it serves — elsewhere
    // its import fails, the ONNX engine refuses, and TF.js serves.
    external: ['@tensorflow/tfjs-node', 'sharp', 'onnxruntime-node', ...(externalTfjs ? TFJS_PACKAGES : [])],
    // CommonJS dependencies (TF.js's emscripten loader among them) use require() and __dirname.
    banner: {
      js: [
        "import { createRequire as __lsRequire } from 'node:module';",
        "import { fileURLToPath as __lsPath } from 'node:url';",
        'const require = __lsRequire(import.meta.url);',
        'const __filename = __lsPath(import.meta.url);',
        "const __dirname = __lsPath(new URL('.', import.meta.url));",
      ].join(' '),
    },
    logLevel: 'warning',
  });
}

async function copyWasm(outDir: string): Promise<void> {
  const source = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  await mkdir(path.join(outDir, 'wasm'), { recursive: true });
  for (const file of (await readdir(source)).filter((f) => f.endsWith('.wasm'))) {
    await cp(path.join(source, file), path.join(outDir, 'wasm', file));
  }
}

/** sharp with its runtime dependencies and native binary for `arch`, installed once per arch. */
async function nativeModules(arch: Architecture): Promise<string> {
  const version = JSON.parse(await readFile(path.join(root, 'node_modules/sharp/package.json'), 'utf8')).version as string;
  const staging = path.join(buildDir, `.native-${arch}-sharp-${version}`);
  if (!(await exists(staging))) {
    // Install aside, then rename into place: concurrent builds never see a half-installed folder.
    const scratch = `${staging}.${process.pid}`;
    await mkdir(scratch, { recursive: true });
    await writeFile(path.join(scratch, 'package.json'), '{"private":true}');
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--omit=dev', '--os=linux', `--cpu=${arch === 'arm64' ? 'arm64' : 'x64'}`, '--libc=glibc', `sharp@${version}`],
      { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await rename(scratch, staging).catch(() => rm(scratch, { recursive: true, force: true }));
  }
  return path.join(staging, 'node_modules');
}

/**
 * onnxruntime-node as the bundle imports it (external), for `arch` only: its package.json, dist/
 * and bin/napi-v6/linux/<x64|arm64>/ (the other platforms' libraries are hundreds of MB), and
 * onnxruntime-common, its one runtime dependency.
 */
async function copyOnnxRuntime(nodeModules: string, arch: Architecture): Promise<void> {
  const ort = path.dirname(require.resolve('onnxruntime-node/package.json'));
  // Where node would find it from onnxruntime-node (its package.json is not in its exports).
  const candidates = [path.join(ort, 'node_modules', 'onnxruntime-common'), path.join(path.dirname(ort), 'onnxruntime-common')];
  const common = (await Promise.all(candidates.map(async (dir) => ((await exists(path.join(dir, 'package.json'))) ? dir : undefined)))).find(Boolean);
  if (!common) throw new Error(`onnxruntime-common is not installed beside ${ort}`);
  const binaries = path.join('bin', 'napi-v6', 'linux', arch === 'arm64' ? 'arm64' : 'x64');
  if (!(await exists(path.join(ort, binaries)))) throw new Error(`onnxruntime-node has no ${binaries} in ${ort}`);
  const to = path.join(nodeModules, 'onnxruntime-node');
  for (const part of ['package.json', 'dist', binaries]) await cp(path.join(ort, part), path.join(to, part), { recursive: true });
  await cp(common, path.join(nodeModules, 'onnxruntime-common'), { recursive: true });
}

const servedByOnnx = (staged: StagedVersion[]) => staged.some((version) => version.engine === 'onnxruntime');

function unzippedBytes(files: Zippable): number {
  return Object.values(files).reduce((sum, entry) => sum + (entry as [Uint8Array, unknown])[0].byteLength, 0);
}

async function collect(dir: string, prefix = ''): Promise<Zippable> {
  const files: Zippable = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, await collect(full, `${name}/`));
    else if (entry.isFile()) files[name] = [await readFile(full), { attrs: (0o100644 << 16) >>> 0, os: 3 }];
  }
  return files;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

export interface PackagedLambda {
  model: string;
  zip?: string;
  bytes?: number;
  unzippedBytes?: number;
  /** How each version was staged, and for which engine. */
  staged: StagedVersion[];
}

export async function packageLambdas(options: Options): Promise<PackagedLambda[]> {
  const handlersDir = options.handlersDir ?? path.join(root, 'handlers');
  const modelsDir = options.modelsDir ?? path.join(root, 'models');
  const outRoot = options.outDir ?? buildDir;
  const models = options.models.length ? options.models : await handlerModels(handlersDir);
  const native = options.tree === 'image' ? '' : await nativeModules(options.arch);
  const results: PackagedLambda[] = [];
  if (options.tree) {
    const outDir = path.join(outRoot, options.tree);
    await rm(outDir, { recursive: true, force: true });
    for (const model of models) {
      await bundle(model, handlersDir, outDir, options.tree === 'image');
      const staged = await stageModel(path.join(modelsDir, model), path.join(outDir, 'models', model), { convert: options.convert });
      results.push({ model, staged });
    }
    await copyWasm(outDir);
    if (options.tree === 'dev') {
      await cp(native, path.join(outDir, 'node_modules'), { recursive: true });
      if (results.some((result) => servedByOnnx(result.staged))) await copyOnnxRuntime(path.join(outDir, 'node_modules'), options.arch);
    } else for (const file of ['package.json', 'package-lock.json', '.npmrc']) await cp(path.join(root, file), path.join(outDir, file));
    return results;
  }
  if (!options.models.length) {
    // A full build leaves no zip of a handler that no longer exists.
    for (const stale of (await readdir(outRoot).catch(() => [])).filter((f) => f.endsWith('.zip'))) {
      await rm(path.join(outRoot, stale));
    }
  }
  for (const model of models) {
    const outDir = path.join(outRoot, model);
    await rm(outDir, { recursive: true, force: true });
    await bundle(model, handlersDir, outDir);
    const staged = await stageModel(path.join(modelsDir, model), path.join(outDir, 'models', model), { convert: options.convert });
    await copyWasm(outDir);
    await cp(native, path.join(outDir, 'node_modules'), { recursive: true });
    if (servedByOnnx(staged)) await copyOnnxRuntime(path.join(outDir, 'node_modules'), options.arch);
    const files = await collect(outDir);
    const unzipped = unzippedBytes(files);
    if (unzipped > UNZIPPED_LIMIT_BYTES) {
      throw new Error(`${model}: ${(unzipped / 1024 / 1024).toFixed(1)} MB unzipped, over Lambda's ${UNZIPPED_LIMIT_BYTES / 1024 / 1024} MB limit for a zip`);
    }
    const zip = zipSync(files, { level: 9 });
    const zipPath = path.join(outRoot, `${model}.zip`);
    await writeFile(zipPath, zip);
    results.push({ model, zip: zipPath, bytes: zip.byteLength, unzippedBytes: unzipped, staged });
  }
  return results;
}

function engines(staged: StagedVersion[]): string {
  return staged.map((version) => `version ${version.version}: ${version.engine}`).join(', ') || 'no versions';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = parseArgs(process.argv.slice(2));
  for (const result of await packageLambdas(options)) {
    console.log(
      result.zip
        ? `${result.model}: ${path.relative(root, result.zip)} ${(result.bytes! / 1024 / 1024).toFixed(2)} MB, ${(result.unzippedBytes! / 1024 / 1024).toFixed(2)} MB unzipped (${options.arch}; ${engines(result.staged)})`
        : `${result.model}: ${path.relative(root, path.join(options.outDir ?? buildDir, options.tree!, 'handlers', `${result.model}.mjs`))} (${engines(result.staged)})`,
    );
  }
}
