/**
 * Runs an imported Keras model on TF.js: the same LayersModel artifacts tensorflowjs_converter's
 * `tfjs_layers_model` output holds (topology `{ model_config, keras_version, backend }`, weight
 * specs, one weight buffer), loaded with tfjs-layers. Layer classes tfjs-layers lacks are refused
 * at load time, naming them and their layers.
 * @module engine/tfjs/load-keras
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, Sequential } from '@tensorflow/tfjs-layers';
import { FailedPreconditionError, InvalidArgumentError } from '../../errors.ts';
import { uniqueOutputNames, type KerasModel, type KerasObject } from '../../graph/keras-model.ts';
import { initBackend } from '../backend.ts';
import type { LoadedModel } from '../model.ts';
import type { HostTensor } from '../../tensors/host-tensor.ts';
import { halfsToFloats } from '../../tensors/float16.ts';
import { concatenate } from './file-io.ts';
import { layersSignatures, TfjsLayersModel } from './tfjs-model.ts';

/**
 * The tfjs-layers artifacts for `model` (what `convert` writes as model.json + weights). Throws a
 * FailedPreconditionError for layer classes tfjs-layers does not have and for layer options it
 * would silently ignore; drops training-only objects (regularizers, constraints) it cannot read.
 */
export function kerasToLayersArtifacts(model: KerasModel, what = 'Keras model'): tf.io.ModelArtifacts {
  const modelConfig = forTfjs(model.modelConfig) as KerasObject;
  assertKnownLayers(modelConfig, what);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const { name, tensor } of model.weights) {
    if (seen.has(name)) throw new FailedPreconditionError(`${what}: two weights are named ${name}`);
    seen.add(name);
    const values = tfjsValues(tensor, `${what}: weight ${name}`);
    weightSpecs.push({ name, shape: tensor.shape, dtype: values instanceof Int32Array ? 'int32' : 'float32' });
    buffers.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return {
    format: 'layers-model',
    generatedBy: model.kerasVersion ? `keras v${model.kerasVersion}` : 'keras',
    convertedBy: 'lambda-serving',
    modelTopology: { model_config: modelConfig, keras_version: model.kerasVersion, backend: model.backend },
    weightSpecs,
    weightData: concatenate(buffers),
  };
}

/** Loads `model` as a TF.js LayersModel; `what` names it in errors. */
export async function loadKerasModel(model: KerasModel, what: string): Promise<LoadedModel> {
  await initBackend(); // once per process; a no-op after loadModel or an explicit initBackend
  const artifacts = kerasToLayersArtifacts(model, what);
  let layers;
  try {
    layers = await loadLayersModel({ load: async () => artifacts });
  } catch (error) {
    throw new FailedPreconditionError(`${what}: TF.js cannot build the Keras model: ${(error as Error).message}`);
  }
  // A loaded Sequential names its inputs and outputs only once built.
  if (layers instanceof Sequential && layers.inputNames.length === 0) layers.build();
  // tfjs-layers names every output after its layer, so a layer's several outputs would share one
  // name and all but one be lost; outputNames only serves training otherwise, and TfjsLayersModel
  // reads outputs by it.
  layers.outputNames = uniqueOutputNames(layers.outputNames);
  return new TfjsLayersModel(layers, layersSignatures(layers));
}

/** Float weights travel as float32, integer ones as int32 (TF.js has nothing wider). */
function tfjsValues(tensor: HostTensor, what: string): Float32Array | Int32Array {
  const { dtype, values } = tensor;
  if (dtype === 'DT_HALF') return halfsToFloats(values as Uint16Array);
  if (values instanceof Float32Array) return values;
  if (values instanceof Float64Array) return Float32Array.from(values);
  if (values instanceof Int32Array) return values;
  if (values instanceof Int8Array || values instanceof Int16Array || values instanceof Uint16Array || (values instanceof Uint8Array && dtype === 'DT_UINT8')) {
    return Int32Array.from(values);
  }
  if (values instanceof BigInt64Array || values instanceof BigUint64Array || values instanceof Uint32Array) {
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const value = Number(values[i]);
      if (value > 2147483647 || value < -2147483648) throw new InvalidArgumentError(`${what} holds ${value}, beyond int32`);
      out[i] = value;
    }
    return out;
  }
  throw new FailedPreconditionError(`${what} is ${tensor.dtype}, which a TF.js weight cannot hold`);
}

function registered(className: string): boolean {
  return Object.hasOwn(tf.serialization.SerializationMap.getMap().classNameMap, className);
}

/** Config keys whose objects only matter for training: unknown ones are dropped, not refused. */
const TRAINING_ONLY = /_(regularizer|constraint)$/;

/**
 * The config with what tfjs-layers would refuse but inference never uses taken out:
 * regularizers and constraints of classes it does not have (tf.keras's `L2`, say) become null,
 * initializers of such classes become Zeros (the stored weights replace them anyway).
 */
