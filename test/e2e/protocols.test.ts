/**
 * The protocol suite: every case — TF Serving's REST API, KServe's V2 protocol (JSON and the
 * binary tensor data extension), and each body format (JSON, NPY, NPZ, Arrow, multipart) in and
 * out — sent over real loopback HTTP to the local server adapter and through the Lambda adapter
 * with every event shape, one set of services behind both. Each case must give the same status and
 * the same bytes everywhere.
 *
 * Expected values: half_plus_two's from TF Serving's own server tests (fixtures README: y = 0.5·x
 * + 2, classify/regress results); the KServe example model's from the Open Inference Protocol's
 * documented request/response (kserve docs/predict-api/v2/required_api.md); mnist's from the
 * same model answering TF Serving's JSON (the formats must agree with each other exactly).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC, tableToIPC, tableFromArrays } from 'apache-arrow';
import { unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../lib/http/node.ts';
import { createApp } from '../../lib/http/app.ts';
import { createHandler } from '../../lib/http/lambda.ts';
import type { LoadedModel } from '../../lib/engine/model.ts';
import type { InferRequest } from '../../lib/service/infer-request.ts';
import { ModelService } from '../../lib/service/model-service.ts';
import type { TensorMap } from '../../lib/tensors/host-tensor.ts';
import { heldOutDigits } from '../../scripts/mnist-data.ts';
import { FIXTURES_NOTE, HAVE_FIXTURES, fixture } from '../support/fixtures.ts';
import { REPO_ROOT } from '../support/serve-process.ts';
import { httpTransport, lambdaTransports, type LambdaHandler, type Transport, type WireRequest, type WireResponse } from '../support/transports.ts';

let dir: string;
let server: RunningServer;
let transports: Transport[];

/**
 * The model of the protocol document's example: input0 UINT32 [2,2] and input1 BOOL [3] →
 * output0 FP32 [3,2]. It answers the document's output0 values whatever the inputs (the example
 * states no function); what is under test is the wire format around it.
 */
function documentedExampleModel(): LoadedModel {
  return {
    format: 'example',
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: {
          input0: { tensorName: 'input0', dtype: 'DT_UINT32', shape: [2, 2] },
          input1: { tensorName: 'input1', dtype: 'DT_BOOL', shape: [3] },
        },
        outputs: { output0: { tensorName: 'output0', dtype: 'DT_FLOAT', shape: [3, 2] } },
      },
    },
    async run(): Promise<TensorMap> {
      return { output0: { dtype: 'DT_FLOAT', shape: [3, 2], values: Float32Array.from([1.0, 1.1, 2.0, 2.1, 3.0, 3.1]) } };
    },
    dispose() {},
  };
}

/**
 * ModelArts' mnist_service, as its users write it: image files uploaded in a multipart form under
 * `images`, decoded in preprocess, answered as `{"mnist_result": [digits]}` by postprocess.
 */
class UploadedDigitsService extends ModelService {
  override async preprocess(request: InferRequest): Promise<TensorMap> {
    const files = request.inputs.images.values as Uint8Array[];
    const values = new Float32Array(files.length * 784);
    for (const [i, file] of files.entries()) {
      const pixels = await sharp(file).greyscale().resize(28, 28).raw().toBuffer();
      for (let j = 0; j < 784; j++) values[i * 784 + j] = pixels[j] / 255;
    }
    return { image: { dtype: 'DT_FLOAT', shape: [files.length, 28, 28], values } };
  }

