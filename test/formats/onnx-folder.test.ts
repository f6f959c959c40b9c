/**
 * ONNX model folders (formats/onnx-folder.ts, engine/onnx/write-folder.ts): what is written reads
 * back with every signature (tf.Example feature defaults as typed arrays included), the ONNX
 * Runtime engine serves it and a bare `.onnx` as they are, TF.js refuses them saying why, `show`
 * lists them, and malformed manifests are refused by name.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSignatures, readModelSignatures } from '../../lib/cli/show.ts';
import { loadArtifact } from '../../lib/engine/engine.ts';
import { loadModel } from '../../lib/engine/load-model.ts';
import { encodeModel, ONNX_DTYPE, ONNX_IR_VERSION, ONNX_OPSET, type ModelProto } from '../../lib/engine/onnx/onnx-proto.ts';
import type { LoweredSignature } from '../../lib/engine/onnx/lower/lower-graph.ts';
import { writeOnnxFolder } from '../../lib/engine/onnx/write-folder.ts';
import { tfjsEngine } from '../../lib/engine/tfjs/engine.ts';
import { FailedPreconditionError } from '../../lib/errors.ts';
import { readOnnx } from '../../lib/formats/onnx-folder.ts';
import { readModelFolder } from '../../lib/formats/registry.ts';
import { numbersOf, type HostTensor } from '../../lib/tensors/host-tensor.ts';
import type { SignatureMap } from '../../lib/tensors/signature.ts';

let root: string;
let count = 0;
const fresh = async () => {
  const dir = path.join(root, String(count++));
  await mkdir(dir, { recursive: true });
  return dir;
};

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'onnx-folder-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** y = 0.5·x + 2 (half_plus_two) over float32, input and output named as given. */
function halfPlusTwo(input = 'x', output = 'y'): Uint8Array {
  const scalar = (name: string, value: number) => ({ name, dims: [], data_type: ONNX_DTYPE.FLOAT, raw_data: new Uint8Array(new Float32Array([value]).buffer) });
  const vector = (name: string) => ({ name, type: { tensor_type: { elem_type: ONNX_DTYPE.FLOAT, shape: { dim: [{ dim_param: 'batch' }] } } } });
  const model: ModelProto = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'tf2onnx',
    producer_version: '1.16.1',
    graph: {
      name: 'half_plus_two',
      node: [
        { op_type: 'Mul', input: [input, 'a'], output: ['ax'], name: 'mul' },
        { op_type: 'Add', input: ['ax', 'b'], output: [output], name: 'add' },
      ],
      initializer: [scalar('a', 0.5), scalar('b', 2)],
      // Older exporters list initializers among the inputs too: they are not signature inputs.
      input: [vector(input), { name: 'a', type: { tensor_type: { elem_type: ONNX_DTYPE.FLOAT, shape: { dim: [] } } } }],
      output: [vector(output)],
    },
  };
  return encodeModel(model);
}

/** Two signatures, one predict and one regress over tf.Example (x2 defaults to 1), and one unservable. */
const SIGNATURES: SignatureMap = {
  serving_default: {
    methodName: 'tensorflow/serving/predict',
    inputs: { x: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: [-1], feedShape: null } },
    outputs: { y: { tensorName: 'y:0', dtype: 'DT_FLOAT', shape: [-1] } },
  },
  'regress/x': {
    methodName: 'tensorflow/serving/regress',
    examples: { features: [{ key: 'x2', dtype: 'DT_FLOAT', shape: [1], defaultValue: { dtype: 'DT_FLOAT', shape: [1], values: Float32Array.from([1]) }, tensorName: 'x2:0' }] },
    inputs: { inputs: { tensorName: 'tf_example:0', dtype: 'DT_STRING', shape: [-1] } },
    outputs: { outputs: { tensorName: 'y:0', dtype: 'DT_FLOAT', shape: [-1, 1] } },
  },
  needs_strings: {
    methodName: 'tensorflow/serving/predict',
    unavailable: 'DT_STRING ops are not lowered',
    inputs: { s: { tensorName: 's:0', dtype: 'DT_STRING', shape: [-1] } },
    outputs: { n: { tensorName: 'n:0', dtype: 'DT_INT64', shape: [-1] } },
  },
};

async function writeExample(dir: string): Promise<void> {
  await writeOnnxFolder(
    dir,
    new Map<string, LoweredSignature>([
      ['serving_default', { bytes: halfPlusTwo(), inputs: { x: 'x' }, outputs: { y: 'y' } }],
      ['regress/x', { bytes: halfPlusTwo('x2', 'out'), inputs: { x2: 'x2' }, outputs: { outputs: 'out' } }],
    ]),
    SIGNATURES,
    'test graph',
  );
}

const values = (tensor: HostTensor) => Array.from(numbersOf(tensor));
const floats = (values: number[]) => ({ dtype: 'DT_FLOAT' as const, shape: [values.length], values: Float32Array.from(values) });

