/**
 * `lambda-serving convert`, run as a user runs it, on real models: a TF1 SavedModel
 * (half_plus_two), a frozen GraphDef (LeNet) and a TF2 Keras SavedModel (MobileNetV1). Serving the
 * converted folder must be indistinguishable from serving the original: the same predictions, the
 * same metadata (every signature), the same answers to tf.Example requests. Also prints how long
 * each takes to load from protobuf and from the converted folder.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertArtifact, convertModel, parseConvertFlags, readSource } from '../../lib/cli/convert.ts';
import { readModelSignatures } from '../../lib/cli/show.ts';
import { loadArtifact } from '../../lib/engine/engine.ts';
import type { Graph } from '../../lib/graph/graph.ts';
import { createApp } from '../../lib/http/app.ts';
import { ModelService } from '../../lib/service/model-service.ts';
import type { HostTensor } from '../../lib/tensors/host-tensor.ts';
import { UsageError } from '../../lib/cli/flags.ts';
import { initBackend } from '../../lib/engine/backend.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { FIXTURES_NOTE, HAVE_FIXTURES, fixture } from '../support/fixtures.ts';
import { runCli, startServe, waitAvailable, type ServeProcess } from '../support/serve-process.ts';
import { keepdimsModelH5 } from '../importers/keras/keras2-writer.ts';
import { folderWeightBytes, variableBytes } from '../engine/tfjs/saved-model-weights.ts';

describe('convert flags', () => {
  it('reads tensorflowjs_converter flags and the SRC DST arguments', () => {
    expect(
      parseConvertFlags(['--input_format=tf_frozen_model', '--output-format', 'tfjs_graph_model', '--output_node_names', 'a,b:1', 'm.pb', 'out']),
    ).toEqual({
      inputFormat: 'tf_frozen_model',
      outputFormat: 'tfjs_graph_model',
      savedModelTags: ['serve'],
      outputNodeNames: ['a', 'b:1'],
      weightShardSizeBytes: 4 * 1024 * 1024,
      skipOpCheck: false,
      src: 'm.pb',
      dst: 'out',
    });
    expect(parseConvertFlags(['--saved_model_tags', 'serve,gpu', '--skip_op_check', 'sm', 'out'])).toMatchObject({
      inputFormat: 'tf_saved_model',
      savedModelTags: ['serve', 'gpu'],
      skipOpCheck: true,
    });
  });

  it('refuses formats it cannot convert, naming the supported ones', () => {
    expect(() => parseConvertFlags(['--input_format=keras_saved_model', 'a', 'out'])).toThrow(/keras_saved_model is not supported yet; supported: tf_saved_model, tf_frozen_model, tflite, keras, keras_v3/);
    expect(() => parseConvertFlags(['--input_format=onnx', 'a', 'out'])).toThrow(/Unknown --input_format 'onnx'; supported: tf_saved_model, tf_frozen_model, tflite, keras, keras_v3/);
    expect(() => parseConvertFlags(['--output_format=keras', 'a', 'out'])).toThrow(/not supported yet; supported: tfjs_graph_model, tfjs_layers_model/);
    expect(() => parseConvertFlags(['--output_format=tfjs_layers_model', 'a', 'out'])).toThrow(/tfjs_layers_model needs a Keras model/);
    expect(() => parseConvertFlags(['a'])).toThrow(UsageError);
    expect(() => parseConvertFlags(['--output_node_names=y', 'sm', 'out'])).toThrow(/tf_frozen_model only/);
    expect(() => parseConvertFlags(['--weight_shard_size_bytes=0', 'sm', 'out'])).toThrow(/positive integer/);
  });

  it('picks the output format tensorflowjs_converter picks for each input format', () => {
    expect(parseConvertFlags(['--input_format=keras', 'a.h5', 'out']).outputFormat).toBe('tfjs_layers_model');
    expect(parseConvertFlags(['--input_format=keras_keras', 'a.keras', 'out'])).toMatchObject({ inputFormat: 'keras_v3', outputFormat: 'tfjs_layers_model' });
    expect(parseConvertFlags(['--input_format=tflite', 'a.tflite', 'out']).outputFormat).toBe('tfjs_graph_model');
    // Keras may also become a graph model (mapped layer by layer), as tensorflowjs_converter allows.
    expect(parseConvertFlags(['--input_format=keras', '--output_format=tfjs_graph_model', 'a.h5', 'out']).outputFormat).toBe('tfjs_graph_model');
    expect(() => parseConvertFlags(['--input_format=tflite', '--output_format=tfjs_layers_model', 'a.tflite', 'out'])).toThrow(/needs a Keras model/);
  });

  it('exits 2 with the convert usage on a bad command line', async () => {
    const result = await runCli('convert', '--input_format', 'tfjs_layers_model', 'model.json', 'out');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not supported yet');
    expect(result.stderr).toContain('Usage: lambda-serving convert');
  });
});

/** MNIST-style samples: greyscale pixels / 255, 784 floats each. */
async function digitImages(): Promise<number[][]> {
  const images: number[][] = [];
  for (const i of [0, 1, 2]) {
    const { data, info } = await sharp(fixture('tflite', 'tflm-mnist-lstm', 'samples', `sample${i}.png`))
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([28, 28, 1]);
    images.push(Array.from(data, (v) => v / 255));
  }
  return images;
}

