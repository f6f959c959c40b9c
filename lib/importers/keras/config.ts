/**
 * Keras architecture JSON → the one form every consumer reads: Keras 2 / tf.keras
 * `{ class_name, config }` with Functional `inbound_nodes` as `[[[layer, node, tensor, kwargs]]]`.
 * Keras 3 configs (`module`, `registered_name`, DTypePolicy objects, `{ args, kwargs }` nodes of
 * `__keras_tensor__`s, `batch_shape`) are translated, and layers whose inference is another
 * layer's are renamed to it.
 * @module importers/keras/config
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { KerasObject } from '../../graph/keras-model.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The model classes whose config is a graph (or stack) of layers. */
export const CONTAINER_CLASSES = new Set(['Functional', 'Model', 'Sequential']);
/** Layers that hold another layer and scope its weights under their own name. */
const WRAPPER_CLASSES = new Set(['Bidirectional', 'TimeDistributed']);

/**
 * Class names older Keras/TF versions wrote for layers that exist under another name
 * (tensorflowjs_converter maps the same ones).
 */
const RENAMED: Record<string, string> = {
  BatchNormalizationV1: 'BatchNormalization',
  BatchNormalizationV2: 'BatchNormalization',
  UnifiedLSTM: 'LSTM',
  UnifiedGRU: 'GRU',
};

/**
 * Layers without weights that return their input unchanged at inference, served as Dropout
 * (which does too, under its own layer name), since tfjs-layers lacks them:
 * - SpatialDropout1D/2D/3D drop whole channels only while training; Keras's
 *   `call(inputs, training=False)` returns `inputs` (tfjs-layers has SpatialDropout1D only);
 * - the image augmentation layers RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
 *   RandomContrast, RandomBrightness transform only when `training` is true (not RandomCrop,
 *   which crops at inference too);
 * - ActivityRegularization only adds a training loss.
 */
export const INFERENCE_IDENTITY = new Set([
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'RandomFlip',
  'RandomRotation',
  'RandomZoom',
  'RandomTranslation',
  'RandomContrast',
  'RandomBrightness',
  'ActivityRegularization',
]);

/** Parses `model_config` / `model.to_json()` / `config.json` text. */
export function parseModelJson(text: string, what: string): KerasObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FailedPreconditionError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed) || typeof parsed.class_name !== 'string' || !('config' in parsed)) {
    throw new FailedPreconditionError(`${what} is not a Keras model config (no class_name and config)`);
  }
  return parsed as KerasObject;
}

/**
 * True for a Keras 3 serialization: `module` / `registered_name` keys, or — in the legacy HDF5
 * files Keras 3 still writes, whose layer entries have no `module` — `{ args, kwargs }` inbound
 * nodes or an InputLayer with `batch_shape`.
 */
export function isKeras3Config(model: KerasObject): boolean {
  if ('module' in model || 'registered_name' in model) return true;
  const layers = (model.config as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) return false;
  return layers.some((layer: KerasObject) => {
    if (!isObject(layer as unknown)) return false;
    if (layer.class_name === 'InputLayer' && isObject(layer.config) && 'batch_shape' in layer.config) return true;
    return Array.isArray(layer.inbound_nodes) && layer.inbound_nodes.some((node: unknown) => isObject(node));
  });
}

/**
 * The model config in the Keras 2 form with inference-equivalent layers substituted; a Keras 3
 * config is translated first. Throws a FailedPreconditionError for what no layer graph can hold.
 */
export function normalizeModelConfig(model: KerasObject, what: string): KerasObject {
  const source = isKeras3Config(model) ? fromKeras3(model as unknown as JsonObject, what) : (structuredClone(model) as unknown as JsonObject);
  const className = source.class_name as string;
  if (!CONTAINER_CLASSES.has(className)) {
    throw new FailedPreconditionError(`${what}: the model is a ${className}, not a Functional or Sequential model (subclassed models store no layer graph)`);
  }
  const normalized = normalizeContainer(source, what);
  return { class_name: normalized.class_name as string, config: normalized.config as Record<string, unknown> };
}

function normalizeContainer(model: JsonObject, what: string): JsonObject {
  let config = model.config;
  // Keras ≤ 2.2 wrote a Sequential's config as the bare list of its layers.
  if (model.class_name === 'Sequential' && Array.isArray(config)) config = { name: 'sequential', layers: config };
  if (!isObject(config) || !Array.isArray(config.layers)) {
    throw new FailedPreconditionError(`${what}: ${String(model.class_name)} config has no layers list`);
  }
  const layers = config.layers.map((layer) => normalizeLayer(layer, what));
  return { ...model, config: { ...config, layers } };
}