function forTfjs(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => forTfjs(item, key));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if (typeof object.class_name === 'string' && 'config' in object && !('inbound_nodes' in object) && key) {
    if (TRAINING_ONLY.test(key) && !registered(object.class_name)) return null;
    if (key.endsWith('_initializer') && !registered(object.class_name)) return { class_name: 'Zeros', config: {} };
  }
  return Object.fromEntries(Object.entries(object).map(([field, item]) => [field, forTfjs(item, field)]));
}

/**
 * Layer options tfjs-layers does not implement but would silently ignore, changing the answer
 * (or reject without naming the layer): option → the value that means "not used".
 */
const UNSUPPORTED_OPTIONS: { classes: RegExp; option: string; neutral: unknown }[] = [
  { classes: /^Global(Average|Max)Pooling[123]D$/, option: 'keepdims', neutral: false },
  { classes: /^Conv[123]D$/, option: 'groups', neutral: 1 },
  { classes: /^LayerNormalization$/, option: 'rms_scaling', neutral: false },
  // tfjs-layers' ReLU implements max_value only.
  { classes: /^ReLU$/, option: 'negative_slope', neutral: 0 },
  { classes: /^ReLU$/, option: 'threshold', neutral: 0 },
  // tfjs-layers' RNNs always read [batch, time, …].
  { classes: /^(RNN|SimpleRNN|GRU|LSTM)$/, option: 'time_major', neutral: false },
  // tf.keras 2's GRU default; tfjs-layers' GRUCell throws on it without naming the layer.
  { classes: /^GRU(Cell)?$/, option: 'reset_after', neutral: false },
];

/**
 * Refuses layer classes tfjs-layers does not register, naming each with its layers, and layer
 * options it would ignore.
 */
function assertKnownLayers(modelConfig: KerasObject, what: string): void {
  const missing = new Map<string, string[]>();
  /** The model and the layers of it and its nested models (not those inside wrappers or cells). */
  const containerLayers: KerasObject[] = [];
  const visit = (layer: KerasObject, inWrapper = false): void => {
    if (!inWrapper) containerLayers.push(layer);
    const name = String(layer.config?.name ?? layer.name ?? '?');
    if (!registered(layer.class_name)) missing.set(layer.class_name, [...(missing.get(layer.class_name) ?? []), name]);
    const config = layer.config ?? {};
    // tfjs-layers' Bidirectional derives its backward layer from `layer`, ignoring a given one
    // (whose weights it then loads into the derived layer if their names happen to match).
    if (layer.class_name === 'Bidirectional' && config.backward_layer) {
      throw new FailedPreconditionError(`${what}: layer ${name} (Bidirectional) has a backward_layer of its own, which TF.js ignores`);
    }
    for (const { classes, option, neutral } of UNSUPPORTED_OPTIONS) {
      if (classes.test(layer.class_name) && config[option] !== undefined && config[option] !== neutral) {
        throw new FailedPreconditionError(`${what}: layer ${name} (${layer.class_name}) sets ${option}=${JSON.stringify(config[option])}, which TF.js does not implement`);
      }
    }
    for (const inner of [config.layer, config.cell]) {
      if (inner && typeof inner === 'object' && typeof (inner as KerasObject).class_name === 'string') visit(inner as KerasObject, true);
    }
    if (Array.isArray(config.layers)) for (const child of config.layers as KerasObject[]) visit(child);
  };
  visit(modelConfig);
  assertBidirectionalMasks(containerLayers, what);
  if (!missing.size) return;
  const listed = [...missing].map(([className, names]) => `${className} (layer${names.length > 1 ? 's' : ''} ${names.join(', ')})`);
  throw new FailedPreconditionError(
    `${what} uses Keras layer class${missing.size > 1 ? 'es' : ''} TF.js does not have: ${listed.join('; ')}`,
  );
}

/**
 * tf.keras 2 and Keras 3 make a Bidirectional's returned sequences zeros at masked steps
 * (force_zero_output_for_mask); tfjs-layers repeats the previous output there. Refused when the
 * model has a mask source (Embedding mask_zero=True, Masking) and such a Bidirectional; the graph
 * path serves it.
 */
function assertBidirectionalMasks(layers: KerasObject[], what: string): void {
  const masked = layers.some((layer) => layer.class_name === 'Masking' || (layer.class_name === 'Embedding' && layer.config.mask_zero === true));
  const sequences = layers.find((layer) => layer.class_name === 'Bidirectional' && (layer.config.layer as KerasObject | undefined)?.config?.return_sequences === true);
  if (masked && sequences) {
    const name = String(sequences.config.name ?? sequences.name ?? '?');
    throw new FailedPreconditionError(`${what}: layer ${name} (Bidirectional) returns sequences in a model with masking, whose masked steps Keras makes zeros and TF.js does not`);
  }
}
