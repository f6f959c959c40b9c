/**
 * Keras 3 `.keras` files: a zip of `config.json` (the serialized model), `metadata.json`
 * (`keras_version`) and `model.weights.h5`. Keras 3 (`keras/src/saving/saving_lib.py`) stores
 * variables not by name but by where the saving walk found them: each layer of a Functional or
 * Sequential model under `layers/<snake_case class name>[_<n>]` (numbered per class in layer
 * order), its own variables as datasets `vars/0`, `vars/1`, … (trainable first, then
 * non-trainable, in creation order), sub-objects (an RNN's `cell`, a nested model's `layers`)
 * beneath. The names here come from each layer class's variable order.
 * @module importers/keras/keras-v3
 */
import { unzipSync } from 'fflate';
import { FailedPreconditionError } from '../../errors.ts';
import type { HostTensor } from '../../tensors/host-tensor.ts';
import { childDataset, childGroup, readH5, readTensor, type Group } from './hdf5.ts';
import { CONTAINER_CLASSES, normalizeModelConfig, parseModelJson } from './config.ts';
import type { KerasModel, KerasObject, KerasWeight } from '../../graph/keras-model.ts';

const CONFIG = 'config.json';
const METADATA = 'metadata.json';
const WEIGHTS = 'model.weights.h5';

/** Reads a Keras 3 `.keras` zip. */
export async function readKerasV3(bytes: Uint8Array, what: string): Promise<KerasModel> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (file) => [CONFIG, METADATA, WEIGHTS, 'model.weights.npz'].includes(file.name) });
  } catch (error) {
    throw new FailedPreconditionError(`${what} is not a readable zip file: ${(error as Error).message}`);
  }
  if (!files[CONFIG]) throw new FailedPreconditionError(`${what} is a zip without ${CONFIG}, so not a Keras 3 .keras file`);
  const raw = parseModelJson(new TextDecoder().decode(files[CONFIG]), `${what} ${CONFIG}`);
  const metadata = files[METADATA] ? parseMetadata(files[METADATA]) : {};
  const modelConfig = normalizeModelConfig(raw, `${what} ${CONFIG}`);
  if (!files[WEIGHTS]) {
    const npz = files['model.weights.npz'] ? ' (it has model.weights.npz; only the default h5 weights format is read)' : '';
    throw new FailedPreconditionError(`${what} has no ${WEIGHTS}${npz}`);
  }
  const weights = await readH5(files[WEIGHTS], `${what} ${WEIGHTS}`, (file) => containerWeights(file, raw, '', `${what} ${WEIGHTS}`));
  return {
    format: 'keras_v3',
    kerasVersion: typeof metadata.keras_version === 'string' ? metadata.keras_version : '',
    backend: typeof metadata.backend === 'string' ? metadata.backend : '',
    modelConfig,
    weights,
  };
}