function normalizeLayer(layer: Json, what: string): JsonObject {
  if (!isObject(layer) || typeof layer.class_name !== 'string' || !isObject(layer.config)) {
    throw new FailedPreconditionError(`${what}: a layer entry has no class_name and config: ${JSON.stringify(layer).slice(0, 200)}`);
  }
  let className = RENAMED[layer.class_name] ?? layer.class_name;
  let config: JsonObject = { ...layer.config };
  if (isObject(config.dtype)) config.dtype = policyDType(config.dtype);
  if (INFERENCE_IDENTITY.has(className)) {
    config = { name: config.name ?? layer.name ?? null, trainable: config.trainable ?? true, rate: config.rate ?? 0, ...(config.dtype ? { dtype: config.dtype } : {}) };
    className = 'Dropout';
  }
  // Keras 3 serializes swish as its other name; x·sigmoid(x) either way.
  if (config.activation === 'silu') config.activation = 'swish';
  const normalized: JsonObject = { ...layer, class_name: className, config };
  if (CONTAINER_CLASSES.has(className)) return normalizeContainer(normalized, what);
  if (WRAPPER_CLASSES.has(className) && isObject(config.layer)) config.layer = normalizeLayer(config.layer, what);
  return normalized;
}

/** A dtype policy object (`DTypePolicy`, tf.keras `Policy`) → the dtype weights are kept in. */
function policyDType(policy: JsonObject): string {
  const name = isObject(policy.config) ? policy.config.name : undefined;
  if (typeof name !== 'string') return 'float32';
  // mixed_float16 / mixed_bfloat16 keep float32 variables; serving computes in float32.
  return name.startsWith('mixed_') ? 'float32' : name;
}

/** What a weight-name mapping needs to know about one layer of a model config. */
export interface LayerInfo {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** For a nested model: the names of the layers inside it, at any depth. */
  innerLayers?: ReadonlySet<string>;
  wrapper?: boolean;
}

/** The top-level layers of a (normalised) model config by name. */
export function layerIndex(model: KerasObject): Map<string, LayerInfo> {
  const index = new Map<string, LayerInfo>();
  for (const layer of layersOf(model)) {
    const name = layerName(layer);
    const info: LayerInfo = { name, className: layer.class_name, config: layer.config };
    if (CONTAINER_CLASSES.has(layer.class_name)) info.innerLayers = new Set(allLayerNames(layer));
    if (WRAPPER_CLASSES.has(layer.class_name)) info.wrapper = true;
    index.set(name, info);
  }
  return index;
}

/** A container's layer entries. */
export function layersOf(model: KerasObject): KerasObject[] {
  return (model.config.layers ?? []) as KerasObject[];
}

/** A layer entry's name: Functional entries carry it beside the config, Sequential ones inside. */
export function layerName(layer: KerasObject): string {
  return String(layer.config.name ?? layer.name);
}

function allLayerNames(model: KerasObject): string[] {
  return layersOf(model).flatMap((layer) => (CONTAINER_CLASSES.has(layer.class_name) ? allLayerNames(layer) : [layerName(layer)]));
}

// ---------------------------------------------------------------------------------------------
// Keras 3 → Keras 2

/**
 * Translates a Keras 3 serialized model (config.json of a `.keras` file) to the Keras 2 form.
 * Layer configs keep their fields; nested serialized objects lose `module`/`registered_name`.
 */
function fromKeras3(model: JsonObject, what: string): JsonObject {
  const className = model.class_name as string;
  if (!CONTAINER_CLASSES.has(className)) return { class_name: className, config: {} };
  const config = model.config as JsonObject;
  if (!isObject(config) || !Array.isArray(config.layers)) {
    throw new FailedPreconditionError(`${what}: ${className} config has no layers list`);
  }
  const layers = config.layers.map((layer) => layerFromKeras3(layer, className === 'Sequential', what));
  const out: JsonObject = { name: config.name ?? null, trainable: config.trainable ?? true, layers };
  if (className === 'Sequential') {
    const first = layers[0];
    const shape = config.build_input_shape ?? (isObject(model.build_config) ? model.build_config.input_shape : null);
    // Without an InputLayer entry the first layer carries the input shape (as Keras 2 wrote it).
    if (first && first.class_name !== 'InputLayer' && Array.isArray(shape) && isObject(first.config) && !first.config.batch_input_shape) {
      first.config = { ...first.config, batch_input_shape: shape };
    }
  } else {
    out.input_layers = tensorRefs(config.input_layers, what, 'input_layers');
    out.output_layers = tensorRefs(config.output_layers, what, 'output_layers');
  }
  return { class_name: className === 'Sequential' ? 'Sequential' : 'Functional', config: out };
}

