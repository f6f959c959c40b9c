/**
 * The app through `fetch` alone: TF Serving's REST routes, its JSON shapes and its errors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/http/app.ts';
import { ModelService, type InferenceContext } from '../../lib/service/model-service.ts';
import type { TensorMap } from '../../lib/tensors/host-tensor.ts';
import { writeLinearLayersModel, writeScaleGraphModel } from '../support/tfjs-models.ts';

let dir: string;
let app: ReturnType<typeof createApp>;

function call(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
  return app.fetch(
    new Request(`http://localhost${url}`, { method, body, headers: { 'content-type': 'application/json', ...headers } }),
  );
}

async function expectError(response: Response, status: number, pattern: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await response.json()) as { error: string };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatch(pattern);
}

class SlowService extends ModelService {
  override async inference(inputs: TensorMap, context: InferenceContext) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return super.inference(inputs, context);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'app-'));
  // Two versions with different weights, so each answer shows which version ran.
  await writeLinearLayersModel(path.join(dir, 'linear', '1'), 0.5, 2);
  await writeLinearLayersModel(path.join(dir, 'linear', '2'), 2, 1);
  await writeScaleGraphModel(path.join(dir, 'scale', '7'), 3);
  app = createApp(
    [
      new ModelService({
        name: 'linear',
        basePath: path.join(dir, 'linear'),
        versionPolicy: { kind: 'all' },
        versionLabels: { stable: 1, canary: 2 },
      }),
      new ModelService({ name: 'only latest', basePath: path.join(dir, 'linear') }),
      new ModelService({ name: 'scale', basePath: path.join(dir, 'scale') }),
    ],
    { maxBodyBytes: 4096 },
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predict', () => {
  it('answers row format from the highest version by default', async () => {
    const response = await call('POST', '/v1/models/linear:predict', '{"instances": [[2.0], [3.0], [4.0]]}');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"predictions":[[5.0],[7.0],[9.0]]}');
  });

  it('answers columnar format with outputs', async () => {
    const response = await call('POST', '/v1/models/linear/versions/1:predict', '{"inputs": [[2.0], [3.0], [4.0]]}');
    expect(await response.text()).toBe('{"outputs":[[3.0],[3.5],[4.0]]}');
  });

  it('routes /versions/N and /labels/L to the right version', async () => {
    const body = '{"instances": [[2.0]]}';
    expect(await (await call('POST', '/v1/models/linear/versions/1:predict', body)).text()).toBe('{"predictions":[[3.0]]}');
    expect(await (await call('POST', '/v1/models/linear/versions/2:predict', body)).text()).toBe('{"predictions":[[5.0]]}');
    expect(await (await call('POST', '/v1/models/linear/labels/stable:predict', body)).text()).toBe('{"predictions":[[3.0]]}');
    expect(await (await call('POST', '/v1/models/linear/labels/canary:predict', body)).text()).toBe('{"predictions":[[5.0]]}');
  });

  it('accepts an explicit signature_name and a named-input object per instance', async () => {
    const response = await call(
      'POST',
      '/v1/models/linear:predict',
      '{"signature_name": "serving_default", "instances": [{"x": [1.0]}, {"x": [-1.0]}]}',
    );
    expect(await response.text()).toBe('{"predictions":[[3.0],[-1.0]]}');
  });

  it('serves a GraphModel through its stored signature', async () => {
    const response = await call('POST', '/v1/models/scale:predict', '{"instances": [1.5, -2.0]}');
    expect(await response.text()).toBe('{"predictions":[4.5,-6.0]}');
  });

  it('URL-decodes the model name', async () => {
    const response = await call('POST', '/v1/models/only%20latest:predict', '{"instances": [[1.0]]}');
    expect(await response.text()).toBe('{"predictions":[[3.0]]}');
  });

  it('accepts curl\'s default form content type, as TF Serving does', async () => {
    const response = await call('POST', '/v1/models/linear:predict', '{"instances": [[0.0]]}', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(await response.text()).toBe('{"predictions":[[1.0]]}');
  });
});

describe('status and metadata', () => {
  it('lists every served version, newest first', async () => {
    const response = await call('GET', '/v1/models/linear');
    expect(await response.json()).toEqual({
      model_version_status: [
        { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    });
  });

  it('lists only the latest version under the default policy', async () => {
    const body = (await (await call('GET', '/v1/models/only%20latest')).json()) as { model_version_status: { version: string }[] };
    expect(body.model_version_status.map((s) => s.version)).toEqual(['2']);
  });

  it('reports one version or one label', async () => {
    const byVersion = (await (await call('GET', '/v1/models/linear/versions/1')).json()) as { model_version_status: { version: string }[] };
    expect(byVersion.model_version_status.map((s) => s.version)).toEqual(['1']);
    const byLabel = (await (await call('GET', '/v1/models/linear/labels/canary')).json()) as { model_version_status: { version: string }[] };
    expect(byLabel.model_version_status.map((s) => s.version)).toEqual(['2']);
  });

  it('returns metadata in TF Serving\'s exact shape', async () => {
    const response = await call('GET', '/v1/models/linear/versions/1/metadata');
    const dim = (size: string) => ({ size, name: '' });
    expect(await response.json()).toEqual({
      model_spec: { name: 'linear', signature_name: '', version: '1' },
      metadata: {
        signature_def: {
          signature_def: {
            serving_default: {
              inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: { dim: [dim('-1'), dim('1')], unknown_rank: false }, name: 'x:0' } },
              outputs: { y: { dtype: 'DT_FLOAT', tensor_shape: { dim: [dim('-1'), dim('1')], unknown_rank: false }, name: 'y:0' } },
              method_name: 'tensorflow/serving/predict',
              defaults: {},
            },
          },
        },
      },
    });
  });
});

describe('bad requests get a 4xx naming the problem', () => {
  const predict = (body: string, url = '/v1/models/linear:predict', headers?: Record<string, string>) =>
    call('POST', url, body, headers);

  it('malformed JSON', async () => {
    await expectError(await predict('{"instances": [1.0,'), 400, /JSON/);
  });
  it('a body that is not an object', async () => {
    await expectError(await predict('[1, 2]'), 400, /object/i);
  });
  it('an empty body', async () => {
    await expectError(await predict(''), 400, /empty/);
  });
  it('neither instances nor inputs', async () => {
    await expectError(await predict('{"signature_name": "serving_default"}'), 400, /instances.*inputs|inputs.*instances/);
  });
  it('a shape that does not fit the signature', async () => {
    await expectError(await predict('{"instances": [[1.0, 2.0]]}'), 400, /'x'.*shape/);
  });
  it('a dtype that does not fit the signature', async () => {
    await expectError(await predict('{"instances": [["one"]]}'), 400, /DT_FLOAT/);
  });
  it('ragged instances', async () => {
    await expectError(await predict('{"instances": [[1.0], [1.0, 2.0]]}'), 400, /ragged|same shape|differ/i);
  });
  it('a missing named input', async () => {
    await expectError(await predict('{"instances": [{"z": [1.0]}]}'), 400, /'?z'?|x/);
  });
  it('an unknown signature', async () => {
    await expectError(await predict('{"signature_name": "nope", "instances": [[1.0]]}'), 400, /"nope" not found/);
  });
  it('a body over the configured limit', async () => {
    await expectError(await predict(`{"instances": [${'[1.0],'.repeat(1000)}[1.0]]}`), 413, /4096-byte limit/);
  });
  it('a media type that is not JSON', async () => {
    await expectError(await predict('{"instances": [[1.0]]}', undefined, { 'content-type': 'image/png' }), 415, /image\/png/);
  });
  it('an unknown model', async () => {
    await expectError(await predict('{"instances": [[1.0]]}', '/v1/models/nope:predict'), 404, /nope/);
  });
  it('an unknown version', async () => {
    await expectError(await predict('{"instances": [[1.0]]}', '/v1/models/linear/versions/9:predict'), 404, /version 9/);
  });
  it('an unknown label', async () => {
    await expectError(await predict('{"instances": [[1.0]]}', '/v1/models/linear/labels/beta:predict'), 404, /label 'beta'/);
  });
  it('a version and a label together', async () => {
    await expectError(await call('GET', '/v1/models/linear/versions/1/labels/stable'), 400, /version or a label/);
  });
  it('a version that is not a number', async () => {
    await expectError(await call('GET', '/v1/models/linear/versions/one'), 400, /Version must be/);
  });
  it('GET on a predict route', async () => {
    const response = await call('GET', '/v1/models/linear:predict');
    expect(response.headers.get('allow')).toBe('POST');
    await expectError(response, 405, /use POST/);
  });
  it('an unknown verb', async () => {
    await expectError(await predict('{}', '/v1/models/linear:explain'), 404, /:explain/);
  });
  it('a path outside the API', async () => {
    await expectError(await call('GET', '/v2/whatever'), 404, /Malformed request/);
  });
  it('and the app keeps serving afterwards', async () => {
    const response = await predict('{"instances": [[2.0]]}');
    expect(await response.text()).toBe('{"predictions":[[5.0]]}');
  });
});

describe('deadlines and load failures', () => {
  it('answers 504 when a request outlives rest_api_timeout_in_ms', async () => {
    const slow = createApp([new SlowService({ name: 'slow', basePath: path.join(dir, 'linear') })], { timeoutMs: 50 });
    const response = await slow.fetch(
      new Request('http://localhost/v1/models/slow:predict', { method: 'POST', body: '{"instances": [[1.0]]}' }),
    );
    await expectError(response, 504, /50 ms/);
  });

  it('shares one load between concurrent first requests and retries a failed load later', async () => {
    let calls = 0;
    let fail = true;
    const service = new ModelService({
      name: 'flaky',
      basePath: path.join(dir, 'linear'),
      loader: async (versionDir) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (fail) throw new Error('disk on fire');
        const { loadModel } = await import('../../lib/engine/load-model.ts');
        return loadModel(versionDir);
      },
    });
    const flaky = createApp([service]);
    const send = () =>
      flaky.fetch(new Request('http://localhost/v1/models/flaky:predict', { method: 'POST', body: '{"instances": [[1.0]]}' }));

    const first = await Promise.all([send(), send(), send()]);
    expect(calls).toBe(1);
    for (const response of first) await expectError(response, 503, /failed to load: disk on fire/);
    const status = (await (await flaky.fetch(new Request('http://localhost/v1/models/flaky'))).json()) as {
      model_version_status: { state: string; status: { error_code: string } }[];
    };
    // The status request itself retries the load, which fails again while `fail` is set.
    expect(status.model_version_status[0].state).toBe('END');
    expect(status.model_version_status[0].status.error_code).toBe('UNKNOWN');

    fail = false;
    const second = await Promise.all([send(), send()]);
    for (const response of second) expect(await response.text()).toBe('{"predictions":[[3.0]]}');
    expect(calls).toBe(3);
  });
});
