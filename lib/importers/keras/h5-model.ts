/**
 * Keras 2 / tf.keras HDF5 files: `model.save('m.h5')` (root attrs `model_config`, `keras_version`,
 * `backend`; group `model_weights` with attr `layer_names`, one group per layer with attr
 * `weight_names`) and `model.save_weights('w.h5')` (the same layer groups at the root, no
 * architecture: that comes from `model.to_json()`), and Keras 3 weights-only files.
 * @module importers/keras/h5-model
 */
import { FailedPreconditionError } from '../../errors.ts';
import { childGroup, childDataset, readH5, readTensor, stringAttr, stringListAttr, type Group } from './hdf5.ts';
import { layerIndex, normalizeModelConfig, parseModelJson, type LayerInfo } from './config.ts';
import { containerWeights } from './keras-v3.ts';
import type { KerasModel, KerasObject, KerasWeight } from '../../graph/keras-model.ts';

/** Reads a full-model Keras HDF5 file (`model.save('m.h5')`). */
export async function readKerasH5(bytes: Uint8Array, what: string): Promise<KerasModel> {
  return readH5(bytes, what, (file) => {
    const configJson = stringAttr(file, 'model_config');
    if (configJson === undefined) {
      const hint = stringListAttr(file, 'layer_names')
        ? ': it holds only weights (model.save_weights); serve it with its architecture JSON (model.to_json())'
        : '';
      throw new FailedPreconditionError(`${what} is an HDF5 file without a Keras model_config attribute${hint}`);
    }
    const modelConfig = normalizeModelConfig(parseModelJson(configJson, `${what} model_config`), what);
    const weightsRoot = childGroup(file, 'model_weights');
    if (!weightsRoot) throw new FailedPreconditionError(`${what} has a model_config but no model_weights group`);
    return {
      format: 'keras_h5',
      kerasVersion: stringAttr(file, 'keras_version') ?? stringAttr(weightsRoot, 'keras_version') ?? '',
      backend: stringAttr(file, 'backend') ?? stringAttr(weightsRoot, 'backend') ?? '',
      modelConfig,
      weights: readLayerWeights(weightsRoot, modelConfig, what),
    };
  });
}

/**
 * Reads a weights-only HDF5 file against the architecture `model.to_json()` wrote: Keras 2's
 * `model.save_weights('w.h5')` (`layer_names` at the root) or Keras 3's
 * `model.save_weights('m.weights.h5')` (the `model.weights.h5` layout of a `.keras` file).
 */
export async function readKerasH5Weights(architecture: KerasObject, bytes: Uint8Array, what: string): Promise<KerasModel> {
  const modelConfig = normalizeModelConfig(architecture, what);
  return readH5(bytes, what, (file): KerasModel => {
    const common = {
      kerasVersion: stringAttr(file, 'keras_version') ?? String(architecture.keras_version ?? ''),
      backend: stringAttr(file, 'backend') ?? String(architecture.backend ?? ''),
      modelConfig,
    };
    if (stringListAttr(file, 'layer_names')) return { format: 'keras_h5_weights', ...common, weights: readLayerWeights(file, modelConfig, what) };
    if (childGroup(file, 'layers') || childGroup(file, '_layer_checkpoint_dependencies')) {
      return { format: 'keras_v3_weights', ...common, weights: containerWeights(file, architecture, '', what) };
    }
    const hint = stringAttr(file, 'model_config') !== undefined ? ': it is a full model; serve it on its own' : '';
    throw new FailedPreconditionError(`${what} has neither a layer_names attribute nor a layers group, so it is not a Keras weights file${hint}`);
  });
}

/**
 * Every weight under `root` (`model_weights`, or the root of a save_weights file), in
 * `layer_names` order, named for the layer of `modelConfig` that owns it.
 */
function readLayerWeights(root: Group, modelConfig: KerasObject, what: string): KerasWeight[] {
  const layerNames = stringListAttr(root, 'layer_names') ?? [];
  const layers = layerIndex(modelConfig);
  const weights: KerasWeight[] = [];
  const unknown: string[] = [];
  for (const layerName of layerNames) {
    const group = childGroup(root, layerName);
    const weightNames = group ? stringListAttr(group, 'weight_names') ?? [] : [];
    if (!weightNames.length) continue;
    const layer = layers.get(layerName);
    if (!layer) {
      unknown.push(layerName);
      continue;
    }
    for (const weightName of weightNames) {
      const dataset = childDataset(group!, weightName);
      if (!dataset) throw new FailedPreconditionError(`${what}: layer ${layerName} lists weight ${weightName} but has no such dataset`);
      weights.push({ name: kerasWeightName(layer, weightName), tensor: readTensor(dataset) });
    }
  }
  if (unknown.length) {
    throw new FailedPreconditionError(`${what} holds weights for layer${unknown.length > 1 ? 's' : ''} the architecture does not have: ${unknown.join(', ')}`);
  }
  return weights;
}

/**
 * The name Keras scopes a stored weight under once the model is rebuilt: `<layer>/<weight>`.
 * Stored names carry history the rebuilt model does not: Keras 2.0.x wrote `conv2d_1_1/kernel:0`
 * (a TF variable scope uniquified once more), TF ≥ 2.2 writes RNN cells as `lstm/lstm_cell/kernel:0`.
 * Weights of a nested model belong to its inner layers (`dense_1/kernel`); wrappers
 * (Bidirectional, TimeDistributed) keep their inner path after their own name, less any RNN cell
 * scope (`bidirectional/forward_lstm/kernel`, the name tfjs-layers gives the variable).
 */
export function kerasWeightName(layer: LayerInfo, stored: string): string {
  const tokens = stored.replace(/:\d+$/, '').split('/');
  const last = tokens[tokens.length - 1];
  if (layer.innerLayers) {
    for (let i = tokens.length - 2; i >= 0; i--) {
      const inner = matchName(tokens[i], layer.innerLayers);
      if (inner) return `${inner}/${last}`;
    }
    return tokens.join('/');
  }
  if (layer.wrapper && tokens.length > 2) {
    const inner = tokens.slice(matchName(tokens[0], new Set([layer.name])) ? 1 : 0);
    // The cell scope TF ≥ 2.2 adds inside (`bidirectional/forward_lstm/lstm_cell_1/kernel:0`) is
    // numbered by creation order across the model: dropped, as for an unwrapped RNN.
    if (inner.length >= 2 && /_cell(_\d+)?$/.test(inner[inner.length - 2])) inner.splice(inner.length - 2, 1);
    return [layer.name, ...inner].join('/');
  }
  return `${layer.name}/${last}`;
}

/** `token` itself, or with `_<n>` suffixes taken off, if that names one of `names`. */
function matchName(token: string, names: ReadonlySet<string>): string | undefined {
  for (let candidate = token; ; ) {
    if (names.has(candidate)) return candidate;
    const shorter = candidate.replace(/_\d+$/, '');
    if (shorter === candidate) return undefined;
    candidate = shorter;
  }
}