/** A real photo as MobileNet-OpenMV's input: 160×120 greyscale, pixels 0–255, shape [160,120,1]. */
async function openmvImage(): Promise<number[][][]> {
  const { data } = await sharp(fixture('images', 'imagenet', 'burger.jpg'))
    .resize(120, 160, { fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rows: number[][][] = [];
  for (let y = 0; y < 160; y++) rows.push(Array.from(data.subarray(y * 120, y * 120 + 120), (v) => [v]));
  return rows;
}

async function untilAvailable(url: string, model: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      return await waitAvailable(url, model);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

interface Answer {
  status: number;
  text: string;
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

describe.skipIf(!HAVE_FIXTURES)(`lambda-serving convert on real models${FIXTURES_NOTE}`, () => {
  let tmp: string;
  let server: ServeProcess;
  const converted = { half: '', lenet: '', openmv: '' };
  const original = {
    half: fixture('tf-serving', 'saved_model_half_plus_two_cpu', '00000123'),
    lenet: '',
    openmv: fixture('keras-savedmodel', 'arm-openmv-mobilenet-v1', 'model'),
  };
  const printed: Record<string, string> = {};

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'convert-'));
    original.lenet = path.join(tmp, 'lenet', '1');
    await mkdir(original.lenet, { recursive: true });
    await symlink(fixture('frozen-graphdef', 'dl4j-lenet', 'lenet_frozen.pb'), path.join(original.lenet, 'lenet_frozen.pb'));
    await mkdir(path.join(tmp, 'openmv'));
    await symlink(original.openmv, path.join(tmp, 'openmv', '1'));

    converted.half = path.join(tmp, 'half_plus_two_tfjs', '123');
    converted.lenet = path.join(tmp, 'lenet_tfjs', '1');
    converted.openmv = path.join(tmp, 'openmv_tfjs', '1');
    const conversions = {
      half: ['--input_format', 'tf_saved_model', '--output_format', 'tfjs_graph_model', original.half, converted.half],
      lenet: ['--input_format=tf_frozen_model', '--output_format=tfjs_graph_model', '--output_node_names', 'output',
        fixture('frozen-graphdef', 'dl4j-lenet', 'lenet_frozen.pb'), converted.lenet],
      // Small shards, so reading a model cut into several is exercised too.
      openmv: ['--input_format', 'tf_saved_model', '--saved_model_tags', 'serve', '--weight_shard_size_bytes', '262144', original.openmv, converted.openmv],
    }; // prettier-ignore
    for (const [name, args] of Object.entries(conversions)) {
      const result = await runCli('convert', ...args);
      expect(result.code, result.stderr).toBe(0);
      printed[name] = result.stdout;
      console.log(result.stdout.trimEnd());
    }

    const config = path.join(tmp, 'models.config');
    await writeFile(
      config,
      `model_config_list {
        config { name: 'half_plus_two' base_path: '${path.dirname(original.half)}' }
        config { name: 'half_plus_two_tfjs' base_path: '${path.dirname(converted.half)}' }
        config { name: 'lenet' base_path: '${path.dirname(original.lenet)}' }
        config { name: 'lenet_tfjs' base_path: '${path.dirname(converted.lenet)}' }
        config { name: 'openmv' base_path: '${path.join(tmp, 'openmv')}' }
        config { name: 'openmv_tfjs' base_path: '${path.dirname(converted.openmv)}' }
      }`,
    );
    // Originals and conversions on the one engine the conversions run on, so answers agree exactly.
    server = await startServe(['--rest_api_port=0', '--rest_api_host=127.0.0.1', '--model_config_file', config], {
      LAMBDA_SERVING_BACKEND: 'wasm',
      LAMBDA_SERVING_ENGINE: 'tfjs',
    });
    for (const model of ['half_plus_two', 'half_plus_two_tfjs', 'lenet', 'lenet_tfjs', 'openmv', 'openmv_tfjs']) {
      await untilAvailable(server.url, model);
    }
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('prints what it wrote', () => {
    expect(printed.half).toMatch(/wrote 2 files, [\d,]+ bytes: model\.json, group1-shard1of1\.bin/);
    expect(printed.half).toMatch(/\d+ nodes, \d+ distinct ops: .*Placeholder/);
    expect(printed.half).toContain('5 signatures: classify_x_to_y, regress_x2_to_y3, regress_x_to_y, regress_x_to_y2, serving_default');
    expect(printed.half).toMatch(/took \d+\.\d\d s/);
    expect(printed.openmv).toMatch(/wrote (\d+) files.*group1-shard1of\d+\.bin/);
  });

  it('writes a graph-model folder laid out as tensorflowjs_converter lays it out', async () => {
    const json = JSON.parse(await readFile(path.join(converted.half, 'model.json'), 'utf8'));
    expect(json.format).toBe('graph-model');
    expect(json.modelTopology.node.length).toBeGreaterThan(0);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(json.weightsManifest[0].weights.length).toBeGreaterThan(0);
    expect(json.signature).toEqual({
      methodName: 'tensorflow/serving/predict',
      inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '-1' }, { size: '1' }] } } },
      outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '-1' }, { size: '1' }] } } },
    });
    expect(Object.keys(json.userDefinedMetadata.lambdaServing.signatures).sort()).toEqual([
      'classify_x_to_y', 'regress_x2_to_y3', 'regress_x_to_y', 'regress_x_to_y2', 'serving_default',
    ]); // prettier-ignore
    expect(json.userDefinedMetadata.lambdaServing.signatures.serving_default.inputs.x).toEqual({
      tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1, 1], feedShape: null,
    }); // prettier-ignore

    const openmv = JSON.parse(await readFile(path.join(converted.openmv, 'model.json'), 'utf8'));
    const paths: string[] = openmv.weightsManifest[0].paths;
    expect(paths.length).toBeGreaterThan(1);
    expect(paths).toEqual(paths.map((_, i) => `group1-shard${i + 1}of${paths.length}.bin`));
    expect((await readdir(converted.openmv)).sort()).toEqual(['model.json', ...paths].sort());
  });

  it('serves half_plus_two identically from the SavedModel and the converted folder', async () => {
    for (const model of ['half_plus_two', 'half_plus_two_tfjs']) {
      const answer = await post(`${server.url}/v1/models/${model}:predict`, { instances: [2.0, 3.0, 4.0] });
      expect(answer.status, answer.text).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ predictions: [3.0, 3.5, 4.0] });
    }
    const columnar = await Promise.all(
      ['half_plus_two', 'half_plus_two_tfjs'].map((model) => post(`${server.url}/v1/models/${model}:predict`, { inputs: [2.0, 3.0, 4.0] })),
    );
    expect(columnar[1]).toEqual(columnar[0]);
  });

  it('reports the same metadata (every signature) for the original and the converted copy', async () => {
    for (const [from, to] of [['half_plus_two', 'half_plus_two_tfjs'], ['lenet', 'lenet_tfjs'], ['openmv', 'openmv_tfjs']]) {
      const [a, b] = await Promise.all(
        [from, to].map(async (model) => (await fetch(`${server.url}/v1/models/${model}/metadata`)).json() as Promise<{ model_spec: { name: string } }>),
      );
      expect(a.model_spec.name).toBe(from);
      expect(b.model_spec.name).toBe(to);
      expect({ ...b, model_spec: { ...b.model_spec, name: from } }).toEqual(a);
    }
  });

  it('answers tf.Example requests (classify, regress) the same way from both', async () => {
    const requests: [string, { signature_name: string; examples: unknown[] }][] = [
      ['classify', { signature_name: 'classify_x_to_y', examples: [{ x: 2.0 }, { x: 4.0 }] }],
      ['regress', { signature_name: 'regress_x_to_y', examples: [{ x: 2.0 }] }],
      ['regress', { signature_name: 'regress_x_to_y2', examples: [{ x: 2.0, x2: 1.0 }] }],
    ];
    for (const [method, body] of requests) {
      const a = await post(`${server.url}/v1/models/half_plus_two:${method}`, body);
      const b = await post(`${server.url}/v1/models/half_plus_two_tfjs:${method}`, body);
      expect({ ...b, text: b.text.replaceAll('half_plus_two_tfjs', 'half_plus_two') }, JSON.stringify(body)).toEqual(a);
      if (body.signature_name === 'regress_x_to_y') {
        // TF Serving's own server test: {"examples": [{"x": 2.0}]} → {"results": [3.0]}.
        expect(b.status, b.text).toBe(200);
        expect(JSON.parse(b.text)).toEqual({ results: [3.0] });
      }
    }
  });

  it('answers every half_plus_two signature as TF Serving states, from the SavedModel and the converted folder', async () => {
    // Stated in the fixtures README (TF Serving's own tests), except y2 = a·x + c and y3 = a2·x2 + c2,
    // derived from the checkpoint (a = a2 = 0.5, c = c2 = 3).
    const calls: [string, string, object, string][] = [
      ['serving_default', 'predict', { instances: [2.0, 3.0, 4.0] }, '{"predictions":[3.0,3.5,4.0]}'],
      ['classify_x_to_y', 'classify', { examples: [{ x: 2.0 }] }, '{"results":[[["",3.0]]]}'],
      ['regress_x_to_y', 'regress', { examples: [{ x: 2.0 }] }, '{"results":[3.0]}'],
      ['regress_x_to_y2', 'regress', { examples: [{ x: 2.0 }] }, '{"results":[4.0]}'],
      ['regress_x2_to_y3', 'predict', { instances: [[2.0], [4.0]] }, '{"predictions":[[4.0],[5.0]]}'],
    ];
    for (const model of ['half_plus_two', 'half_plus_two_tfjs']) {
      for (const [signature, verb, body, expected] of calls) {
        const answer = await post(`${server.url}/v1/models/${model}:${verb}`, { signature_name: signature, ...body });
        expect(answer, `${model} ${signature}`).toEqual({ status: 200, text: expected });
      }
    }
  });

  it('stores each weight once: converted weights within 1.1 × the variables + 1 KiB, no NoOp, no control edge', async () => {
    // Folded batch norms replace a kernel and four vectors by a kernel and a bias, so folding only
    // shrinks; the 1 KiB is graph constants that are not variables (shapes, axes, scalars).
    for (const name of ['half', 'openmv'] as const) {
      const weights = await folderWeightBytes(converted[name]);
      const variables = await variableBytes(original[name]);
      console.log(`${name}: ${weights} converted weight bytes, ${variables} variable bytes`);
      expect(weights).toBeLessThanOrEqual(1.1 * variables + 1024);
      const json = JSON.parse(await readFile(path.join(converted[name], 'model.json'), 'utf8'));
      const nodes: { name: string; op: string; input?: string[] }[] = json.modelTopology.node;
      expect(nodes.filter((node) => node.op === 'NoOp')).toEqual([]);
      expect(nodes.filter((node) => node.input?.some((input) => input.startsWith('^')))).toEqual([]);
    }
  });

  it('gives the same LeNet predictions from the frozen graph and the converted folder', async () => {
    const instances = await digitImages();
    const a = await post(`${server.url}/v1/models/lenet:predict`, { instances });
    const b = await post(`${server.url}/v1/models/lenet_tfjs:predict`, { instances });
    expect(a.status, a.text).toBe(200);
    expect(b).toEqual(a);
    const { predictions } = JSON.parse(a.text) as { predictions: number[] };
    expect(predictions).toHaveLength(3);
    for (const digit of predictions) expect(Number.isInteger(digit) && digit >= 0 && digit <= 9).toBe(true);
    console.log(`LeNet argmax on sample0..2 (original and converted): ${JSON.stringify(predictions)}`);
  });

  it('gives the same MobileNet-OpenMV probabilities from the SavedModel and the converted folder', async () => {
    const instances = [await openmvImage()];
    const a = await post(`${server.url}/v1/models/openmv:predict`, { instances });
    const b = await post(`${server.url}/v1/models/openmv_tfjs:predict`, { instances });
    expect(a.status, a.text).toBe(200);
    expect(b).toEqual(a);
    const { predictions } = JSON.parse(a.text) as { predictions: number[][] };
    expect(predictions[0]).toHaveLength(5);
    expect(predictions[0].reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 4);
  });

  it('shows the converted folder with the same signatures as the original', async () => {
    for (const [from, to] of [[original.half, converted.half], [original.lenet, converted.lenet]]) {
      const a = await runCli('show', '--dir', from, '--all');
      const b = await runCli('show', '--dir', to, '--all');
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const body = (text: string) => text.slice(text.indexOf('\n'));
      expect(body(b.stdout)).toBe(body(a.stdout));
      expect(b.stdout).toMatch(/^The given TF\.js model contains the following SignatureDefs:/);
    }
  });

  it('loads from protobuf and from the converted folder (timings printed, not asserted)', async () => {
    await initBackend('wasm', () => {});
    /** The first load of each (what a cold start pays), then the best of two more. */
    const time = async (dir: string): Promise<{ first: number; best: number }> => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const model = await loadModel(dir);
        times.push(performance.now() - started);
        model.dispose();
      }
      return { first: times[0], best: Math.min(...times.slice(1)) };
    };
    const names = {
      half: 'half_plus_two (TF1 SavedModel)',
      lenet: 'LeNet (frozen GraphDef)',
      openmv: 'MobileNetV1-OpenMV (TF2 Keras SavedModel)',
    };
    const cell = (ms: number) => ms.toFixed(1).padStart(8);
    const rows: string[] = [];
    for (const name of ['half', 'lenet', 'openmv'] as const) {
      const proto = await time(original[name]);
      const tfjs = await time(converted[name]);
      rows.push(
        `| ${names[name].padEnd(41)} | ${cell(proto.first)} | ${cell(proto.best)} | ${cell(tfjs.first)} | ${cell(tfjs.best)} | ${(proto.best / tfjs.best).toFixed(1).padStart(5)}× |`,
      );
    }
    console.log(
      [
        'loadModel() on wasm, ms: from protobuf (importer) vs from the converted TF.js folder; first load, then best of 2 more',
        `| ${'model'.padEnd(41)} | pb first |  pb best | js first |  js best |  ratio |`,
        `| ${'-'.repeat(41)} | -------- | -------- | -------- | -------- | ------ |`,
        ...rows,
      ].join('\n'),
    );
  });
});

