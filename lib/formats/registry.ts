/**
 * Every model format this project reads, listed once: its kind (what `detectModel` finds), its
 * `convert --input_format` names, and how to read it into an engine-neutral `ModelArtifact`.
 * Serving, packaging, `show` and `convert` all read through here. Importers load on first use
 * (dynamic `import()`): a Lambda serving a TF.js folder never evaluates the protobuf, flatbuffer or
 * HDF5 code (the HDF5 library alone is 4 MB of JavaScript).
 * @module formats/registry
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.ts';
import type { SignatureMap } from '../tensors/signature.ts';
import type { FrozenGraphOptions } from '../importers/tensorflow/frozen-graph.ts';
import type { ModelArtifact } from './artifact.ts';
import { detectModel, detectModelFolder, type FormatKind, type ModelFolder } from './detect.ts';

export interface ReadOptions {
  /** SavedModels: the MetaGraph's tags. @default ['serve'] */
  tags?: string[];
  /** Frozen graphs: input and output names, over those `frozen_graph.yaml` gives. */
  frozenGraph?: FrozenGraphOptions;
  /**
   * The `convert --input_format` the caller named, when it names one: a Keras file must then be
   * that container (`keras` HDF5, `keras_v3` zip).
   */
  inputFormat?: string;
  /** Where to say what was found, e.g. a frozen graph's inputs and outputs. @default silent */
  log?: (line: string) => void;
}

/** The detected model of one kind. */
export type FoundModel<K extends FormatKind = FormatKind> = Extract<ModelFolder, { kind: K }>;

export interface ModelFormat<K extends FormatKind = FormatKind> {
  readonly kind: K;
  /** How errors name it: `SavedModel`, `frozen graph`, … */
  readonly label: string;
  /** `lambda-serving convert --input_format` names (tensorflowjs_converter's), the usual one first. */
  readonly inputFormats: readonly string[];
  read(found: FoundModel<K>, options?: ReadOptions): Promise<ModelArtifact>;
  /**
   * The signatures as the file declares them, without importing the model (for `show` when the
   * import fails); undefined when it declares none for these options.
   */
  storedSignatures?(found: FoundModel<K>, options?: ReadOptions): Promise<SignatureMap | undefined>;
}