function parseMetadata(bytes: Uint8Array): Record<string, unknown> {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Keras's `naming.to_snake_case` of a class name: `SeparableConv2D` → `separable_conv2d`,
 * `BatchNormalization` → `batch_normalization`.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The weights of a Functional/Sequential model whose state is at `path` in the weights file. */
export function containerWeights(root: Group, model: KerasObject, path: string, what: string): KerasWeight[] {
  const layers = ((model.config as { layers?: KerasObject[] }).layers ?? []) as KerasObject[];
  const used = new Map<string, number>();
  const weights: KerasWeight[] = [];
  for (const layer of layers) {
    const name = String(layer.config?.name ?? layer.name);
    // The attribute name Keras gave the layer in the model's `layers` list.
    const base = snakeCase(layer.class_name);
    const count = used.get(base);
    used.set(base, (count ?? -1) + 1);
    const key = count === undefined ? base : `${base}_${count + 1}`;
    const group = layerGroup(root, path, key, name);
    if (CONTAINER_CLASSES.has(layer.class_name)) {
      if (group) weights.push(...containerWeights(root, layer, group.path, what));
      continue;
    }
    const variables = group ? layerVariables(group, layer.class_name) : [];
    if (!variables.length) continue;
    const names = variableNames(layer, variables.length);
    if (!names) {
      throw new FailedPreconditionError(
        `${what}: layer ${name} (${layer.class_name}) has ${variables.length} variables in an order this importer does not know`,
      );
    }
    variables.forEach((tensor, i) => weights.push({ name: `${name}/${names[i]}`, tensor }));
  }
  return weights;
}

/**
 * The group of one layer: `layers/<key>` as Keras 3 writes it, or as Keras 2.13's `.keras` files
 * (`_layer_checkpoint_dependencies/…`, saving_lib's compatibility fallback) and by layer name.
 */
function layerGroup(root: Group, path: string, key: string, name: string): Group | undefined {
  for (const container of ['layers', '_layer_checkpoint_dependencies']) {
    for (const child of [key, name]) {
      const group = groupAt(root, [path, container, child].filter(Boolean).join('/'));
      if (group) return group;
    }
  }
  return undefined;
}

function groupAt(root: Group, path: string): Group | undefined {
  let group: Group | undefined = root;
  for (const part of path.replace(/^\//, '').split('/')) {
    group = group && childGroup(group, part);
  }
  return group;
}

/** A layer's variables: its own `vars/<i>`, or for an RNN layer its cell's. */
function layerVariables(group: Group, className: string): HostTensor[] {
  const own = numberedVars(group);
  if (own.length || !RNN_CLASSES.has(className)) return own;
  const cell = childGroup(group, 'cell');
  return cell ? numberedVars(cell) : [];
}

function numberedVars(group: Group): HostTensor[] {
  const vars = childGroup(group, 'vars');
  if (!vars) return [];
  const out: HostTensor[] = [];
  for (let i = 0; ; i++) {
    const dataset = childDataset(vars, String(i));
    if (!dataset) break;
    out.push(readTensor(dataset));
  }
  return out;
}

const RNN_CLASSES = new Set(['SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D']);

type Config = Record<string, unknown>;
const withBias = (config: Config, ...kernels: string[]) => (config.use_bias === false ? kernels : [...kernels, 'bias']);
const normalization = (config: Config, ...moving: string[]) => [
  ...(config.scale === false ? [] : ['gamma']),
  ...(config.center === false ? [] : ['beta']),
  ...moving,
];

/**
 * The Keras names of each layer class's variables in the order Keras 3 creates them (its
 * `build()`), which is the order of `vars/<i>`.
 */
const VARIABLE_NAMES: Record<string, (config: Config) => string[]> = {
  Dense: (c) => withBias(c, 'kernel'),
  Conv1D: (c) => withBias(c, 'kernel'),
  Conv2D: (c) => withBias(c, 'kernel'),
  Conv3D: (c) => withBias(c, 'kernel'),
  Conv1DTranspose: (c) => withBias(c, 'kernel'),
  Conv2DTranspose: (c) => withBias(c, 'kernel'),
  Conv3DTranspose: (c) => withBias(c, 'kernel'),
  DepthwiseConv1D: (c) => withBias(c, 'depthwise_kernel'),
  DepthwiseConv2D: (c) => withBias(c, 'depthwise_kernel'),
  SeparableConv1D: (c) => withBias(c, 'depthwise_kernel', 'pointwise_kernel'),
  SeparableConv2D: (c) => withBias(c, 'depthwise_kernel', 'pointwise_kernel'),
  BatchNormalization: (c) => normalization(c, 'moving_mean', 'moving_variance'),
  LayerNormalization: (c) => normalization(c),
  Embedding: () => ['embeddings'],
  PReLU: () => ['alpha'],
  SimpleRNN: (c) => withBias(c, 'kernel', 'recurrent_kernel'),
  LSTM: (c) => withBias(c, 'kernel', 'recurrent_kernel'),
  GRU: (c) => withBias(c, 'kernel', 'recurrent_kernel'),
  ConvLSTM2D: (c) => withBias(c, 'kernel', 'recurrent_kernel'),
};

function variableNames(layer: KerasObject, count: number): string[] | undefined {
  const names = VARIABLE_NAMES[layer.class_name]?.(layer.config ?? {});
  return names && names.length === count ? names : undefined;
}
