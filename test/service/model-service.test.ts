/**
 * ModelService hooks and lifecycle on the bundled mnist model: user subclasses, memory that stays
 * flat across requests, and eager loading.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import type { TensorMap } from '../../lib/tensors/host-tensor.ts';
import { createApp } from '../../lib/http/app.ts';
import { createInferRequest, isBodyResponse, type InferRequest, type TensorResponse } from '../../lib/service/infer-request.ts';
import { ModelService, type InferenceContext } from '../../lib/service/model-service.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import { heldOutDigits } from '../../scripts/mnist-data.ts';
import { REPO_ROOT } from '../support/serve-process.ts';

const basePath = path.join(REPO_ROOT, 'models', 'mnist');

/** ModelArts-style service: takes flat 784-pixel lists in 0–255 and answers the digit. */
class DigitService extends ModelService {
  override preprocess(request: InferRequest): TensorMap {
    const body = request.raw.json as { images?: unknown };
    const images = body?.images;
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
    return { body: { digits, model_version: context.version, signature: context.signatureName } };
  }
}

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

describe('ModelService', () => {
  it('lets a subclass replace preprocess and postprocess', async () => {
    const digits = heldOutDigits().slice(0, 20);
    const service = new DigitService({ name: 'digits', basePath });
    const response = await service.infer(jsonRequest({
      images: digits.map((digit) => Array.from(digit.pixels, (p) => Math.round(p * 255))),
    }));
    if (!isBodyResponse(response)) throw new Error('expected the postprocess body');
    const result = response.body as { digits: number[]; model_version: number; signature: string };
    expect(result.model_version).toBe(1);
    expect(result.signature).toBe('serving_default');
    const correct = result.digits.filter((digit, i) => digit === digits[i].label).length;
    expect(correct).toBeGreaterThanOrEqual(18);
  });

  it('reports a hook\'s InvalidArgumentError as the request\'s error', async () => {
    const service = new DigitService({ name: 'digits', basePath });
    await expect(service.infer(jsonRequest({ images: [[1, 2]] }))).rejects.toThrow(/images\[0\] must hold 784 pixels/);
  });

  it('names the model\'s signature input and output after its layers', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    const { version, signatures } = await service.metadata();
    expect(version).toBe(1);
    expect(Object.keys(signatures.serving_default.inputs)).toEqual(['image']);
    expect(Object.keys(signatures.serving_default.outputs)).toEqual(['probabilities']);
    expect(signatures.serving_default.outputs.probabilities.shape).toEqual([-1, 10]);
  });

  it('passes the decoded inputs through by default and answers tensors', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    const image = { dtype: 'DT_FLOAT' as const, shape: [1, 28, 28], values: new Float32Array(784) };
    const response = await service.infer(createInferRequest({ inputs: { image } }));
    expect(isBodyResponse(response)).toBe(false);
    const { outputs } = response as TensorResponse;
    expect(Object.keys(outputs)).toEqual(['probabilities']);
    expect(outputs.probabilities.shape).toEqual([1, 10]);
    const sum = (outputs.probabilities.values as Float32Array).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
  });

  it('decodes lazily: a hook that reads only the raw body never trips over its format', async () => {
    let decoded = 0;
    const request = createInferRequest({
      raw: { bytes: new Uint8Array(0) },
      inputs: () => {
        decoded++;
        throw new InvalidArgumentError('not a TF Serving body');
      },
    });
    const service = new DigitService({ name: 'digits', basePath });
    await expect(service.infer(request)).rejects.toThrow(/'images' must be a list/);
    expect(decoded).toBe(0);
  });

  it('answers only the outputs the request names, and refuses unknown ones', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    const image = { dtype: 'DT_FLOAT' as const, shape: [1, 28, 28], values: new Float32Array(784) };
    await expect(service.infer(createInferRequest({ inputs: { image }, outputNames: ['nope'] }))).rejects.toThrow(/Unknown output 'nope'/);
    const response = (await service.infer(createInferRequest({ inputs: { image }, outputNames: ['probabilities'] }))) as TensorResponse;
    expect(Object.keys(response.outputs)).toEqual(['probabilities']);
  });

  it('looks signature names and labels up as own properties only', async () => {
    const service = new ModelService({ name: 'mnist', basePath, versionLabels: { stable: 1 } });
    const image = { dtype: 'DT_FLOAT' as const, shape: [1, 28, 28], values: new Float32Array(784) };
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      await expect(service.infer(createInferRequest({ signatureName: name, inputs: { image } }))).rejects.toThrow(InvalidArgumentError);
      await expect(service.resolve({ label: name })).rejects.toThrow(/no version label/);
    }
  });

  it('loads eagerly with load() and reports AVAILABLE', async () => {
    const service = new ModelService({ name: 'mnist', basePath });
    await service.load();
    expect(await service.status()).toEqual([{ version: 1, state: 'AVAILABLE' }]);
  });

  it('keeps tf.memory() flat across 1,000 requests through the app', async () => {
    // TF.js's tensor accounting is the subject: the engine is pinned (auto serves mnist on ONNX Runtime).
    const app = createApp([new ModelService({ name: 'mnist', basePath, engine: 'tfjs' })]);
    const digit = heldOutDigits()[0];
    const body = JSON.stringify({ instances: [Array.from({ length: 28 }, (_, r) => Array.from(digit.pixels.subarray(r * 28, r * 28 + 28)))] });
    const send = async () => {
      const response = await app.fetch(new Request('http://localhost/v1/models/mnist:predict', { method: 'POST', body }));
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

function jsonRequest(body: { [key: string]: unknown }): InferRequest {
  return createInferRequest({
    raw: { bytes: new TextEncoder().encode(JSON.stringify(body)), mediaType: 'application/json', json: body as never },
    inputs: () => {
      throw new InvalidArgumentError('no TF Serving inputs in this body');
    },
  });
}