const FORMATS = {
  saved_model: {
    kind: 'saved_model',
    label: 'SavedModel',
    inputFormats: ['tf_saved_model'] as const,
    async read(found, options = {}) {
      const { importSavedModel } = await import('../importers/tensorflow/saved-model.ts');
      const graph = await importSavedModel(found.dir, { tags: options.tags ?? ['serve'] });
      return { kind: 'graph', format: 'saved_model', graph, what: `SavedModel ${found.dir}`, path: found.dir };
    },
    async storedSignatures(found, options = {}) {
      const [{ decodeSavedModel }, { mapSignatures }] = await Promise.all([
        import('../importers/tensorflow/proto.ts'),
        import('../importers/tensorflow/mapper.ts'),
      ]);
      const file = path.join(found.dir, 'saved_model.pb');
      const tags = options.tags ?? ['serve'];
      const meta = decodeSavedModel(await readFile(file), file).meta_graphs.find((m) => tags.every((tag) => m.meta_info_def.tags.includes(tag)));
      return meta ? mapSignatures(meta.signature_def) : undefined;
    },
  },
  frozen_graph: {
    kind: 'frozen_graph',
    label: 'frozen graph',
    inputFormats: ['tf_frozen_model'] as const,
    async read(found, options = {}) {
      const { importFrozenGraph, readFrozenGraphOptions } = await import('../importers/tensorflow/frozen-graph.ts');
      const named = found.namesFile ? await readFrozenGraphOptions(found.namesFile) : {};
      const graph = await importFrozenGraph(found.file, { ...named, ...options.frozenGraph });
      if (options.log) {
        const { inputs, outputs } = graph.signatures.serving_default;
        const how = options.frozenGraph ? 'as given' : found.namesFile ? `named in ${path.basename(found.namesFile)}` : 'found in the graph';
        options.log(`frozen graph ${found.file}: inputs [${Object.keys(inputs).join(', ')}], outputs [${Object.keys(outputs).join(', ')}] (${how})`);
      }
      return { kind: 'graph', format: 'frozen_graph', graph, what: `frozen graph ${found.file}`, path: found.file };
    },
  },
  tflite: {
    kind: 'tflite',
    label: 'TFLite model',
    inputFormats: ['tflite'] as const,
    async read(found) {
      const { importTfliteFile } = await import('../importers/tflite/index.ts');
      return { kind: 'graph', format: 'tflite', graph: await importTfliteFile(found.file), what: `TFLite model ${found.file}`, path: found.file };
    },
  },
  keras: {
    kind: 'keras',
    label: 'Keras model',
    inputFormats: ['keras', 'keras_v3'] as const,
    async read(found, options = {}) {
      const [{ readKerasFolder }, { kerasFileKind }, { readModelFileStart }] = await Promise.all([
        import('../importers/keras/folder.ts'),
        import('../importers/keras/index.ts'),
        import('../importers/read-model-file.ts'),
      ]);
      if (options.inputFormat === 'keras' || options.inputFormat === 'keras_v3') {
        const expected = options.inputFormat === 'keras_v3' ? 'zip' : 'hdf5';
        const container = kerasFileKind(await readModelFileStart(found.file, 'Keras model', 8));
        if (container && container !== expected) {
          throw new FailedPreconditionError(
            `${found.file} is ${container === 'zip' ? 'a Keras 3 .keras zip: use --input_format keras_v3' : 'an HDF5 file: use --input_format keras'}`,
          );
        }
      }
      const model = await readKerasFolder(found);
      const what = `Keras model ${found.file}`;
      const toGraph = async () => (await import('../importers/keras/graph-mapper.ts')).kerasToGraph(model, what);
      return { kind: 'keras', format: 'keras', model, toGraph, what, path: found.file };
    },
  },
  tfjs: {
    kind: 'tfjs',
    label: 'TF.js model',
    inputFormats: [] as const,
    async read(found) {
      const what = `TF.js model ${found.modelJson}`;
      const toGraph = async () => (await import('../importers/tfjs/index.ts')).tfjsToGraph(found.modelJson, what);
      return { kind: 'tfjs', format: 'tfjs', modelJson: found.modelJson, toGraph, what, path: found.modelJson };
    },
  },
  onnx: {
    kind: 'onnx',
    label: 'ONNX model',
    inputFormats: [] as const,
    async read(found) {
      const { readOnnx } = await import('./onnx-folder.ts');
      return readOnnx(found.file);
    },
  },
} satisfies { [K in FormatKind]: ModelFormat<K> };

/** Every format, in the order `convert` lists its input formats. */
export const MODEL_FORMATS: readonly ModelFormat[] = Object.values(FORMATS) as ModelFormat[];

/** A `convert --input_format` name this project reads. */
export type InputFormat = (typeof FORMATS)[FormatKind]['inputFormats'][number];

/** Every `convert --input_format` name, in the registry's order. */
export const INPUT_FORMATS: readonly InputFormat[] = MODEL_FORMATS.flatMap((format) => format.inputFormats as readonly InputFormat[]);

export function modelFormat<K extends FormatKind>(kind: K): ModelFormat<K> {
  return FORMATS[kind] as unknown as ModelFormat<K>;
}

/** The format a `convert --input_format` name reads, or undefined. */
export function formatForInput(inputFormat: string): ModelFormat | undefined {
  return MODEL_FORMATS.find((format) => format.inputFormats.includes(inputFormat));
}

/** Reads what `detectModel`/`detectModelFolder` found with its format. */
export function readFound(found: ModelFolder, options: ReadOptions = {}): Promise<ModelArtifact> {
  return modelFormat(found.kind).read(found as never, options);
}

/** Detects and reads the model at `location`: a model folder or one model file. */
export async function readModel(location: string, options: ReadOptions = {}): Promise<ModelArtifact> {
  return readFound(await detectModel(location), options);
}

/** Detects and reads a version folder (`models/<name>/<version>/`). */
export async function readModelFolder(dir: string, options: ReadOptions = {}): Promise<ModelArtifact> {
  return readFound(await detectModelFolder(dir), options);
}