describe('ONNX folders', () => {
  it('writes one .onnx per servable signature (names made file-safe) and a manifest listing all of them', async () => {
    const dir = await fresh();
    await writeExample(dir);
    expect((await readdir(dir)).sort()).toEqual(['lambda-serving-onnx.json', 'regress_x.onnx', 'serving_default.onnx']);
    const manifest = JSON.parse(await readFile(path.join(dir, 'lambda-serving-onnx.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'lambda-serving-onnx',
      version: 1,
      source: 'test graph',
      models: {
        serving_default: { file: 'serving_default.onnx', inputs: { x: 'x' }, outputs: { y: 'y' } },
        'regress/x': { file: 'regress_x.onnx', inputs: { x2: 'x2' }, outputs: { outputs: 'out' } },
      },
    });
    expect(Object.keys(manifest.signatures).sort()).toEqual(['needs_strings', 'regress/x', 'serving_default']);
    expect(manifest.signatures['regress/x'].examples.features[0].defaultValue.values).toEqual({ '@typedArray': 'Float32Array', base64: 'AACAPw==' });
  });

  it('reads back every signature as written, typed arrays included, and each file by absolute path', async () => {
    const dir = await fresh();
    await writeExample(dir);
    const artifact = await readModelFolder(dir);
    expect(artifact.kind).toBe('onnx');
    if (artifact.kind !== 'onnx') return;
    expect(artifact.signatures).toEqual(SIGNATURES);
    expect(artifact.signatures['regress/x'].examples!.features[0].defaultValue!.values).toBeInstanceOf(Float32Array);
    expect(artifact.models['regress/x']).toEqual({ file: path.join(dir, 'regress_x.onnx'), inputs: { x2: 'x2' }, outputs: { outputs: 'out' } });
    expect(artifact.models.needs_strings).toBeUndefined();
    expect(artifact).toMatchObject({ format: 'onnx', what: `ONNX model ${dir}`, path: dir, source: 'test graph' });
  });

  it('is served by ONNX Runtime as it is (auto), the unservable signature saying why; TF.js refuses it, saying why', async () => {
    const dir = await fresh();
    await writeExample(dir);
    const lines: string[] = [];
    const model = await loadArtifact(await readModelFolder(dir), { engine: 'auto', log: (line) => lines.push(line) });
    expect(model.format).toBe('onnx');
    expect(lines).toEqual([`ONNX model ${dir}: engine onnxruntime`]);
    expect(values((await model.run('serving_default', { x: floats([2, 3, 4]) })).y)).toEqual([3, 3.5, 4]);
    expect(values((await model.run('regress/x', { x2: floats([1]) })).outputs)).toEqual([2.5]);
    await expect(model.run('needs_strings', {})).rejects.toThrow(/DT_STRING ops are not lowered/);
    model.dispose();

    const artifact = await readModelFolder(dir);
    expect(tfjsEngine.cannotLoad(artifact)).toMatch(/TF\.js does not run ONNX models/);
    const refused = await loadArtifact(artifact, { engine: 'tfjs' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FailedPreconditionError);
    expect((refused as Error).message).toMatch(/tfjs: TF\.js does not run ONNX models/);
  });

  it('is shown with every signature, without ONNX Runtime', async () => {
    const dir = await fresh();
    await writeExample(dir);
    const shown = await readModelSignatures(dir);
    expect(shown.kind).toBe('onnx');
    expect(shown.signatures).toEqual(SIGNATURES);
    const text = formatSignatures(shown, { all: true });
    expect(text).toContain('The given ONNX model contains the following SignatureDefs:');
    expect(text).toContain("signature_def['regress/x']:");
    expect(text).toContain('  Not servable here: DT_STRING ops are not lowered');
  });

  it('serves a bare .onnx (e.g. from tf2onnx) as serving_default over its graph inputs, initializers left out', async () => {
    const dir = await fresh();
    await writeFile(path.join(dir, 'model.onnx'), halfPlusTwo('input:0', 'output:0'));
    const artifact = await readOnnx(path.join(dir, 'model.onnx'));
    expect(artifact.signatures).toEqual({
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: { 'input:0': { tensorName: 'input:0', dtype: 'DT_FLOAT', shape: [-1] } },
        outputs: { 'output:0': { tensorName: 'output:0', dtype: 'DT_FLOAT', shape: [-1] } },
      },
    });
    expect(artifact.source).toBe('tf2onnx 1.16.1');
    const model = await loadModel(dir);
    expect(model.format).toBe('onnx');
    expect(values((await model.run('serving_default', { 'input:0': floats([2, 3, 4]) }))['output:0'])).toEqual([3, 3.5, 4]);
    model.dispose();
    await writeFile(path.join(dir, 'model.onnx'), 'not protobuf at all');
    await expect(readModelFolder(dir)).rejects.toThrow(/model\.onnx is not an ONNX model/);
  });

  it('refuses a manifest of another format, a newer version, or one naming a file outside its folder', async () => {
    const write = async (manifest: object) => {
      const dir = await fresh();
      await writeFile(path.join(dir, 'lambda-serving-onnx.json'), JSON.stringify(manifest));
      return readModelFolder(dir);
    };
    const signatures = { serving_default: { methodName: 'tensorflow/serving/predict', inputs: {}, outputs: {} } };
    await expect(write({ format: 'other', version: 1, models: {}, signatures })).rejects.toThrow(/is not a lambda-serving-onnx manifest \(format 'other'\)/);
    await expect(write({ format: 'lambda-serving-onnx', version: 2, models: {}, signatures })).rejects.toThrow(/version 2 of the ONNX folder format; this lambda-serving reads up to 1/);
    await expect(
      write({ format: 'lambda-serving-onnx', version: 1, models: { serving_default: { file: '../elsewhere.onnx', inputs: {}, outputs: {} } }, signatures }),
    ).rejects.toThrow(/models\['serving_default'\] needs a file inside the folder/);
    await expect(write({ format: 'lambda-serving-onnx', version: 1, models: {}, signatures: { s: { inputs: {} } } })).rejects.toThrow(/signatures \['s'\] has no methodName/);
  });
});
