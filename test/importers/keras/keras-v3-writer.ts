/**
 * Test-only writer of Keras 3 `.keras` files. NOT written by Keras: no permissively licensed
 * `.keras` file could be found (../shared/fixtures/SOURCES.md, "Looked for but not copied"), so
 * these files are built here, by hand, after Keras 3's public saving code:
 * - the zip (`keras/src/saving/saving_lib.py`, `_save_model_to_fileobj`): `metadata.json`
 *   (`keras_version`, `date_saved`), `config.json`, `model.weights.h5`, stored uncompressed as
 *   Python's `zipfile.ZipFile(f, "w")` does;
 * - `config.json` (`serialization_lib.serialize_keras_object`): `{ module, class_name, config,
 *   registered_name, build_config }`; a Functional model's config (`functional.py`, `get_config`)
 *   lists `layers` with `name` and `inbound_nodes` of `{ args, kwargs }` holding
 *   `{ class_name: '__keras_tensor__', config: { shape, dtype, keras_history } }`, and
 *   `input_layers`/`output_layers` as `[name, node, tensor]` (a bare triple for a single-tensor
 *   model); a Sequential's (`sequential.py`) lists its InputLayer first and `build_input_shape`;
 *   each layer's config is its `get_config()`, with `dtype` a DTypePolicy object
 *   (`layer.py`: `dtype_policies.serialize(self.dtype_policy)`);
 * - `model.weights.h5` (`H5IOStore`/`H5Entry`, `_save_state`, `_save_container_state`): a `vars`
 *   group per saveable, layers of a model under `layers/<snake_case class name>[_n]`, numbered per
 *   class in layer order, variables as datasets `vars/0`, `vars/1`, … in `build()` order.
 * The weights written are real ones, read from a fixture; only the packaging is synthetic.
 */
import { writeFile } from 'node:fs/promises';
import { strToU8, zipSync } from 'fflate';
import { writeH5 } from './h5-files.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Shape = (number | null)[];

export interface V3Layer {
  className: string;
  name: string;
  /** The layer's own `get_config()` fields, without the base `name`/`trainable`/`dtype`. */
  config: Record<string, Json>;
  /** Functional only: the layers whose output this layer is called on (several: one list argument). */
  inbound?: string[];
  /** The layer's output shape, batch dimension null. */
  shape: Shape;
  /** Variables in Keras's order (`vars/0`, `vars/1`, …). */
  variables?: { shape: number[]; values: Float32Array }[];
  /** Base config fields differ for a few classes (InputLayer, spatial dropouts). */
  baseConfig?: 'layer' | 'none' | 'dtype-string';
}

export interface V3Model {
  kind: 'Functional' | 'Sequential';
  name: string;
  layers: V3Layer[];
  /** Functional: input and output layer names. */
  inputs?: string[];
  outputs?: string[];
  /** Functional: write `input_layers`/`output_layers` as bare triples (a model built on single tensors). */
  singleTensor?: boolean;
  kerasVersion?: string;
}

export const dtypePolicy = (name = 'float32'): Json => ({
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name },
  registered_name: null,
});

export const initializer = (className: string, config: Record<string, Json> = {}): Json => ({
  module: 'keras.initializers',
  class_name: className,
  config,
  registered_name: null,
});

export const regularizer = (className: string, config: Record<string, Json>): Json => ({
  module: 'keras.regularizers',
  class_name: className,
  config,
  registered_name: null,
});

/** Keras's `naming.to_snake_case`. */
function snakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function layerConfig(layer: V3Layer): Record<string, Json> {
  switch (layer.baseConfig ?? 'layer') {
    case 'none':
      return { ...layer.config, name: layer.name };
    case 'dtype-string':
      return { ...layer.config, name: layer.name, dtype: 'float32' };
    default:
      return { name: layer.name, trainable: true, dtype: dtypePolicy(), ...layer.config };
  }
}

/** The `config.json` object for `model`. */
export function keras3Config(model: V3Model): Json {
  const shapes = new Map(model.layers.map((layer) => [layer.name, layer.shape]));
  const tensor = (name: string): Json => ({
    class_name: '__keras_tensor__',
    config: { shape: shapes.get(name)!, dtype: 'float32', keras_history: [name, 0, 0] },
  });
  const entry = (layer: V3Layer, inputShape: Shape | undefined): Record<string, Json> => ({
    module: 'keras.layers',
    class_name: layer.className,
    config: layerConfig(layer),
    registered_name: null,
    ...(layer.className === 'InputLayer' ? {} : { build_config: { input_shape: inputShape ?? null } }),
  });
  if (model.kind === 'Sequential') {
    const layers = model.layers.map((layer, i) => entry(layer, model.layers[i - 1]?.shape));
    return {
      module: 'keras',
      class_name: 'Sequential',
      config: { name: model.name, trainable: true, dtype: dtypePolicy(), layers, build_input_shape: model.layers[0].shape },
      registered_name: null,
      build_config: { input_shape: model.layers[0].shape },
    };
  }
  const layers = model.layers.map((layer) => {
    const inbound = layer.inbound ?? [];
    const args: Json = inbound.length > 1 ? [inbound.map(tensor)] : inbound.map(tensor);
    const inputShape = inbound.length > 1 ? inbound.map((name) => shapes.get(name)!) : inbound.length ? shapes.get(inbound[0])! : undefined;
    return {
      ...entry(layer, inputShape as Shape | undefined),
      name: layer.name,
      inbound_nodes: inbound.length ? [{ args, kwargs: {} }] : [],
    };
  });
  const refs = (names: string[]): Json => (model.singleTensor && names.length === 1 ? [names[0], 0, 0] : names.map((name) => [name, 0, 0]));
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: model.name, trainable: true, layers, input_layers: refs(model.inputs ?? []), output_layers: refs(model.outputs ?? []) },
    registered_name: 'Functional',
    build_config: { input_shape: null },
  };
}

