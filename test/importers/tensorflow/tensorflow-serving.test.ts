/**
 * TensorFlow's own files served by `lambda-serving serve` over HTTP: TF Serving's half_plus_two
 * SavedModel, the tf2onnx regression model as a TF1 SavedModel and as a frozen graph, DL4J's
 * frozen LeNet — and a corrupt SavedModel that must not take the server down.
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../lib/http/app.ts';
import { tensorflowProtoType } from '../../../lib/importers/tensorflow/proto-schema.ts';
import { ModelService } from '../../../lib/service/model-service.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { serveModels, type ServeProcess } from '../../support/serve-process.ts';

const HALF_PLUS_TWO = fixture('tf-serving/saved_model_half_plus_two_cpu');
const REGRESSION = fixture('tf1-savedmodel/tf2onnx-regression/regression');
// SOURCES.md: W and b read from the files (identical in all four formats).
const W = Math.fround(0.21396178);
const B = Math.fround(1.0495254);

let dir: string;
let server: ServeProcess;

async function predict(model: string, body: unknown, signature = '') {
  const response = await fetch(`${server.url}/v1/models/${model}${signature}:predict`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

describe.skipIf(!HAVE_FIXTURES)(`TensorFlow models over HTTP${FIXTURES_NOTE}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tf-models-'));
    // TF Serving wants numbered version folders; these fixtures are bare model folders.
    await mkdir(path.join(dir, 'regression_saved'));
    await symlink(path.join(REGRESSION, 'saved_model'), path.join(dir, 'regression_saved', '1'));
    await mkdir(path.join(dir, 'regression_frozen', '1'), { recursive: true });
    await symlink(path.join(REGRESSION, 'graphdef/frozen.pb'), path.join(dir, 'regression_frozen', '1', 'frozen.pb'));
    await mkdir(path.join(dir, 'lenet', '1'), { recursive: true });
    await symlink(fixture('frozen-graphdef/dl4j-lenet/lenet_frozen.pb'), path.join(dir, 'lenet', '1', 'lenet_frozen.pb'));
    await writeFile(path.join(dir, 'lenet', '1', 'frozen_graph.yaml'), 'input_names: [input]\noutput_names: [output]\n');
    // A SavedModel whose saved_model.pb was cut short.
    await cp(path.join(HALF_PLUS_TWO, '00000123'), path.join(dir, 'broken', '1'), { recursive: true });
    const pb = await readFile(path.join(dir, 'broken', '1', 'saved_model.pb'));
    await writeFile(path.join(dir, 'broken', '1', 'saved_model.pb'), pb.subarray(0, pb.length >> 1));
    // One whose variables.index was cut short.
    await cp(path.join(HALF_PLUS_TWO, '00000123'), path.join(dir, 'broken_index', '1'), { recursive: true });
    const index = await readFile(path.join(dir, 'broken_index', '1', 'variables', 'variables.index'));
    await writeFile(path.join(dir, 'broken_index', '1', 'variables', 'variables.index'), index.subarray(0, index.length - 20));
    // One whose graph uses an op TF.js lacks: half_plus_two with its Mul re-encoded as another op.
    await cp(path.join(HALF_PLUS_TWO, '00000123'), path.join(dir, 'unsupported_op', '1'), { recursive: true });
    const SavedModel = tensorflowProtoType('SavedModel');
    const message = SavedModel.toObject(SavedModel.decode(pb), { keepCase: true } as object) as {
      meta_graphs: { graph_def: { node: { name: string; op: string }[] } }[];
    };
    message.meta_graphs[0].graph_def.node.find((node) => node.name === 'Mul')!.op = 'MatrixDeterminant';
    await writeFile(path.join(dir, 'unsupported_op', '1', 'saved_model.pb'), SavedModel.encode(SavedModel.fromObject(message)).finish());
    // The TF1-era poets MobileNet (unfused batch norm), named Konduit-style.
    await mkdir(path.join(dir, 'poets', '1'), { recursive: true });
    await symlink(fixture('frozen-graphdef/poets-mobilenet/mobilenet_v3.pb'), path.join(dir, 'poets', '1', 'mobilenet_v3.pb'));
    await writeFile(path.join(dir, 'poets', '1', 'frozen_graph.yaml'), 'input_names: [input_image]\noutput_names: [MobilenetV1/Predictions/Softmax]\ninput_data_types: [float]\n');
    server = await serveModels(dir, [
      { name: 'default', basePath: HALF_PLUS_TWO },
      ...['regression_saved', 'regression_frozen', 'lenet', 'broken', 'broken_index', 'unsupported_op', 'poets'],
    ]);
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('half_plus_two answers predict in row and columnar form as TF Serving does', async () => {
    expect(await predict('default', { instances: [2.0, 3.0, 4.0] })).toEqual({ status: 200, text: '{"predictions":[3.0,3.5,4.0]}' });
    expect(await predict('default', { inputs: [2.0, 3.0, 4.0] })).toEqual({ status: 200, text: '{"outputs":[3.0,3.5,4.0]}' });
    expect(await predict('default', { instances: [[2.0], [3.0]] })).toEqual({ status: 200, text: '{"predictions":[[3.0],[3.5]]}' });
  });

  it('half_plus_two metadata equals TF Serving\'s own answer', async () => {
    const expected = JSON.parse(await readFile(fixture('tf-serving/half_plus_two_model_metadata.json'), 'utf8'));
    const actual = await (await fetch(`${server.url}/v1/models/default/metadata`)).json();
    expect(actual).toEqual(expected);
  });

  it('half_plus_two status is TF Serving\'s', async () => {
    expect(await (await fetch(`${server.url}/v1/models/default`)).json()).toEqual({
      model_version_status: [{ version: '123', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
    });
  });

  it('half_plus_two answers classify and regress as TF Serving does', async () => {
    const call = async (verb: string, body: unknown) =>
      (await fetch(`${server.url}/v1/models/default:${verb}`, { method: 'POST', body: JSON.stringify(body) })).text();
    expect(await call('classify', { signature_name: 'classify_x_to_y', examples: [{ x: 2.0 }] })).toBe('{"results":[[["",3.0]]]}');
    expect(await call('regress', { signature_name: 'regress_x_to_y', examples: [{ x: 2.0 }] })).toBe('{"results":[3.0]}');
    // y2 = a·x + c with c = 3; context supplies x where an example lacks it.
    expect(await call('regress', { signature_name: 'regress_x_to_y2', context: { x: 1.0 }, examples: [{}, { x: 4.0 }] })).toBe('{"results":[3.5,5.0]}');
  });

  it('classify/regress refuse missing features, wrong kinds and the wrong signature with a 400', async () => {
    const call = async (verb: string, body: unknown) => {
      const response = await fetch(`${server.url}/v1/models/default:${verb}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: response.status, error: ((await response.json()) as { error: string }).error };
    };
    expect(await call('regress', { signature_name: 'regress_x_to_y', examples: [{ z: 2.0 }] })).toEqual({ status: 400, error: "Example 0 lacks the required feature 'x'" });
    expect((await call('regress', { signature_name: 'regress_x_to_y', examples: [{ x: 'two' }] })).status).toBe(400);
    // As tensorflow_model_server without --enable_signature_method_name_check: the method name is
    // not checked, but a classify result needs a "classes" or "scores" output.
    expect(await call('classify', { signature_name: 'regress_x_to_y', examples: [{ x: 2.0 }] })).toEqual({
      status: 400,
      error: 'Expected classification signature outputs to contain at least one of "classes" or "scores". Signature \'regress_x_to_y\' has "outputs"',
    });
    expect((await call('regress', { signature_name: 'classify_x_to_y', examples: [{ x: 2.0 }] })).error).toMatch(/No regression outputs found in SignatureDef 'classify_x_to_y'/);
    expect((await call('regress', { signature_name: 'regress_x_to_y', examples: [] })).error).toMatch(/non-empty list/);
  });

  it('checks method_name on classify/regress only with --enable_signature_method_name_check, as tensorflow_model_server', async () => {
    const service = new ModelService({ name: 'default', basePath: HALF_PLUS_TWO });
    const call = async (checked: boolean, verb: string, body: unknown) => {
      const app = createApp([service], { signatureMethodNameCheck: checked });
      const response = await app.fetch(new Request(`http://localhost/v1/models/default:${verb}`, { method: 'POST', body: JSON.stringify(body) }));
      return { status: response.status, text: await response.text() };
    };
    const regressAsClassify = { signature_name: 'regress_x_to_y2', examples: [{ x: 2.0 }] };
    expect(await call(true, 'classify', regressAsClassify)).toEqual({
      status: 400,
      text: '{"error":"Expected classification signature method_name to be tensorflow/serving/classify. Was: tensorflow/serving/regress"}',
    });
    expect(await call(true, 'classify', { signature_name: 'classify_x_to_y', examples: [{ x: 2.0 }] })).toEqual({ status: 200, text: '{"results":[[["",3.0]]]}' });
    // Unchecked, a regress signature's "outputs" still answers :regress whatever the verb's method.
    expect(await call(false, 'regress', { signature_name: 'regress_x_to_y2', examples: [{ x: 2.0 }] })).toEqual({ status: 200, text: '{"results":[4.0]}' });
  });

  it('predict through a classify signature takes serialized tf.Example protos as b64', async () => {
    // tf.Example{features{feature{key:"x" value{float_list{value:2.0}}}}}, encoded by hand here.
    const floatList = Buffer.concat([Buffer.from([0x0a, 0x04]), Buffer.from(new Float32Array([2]).buffer)]);
    const feature = Buffer.concat([Buffer.from([0x12, floatList.length]), floatList]);
    const entry = Buffer.concat([Buffer.from([0x0a, 0x01, 0x78, 0x12, feature.length]), feature]);
    const features = Buffer.concat([Buffer.from([0x0a, entry.length]), entry]);
    const example = Buffer.concat([Buffer.from([0x0a, features.length]), features]);
    const ok = await predict('default', { signature_name: 'classify_x_to_y', instances: [{ b64: example.toString('base64') }] });
    expect(ok).toEqual({ status: 200, text: '{"predictions":[[3.0]]}' });
    const bad = await predict('default', { signature_name: 'classify_x_to_y', instances: [{ b64: 'AAAA' }] });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatch(/not a serialized tf\.Example/);
  });

  it('the TF1 regression SavedModel computes W·X + b from its checkpoint', async () => {
    const { status, text } = await predict('regression_saved', { inputs: [1, 2, 3] });
    expect(status).toBe(200);
    const outputs = JSON.parse(text).outputs as number[];
    [1, 2, 3].forEach((x, i) => expect(outputs[i]).toBeCloseTo(Math.fround(Math.fround(W * x) + B), 5));
    // SOURCES.md [derived]: X=[1,2,3] → [1.2634872, 1.4774490, 1.6914107].
    expect(outputs.map((v) => Number(v.toFixed(6)))).toEqual([1.263487, 1.477449, 1.691411]);
  });

  it('the same model as a frozen graph gives the same answers, inputs and outputs found automatically', async () => {
    const saved = await predict('regression_saved', { inputs: [1, 2, 3] });
    const frozen = await predict('regression_frozen', { inputs: [1, 2, 3] });
    expect(frozen.status).toBe(200);
    expect(JSON.parse(frozen.text).outputs).toEqual(JSON.parse(saved.text).outputs);
    const metadata = (await (await fetch(`${server.url}/v1/models/regression_frozen/metadata`)).json()) as {
      metadata: { signature_def: { signature_def: { serving_default: { inputs: object; outputs: object } } } };
    };
    expect(Object.keys(metadata.metadata.signature_def.signature_def.serving_default.inputs)).toEqual(['X']);
    expect(Object.keys(metadata.metadata.signature_def.signature_def.serving_default.outputs)).toEqual(['pred']);
    expect(server.output()).toMatch(/frozen graph .*frozen\.pb: inputs \[X\], outputs \[pred\] \(found in the graph\)/);
  });

  it('frozen LeNet classifies the MNIST sample digits as the numpy reference does', async () => {
    // SOURCES.md [derived, weak]: a numpy re-implementation from the file's weights on these PNGs.
    const reference = [0, 1, 6, 3, 4, 1, 6, 7, 6, 4];
    const images = [];
    for (let n = 0; n < 10; n++) {
      const { data } = await sharp(fixture(`tflite/tflm-mnist-lstm/samples/sample${n}.png`)).greyscale().raw().toBuffer({ resolveWithObject: true });
      images.push(Array.from(data, (p) => p / 255));
    }
    const { status, text } = await predict('lenet', { instances: images });
    expect(status).toBe(200);
    expect(JSON.parse(text).predictions).toEqual(reference);
  });

  it('a truncated saved_model.pb fails to load with a clear error while the others keep serving', async () => {
    const status = (await (await fetch(`${server.url}/v1/models/broken`)).json()) as {
      model_version_status: { state: string; status: { error_message: string } }[];
    };
    expect(status.model_version_status[0].state).toBe('END');
    expect(status.model_version_status[0].status.error_message).toMatch(/saved_model\.pb is not a valid SavedModel protobuf/);
    const response = await predict('broken', { instances: [1.0] });
    expect(response.status).toBe(503);
    expect(JSON.parse(response.text).error).toMatch(/failed to load: .*saved_model\.pb is not a valid SavedModel/);
    expect((await predict('default', { instances: [2.0] })).text).toBe('{"predictions":[3.0]}');
  });

  it('a truncated variables.index fails to load naming the checkpoint', async () => {
    const response = await predict('broken_index', { instances: [1.0] });
    expect(response.status).toBe(503);
    expect(JSON.parse(response.text).error).toMatch(/variables\.index/);
  });

  it('an op TF.js lacks fails the load naming the op and the node', async () => {
    const response = await predict('unsupported_op', { instances: [1.0] });
    expect(response.status).toBe(503);
    expect(JSON.parse(response.text).error).toMatch(/TF\.js cannot run: MatrixDeterminant — at Mul \(MatrixDeterminant\)/);
    expect((await predict('default', { instances: [2.0] })).text).toBe('{"predictions":[3.0]}');
  });

  it('the poets MobileNet frozen graph answers a 10-class softmax per image', async () => {
    // No output is published for this file (SOURCES.md); preprocessing as its app: (pixel − 128).
    const image = Array.from({ length: 224 }, (_, r) => Array.from({ length: 224 }, (_, c) => [r - 128, c - 128, ((r + c) % 256) - 128]));
    const { status, text } = await predict('poets', { instances: [image] });
    expect(status).toBe(200);
    const [scores] = JSON.parse(text).predictions as number[][];
    expect(scores).toHaveLength(10);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });
});
