/**
 * Reads `--model_config_file`: TF Serving's text-format `model_config_list`, or the same as YAML or
 * JSON. Relative base paths resolve against the file's folder.
 *
 * YAML/JSON shape (snake_case or camelCase keys):
 * ```yaml
 * model_config_list:            # a list, or { config: [...] } as in the text form
 *   - name: mnist
 *     base_path: mnist
 *     model_platform: tensorflow                     # optional
 *     model_version_policy: { specific: { versions: [1, 2] } }   # or { latest: { num_versions: 2 } } or { all: {} }
 *     version_labels: { stable: 1, canary: 2 }       # or a list of { key, value }
 *     engine: auto                                   # lambda-serving's own: auto | onnxruntime | tfjs
 * ```
 * @module cli/model-config-file
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ENGINE_CHOICES, type EngineChoice } from '../engine/engine.ts';
import { DEFAULT_VERSION_POLICY, type ModelConfig, type VersionPolicy } from '../service/model-config.ts';
import { parseTextProto, TextProtoError } from './text-proto.ts';

export class ModelConfigError extends Error {}

export type ModelConfigFormat = 'textproto' | 'yaml' | 'json';

type Fields = Record<string, unknown>;

/** Fields TF Serving's ModelConfig has that do not apply here. */
const IGNORED_FIELDS = new Set(['model_type', 'logging_config']);
const KNOWN_FIELDS = new Set(['name', 'base_path', 'model_platform', 'model_version_policy', 'version_labels', 'engine']);

export async function readModelConfigFile(file: string): Promise<ModelConfig[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ModelConfigError(`Cannot read model config file ${file}: ${error.code ?? error.message}`);
  });
  try {
    return parseModelConfig(text, formatOf(file), path.dirname(path.resolve(file)));
  } catch (error) {
    if (error instanceof ModelConfigError) throw new ModelConfigError(`${file}: ${error.message}`);
    throw error;
  }
}

export function formatOf(file: string): ModelConfigFormat {
  const ext = path.extname(file).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? 'yaml' : ext === '.json' ? 'json' : 'textproto';
}

export function parseModelConfig(text: string, format: ModelConfigFormat, baseDir: string): ModelConfig[] {
  const document = readDocument(text, format);
  const list = isFields(document) ? field(document, 'model_config_list') : undefined;
  if (list === undefined) throw new ModelConfigError('expected a top-level model_config_list');
  const entries = isFields(list) && !Array.isArray(list) ? asList(field(list, 'config')) : asList(list);
  if (entries.length === 0) throw new ModelConfigError('model_config_list has no config entries');
  const configs = entries.map((entry, i) => toModelConfig(entry, i, baseDir));
  const seen = new Set<string>();
  for (const config of configs) {
    if (seen.has(config.name)) throw new ModelConfigError(`model name '${config.name}' appears twice`);
    seen.add(config.name);
  }
  return configs;
}

function readDocument(text: string, format: ModelConfigFormat): unknown {
  try {
    if (format === 'json') return JSON.parse(text);
    if (format === 'yaml') return parseYaml(text);
    return parseTextProto(text);
  } catch (error) {
    const reason = error instanceof TextProtoError ? error.message : (error as Error).message.split('\n')[0];
    throw new ModelConfigError(`not valid ${format === 'textproto' ? 'protobuf text format' : format.toUpperCase()}: ${reason}`);
  }
}

function toModelConfig(entry: unknown, index: number, baseDir: string): ModelConfig {
  const where = `config #${index + 1}`;
  if (!isFields(entry)) throw new ModelConfigError(`${where} must be a message/object`);
  for (const key of Object.keys(entry)) {
    const name = snakeCase(key);
    if (!KNOWN_FIELDS.has(name) && !IGNORED_FIELDS.has(name)) {
      throw new ModelConfigError(`${where}: unknown field '${key}'`);
    }
  }
  const name = field(entry, 'name');
  if (typeof name !== 'string' || !name) throw new ModelConfigError(`${where} needs a name`);
  const basePath = field(entry, 'base_path');
  if (typeof basePath !== 'string' || !basePath) throw new ModelConfigError(`model '${name}' needs a base_path`);
  const platform = field(entry, 'model_platform');
  const engine = field(entry, 'engine');
  if (engine !== undefined && (typeof engine !== 'string' || !(ENGINE_CHOICES as readonly string[]).includes(engine))) {
    throw new ModelConfigError(`model '${name}': engine must be one of ${ENGINE_CHOICES.join(', ')}, not ${JSON.stringify(engine)}`);
  }
  const versionPolicy = toVersionPolicy(field(entry, 'model_version_policy'), name);
  const versionLabels = toLabels(field(entry, 'version_labels'), name);
  if (versionPolicy.kind === 'specific') {
    for (const [label, version] of Object.entries(versionLabels)) {
      if (!versionPolicy.versions.includes(version)) {
        throw new ModelConfigError(`model '${name}': label '${label}' points to version ${version}, which its specific policy does not serve`);
      }
    }
  }
  return {
    name,
    basePath: path.resolve(baseDir, basePath),
    ...(typeof platform === 'string' ? { platform } : {}),
    ...(engine !== undefined ? { engine: engine as EngineChoice } : {}),
    versionPolicy,
    versionLabels,
  };
}

function toVersionPolicy(value: unknown, model: string): VersionPolicy {
  if (value === undefined) return DEFAULT_VERSION_POLICY;
  if (!isFields(value)) throw new ModelConfigError(`model '${model}': model_version_policy must be a message/object`);
  const kinds = Object.keys(value).map(snakeCase);
  if (kinds.length !== 1 || !['latest', 'all', 'specific'].includes(kinds[0])) {
    throw new ModelConfigError(`model '${model}': model_version_policy needs exactly one of latest, all, specific`);
  }
  const body = Object.values(value)[0] ?? {};
  if (kinds[0] === 'all') return { kind: 'all' };
  if (kinds[0] === 'latest') {
    const count = isFields(body) ? field(body, 'num_versions') ?? 1 : 1;
    return { kind: 'latest', numVersions: version(count, `model '${model}': num_versions`) };
  }
  const versions = asList(isFields(body) ? field(body, 'versions') : undefined);
  if (versions.length === 0) throw new ModelConfigError(`model '${model}': a specific policy needs at least one version`);
  return { kind: 'specific', versions: versions.map((v) => version(v, `model '${model}': versions`)) };
}

function toLabels(value: unknown, model: string): Record<string, number> {
  if (value === undefined) return {};
  // Text form: repeated { key value } map entries; YAML/JSON: a plain mapping or that same list.
  const pairs: [unknown, unknown][] = Array.isArray(value) || (isFields(value) && 'key' in value)
    ? asList(value).map((entry) => (isFields(entry) ? [entry.key, entry.value] : [undefined, undefined]))
    : isFields(value)
      ? Object.entries(value)
      : [];
  const labels: Record<string, number> = {};
  for (const [key, target] of pairs) {
    if (typeof key !== 'string' || !key) throw new ModelConfigError(`model '${model}': version_labels entries need a key`);
    labels[key] = version(target, `model '${model}': label '${key}'`);
  }
  return labels;
}

function version(value: unknown, what: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) {
    throw new ModelConfigError(`${what} must be a positive whole number, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** Reads a field by its snake_case name or its camelCase spelling. */
function field(fields: Fields, snake: string): unknown {
  return fields[snake] ?? fields[snake.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())];
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}
