/**
 * The engine-neutral Keras model every Keras reader produces: the architecture in the Keras 2 /
 * tf.keras JSON form (what tfjs-layers and tensorflowjs_converter read) and the weights, each
 * under its layer-scoped Keras name. Importers build it; engines run it (tfjs-layers) or the
 * importers map it onto a `Graph`. Nothing here knows about any engine or file format.
 * @module graph/keras-model
 */
import type { HostTensor } from '../tensors/host-tensor.ts';

/** Where a model came from. */
export type KerasFormat =
  /** `model.save('m.h5')`: model_config + model_weights in one HDF5 file (Keras 2, tf.keras). */
  | 'keras_h5'
  /** `model.save('m.keras')`: Keras 3 zip of config.json, metadata.json and model.weights.h5. */
  | 'keras_v3'
  /** Keras 2 `model.save_weights('w.h5')` paired with `model.to_json()`. */
  | 'keras_h5_weights'
  /** Keras 3 `model.save_weights('m.weights.h5')` paired with `model.to_json()`. */
  | 'keras_v3_weights'
  /** A TF.js layers model folder: the Keras config in `model.json`, the weights in its shards. */
  | 'tfjs_layers_model';

/** A Keras serialized object in the Keras 2 form: `{ class_name, config }` (plus layer fields). */
export interface KerasObject {
  class_name: string;
  config: Record<string, unknown>;
  [key: string]: unknown;
}

/** One weight, named as Keras scopes it and tfjs-layers looks it up: `conv2d_1/kernel`. */
export interface KerasWeight {
  name: string;
  tensor: HostTensor;
}

export interface KerasModel {
  format: KerasFormat;
  /** The `keras_version` the file records (`2.0.5`, `2.2.4-tf`, `3.4.1`), or `''` if none. */
  kerasVersion: string;
  /** The backend the file records (`tensorflow`, `jax`, …), or `''` if none. */
  backend: string;
  /**
   * The architecture as `{ class_name: 'Functional' | 'Model' | 'Sequential', config }` in the
   * Keras 2 form, already normalised for inference (see `normalizeModelConfig`).
   */
  modelConfig: KerasObject;
  /** Every weight the architecture needs, in layer order (within a layer, in Keras's order). */
  weights: KerasWeight[];
}

/**
 * Keras names a model's outputs after their layers; a layer with several outputs (Bidirectional
 * with merge_mode=None or return_state, an RNN with return_state) repeats its name, and Keras
 * (`Functional._set_output_names`) makes them `<layer>`, `<layer>_1`, … Both Keras paths (tfjs-layers
 * and the graph) use this, so either serves the same signature.
 */
export function uniqueOutputNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 1; seen.has(candidate); n++) candidate = `${name}_${n}`;
    seen.add(candidate);
    return candidate;
  });
}
