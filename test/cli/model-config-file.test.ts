import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError, parseModelConfig, readModelConfigFile } from '../../lib/cli/model-config-file.ts';

const TEXT = `
# Two models, as TF Serving's --model_config_file takes them.
model_config_list {
  config {
    name: 'mnist'
    base_path: "/models/" 'mnist'   # adjacent strings concatenate
    model_platform: "tensorflow"
    model_version_policy { specific { versions: 1 versions: 2 } }
    version_labels { key: 'stable' value: 1 }
    version_labels < key: "canary", value: 2 >
  }
  config: { name: "tab\\tname" base_path: "relative/dir" model_version_policy { all {} } ; }
  config { name: 'latest' base_path: '/l' model_version_policy { latest { num_versions: 3 } } model_type: TENSORFLOW }
}
`;

const EXPECTED = [
  {
    name: 'mnist',
    basePath: '/models/mnist',
    platform: 'tensorflow',
    versionPolicy: { kind: 'specific', versions: [1, 2] },
    versionLabels: { stable: 1, canary: 2 },
  },
  { name: 'tab\tname', basePath: '/configs/relative/dir', versionPolicy: { kind: 'all' }, versionLabels: {} },
  { name: 'latest', basePath: '/l', versionPolicy: { kind: 'latest', numVersions: 3 }, versionLabels: {} },
];

describe('parseModelConfig', () => {
  it('reads TF Serving\'s text format: comments, <>, separators, escapes, concatenation', () => {
    expect(parseModelConfig(TEXT, 'textproto', '/configs')).toEqual(EXPECTED);
  });

  it('reads the same from YAML and JSON, in snake_case or camelCase', () => {
    const yaml = `
model_config_list:
  - name: mnist
    base_path: /models/mnist
    model_platform: tensorflow
    model_version_policy: { specific: { versions: [1, 2] } }
    version_labels: { stable: 1, canary: 2 }
  - { name: "tab\\tname", basePath: relative/dir, modelVersionPolicy: { all: {} } }
  - { name: latest, base_path: /l, model_version_policy: { latest: { numVersions: 3 } } }
`;
    expect(parseModelConfig(yaml, 'yaml', '/configs')).toEqual(EXPECTED);
    const json = JSON.stringify({
      modelConfigList: {
        config: [
          { name: 'mnist', base_path: '/models/mnist', model_platform: 'tensorflow', model_version_policy: { specific: { versions: [1, 2] } }, version_labels: [{ key: 'stable', value: 1 }, { key: 'canary', value: 2 }] },
          { name: 'tab\tname', base_path: 'relative/dir', model_version_policy: { all: {} } },
          { name: 'latest', base_path: '/l', model_version_policy: { latest: { num_versions: 3 } } },
        ],
      },
    });
    expect(parseModelConfig(json, 'json', '/configs')).toEqual(EXPECTED);
  });

  it('defaults to the latest version and no labels', () => {
    expect(parseModelConfig('model_config_list { config { name: "a" base_path: "/a" } }', 'textproto', '/')).toEqual([
      { name: 'a', basePath: '/a', versionPolicy: { kind: 'latest', numVersions: 1 }, versionLabels: {} },
    ]);
  });

  it.each([
    ['model_config_list { config { base_path: "/a" } }', /needs a name/],
    ['model_config_list { config { name: "a" } }', /model 'a' needs a base_path/],
    ['model_config_list { config { name: "a" base_path: "/a" } config { name: "a" base_path: "/b" } }', /'a' appears twice/],
    ['model_config_list { config { name: "a" base_path: "/a" model_version_policy { specific { versions: 0 } } } }', /positive whole number/],
    ['model_config_list { config { name: "a" base_path: "/a" model_version_policy { specific { } } } }', /at least one version/],
    ['model_config_list { config { name: "a" base_path: "/a" model_version_policy { latest {} all {} } } }', /exactly one of latest, all, specific/],
    ['model_config_list { config { name: "a" base_path: "/a" version_labels { key: "x" value: "two" } } }', /label 'x' must be a positive whole number/],
    ['model_config_list { config { name: "a" base_path: "/a" model_version_policy { specific { versions: 1 } } version_labels { key: "x" value: 2 } } }', /label 'x' points to version 2/],
    ['model_config_list { config { name: "a" base_path: "/a" colour: "red" } }', /unknown field 'colour'/],
    ['model_config_list { }', /no config entries/],
    ['models { }', /model_config_list/],
  ])('refuses %s', (text, message) => {
    expect(() => parseModelConfig(text, 'textproto', '/')).toThrow(ModelConfigError);
    expect(() => parseModelConfig(text, 'textproto', '/')).toThrow(message);
  });

  it('takes lambda-serving\'s own engine field (auto | onnxruntime | tfjs) and refuses others', () => {
    const [config] = parseModelConfig('model_config_list:\n  - name: a\n    base_path: /a\n    engine: onnxruntime\n', 'yaml', '/');
    expect(config.engine).toBe('onnxruntime');
    expect(() => parseModelConfig('model_config_list { config { name: "a" base_path: "/a" engine: "gpu" } }', 'textproto', '/')).toThrow(
      `model 'a': engine must be one of auto, onnxruntime, tfjs, not "gpu"`,
    );
  });

  it('reports the line of a syntax error', () => {
    expect(() => parseModelConfig('model_config_list {\n  config {\n    name "a"\n  }\n}', 'textproto', '/')).toThrow(/line 3/);
    expect(() => parseModelConfig('model_config_list {\n  config {\n', 'textproto', '/')).toThrow(/missing '}'/);
    expect(() => parseModelConfig('model_config_list {\n  config { name: "a\n', 'textproto', '/')).toThrow(/line 2: unterminated string/);
    expect(() => parseModelConfig('model_config_list: [{ name: a', 'yaml', '/')).toThrow(/not valid YAML/);
  });
});

describe('readModelConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'model-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('picks the format from the extension and resolves paths against the file\'s folder', async () => {
    await writeFile(path.join(dir, 'models.config'), 'model_config_list { config { name: "m" base_path: "m" } }');
    await writeFile(path.join(dir, 'models.yaml'), 'model_config_list: [{ name: m, base_path: m }]');
    await writeFile(path.join(dir, 'models.json'), '{"model_config_list": [{"name": "m", "base_path": "m"}]}');
    for (const file of ['models.config', 'models.yaml', 'models.json']) {
      const [config] = await readModelConfigFile(path.join(dir, file));
      expect(config.basePath).toBe(path.join(dir, 'm'));
    }
  });

  it('names the file in its errors', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'model_config_list: [{ name: m }]');
    await expect(readModelConfigFile(path.join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml: model 'm' needs a base_path/);
    await expect(readModelConfigFile(path.join(dir, 'missing.config'))).rejects.toThrow(/Cannot read model config file .*ENOENT/);
  });
});