  override postprocess(outputs: TensorMap) {
    const scores = outputs.probabilities.values as Float32Array;
    const digits: number[] = [];
    for (let i = 0; i < scores.length; i += 10) {
      const row = Array.from(scores.subarray(i, i + 10));
      digits.push(row.indexOf(Math.max(...row)));
    }
    return { body: { mnist_result: digits } };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'protocols-'));
  await mkdir(path.join(dir, 'mymodel', '1'), { recursive: true });
  const services = () => [
    new ModelService({ name: 'mnist', basePath: path.join(REPO_ROOT, 'models', 'mnist') }),
    new UploadedDigitsService({ name: 'mnist_upload', basePath: path.join(REPO_ROOT, 'models', 'mnist') }),
    new ModelService({ name: 'mymodel', basePath: path.join(dir, 'mymodel'), loader: async () => documentedExampleModel() }),
    ...(HAVE_FIXTURES ? [new ModelService({ name: 'half_plus_two', basePath: fixture('tf-serving', 'saved_model_half_plus_two_cpu') })] : []),
  ];
  server = await listen(createApp(services()).fetch, { port: 0, hostname: '127.0.0.1' });
  const handler = createHandler(services(), { observer: false }) as unknown as LambdaHandler;
  transports = [httpTransport(`http://127.0.0.1:${server.port}`), ...lambdaTransports(handler)];
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sends through every transport; checks each answer and that all are byte-identical. */
async function everywhere(request: WireRequest, check: (response: WireResponse, transport: string) => void): Promise<WireResponse> {
  let first: WireResponse | undefined;
  for (const transport of transports) {
    const response = await transport.send(request);
    check(response, transport.name);
    if (!first) first = response;
    else {
      expect(response.status, transport.name).toBe(first.status);
      expect(Buffer.from(response.body).equals(Buffer.from(first.body)), `${transport.name}: same bytes as ${transports[0].name}`).toBe(true);
    }
  }
  return first!;
}

function expectJson(status: number, body?: unknown) {
  return (response: WireResponse, where: string) => {
    expect(response.status, `${where}: ${response.text()}`).toBe(status);
    expect(response.headers['content-type'], where).toMatch(/application\/json/);
    if (body !== undefined) expect(response.json(), where).toEqual(body);
  };
}

function expectError(status: number, pattern: RegExp) {
  return (response: WireResponse, where: string) => {
    expect(response.status, `${where}: ${response.text()}`).toBe(status);
    const body = response.json() as { error: string };
    expect(Object.keys(body), where).toEqual(['error']);
    expect(body.error, where).toMatch(pattern);
  };
}

/** An NPY v1.0 file by the format's spec (magic, version, little-endian u16 header length, dict header padded to 64 bytes). */
function npy(descr: string, shape: number[], data: ArrayBufferView): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

const zeros = Array.from({ length: 28 }, () => new Array(28).fill(0));

