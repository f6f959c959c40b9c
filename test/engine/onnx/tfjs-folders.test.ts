/**
 * TF.js model folders on ONNX Runtime: the graph model and the layers model the repo bundles, and
 * the real MobileNetV2 / InceptionV3 models the `nsfwjs` package ships (extracted into a temp
 * folder by scripts/extract-nsfwjs-models.ts), answer as the TF.js engine answers the same folder.
 * The TF.js engine is the reference: it loads the folder with tfjs-converter / tfjs-layers, an
 * independent reading of the same files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import { loadArtifact } from '../../../lib/engine/engine.ts';
import type { LoadedModel } from '../../../lib/engine/model.ts';
import { onnxEngine } from '../../../lib/engine/onnx/engine.ts';
import { tfjsEngine } from '../../../lib/engine/tfjs/engine.ts';
import { readModelFolder } from '../../../lib/formats/registry.ts';
import type { HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { heldOutDigits } from '../../../scripts/mnist-data.ts';
import { extractNsfwjsModels, NSFWJS_IMAGE_SIZE, type NsfwjsModel } from '../../../scripts/extract-nsfwjs-models.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { REPO_ROOT } from '../../support/serve-process.ts';

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

async function bothEngines(dir: string): Promise<{ onnx: LoadedModel; tfjs: LoadedModel }> {
  const artifact = await readModelFolder(dir);
  return { onnx: await onnxEngine.load(artifact), tfjs: await tfjsEngine.load(artifact) };
}

const floats = (values: ArrayLike<number>, shape: number[]): HostTensor => ({ dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) });
/**
 * Signatures as clients see them (metadata, validation): the Keras graph mapping also records a
 * `feedShape` equal to the declared shape, which validates requests the same way.
 */
const visible = (signatures: LoadedModel['signatures']) => JSON.parse(JSON.stringify(signatures, (key, value) => (key === 'feedShape' ? undefined : value)));
const argmax = (values: ArrayLike<number>) => Array.from(values).reduce((best, v, i, all) => (v > all[best] ? i : best), 0);

describe('the bundled TF.js folders on ONNX Runtime', () => {
  it('half_plus_two (graph model): auto serves it on ONNX Runtime, x [2, 3, 4] → exactly [3, 3.5, 4], as TF.js', async () => {
    const lines: string[] = [];
    const model = await loadArtifact(await readModelFolder(path.join(REPO_ROOT, 'models/half_plus_two/00000123')), { engine: 'auto', log: (line) => lines.push(line) });
    expect(model.format).toBe('onnx');
    expect(lines).toEqual([expect.stringMatching(/^TF\.js model .*model\.json: engine onnxruntime$/)]);
    const { y } = await model.run('serving_default', { x: floats([2, 3, 4], [3]) });
    expect(y.dtype).toBe('DT_FLOAT');
    expect(y.shape).toEqual([3]);
    expect(Array.from(y.values as Float32Array)).toEqual([3, 3.5, 4]);
    const { tfjs } = await bothEngines(path.join(REPO_ROOT, 'models/half_plus_two/00000123'));
    expect(model.signatures).toEqual(tfjs.signatures);
    expect(Array.from((await tfjs.run('serving_default', { x: floats([2, 3, 4], [3]) })).y.values as Float32Array)).toEqual([3, 3.5, 4]);
    model.dispose();
    tfjs.dispose();
  });

  it('mnist (layers model): 200 held-out digits as one batch within 1e-5 of TF.js, the same class for each', async () => {
    const { onnx, tfjs } = await bothEngines(path.join(REPO_ROOT, 'models/mnist/1'));
    try {
      expect(onnx.format).toBe('onnx');
      expect(tfjs.format).toBe('tfjs-layers-model');
      expect(Object.keys(onnx.signatures.serving_default.inputs)).toEqual(Object.keys(tfjs.signatures.serving_default.inputs));
      expect(Object.keys(onnx.signatures.serving_default.outputs)).toEqual(Object.keys(tfjs.signatures.serving_default.outputs));
      const digits = heldOutDigits().filter((_, i) => i % 10 === 0).slice(0, 200);
      const pixels = new Float32Array(digits.length * 784);
      digits.forEach((digit, i) => pixels.set(digit.pixels, i * 784));
      const input = { image: floats(pixels, [digits.length, 28, 28]) };
      const got = (await onnx.run('serving_default', input)).probabilities;
      const want = (await tfjs.run('serving_default', input)).probabilities;
      expect(got.shape).toEqual([digits.length, 10]);
      let worst = 0;
      for (let i = 0; i < got.values.length; i++) worst = Math.max(worst, Math.abs((got.values as Float32Array)[i] - (want.values as Float32Array)[i]));
      console.log(`mnist: ONNX Runtime vs TF.js, largest difference ${worst.toExponential(2)} over ${digits.length} digits`);
      expect(worst).toBeLessThanOrEqual(1e-5);
      for (let i = 0; i < digits.length; i++) {
        const row = (values: HostTensor) => (values.values as Float32Array).subarray(i * 10, i * 10 + 10);
        expect(argmax(row(got)), `digit ${i}`).toBe(argmax(row(want)));
      }
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });
});

describe.skipIf(!HAVE_FIXTURES)(`nsfwjs's TF.js models on ONNX Runtime and on TF.js, a real photo${FIXTURES_NOTE}`, () => {
  let dir: string;
  let written: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nsfwjs-'));
    written = await extractNsfwjsModels(dir);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The photo as nsfwjs feeds it: RGB scaled to [0, 1], resized to the model's size. */
  async function photo(size: number): Promise<HostTensor> {
    const pixels = await sharp(fixture('images/imagenet/my_cat.jpg')).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    return floats(Float32Array.from(pixels, (v) => v / 255), [1, size, size, 3]);
  }

  it.each([
    ['mobilenet_v2', 'tfjs-layers-model'],
    ['mobilenet_v2_mid', 'tfjs-graph-model'],
    ['inception_v3', 'tfjs-layers-model'],
  ] as [NsfwjsModel, string][])('%s: the 5 class probabilities within 1e-4 of TF.js', async (name, tfjsFormat) => {
    const { onnx, tfjs } = await bothEngines(path.dirname(written[name]));
    try {
      expect(onnx.format).toBe('onnx');
      expect(tfjs.format).toBe(tfjsFormat);
      expect(visible(onnx.signatures)).toEqual(visible(tfjs.signatures));
      const signature = tfjs.signatures.serving_default;
      const [input] = Object.keys(signature.inputs);
      const [output] = Object.keys(signature.outputs);
      const feeds = { [input]: await photo(NSFWJS_IMAGE_SIZE[name]) };
      const got = (await onnx.run('serving_default', feeds))[output];
      const want = (await tfjs.run('serving_default', feeds))[output];
      expect(got.shape).toEqual([1, 5]);
      const g = Array.from(got.values as Float32Array);
      const w = Array.from(want.values as Float32Array);
      console.log(`${name}: ONNX Runtime [${g.map((v) => v.toFixed(6))}] vs TF.js [${w.map((v) => v.toFixed(6))}]`);
      g.forEach((v, i) => expect(Math.abs(v - w[i]), `class ${i}`).toBeLessThanOrEqual(1e-4));
      expect(Math.abs(g.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  }, 120_000);
});