/** The `model.weights.h5` bytes for `model`. */
export function keras3Weights(model: V3Model): Promise<Uint8Array> {
  return writeH5((file) => {
    file.create_group('vars'); // the model's own (none)
    const layersGroup = file.create_group('layers');
    const used = new Map<string, number>();
    for (const layer of model.layers) {
      // Sequential.layers leaves out the InputLayer; Functional.layers keeps it.
      if (model.kind === 'Sequential' && layer.className === 'InputLayer') continue;
      const base = snakeCase(layer.className);
      const count = used.get(base);
      used.set(base, (count ?? -1) + 1);
      const vars = layersGroup.create_group(count === undefined ? base : `${base}_${count + 1}`).create_group('vars');
      (layer.variables ?? []).forEach((variable, i) => vars.create_dataset({ name: String(i), data: variable.values, shape: variable.shape }));
    }
  });
}

/** Zips a `.keras` file from its three members (any of them can be left out or replaced). */
export function zipKeras(members: Record<string, Uint8Array>): Uint8Array {
  return zipSync(members, { level: 0 });
}

/** Writes `model` as a `.keras` file at `file`. */
export async function writeKerasV3(file: string, model: V3Model): Promise<void> {
  await writeFile(file, await kerasV3Bytes(model));
}

export async function kerasV3Bytes(model: V3Model, config: Json = keras3Config(model)): Promise<Uint8Array> {
  return zipKeras({
    'metadata.json': strToU8(JSON.stringify({ keras_version: model.kerasVersion ?? '3.8.0', date_saved: '2025-01-01@00:00:00' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': await keras3Weights(model),
  });
}

// ---------------------------------------------------------------------------------------------
// Keras 3 get_config() of the layer classes the fixtures use, from their Keras 2 configs.

const NO_REGULARIZERS = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };

/** A Keras 2 L1L2 regularizer config as Keras 3 serializes it, or null. */
function l1l2(value: unknown): Json {
  const object = value as { class_name?: string; config?: { l1?: number; l2?: number } } | null;
  return object?.class_name === 'L1L2' ? regularizer('L1L2', { l1: object.config?.l1 ?? 0, l2: object.config?.l2 ?? 0 }) : null;
}

/**
 * The Keras 3 `get_config()` fields (base fields aside) of a layer that a Keras 2 config
 * describes; throws for classes not listed.
 */
export function keras3LayerConfig(className: string, c: Record<string, any>): { config: Record<string, Json>; baseConfig?: V3Layer['baseConfig'] } {
  const pair = (v: unknown): Json => (Array.isArray(v) ? v : [v, v]) as Json;
  switch (className) {
    case 'InputLayer':
      return { config: { batch_shape: c.batch_input_shape, dtype: 'float32', sparse: false, ragged: false, optional: false }, baseConfig: 'none' };
    case 'Conv2D':
      return {
        config: {
          filters: c.filters, kernel_size: pair(c.kernel_size), strides: pair(c.strides), padding: c.padding, data_format: 'channels_last',
          dilation_rate: pair(c.dilation_rate ?? 1), groups: 1, activation: c.activation, use_bias: c.use_bias,
          kernel_initializer: initializer('GlorotUniform', { seed: null }), bias_initializer: initializer('Zeros'),
          ...NO_REGULARIZERS, kernel_regularizer: l1l2(c.kernel_regularizer),
        },
      };
    case 'SeparableConv2D':
      return {
        config: {
          filters: c.filters, kernel_size: pair(c.kernel_size), strides: pair(c.strides), padding: c.padding, data_format: 'channels_last',
          depth_multiplier: c.depth_multiplier, dilation_rate: pair(c.dilation_rate ?? 1), activation: c.activation, use_bias: c.use_bias,
          depthwise_initializer: initializer('GlorotUniform', { seed: null }), pointwise_initializer: initializer('GlorotUniform', { seed: null }),
          bias_initializer: initializer('Zeros'), depthwise_regularizer: l1l2(c.depthwise_regularizer), pointwise_regularizer: l1l2(c.pointwise_regularizer),
          bias_regularizer: null, activity_regularizer: null, depthwise_constraint: null, pointwise_constraint: null, bias_constraint: null,
        },
      };
    case 'BatchNormalization':
      return {
        config: {
          axis: c.axis, momentum: c.momentum, epsilon: c.epsilon, center: c.center, scale: c.scale,
          beta_initializer: initializer('Zeros'), gamma_initializer: initializer('Ones'),
          moving_mean_initializer: initializer('Zeros'), moving_variance_initializer: initializer('Ones'),
          beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false,
        },
      };
    case 'Activation':
      return { config: { activation: c.activation } };
    case 'MaxPooling2D':
      return { config: { pool_size: pair(c.pool_size), padding: c.padding, strides: pair(c.strides), data_format: 'channels_last' } };
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return { config: { data_format: 'channels_last', keepdims: false } };
    case 'Add':
      return { config: {} };
    case 'SpatialDropout2D':
      return { config: { rate: c.rate, seed: null, data_format: 'channels_last' }, baseConfig: 'dtype-string' };
    case 'ZeroPadding2D':
      return { config: { padding: c.padding, data_format: 'channels_last' } };
    case 'UpSampling2D':
      return { config: { size: pair(c.size), data_format: 'channels_last', interpolation: c.interpolation ?? 'nearest' } };
    case 'Cropping2D':
      return { config: { cropping: c.cropping, data_format: 'channels_last' } };
    default:
      throw new Error(`keras-v3-writer: no Keras 3 config for ${className}`);
  }
}

/** Output shape of the layer classes above, from their Keras 2 config and input shapes. */
function outputShape(className: string, c: Record<string, any>, inputs: Shape[]): Shape {
  const [n, h, w, ch] = inputs[0] ?? [];
  const two = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1]] : [v as number, v as number]);
  const window = (size: number, k: number, s: number) => (c.padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1);
  switch (className) {
    case 'InputLayer':
      return c.batch_input_shape;
    case 'Conv2D':
    case 'SeparableConv2D': {
      const [kh, kw] = two(c.kernel_size);
      const [sh, sw] = two(c.strides);
      return [n, window(h!, kh, sh), window(w!, kw, sw), c.filters];
    }
    case 'MaxPooling2D': {
      const [kh, kw] = two(c.pool_size);
      const [sh, sw] = two(c.strides ?? c.pool_size);
      return [n, window(h!, kh, sh), window(w!, kw, sw), ch];
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return [n, ch];
    case 'ZeroPadding2D':
      return [n, h! + c.padding[0][0] + c.padding[0][1], w! + c.padding[1][0] + c.padding[1][1], ch];
    case 'UpSampling2D':
      return [n, h! * two(c.size)[0], w! * two(c.size)[1], ch];
    case 'Cropping2D':
      return [n, h! - c.cropping[0][0] - c.cropping[0][1], w! - c.cropping[1][0] - c.cropping[1][1], ch];
    default:
      return inputs[0];
  }
}