describe('TF Serving REST API, every transport', () => {
  it('predicts in row and columnar JSON', async () => {
    const row = await everywhere(
      { method: 'POST', path: '/v1/models/mnist:predict', body: JSON.stringify({ instances: [zeros] }) },
      expectJson(200),
    );
    const predictions = (row.json() as { predictions: number[][] }).predictions;
    expect(predictions).toHaveLength(1);
    expect(predictions[0]).toHaveLength(10);
    await everywhere(
      { method: 'POST', path: '/v1/models/mnist:predict', body: JSON.stringify({ inputs: [zeros] }) },
      expectJson(200, { outputs: predictions }),
    );
  });

  it.skipIf(!HAVE_FIXTURES)(`answers half_plus_two as TF Serving's own tests do${FIXTURES_NOTE}`, async () => {
    await everywhere({ method: 'POST', path: '/v1/models/half_plus_two:predict', body: '{"instances": [2.0, 3.0, 4.0]}' }, expectJson(200, { predictions: [3.0, 3.5, 4.0] }));
    await everywhere({ method: 'POST', path: '/v1/models/half_plus_two:predict', body: '{"inputs": [2.0, 3.0, 4.0]}' }, expectJson(200, { outputs: [3.0, 3.5, 4.0] }));
    const classify = await everywhere(
      { method: 'POST', path: '/v1/models/half_plus_two:classify', body: '{"signature_name": "classify_x_to_y", "examples": [{"x": 2.0}]}' },
      expectJson(200),
    );
    expect(classify.text()).toBe('{"results":[[["",3.0]]]}');
    const regress = await everywhere(
      { method: 'POST', path: '/v1/models/half_plus_two:regress', body: '{"signature_name": "regress_x_to_y", "examples": [{"x": 2.0}]}' },
      expectJson(200),
    );
    expect(regress.text()).toBe('{"results":[3.0]}');
    await everywhere(
      { method: 'GET', path: '/v1/models/half_plus_two' },
      expectJson(200, { model_version_status: [{ version: '123', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] }),
    );
  });

  it.skipIf(!HAVE_FIXTURES)(`takes NPY in and answers NPY when Accept asks${FIXTURES_NOTE}`, async () => {
    const body = npy('<f4', [3, 1], Float32Array.from([2, 3, 4]));
    const json = await everywhere(
      { method: 'POST', path: '/v1/models/half_plus_two:predict', body, headers: { 'content-type': 'application/x-npy' } },
      expectJson(200),
    );
    // A binary body has no row/columnar form: the answer is row format.
    expect(json.json()).toEqual({ predictions: [[3.0], [3.5], [4.0]] });
    const answer = await everywhere(
      { method: 'POST', path: '/v1/models/half_plus_two:predict', body, headers: { 'content-type': 'application/x-npy', accept: 'application/x-npy' } },
      (response, where) => {
        expect(response.status, where).toBe(200);
        expect(response.headers['content-type'], where).toBe('application/x-npy');
      },
    );
    expect(Buffer.from(answer.body).equals(Buffer.from(npy('<f4', [3, 1], Float32Array.from([3, 3.5, 4]))))).toBe(true);
  });

  it.skipIf(!HAVE_FIXTURES)(`takes NPZ in and answers NPZ when Accept asks${FIXTURES_NOTE}`, async () => {
    // np.savez's layout: a zip of <name>.npy members.
    const body = zipSync({ 'x.npy': npy('<f4', [3], Float32Array.from([2, 3, 4])) });
    await everywhere(
      { method: 'POST', path: '/v1/models/half_plus_two:predict', body, headers: { 'content-type': 'application/x-npz' } },
      expectJson(200, { predictions: [3.0, 3.5, 4.0] }),
    );
    const answer = await everywhere(
      { method: 'POST', path: '/v1/models/half_plus_two:predict', body, headers: { 'content-type': 'application/zip', accept: 'application/x-npz' } },
      (response, where) => {
        expect(response.status, `${where}: ${response.text()}`).toBe(200);
        expect(response.headers['content-type'], where).toBe('application/x-npz');
      },
    );
    const members = unzipSync(answer.body);
    expect(Object.keys(members)).toEqual(['y.npy']);
    expect(Buffer.from(members['y.npy']).equals(Buffer.from(npy('<f4', [3], Float32Array.from([3, 3.5, 4]))))).toBe(true);
  });

  it.skipIf(!HAVE_FIXTURES)(`takes an Arrow stream in and answers Arrow when Accept asks${FIXTURES_NOTE}`, async () => {
    const table = tableFromArrays({ x: Float32Array.from([2, 3, 4]) });
    const body = tableToIPC(table, 'stream');
    const answer = await everywhere(
      {
        method: 'POST',
        path: '/v1/models/half_plus_two:predict',
        body,
        headers: { 'content-type': 'application/vnd.apache.arrow.stream', accept: 'application/vnd.apache.arrow.stream' },
      },
      (response, where) => {
        expect(response.status, `${where}: ${response.text()}`).toBe(200);
        expect(response.headers['content-type'], where).toBe('application/vnd.apache.arrow.stream');
      },
    );
    const out = tableFromIPC(answer.body);
    const y = out.getChild('y')!;
    expect(y.length).toBe(3);
    const rows = [0, 1, 2].flatMap((i) => {
      const value = y.get(i) as number | Iterable<number>;
      return typeof value === 'number' ? [value] : Array.from(value);
    });
    expect(rows).toEqual([3, 3.5, 4]);
  });

  it('takes a multipart form whose fields are inputs', async () => {
    const form = new FormData();
    form.append('image', JSON.stringify([zeros]));
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = new Uint8Array(await request.arrayBuffer());
    const contentType = request.headers.get('content-type')!;
    const reference = await transports[0].send({ method: 'POST', path: '/v1/models/mnist:predict', body: JSON.stringify({ instances: [zeros] }) });
    await everywhere({ method: 'POST', path: '/v1/models/mnist:predict', body, headers: { 'content-type': contentType } }, (response, where) => {
      expect(response.status, `${where}: ${response.text()}`).toBe(200);
      expect(response.text(), where).toBe(reference.text());
    });
  });

  it('serves a ModelArts-style service: PNG files uploaded in a form, its own JSON answer', async () => {
    // Held-out MNIST digits (the mnist package's, never trained on) as PNG files.
    const digits = heldOutDigits().slice(0, 12);
    const form = new FormData();
    for (const [i, digit] of digits.entries()) {
      const png = await sharp(Buffer.from(Array.from(digit.pixels, (p) => Math.round(p * 255))), { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toBuffer();
      form.append('images', new Blob([new Uint8Array(png)], { type: 'image/png' }), `digit-${i}.png`);
    }
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = new Uint8Array(await request.arrayBuffer());
    const answer = await everywhere(
      { method: 'POST', path: '/v1/models/mnist_upload:predict', body, headers: { 'content-type': request.headers.get('content-type')! } },
      (response, where) => expect(response.status, `${where}: ${response.text()}`).toBe(200),
    );
    const { mnist_result } = answer.json() as { mnist_result: number[] };
    expect(mnist_result).toHaveLength(12);
    const correct = mnist_result.filter((digit, i) => digit === digits[i].label).length;
    expect(correct).toBeGreaterThanOrEqual(11);
    // The same service over V2: the hooks never learn which protocol called them.
    const v2 = await transports[0].send({ method: 'POST', path: '/v2/models/mnist_upload/infer', body, headers: { 'content-type': request.headers.get('content-type')! } });
    expect(v2.json()).toEqual({ mnist_result });
  });

  it('refuses malformed bodies of each format with a 4xx naming the problem', async () => {
    const predict = (body: Uint8Array | string, contentType: string): WireRequest => ({
      method: 'POST',
      path: '/v1/models/mnist:predict',
      body,
      headers: { 'content-type': contentType },
    });
    const good = npy('<f4', [1, 28, 28], new Float32Array(784));
    await everywhere(predict(good.subarray(0, 40), 'application/x-npy'), expectError(400, /header|truncated|short|ends/i));
    await everywhere(predict(npy('<c8', [1], new Float32Array(2)), 'application/x-npy'), expectError(400, /c8/));
    const arrow = tableToIPC(tableFromArrays({ image: new Float32Array(784) }), 'stream');
    await everywhere(predict(arrow.subarray(0, arrow.length - 30), 'application/vnd.apache.arrow.stream'), expectError(400, /arrow/i));
    await everywhere(predict('--x\r\n', 'multipart/form-data'), expectError(400, /boundary/));
    await everywhere(predict('{}', 'image/png'), expectError(415, /image\/png/));
    await everywhere(predict('{"instances": [', 'application/json'), expectError(400, /JSON/));
  });
});

describe('KServe V2 (Open Inference Protocol), every transport', () => {
  it('answers server metadata and health', async () => {
    await everywhere({ method: 'GET', path: '/v2' }, (response, where) => {
      expectJson(200)(response, where);
      expect(response.json()).toMatchObject({ name: 'lambda-serving', extensions: ['binary_tensor_data'] });
    });
    await everywhere({ method: 'GET', path: '/v2/health/live' }, expectJson(200, { live: true }));
    await everywhere({ method: 'GET', path: '/v2/health/ready' }, expectJson(200, { ready: true }));
    await everywhere({ method: 'GET', path: '/v2/models/mnist/ready' }, expectJson(200, { name: 'mnist', ready: true }));
    await everywhere({ method: 'GET', path: '/v2/models/mnist/versions/1/ready' }, expectJson(200, { name: 'mnist', ready: true }));
  });

  it('describes a model with V2 datatypes and shapes', async () => {
    await everywhere({ method: 'GET', path: '/v2/models/mnist' }, (response, where) => {
      expectJson(200)(response, where);
      expect(response.json()).toMatchObject({
        name: 'mnist',
        versions: ['1'],
        inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 28, 28] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] }],
      });
    });
  });

  it("answers the protocol document's inference example", async () => {
    // As documented, input1 claims shape [3] but carries one element: a 400 that says so.
    const documented = {
      id: '42',
      inputs: [
        { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
        { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
      ],
      outputs: [{ name: 'output0' }],
    };
    await everywhere({ method: 'POST', path: '/v2/models/mymodel/infer', body: JSON.stringify(documented) }, expectError(400, /input1.*1 elements.*\[3\] holds 3/));
    documented.inputs[1].data = [true, false, true];
    await everywhere(
      { method: 'POST', path: '/v2/models/mymodel/infer', body: JSON.stringify(documented) },
      expectJson(200, {
        model_name: 'mymodel',
        model_version: '1',
        id: '42',
        outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1] }],
      }),
    );
  });

  it('takes and gives binary tensor data (Inference-Header-Content-Length)', async () => {
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          { name: 'input0', shape: [2, 2], datatype: 'UINT32', parameters: { binary_data_size: 16 } },
          { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] },
        ],
        outputs: [{ name: 'output0', parameters: { binary_data: true } }],
      }),
    );
    const body = new Uint8Array(header.length + 16);
    body.set(header);
    body.set(new Uint8Array(Uint32Array.from([1, 2, 3, 4]).buffer), header.length);
    const response = await everywhere(
      {
        method: 'POST',
        path: '/v2/models/mymodel/infer',
        body,
        headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      },
      (r, where) => {
        expect(r.status, `${where}: ${r.text()}`).toBe(200);
        expect(r.headers['content-type'], where).toBe('application/octet-stream');
      },
    );
    const length = Number(response.headers['inference-header-content-length']);
    const json = JSON.parse(new TextDecoder().decode(response.body.subarray(0, length)));
    expect(json.outputs).toEqual([{ name: 'output0', datatype: 'FP32', shape: [3, 2], parameters: { binary_data_size: 24 } }]);
    const data = response.body.slice(length);
    expect(Array.from(new Float32Array(data.buffer))).toEqual(Array.from(Float32Array.from([1.0, 1.1, 2.0, 2.1, 3.0, 3.1])));
  });

  it('answers with the same numbers as /v1 for the same model', async () => {
    const v1 = (await transports[0].send({ method: 'POST', path: '/v1/models/mnist:predict', body: JSON.stringify({ instances: [zeros] }) })).json() as { predictions: number[][] };
    await everywhere(
      {
        method: 'POST',
        path: '/v2/models/mnist/infer',
        body: JSON.stringify({ inputs: [{ name: 'image', shape: [1, 28, 28], datatype: 'FP32', data: zeros }] }),
      },
      expectJson(200, {
        model_name: 'mnist',
        model_version: '1',
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 10], data: v1.predictions[0] }],
      }),
    );
  });

  it.skipIf(!HAVE_FIXTURES)(`infers half_plus_two over V2 as over V1${FIXTURES_NOTE}`, async () => {
    await everywhere(
      { method: 'POST', path: '/v2/models/half_plus_two/versions/123/infer', body: JSON.stringify({ inputs: [{ name: 'x', shape: [3, 1], datatype: 'FP32', data: [2, 3, 4] }] }) },
      expectJson(200, { model_name: 'half_plus_two', model_version: '123', outputs: [{ name: 'y', datatype: 'FP32', shape: [3, 1], data: [3.0, 3.5, 4.0] }] }),
    );
  });

  it('refuses bad V2 requests with 400/404 and {"error"}', async () => {
    const infer = (body: string | Uint8Array, model = 'mymodel', headers: Record<string, string> = {}): WireRequest => ({ method: 'POST', path: `/v2/models/${model}/infer`, body, headers });
    const input0 = { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] };
    const input1 = { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] };
    await everywhere(infer(JSON.stringify({ inputs: [input0, input1] }), 'nope'), expectError(404, /nope/));
    await everywhere({ method: 'GET', path: '/v2/models/nope' }, expectError(404, /nope/));
    await everywhere(infer(JSON.stringify({ inputs: [{ ...input0, datatype: 'COMPLEX64' }, input1] })), expectError(400, /COMPLEX64/));
    await everywhere(infer(JSON.stringify({ inputs: [{ ...input0, data: [1, -2, 3, 4] }, input1] })), expectError(400, /data\[1\]/));
    await everywhere(infer(JSON.stringify({ inputs: [{ ...input0, datatype: 'INT32' }, input1] })), expectError(400, /input0.*DT_UINT32/));
    await everywhere(infer(JSON.stringify({ inputs: [input0, input1], outputs: [{ name: 'nope' }] })), expectError(400, /Unknown output 'nope'/));
    await everywhere(infer(JSON.stringify({ inputs: 'x' })), expectError(400, /inputs/));
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const extra = { name, shape: [1], datatype: 'BOOL', data: [true] };
      await everywhere(infer(JSON.stringify({ inputs: [input0, input1, extra] })), expectError(400, new RegExp(`Unknown input '${name}'`)));
    }
    await everywhere({ method: 'GET', path: '/v2/models/constructor' }, expectError(404, /constructor/));
    await everywhere({ method: 'GET', path: '/v1/models/mnist/labels/__proto__' }, expectError(404, /__proto__/));
    const header = new TextEncoder().encode(JSON.stringify({ inputs: [{ ...input0, data: undefined, parameters: { binary_data_size: 16 } }, input1] }));
    await everywhere(
      infer(header, 'mymodel', { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }),
      expectError(400, /binary_data_size 16 runs past the end/),
    );
    await everywhere(
      infer(header, 'mymodel', { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length + 5) }),
      expectError(400, /Inference-Header-Content-Length/i),
    );
  });
});
