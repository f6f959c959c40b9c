/**
 * `lambda-serving show`, run as a user runs it: the real CLI in its own process, on the shared
 * fixtures (a TF1 SavedModel, a TF2 SavedModel, a frozen GraphDef), printing saved_model_cli's
 * layout read from the files. (test/formats/every-path.test.ts checks that show gives the
 * signatures serving gives, for every fixture.)
 */
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSignatures, parseShowFlags } from '../../lib/cli/show.ts';
import { UsageError } from '../../lib/cli/flags.ts';
import { FIXTURES_NOTE, HAVE_FIXTURES, fixture } from '../support/fixtures.ts';
import { runCli } from '../support/serve-process.ts';
import { gruResetAfterH5 } from '../importers/keras/keras2-writer.ts';

const HALF_PLUS_TWO = '../shared/fixtures/tf-serving/saved_model_half_plus_two_cpu/00000123';

describe('show flags', () => {
  it('reads --flag=value and --flag value, with _ or -', () => {
    expect(parseShowFlags(['--dir=/m', '--tag-set', 'serve,gpu', '--signature_def', 'sig'])).toEqual({
      dir: '/m',
      tagSet: ['serve', 'gpu'],
      signatureDef: 'sig',
      all: false,
    });
    expect(parseShowFlags(['--dir', '/m', '--all'])).toEqual({ dir: '/m', tagSet: ['serve'], all: true });
  });

  it('refuses a missing --dir, unknown flags and positional arguments', () => {
    expect(() => parseShowFlags([])).toThrow(UsageError);
    expect(() => parseShowFlags(['--dir=/m', '--bogus'])).toThrow(/Unknown flag --bogus/);
    expect(() => parseShowFlags(['--dir=/m', 'extra'])).toThrow(UsageError);
    expect(() => parseShowFlags(['--dir=/m', '--all', '--signature_def=x'])).toThrow(/not both/);
  });

  it('prints unknown rank, scalars and why a signature cannot run here', () => {
    const text = formatSignatures(
      {
        kind: 'saved_model',
        path: '/m',
        tagSet: ['serve'],
        signatures: {
          parse: {
            methodName: 'tensorflow/serving/classify',
            unavailable: 'its graph parses tf.Example protos with sparse features (at parse), which are not supported yet',
            inputs: { in: { tensorName: 'a:0', dtype: 'DT_STRING', shape: null } },
            outputs: { out: { tensorName: 'b:0', dtype: 'DT_FLOAT', shape: [] } },
          },
        },
      },
      { all: true },
    );
    expect(text).toContain('        shape: unknown_rank\n');
    expect(text).toContain('        shape: ()\n');
    expect(text).toContain('  Method name is: tensorflow/serving/classify\n  Not servable here: its graph parses tf.Example protos with sparse features (at parse), which are not supported yet\n');
  });
});

