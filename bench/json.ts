/**
 * How fast is TF Serving's JSON, against V8's own JSON.parse / JSON.stringify on the same data?
 *
 * Decode: a 224×224×3 image as `{"instances": [image]}`, its numbers written three ways — float32
 * (the shortest text that reads back as the float32, as our encoder and float32 clients write it),
 * float64 (17-digit doubles, as Python's json.dumps writes numpy values after .tolist()) and
 * uint8 (pixel integers) — decoded into a DT_FLOAT tensor by
 *   - `parseJson + decode`: parseJson, readPredictBody, decodePredictInputs (the tree path),
 *   - `decodePredictJson`: the text straight into the Float32Array,
 * each against `JSON.parse` of the same text (a tree of JS arrays, no tensor, no TF Serving rules).
 *
 * Encode: float32 tensors [1, 1000] and [1000, 1000] (values in [-1, 1]) written by
 * encodePredictResponse as `{"predictions": …}`, against `JSON.stringify` of the same values as
 * nested JS arrays (17-digit doubles, not float32 text). MB/s are of tensor data (4 bytes a value).
 *
 * Every measure runs once per round (the [1, 1000] encodes 100 times, timed together), one after
 * another, so drift hits all alike, each after a full garbage collection (so none pays for
 * another's garbage); the median of ROUNDS rounds (after WARM_UP) is reported. With BASELINE=<git ref>, the same rounds also run
 * the code of that commit (lib/ extracted from git into a temporary directory), for before/after
 * figures from one run.
 *
 * Run: npx tsx bench/json.ts  (ROUNDS=n, BASELINE=<ref>). Writes bench/results/json.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatFloat32 } from '../lib/codecs/float32-text.ts';
import { parseJson } from '../lib/codecs/tensor-json.ts';
import { decodePredictInputs, decodePredictJson, encodePredictResponse, readPredictBody } from '../lib/protocols/tf-serving/predict-json.ts';
import type { TensorMap } from '../lib/tensors/host-tensor.ts';
import type { Signature } from '../lib/tensors/signature.ts';
import { mulberry32 } from '../scripts/mulberry32.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 25);
const WARM_UP = 3;
const BASELINE = process.env.BASELINE;

const IMAGE = [224, 224, 3];
const SIGNATURE: Signature = {
  methodName: 'tensorflow/serving/predict',
  inputs: { x: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1, ...IMAGE] } },
  outputs: { y: { tensorName: 'y:0', dtype: 'DT_FLOAT', shape: [-1, 1000] } },
};

interface Implementation {
  parseJson: typeof parseJson;
  readPredictBody: typeof readPredictBody;
  decodePredictInputs: typeof decodePredictInputs;
  encodePredictResponse: typeof encodePredictResponse;
}

/** The code of a commit: its lib/ from `git archive`, imported from a temporary directory. */
async function baseline(ref: string): Promise<Implementation> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lambda-serving-baseline-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const archive = execFileSync('git', ['archive', ref, 'lib'], { cwd: path.resolve(import.meta.dirname, '..'), maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  writeFileSync(path.join(root, 'package.json'), '{"type": "module"}'); // ESM, as the app runs
  const load = (file: string) => import(pathToFileURL(path.join(root, file)).href);
  const json = await load('lib/codecs/tensor-json.ts');
  const predict = await load('lib/protocols/tf-serving/predict-json.ts');
  return { parseJson: json.parseJson, ...predict };
}

const random = mulberry32(224);
const uniform = () => random() / 2 ** 32;
const size = IMAGE.reduce((a, b) => a * b, 1);
/** The same pixels in [0, 1], as each writer writes them. */
const pixels = Float32Array.from({ length: size }, () => Math.floor(uniform() * 256) / 255);
const NUMBER_TEXT: Record<string, (i: number) => string> = {
  float32: (i) => formatFloat32(pixels[i]),
  float64: (i) => String(pixels[i]),
  uint8: (i) => String(Math.round(pixels[i] * 255)),
};

/** `{"instances": [image]}` with each number written by `write` — decoded from bytes, as a request body is. */
function imageBody(write: (i: number) => string): string {
  const rows: string[] = [];
  for (let r = 0; r < IMAGE[0]; r++) {
    const row: string[] = [];
    for (let c = 0; c < IMAGE[1]; c++) {
      const at = (r * IMAGE[1] + c) * 3;
      row.push(`[${write(at)},${write(at + 1)},${write(at + 2)}]`);
    }
    rows.push(`[${row.join(',')}]`);
  }
  return new TextDecoder().decode(new TextEncoder().encode(`{"instances":[[${rows.join(',')}]]}`));
}

function outputTensor(shape: number[]): { tensors: TensorMap; nested: unknown } {
  const values = Float32Array.from({ length: shape[0] * shape[1] }, () => uniform() * 2 - 1);
  const nested = Array.from({ length: shape[0] }, (_, b) => Array.from(values.subarray(b * shape[1], (b + 1) * shape[1])));
  return { tensors: { y: { dtype: 'DT_FLOAT', shape, values } }, nested: { predictions: nested } };
}

/** One measured thing: run() `repeat` times a round (small ones many times, for a steady figure per call). */
interface Measure {
  group: string;
  name: string;
  run: () => unknown;
  repeat: number;
  samples: number[];
}

const measures: Measure[] = [];
const add = (group: string, name: string, run: () => unknown, repeat = 1) => measures.push({ group, name, run, repeat, samples: [] });
const before = BASELINE ? await baseline(BASELINE) : undefined;

const bodies = Object.fromEntries(Object.entries(NUMBER_TEXT).map(([kind, write]) => [kind, imageBody(write)]));
for (const [kind, text] of Object.entries(bodies)) {
  const group = `decode 224×224×3, ${kind} text`;
  add(group, 'JSON.parse', () => JSON.parse(text));
  add(group, 'parseJson + decode', () => {
    const body = readPredictBody(parseJson(text));
    return decodePredictInputs(body.payload, body.format, SIGNATURE);
  });
  add(group, 'decodePredictJson', () => decodePredictJson(text, () => SIGNATURE).inputs);
  if (before) {
    add(group, `baseline ${BASELINE}`, () => {
      const body = before.readPredictBody(before.parseJson(text));
      return before.decodePredictInputs(body.payload, body.format, SIGNATURE);
    });
  }
}

const outputs = { '[1, 1000]': outputTensor([1, 1000]), '[1000, 1000]': outputTensor([1000, 1000]) };
for (const [shape, { tensors, nested }] of Object.entries(outputs)) {
  const group = `encode float32 ${shape}`;
  const repeat = shape === '[1, 1000]' ? 100 : 1;
  add(group, 'JSON.stringify', () => JSON.stringify(nested), repeat);
  add(group, 'encodePredictResponse', () => encodePredictResponse(tensors, 'row'), repeat);
  if (before) add(group, `baseline ${BASELINE}`, () => before.encodePredictResponse(tensors, 'row'), repeat);
}

// The outputs must not differ from the baseline's, nor the tensors between the two decoders.
for (const [kind, text] of Object.entries(bodies)) {
  const body = readPredictBody(parseJson(text));
  const tree = decodePredictInputs(body.payload, body.format, SIGNATURE).x.values as Float32Array;
  const direct = decodePredictJson(text, () => SIGNATURE).inputs.x.values as Float32Array;
  const expected = kind === 'uint8' ? Float32Array.from(pixels, (p) => Math.round(p * 255)) : pixels;
  if (!tree.every((v, i) => Object.is(v, expected[i]) && Object.is(direct[i], v))) throw new Error(`${kind}: decoders disagree`);
}
if (before) {
  for (const { tensors } of Object.values(outputs)) {
    if (encodePredictResponse(tensors, 'row') !== before.encodePredictResponse(tensors, 'row')) throw new Error('encode differs from the baseline');
  }
}

// A full collection before each measure, so none pays for another's garbage.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

for (let round = 0; round < WARM_UP + ROUNDS; round++) {
  for (const measure of measures) {
    collectGarbage();
    const start = performance.now();
    for (let i = 0; i < measure.repeat; i++) measure.run();
    const ms = (performance.now() - start) / measure.repeat;
    if (round >= WARM_UP) measure.samples.push(ms);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const groups = [...new Set(measures.map((m) => m.group))].map((group) => {
  const rows = measures.filter((m) => m.group === group);
  const reference = median(rows[0].samples);
  const encode = group.startsWith('encode');
  const dataBytes = encode ? (group.includes('[1, 1000]') ? 4 * 1000 : 4 * 1e6) : 4 * size;
  return {
    group,
    body_mb: encode ? undefined : +(bodies[group.split(', ')[1].split(' ')[0]].length / 1e6).toFixed(2),
    results: rows.map((m) => {
      const ms = median(m.samples);
      return {
        name: m.name,
        median_ms: +ms.toFixed(3),
        [`vs_${rows[0].name}`]: +(ms / reference).toFixed(2),
        mb_per_s: +(dataBytes / 1e6 / (ms / 1e3)).toFixed(1),
      };
    }),
  };
});

const output = path.resolve(import.meta.dirname, 'results/json.json');
await mkdir(path.dirname(output), { recursive: true });
await writeFile(
  output,
  JSON.stringify({ node: process.version, rounds: ROUNDS, baseline: BASELINE ?? null, load_average: os.loadavg().map((l) => +l.toFixed(2)), groups }, null, 2),
);
console.log(`median of ${ROUNDS} interleaved rounds (ms; ratio to the first row; MB/s of tensor data)`);
for (const { group, body_mb, results } of groups) {
  console.log(`\n${group}${body_mb ? ` (${body_mb} MB body)` : ''}`);
  console.table(results);
}
console.log(`written to ${path.relative(process.cwd(), output)}`);
