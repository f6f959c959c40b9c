/**
 * Cold start per packaged function: fresh `node` process start → first response to an HTTP API v2
 * predict event, from the unzipped zip (median of ROUNDS=10). Also the zip sizes.
 * Run: npm run bench:cold-start  (packages first). Writes bench/results/cold-start.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { httpApiEvent } from '../test/support/lambda-events.ts';
import { invokeInFreshProcess, unzipToTemp } from '../test/support/lambda-zip.ts';

const root = path.resolve(import.meta.dirname, '..');
const rounds = Number(process.env.ROUNDS ?? 10);
const BODIES: Record<string, string> = {
  half_plus_two: '{"instances": [2.0, 3.0, 4.0]}',
  mnist: JSON.stringify({ instances: [Array.from({ length: 28 }, () => new Array(28).fill(0))] }),
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

execFileSync('npx', ['tsx', 'scripts/package-lambdas.ts'], { cwd: root, stdio: 'inherit' });
const results: Record<string, unknown> = {};
for (const zip of (await readdir(path.join(root, '.build'))).filter((f) => f.endsWith('.zip')).sort()) {
  const model = zip.slice(0, -4);
  const zipFile = path.join(root, '.build', zip);
  const { dir, unzippedBytes } = await unzipToTemp(zipFile);
  const event = httpApiEvent({ method: 'POST', path: `/v1/models/${model}:predict`, body: BODIES[model] ?? '{"instances": []}' });
  const starts: number[] = [];
  const imports: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const invocation = await invokeInFreshProcess(dir, model, event);
    if (invocation.result.statusCode !== 200) throw new Error(`${model}: ${invocation.result.body}`);
    starts.push(invocation.processUptimeMs);
    imports.push(invocation.importMs);
  }
  await rm(dir, { recursive: true, force: true });
  results[model] = {
    zip_mb: +((await stat(zipFile)).size / 2 ** 20).toFixed(2),
    unzipped_mb: +(unzippedBytes / 2 ** 20).toFixed(2),
    cold_start_median_ms: +median(starts).toFixed(1),
    cold_start_min_ms: +Math.min(...starts).toFixed(1),
    cold_start_max_ms: +Math.max(...starts).toFixed(1),
    handler_import_median_ms: +median(imports).toFixed(1),
    rounds,
  };
}
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, 'bench/results/cold-start.json'), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