describe.skipIf(!HAVE_FIXTURES)(`convert reads SRC as --input_format names it${FIXTURES_NOTE}`, () => {
  it('refuses a folder holding another format, naming both', async () => {
    const half = fixture('tf-serving', 'saved_model_half_plus_two_cpu', '00000123');
    await expect(convertModel(parseConvertFlags(['--input_format=tflite', half, path.join(os.tmpdir(), 'never-written')]))).rejects.toThrow(
      `${half} is not a TFLite model for --input_format tflite (it holds a SavedModel)`,
    );
  });
});

describe('convert on a Keras model tfjs-layers cannot build', () => {
  it('refuses tfjs_layers_model pointing at tfjs_graph_model, which then converts it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convert-keras-'));
    try {
      // GlobalAveragePooling2D(keepdims=True): tfjs-layers would ignore keepdims, so it is refused.
      const file = path.join(dir, 'keepdims.h5');
      await writeFile(file, await keepdimsModelH5(5));
      const layers = await runCli('convert', '--input_format=keras', file, path.join(dir, 'layers'));
      expect(layers.code).toBe(1);
      expect(layers.stderr).toMatch(/keepdims=true, which TF\.js does not implement \(--output_format tfjs_graph_model maps the layers onto TensorFlow ops instead\)/);
      const graph = await runCli('convert', '--input_format=keras', '--output_format=tfjs_graph_model', file, path.join(dir, 'graph'));
      expect(graph.code, graph.stderr).toBe(0);
      expect(JSON.parse(await readFile(path.join(dir, 'graph', 'model.json'), 'utf8')).format).toBe('graph-model');
      // The container must be the one --input_format names.
      await expect(convertModel(parseConvertFlags(['--input_format=keras_v3', file, path.join(dir, 'v3')]))).rejects.toThrow(/keepdims\.h5 is an HDF5 file: use --input_format keras$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('convert --output_format onnx', () => {
  it('takes onnx for every input format, and says tensorflowjs_converter has no such format', async () => {
    for (const inputFormat of ['tf_saved_model', 'tf_frozen_model', 'tflite', 'keras', 'keras_v3']) {
      expect(parseConvertFlags([`--input_format=${inputFormat}`, '--output_format=onnx', 'src', 'out'])).toMatchObject({ inputFormat, outputFormat: 'onnx' });
    }
    const usage = await runCli('convert', '--output_format=tfjs', 'a', 'b');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/onnx \(lambda-serving's\s+own: .*\s+.*tensorflowjs_converter has no\s+such format\)/);
  });

  it('refuses a graph that does not lower whole, naming the ops, and writes nothing', async () => {
    const dst = path.join(await mkdtemp(path.join(os.tmpdir(), 'convert-onnx-refused-')), 'out');
    const graph: Graph = {
      source: 'test graph',
      nodes: [
        { name: 'x', op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: 'DT_FLOAT' } } },
        { name: 'fft', op: 'FFT', inputs: ['x'], attrs: {} },
      ],
      signatures: {
        serving_default: {
          methodName: 'tensorflow/serving/predict',
          inputs: { x: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: null } },
          outputs: { y: { tensorName: 'fft:0', dtype: 'DT_FLOAT', shape: null } },
        },
      },
    };
    const artifact = { kind: 'graph', format: 'frozen_graph', graph, what: 'frozen graph g.pb', path: 'g.pb' } as const;
    await expect(convertArtifact(artifact, { outputFormat: 'onnx', dst, weightShardSizeBytes: 1, skipOpCheck: false })).rejects.toThrow(
      /frozen graph g\.pb uses op the ONNX lowering cannot map: FFT — at fft \(FFT\)/,
    );
    await expect(readdir(dst)).rejects.toThrow(/ENOENT/);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`convert --output_format onnx on real models${FIXTURES_NOTE}`, () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'convert-onnx-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Converts with the CLI; returns the folder written and what it printed. */
  async function toOnnx(name: string, ...args: string[]): Promise<{ dst: string; stdout: string }> {
    const version = /^\d+$/.test(args.at(-1)!) ? args.pop()! : '1';
    const dst = path.join(tmp, name, version);
    const result = await runCli('convert', '--output_format=onnx', ...args, dst);
    expect(result.code, result.stderr).toBe(0);
    return { dst, stdout: result.stdout };
  }

  it('writes half_plus_two as one .onnx per signature and a manifest, and serves every signature as TF Serving states', async () => {
    const half = fixture('tf-serving', 'saved_model_half_plus_two_cpu', '00000123');
    const { dst, stdout } = await toOnnx('half_plus_two', '--input_format=tf_saved_model', half, '123');
    expect(stdout).toMatch(/→ .*half_plus_two\/123 \(onnx\)/);
    expect(stdout).toMatch(/wrote 6 files, [\d,]+ bytes: lambda-serving-onnx\.json, serving_default\.onnx, /);
    expect(stdout).toMatch(/\d+ nodes, \d+ distinct ops: .*Add.*Mul/);
    expect(stdout).toContain('5 signatures: classify_x_to_y, regress_x2_to_y3, regress_x_to_y, regress_x_to_y2, serving_default');
    const app = createApp([
      new ModelService({ name: 'original', basePath: path.dirname(half), engine: 'onnxruntime' }),
      new ModelService({ name: 'converted', basePath: path.dirname(dst) }),
    ]);
    const ask = async (model: string, verb: string, body: object) => {
      const response = await app.fetch(new Request(`http://localhost/v1/models/${model}${verb}`, verb.startsWith(':') ? { method: 'POST', body: JSON.stringify(body) } : {}));
      return { status: response.status, text: await response.text() };
    };
    // Stated in the fixtures README (TF Serving's own tests); y2, y3 derived from the checkpoint.
    const calls: [string, string, object, string][] = [
      ['serving_default', ':predict', { instances: [2.0, 3.0, 4.0] }, '{"predictions":[3.0,3.5,4.0]}'],
      ['classify_x_to_y', ':classify', { examples: [{ x: 2.0 }] }, '{"results":[[["",3.0]]]}'],
      ['regress_x_to_y', ':regress', { examples: [{ x: 2.0 }] }, '{"results":[3.0]}'],
      ['regress_x_to_y2', ':regress', { examples: [{ x: 2.0 }] }, '{"results":[4.0]}'],
      ['regress_x2_to_y3', ':predict', { instances: [[2.0], [4.0]] }, '{"predictions":[[4.0],[5.0]]}'],
    ];
    for (const [signature, verb, body, expected] of calls) {
      expect(await ask('converted', verb, { signature_name: signature, ...body }), signature).toEqual({ status: 200, text: expected });
    }
    // The same metadata (every signature) as the SavedModel it came from.
    const [a, b] = await Promise.all(['original', 'converted'].map(async (model) => JSON.parse((await ask(model, '/metadata', {})).text)));
    expect({ ...b, model_spec: { ...b.model_spec, name: 'original' } }).toEqual(a);
  });

  it('converts TFLite, frozen graph, Keras HDF5 and Keras 3 models to folders that answer as the originals do on ONNX Runtime', async () => {
    const lenet = fixture('frozen-graphdef', 'dl4j-lenet', 'lenet_frozen.pb');
    const cases: { name: string; args: string[]; original: string; inputs: Record<string, HostTensor> }[] = [
      {
        name: 'tflite',
        args: ['--input_format=tflite', fixture('tf-serving/saved_model_half_plus_two_tflite/00000123/model.tflite')],
        original: fixture('tf-serving/saved_model_half_plus_two_tflite/00000123'),
        inputs: { x: { dtype: 'DT_FLOAT', shape: [3, 1], values: Float32Array.from([2, 3, 4]) } },
      },
      {
        name: 'lenet',
        args: ['--input_format=tf_frozen_model', '--output_node_names=output', lenet],
        original: lenet,
        inputs: { input: { dtype: 'DT_FLOAT', shape: [1, 784], values: Float32Array.from((await digitImages())[0]) } },
      },
      {
        name: 'cnn2d',
        args: ['--input_format=keras', fixture('keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5')],
        original: fixture('keras-h5/dl4j-tfkeras-cnn2d/cnn2d_64.h5'),
        inputs: { input_65: { dtype: 'DT_FLOAT', shape: [1, 10, 10, 3], values: Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)) } },
      },
    ];
    for (const c of cases) {
      const { dst } = await toOnnx(c.name, ...c.args);
      const converted = await loadModel(dst);
      expect(converted.format, c.name).toBe('onnx');
      const originalArtifact = await readSource({ ...parseConvertFlags([...c.args, 'unused']), src: c.args.at(-1)! });
      const original = await loadArtifact(originalArtifact, { engine: 'onnxruntime' });
      expect(Object.keys(converted.signatures), c.name).toEqual(Object.keys(original.signatures));
      const inputs = c.name === 'lenet' ? { [Object.keys(original.signatures.serving_default.inputs)[0]]: c.inputs.input } : c.inputs;
      const [got, want] = await Promise.all([converted.run('serving_default', inputs), original.run('serving_default', inputs)]);
      for (const alias of Object.keys(want)) expect(Array.from(got[alias].values as Float32Array), `${c.name} ${alias}`).toEqual(Array.from(want[alias].values as Float32Array));
      converted.dispose();
      original.dispose();
    }
    // Keras 3 .keras: converts to a folder with the original's signature.
    const keras3 = fixture('tf-written/keras-mobilenetv2-a035/1/model.keras');
    const { dst } = await toOnnx('keras3', '--input_format=keras_v3', keras3);
    expect((await readdir(dst)).sort()).toEqual(['lambda-serving-onnx.json', 'serving_default.onnx']);
    expect(Object.keys((await readModelSignatures(dst)).signatures)).toEqual(['serving_default']);
  });
});
