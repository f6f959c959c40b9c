/**
 * Test-only HDF5 helpers on h5wasm directly (not the importer's reader): read a Keras 2 HDF5
 * file's weights per layer, write in-memory HDF5 files, and write the `model.save_weights()`
 * layout (root attrs `layer_names`, `backend`, `keras_version`; one group per layer with
 * `weight_names` and its datasets) from weights read out of a real fixture.
 */
import h5wasm, { type Dataset, type File as H5File, type Group } from 'h5wasm';

export interface StoredWeight {
  /** The name as stored, e.g. `conv2d_24/kernel:0`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface Keras2File {
  modelConfig: Record<string, unknown>;
  kerasVersion: string;
  backend: string;
  /** `model_weights/layer_names` in order, with each layer's weights in `weight_names` order. */
  layers: { name: string; weights: StoredWeight[] }[];
}

let files = 0;

async function fs() {
  return (await h5wasm.ready).FS;
}

/** Reads a full-model Keras 2 HDF5 file with plain h5wasm calls. */
export async function readKeras2File(bytes: Uint8Array): Promise<Keras2File> {
  const FS = await fs();
  const path = `/test-read-${++files}.h5`;
  FS.writeFile(path, bytes);
  const file = new h5wasm.File(path, 'r');
  try {
    const root = file.get('model_weights') as Group;
    const names = root.attrs.layer_names.value as string[];
    const layers = names.map((name) => {
      const group = root.get(name) as Group;
      const weightNames = group.attrs.weight_names.value as string[] | Float64Array;
      return {
        name,
        weights: Array.from(weightNames as string[], (weightName) => {
          const dataset = group.get(weightName) as Dataset;
          return { name: weightName, shape: dataset.shape ?? [], values: dataset.value as Float32Array };
        }),
      };
    });
    return {
      modelConfig: JSON.parse(file.attrs.model_config.value as string) as Record<string, unknown>,
      kerasVersion: file.attrs.keras_version.value as string,
      backend: file.attrs.backend.value as string,
      layers,
    };
  } finally {
    file.close();
    FS.unlink(path);
  }
}

/** Builds an HDF5 file in emscripten's memory filesystem and returns its bytes. */
export async function writeH5(build: (file: H5File) => void): Promise<Uint8Array> {
  const FS = await fs();
  const path = `/test-write-${++files}.h5`;
  const file = new h5wasm.File(path, 'w');
  try {
    build(file);
  } finally {
    file.close();
  }
  const bytes = FS.readFile(path) as Uint8Array;
  FS.unlink(path);
  return bytes;
}

/**
 * The file Keras 2's `model.save_weights('w.h5')` writes (`save_weights_to_hdf5_group`): root
 * attributes `layer_names`, `backend`, `keras_version`; per layer a group with `weight_names`
 * and the datasets at those (slash-separated) paths.
 */
export function writeSaveWeightsFile(source: Keras2File): Promise<Uint8Array> {
  return writeH5((file) => {
    file.create_attribute('backend', source.backend);
    file.create_attribute('keras_version', source.kerasVersion);
    file.create_attribute('layer_names', source.layers.map((layer) => layer.name));
    for (const layer of source.layers) {
      const group = file.create_group(layer.name);
      // h5py stores an empty name list as an empty float array; so does this.
      if (layer.weights.length) group.create_attribute('weight_names', layer.weights.map((w) => w.name));
      else group.create_attribute('weight_names', new Float64Array(0), [0]);
      for (const weight of layer.weights) {
        const parts = weight.name.split('/');
        let parent: Group = group;
        for (const part of parts.slice(0, -1)) parent = parent.keys().includes(part) ? (parent.get(part) as Group) : parent.create_group(part);
        parent.create_dataset({ name: parts[parts.length - 1], data: weight.values, shape: weight.shape });
      }
    }
  });
}