interface Keras2Layer {
  class_name: string;
  name?: string;
  config: Record<string, any>;
  inbound_nodes?: [string, number, number, unknown][][];
}

/**
 * A Keras 3 model equivalent to a Keras 2 Functional config (one inbound node per layer) with
 * the given weights: each layer's config rewritten by `keras3LayerConfig`, the graph and the
 * variables kept. `rename` maps Keras 2 layer names to the ones to write (default: unchanged);
 * `kind: 'Sequential'` writes a linear chain as a Sequential model.
 */
export function fromKeras2(
  modelConfig: { config: { layers: Keras2Layer[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] } },
  weights: Map<string, { shape: number[]; values: Float32Array }[]>,
  options: { kind: V3Model['kind']; name: string; singleTensor?: boolean; rename?: (name: string) => string },
): V3Model {
  const rename = options.rename ?? ((name: string) => name);
  const shapes = new Map<string, Shape>();
  const layers = modelConfig.config.layers.map((layer): V3Layer => {
    const name = layer.name ?? layer.config.name;
    const inbound = (layer.inbound_nodes?.[0] ?? []).map((ref) => ref[0]);
    const shape = outputShape(layer.class_name, layer.config, inbound.map((from) => shapes.get(from)!));
    shapes.set(name, shape);
    return {
      className: layer.class_name,
      name: rename(name),
      inbound: inbound.map(rename),
      shape,
      variables: weights.get(name) ?? [],
      ...keras3LayerConfig(layer.class_name, layer.config),
    };
  });
  return {
    kind: options.kind,
    name: options.name,
    layers,
    inputs: modelConfig.config.input_layers.map((ref) => rename(ref[0])),
    outputs: modelConfig.config.output_layers.map((ref) => rename(ref[0])),
    singleTensor: options.singleTensor,
  };
}