function layerFromKeras3(layer: Json, inSequential: boolean, what: string): JsonObject {
  if (!isObject(layer) || typeof layer.class_name !== 'string') {
    throw new FailedPreconditionError(`${what}: a layer entry has no class_name: ${JSON.stringify(layer).slice(0, 200)}`);
  }
  const name = (isObject(layer.config) && typeof layer.config.name === 'string' ? layer.config.name : layer.name) as string;
  if (typeof layer.module === 'string' && /^keras(\.src)?\.ops\b/.test(layer.module)) {
    throw new FailedPreconditionError(`${what}: layer ${name} is the Keras op ${layer.module}.${layer.class_name}, not a layer; only layers can be served`);
  }
  if (CONTAINER_CLASSES.has(layer.class_name)) {
    const nested = fromKeras3(layer, what);
    return withNodes({ class_name: nested.class_name, config: { ...(nested.config as JsonObject), name }, name }, layer, inSequential, what);
  }
  const config = stripSerialization(layer.config ?? {}) as JsonObject;
  if (layer.class_name === 'InputLayer') {
    if (config.batch_shape !== undefined) config.batch_input_shape = config.batch_shape;
    else if (Array.isArray(config.shape)) config.batch_input_shape = [null, ...config.shape];
    delete config.batch_shape;
    delete config.shape;
  }
  return withNodes({ class_name: layer.class_name, config, name }, layer, inSequential, what);
}

function withNodes(out: JsonObject, layer: JsonObject, inSequential: boolean, what: string): JsonObject {
  if (inSequential) {
    delete out.name;
    return out;
  }
  const nodes = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
  out.inbound_nodes = nodes.map((node) => nodeFromKeras3(node, String(out.name), what));
  return out;
}

/**
 * `{ args: [tensor | [tensors]], kwargs }` → `[[layer, node, tensor, kwargs], …]`. A call whose
 * positional arguments are anything but Keras tensors has no Keras 2 form.
 */
function nodeFromKeras3(node: Json, layer: string, what: string): Json {
  if (Array.isArray(node)) return node; // already the Keras 2 form
  if (!isObject(node)) throw new FailedPreconditionError(`${what}: layer ${layer} has an unreadable inbound node`);
  const kwargs = isObject(node.kwargs) ? stripSerialization(node.kwargs) as JsonObject : {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (containsKerasTensor(value)) {
      throw new FailedPreconditionError(`${what}: layer ${layer} is called with a tensor as keyword argument '${key}', which the Keras 2 layer graph cannot express`);
    }
    if (value === null) delete kwargs[key];
  }
  const tensors: Json[] = [];
  const collect = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isKerasTensor(value)) {
      const history = (value.config as JsonObject).keras_history as Json[];
      tensors.push([history[0], history[1], history[2], kwargs]);
    } else if (value !== null) {
      throw new FailedPreconditionError(`${what}: layer ${layer} is called with a non-tensor argument ${JSON.stringify(value).slice(0, 80)}, which the Keras 2 layer graph cannot express`);
    }
  };
  collect(Array.isArray(node.args) ? node.args : []);
  return tensors;
}

function isKerasTensor(value: Json): value is JsonObject {
  return isObject(value) && value.class_name === '__keras_tensor__' && isObject(value.config) && Array.isArray(value.config.keras_history);
}

function containsKerasTensor(value: Json): boolean {
  if (isKerasTensor(value)) return true;
  if (Array.isArray(value)) return value.some(containsKerasTensor);
  if (isObject(value)) return Object.values(value).some(containsKerasTensor);
  return false;
}

/** `input_layers`/`output_layers`: one `[name, node, tensor]`, a list of them, or a dict of them. */
function tensorRefs(value: Json | undefined, what: string, field: string): Json[] {
  const isRef = (item: Json): boolean => Array.isArray(item) && item.length === 3 && typeof item[0] === 'string';
  if (value !== undefined && isRef(value)) return [value];
  if (Array.isArray(value) && value.every(isRef)) return value;
  if (isObject(value) && Object.values(value).every(isRef)) return Object.values(value);
  throw new FailedPreconditionError(`${what}: ${field} is not a list of [layer, node, tensor]: ${JSON.stringify(value).slice(0, 200)}`);
}

/**
 * Keras 3 serialized objects → `{ class_name, config }`: drops `module`, `registered_name`,
 * `build_config`, `shared_object_id`; DTypePolicy objects become their dtype.
 */
function stripSerialization(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripSerialization);
  if (!isObject(value)) return value;
  if (typeof value.class_name === 'string' && /DTypePolicy$|^Policy$/.test(value.class_name)) return policyDType(value);
  if (value.class_name === '__tuple__' && isObject(value.config)) return stripSerialization(value.config.value ?? []);
  const out: JsonObject = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'module' || key === 'registered_name' || key === 'build_config' || key === 'shared_object_id') continue;
    out[key] = stripSerialization(field);
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