describe.skipIf(!HAVE_FIXTURES)(`lambda-serving show on real models${FIXTURES_NOTE}`, () => {
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'show-'));
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists the SignatureDef keys of half_plus_two', async () => {
    const result = await runCli('show', '--dir', HALF_PLUS_TWO);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:');
    const keys = lines.slice(1).map((line) => /^SignatureDef key: "(.*)"$/.exec(line)?.[1]);
    expect(keys.sort()).toEqual(['classify_x_to_y', 'regress_x2_to_y3', 'regress_x_to_y', 'regress_x_to_y2', 'serving_default']);
  });

  it('prints one signature in saved_model_cli layout', async () => {
    const result = await runCli('show', `--dir=${HALF_PLUS_TWO}`, '--tag_set', 'serve', '--signature-def', 'serving_default');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        "signature_def['serving_default']:",
        '  The given SavedModel SignatureDef contains the following input(s):',
        "    inputs['x'] tensor_info:",
        '        dtype: DT_FLOAT',
        '        shape: (-1, 1)',
        '        name: x:0',
        '  The given SavedModel SignatureDef contains the following output(s):',
        "    outputs['y'] tensor_info:",
        '        dtype: DT_FLOAT',
        '        shape: (-1, 1)',
        '        name: y:0',
        '  Method name is: tensorflow/serving/predict',
        '',
      ].join('\n'),
    );
  });

  it('prints every signature of a TF2 SavedModel with --all', async () => {
    const result = await runCli('show', '--dir', fixture('tfjs-node', 'saved_model', 'times_three_float'), '--all');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("MetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:");
    expect(result.stdout).toContain("signature_def['serving_default']:");
    expect(result.stdout).toContain('        name: serving_default_x:0\n');
    expect(result.stdout).toContain('        shape: ()\n');
    expect(result.stdout).toContain("    outputs['output_0'] tensor_info:\n        dtype: DT_FLOAT\n");
  });

  it('shows a folder holding a frozen GraphDef', async () => {
    const dir = path.join(tmp, 'lenet');
    await mkdir(dir);
    await symlink(fixture('frozen-graphdef', 'dl4j-lenet', 'lenet_frozen.pb'), path.join(dir, 'lenet_frozen.pb'));
    const keys = await runCli('show', '--dir', dir);
    expect(keys.code, keys.stderr).toBe(0);
    expect(keys.stdout).toBe('The given frozen graph contains SignatureDefs with the following keys:\nSignatureDef key: "serving_default"\n');
    const all = await runCli('show', '--dir', dir, '--all');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("    inputs['input'] tensor_info:\n        dtype: DT_FLOAT\n        shape: unknown_rank\n        name: input:0\n");
    expect(all.stdout).toContain("    outputs['output'] tensor_info:\n        dtype: DT_INT64\n        shape: unknown_rank\n        name: output:0\n");
  });

  it('shows a TFLite file with its SignatureDef, and a TOCO file without one', async () => {
    const add4 = await runCli('show', '--dir', fixture('tflite', 'tfjs-add4', 'add4.tflite'), '--all');
    expect(add4.code, add4.stderr).toBe(0);
    expect(add4.stdout).toContain("    inputs['input_1'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 4)\n        name: serving_default_input_1:0\n");
    expect(add4.stdout).toContain("    outputs['add_1'] tensor_info:");
    const toco = await runCli('show', '--dir', fixture('tf-serving', 'saved_model_half_plus_two_tflite', '00000123'));
    expect(toco.code, toco.stderr).toBe(0);
    expect(toco.stdout).toBe('The given TFLite model contains SignatureDefs with the following keys:\nSignatureDef key: "serving_default"\n');
  });

  it('shows a Keras .h5 with its input and output layers as the signature', async () => {
    const result = await runCli('show', '--dir', fixture('keras-h5', 'face-classification-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5'), '--signature_def', 'serving_default');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("    inputs['input_1'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 64, 64, 1)\n");
    expect(result.stdout).toContain("    outputs['predictions'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 7)\n");
  });

  it('still lists a SavedModel whose import fails, each signature marked with why', async () => {
    const dir = path.join(tmp, 'broken-variables');
    await mkdir(path.join(dir, 'variables'), { recursive: true });
    await copyFile(path.join(HALF_PLUS_TWO, 'saved_model.pb'), path.join(dir, 'saved_model.pb'));
    await writeFile(path.join(dir, 'variables', 'variables.index'), 'garbage\n');
    const result = await runCli('show', '--dir', dir, '--signature_def', 'serving_default');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("    inputs['x'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 1)\n        name: x:0\n");
    expect(result.stdout).toMatch(/  Not servable here: the SavedModel cannot be imported: .*variables\.index is not a TensorFlow checkpoint index/);
  });

  it('names the available signatures when --signature_def is not one of them', async () => {
    const result = await runCli('show', '--dir', HALF_PLUS_TWO, '--signature_def', 'nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Could not find signature "nope".*"serving_default"/);
  });
});

describe('lambda-serving show on a Keras model only the graph path serves', () => {
  it('prints the signature serving offers (tfjs-layers refuses GRU reset_after=True)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'show-gru-'));
    try {
      const file = path.join(dir, 'gru.h5');
      await writeFile(file, await gruResetAfterH5(3));
      const result = await runCli('show', '--dir', file, '--all');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(
        [
          'The given Keras model contains the following SignatureDefs:',
          '',
          "signature_def['serving_default']:",
          '  The given SavedModel SignatureDef contains the following input(s):',
          "    inputs['gru_input'] tensor_info:",
          '        dtype: DT_FLOAT',
          '        shape: (-1, 6, 3)',
          '        name: gru_input:0',
          '  The given SavedModel SignatureDef contains the following output(s):',
          "    outputs['dense'] tensor_info:",
          '        dtype: DT_FLOAT',
          '        shape: (-1, 2)',
          '        name: dense:0',
          '  Method name is: tensorflow/serving/predict',
          '',
        ].join('\n'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('lambda-serving show errors', () => {
  let empty: string;

  beforeAll(async () => {
    empty = await mkdtemp(path.join(os.tmpdir(), 'show-empty-'));
  });

  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('exits 2 with a message and the usage when --dir is missing', async () => {
    const result = await runCli('show', '--all');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Give --dir');
    expect(result.stderr).toContain('Usage: lambda-serving show');
  });

  it('fails clearly on a folder with no model', async () => {
    const result = await runCli('show', '--dir', empty);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`No model found in ${empty}`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('fails clearly on a folder that does not exist', async () => {
    const result = await runCli('show', '--dir', path.join(empty, 'missing'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ENOENT');
  });
});
