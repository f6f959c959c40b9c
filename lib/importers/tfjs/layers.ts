/**
 * A TF.js layers model (`model.json` whose topology is a Keras config) → the engine-neutral
 * `KerasModel` the Keras importers produce, so the Keras graph mapper can map it onto TensorFlow
 * ops. The topology is `{ class_name, config, keras_version, backend }` as tfjs-layers saves it,
 * or `{ model_config, keras_version, backend, training_config }` as tensorflowjs_converter writes
 * it for a Keras file; the weights keep their manifest names (`<layer>/<weight>`), nested models'
 * and wrappers' scoped as the Keras HDF5 reader scopes them.
 * @module importers/tfjs/layers
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { KerasModel, KerasObject, KerasWeight } from '../../graph/keras-model.ts';
import { layerIndex, normalizeModelConfig } from '../keras/config.ts';
import { kerasWeightName } from '../keras/h5-model.ts';
import type { TfjsFolder } from './model-json.ts';

export function tfjsLayersToKeras(folder: TfjsFolder, what: string): KerasModel {
  const topology = folder.json.modelTopology as Record<string, unknown>;
  const raw = (isKerasObject(topology.model_config) ? topology.model_config : topology) as KerasObject;
  if (!isKerasObject(raw)) throw new FailedPreconditionError(`${what}: modelTopology is neither a GraphDef nor a Keras model config`);
  const modelConfig = normalizeModelConfig({ class_name: raw.class_name, config: raw.config }, what);
  const layers = layerIndex(modelConfig);
  const weights: KerasWeight[] = [...folder.weights].map(([stored, tensor]) => {
    const layer = layers.get(stored.split('/')[0]);
    return { name: layer ? kerasWeightName(layer, stored) : stored, tensor };
  });
  return {
    format: 'tfjs_layers_model',
    kerasVersion: typeof topology.keras_version === 'string' ? topology.keras_version : '',
    backend: typeof topology.backend === 'string' ? topology.backend : '',
    modelConfig,
    weights,
  };
}

function isKerasObject(value: unknown): value is KerasObject {
  return typeof value === 'object' && value !== null && typeof (value as KerasObject).class_name === 'string' && 'config' in value;
}
