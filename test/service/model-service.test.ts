/**
 * ModelService hooks and lifecycle on the bundled mnist model: user subclasses, memory that stays
 * flat across requests, and eager loading.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import type { TensorMap } from '../../lib/tensors/host-tensor.ts';
import { createRouter } from '../../lib/http/router.ts';
import { ModelService, TensorResponse, type InferenceContext, type PredictRequest } from '../../lib/service/model-service.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import { heldOutDigits } from '../../scripts/mnist-data.ts';
import { REPO_ROOT } from '../support/serve-process.ts';

const basePath = path.join(REPO_ROOT, 'models', 'mnist');

/** ModelArts-style service: takes flat 784-pixel lists in 0–255 and answers the digit. */
class DigitService extends ModelService {
  override preprocess(request: PredictRequest): TensorMap {
    const images = request.body.images;
    if (!Array.isArray(images)) throw new InvalidArgumentError("'images' must be a list of 784-pixel lists");
    const values = new Float32Array(images.length * 784);
    images.forEach((image, i) => {
      if (!Array.isArray(image) || image.length !== 784) throw new InvalidArgumentError(`images[${i}] must hold 784 pixels`);
      image.forEach((pixel, j) => (values[i * 784 + j] = Number(pixel) / 255));
    });
    return { image: { dtype: 'DT_FLOAT', shape: [images.length, 28, 28], values } };
  }

  override async postprocess(outputs: TensorMap, context: InferenceContext) {
    const probabilities = outputs.probabilities.values as Float32Array;
    const digits = [];
    for (let i = 0; i < probabilities.length; i += 10) {
      const row = Array.from(probabilities.subarray(i, i + 10));
      digits.push(row.indexOf(Math.max(...row)));
    }
    return { digits, model_version: context.version, signature: context.signatureName };
  }
}

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

describe('ModelService', () => {
  it('lets a subclass replace preprocess and postprocess', async () => {
    const digits = heldOutDigits().slice(0, 20);
    const service = new DigitService({ name: 'digits', basePath });
    const result = (await service.predict({
      images: digits.map((digit) => Array.from(digit.pixels, (p) => Math.round(p * 255))),
    })) as { digits: number[]; model_version: number; signature: string };
    expect(result.model_version).toBe(1);
    expect(result.signature).toBe('serving_default');
    const correct = result.digits.filter((digit, i) => digit === digits[i].label).length;
    expect(correct).toBeGreaterThanOrEqual(18);
  });

  it('reports a hook\'s InvalidArgumentError as the request\'s error', async () => {
    const service = new DigitService({ name: 'digits', basePath });
    await expect(service.predict({ images: [[1, 2]] })).rejects.toThrow(/images\[0\] must hold 784 pixels/);
  });

  it('names the model\'s signature input and output after its layers', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    const { version, signatures } = await service.metadata();
    expect(version).toBe(1);
    expect(Object.keys(signatures.serving_default.inputs)).toEqual(['image']);
    expect(Object.keys(signatures.serving_default.outputs)).toEqual(['probabilities']);
    expect(signatures.serving_default.outputs.probabilities.shape).toEqual([-1, 10]);
  });

  it('returns TensorResponse by default, in the request\'s format', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    const image = Array.from({ length: 28 }, () => new Array(28).fill(0));
    const row = await service.predict({ instances: [image] });
    const columnar = await service.predict({ inputs: [image] });
    expect(row).toBeInstanceOf(TensorResponse);
    expect((row as TensorResponse).format).toBe('row');
    expect((columnar as TensorResponse).format).toBe('columnar');
    expect((row as TensorResponse).outputs.probabilities.shape).toEqual([1, 10]);
  });

  it('loads eagerly with load() and reports AVAILABLE', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    await service.load();
    expect(await service.status()).toEqual([{ version: 1, state: 'AVAILABLE' }]);
  });

  it('keeps tf.memory() flat across 1,000 requests through the router', async () => {
    const router = createRouter([new ModelService({ name: 'mnist', basePath })]);
    const digit = heldOutDigits()[0];
    const body = JSON.stringify({ instances: [Array.from({ length: 28 }, (_, r) => Array.from(digit.pixels.subarray(r * 28, r * 28 + 28)))] });
    const send = async () => {
      const response = await router.fetch(new Request('http://localhost/v1/models/mnist:predict', { method: 'POST', body }));
      expect(response.status).toBe(200);
      await response.text();
    };
    await send();
    const afterFirst = tf.memory();
    for (let i = 1; i < 1000; i++) await send();
    const afterThousand = tf.memory();
    console.log(`tf.memory() after 1 request: ${JSON.stringify(afterFirst)}; after 1000: ${JSON.stringify(afterThousand)}`);
    expect(afterThousand.numTensors).toBe(afterFirst.numTensors);
    expect(afterThousand.numBytes).toBe(afterFirst.numBytes);
  });
});
