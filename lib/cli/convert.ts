/**
 * `lambda-serving convert`: a TensorFlow or TFLite model → a TF.js graph-model folder, a Keras
 * model → a TF.js layers-model folder (`model.json` + `group1-shardNofM.bin`), with
 * tensorflowjs_converter's flags and layout. A graph-model folder carries every signature as
 * imported (under `userDefinedMetadata.lambdaServing`), so serving it answers exactly as serving
 * the original does, without decoding protobufs, flatbuffers, HDF5 or checkpoints at load time
 * (writing: engine/tfjs/write-artifacts.ts).
 * @module cli/convert
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { FailedPreconditionError } from '../errors.ts';
import type { SignatureMap } from '../tensors/signature.ts';
import { lowerToGraphModel } from '../engine/tfjs/lower-graph.ts';
import { DEFAULT_SHARD_BYTES, writeGraphModel, writeLayersModel } from '../engine/tfjs/write-artifacts.ts';
import type { Graph } from '../graph/graph.ts';
import { importFrozenGraph, readFrozenGraphOptions, type FrozenGraphOptions } from '../importers/tensorflow/frozen-graph.ts';
import { importSavedModel } from '../importers/tensorflow/saved-model.ts';
import { commaList, parseFlags, reportFailure, UsageError, type FlagKinds } from './flags.ts';
import { detectModelFolder } from '../formats/detect.ts';
import { readModelFileStart } from '../importers/read-model-file.ts';


export const INPUT_FORMATS = ['tf_saved_model', 'tf_frozen_model', 'tflite', 'keras', 'keras_v3'] as const;
export const OUTPUT_FORMATS = ['tfjs_graph_model', 'tfjs_layers_model'] as const;
/** tensorflowjs_converter's other name for Keras 3 `.keras` input. */
const INPUT_ALIASES: Record<string, InputFormat> = { keras_keras: 'keras_v3' };
/** tensorflowjs_converter formats this command does not write or read yet. */
const LATER_INPUT_FORMATS = ['keras_saved_model', 'tf_hub', 'tfjs_layers_model'];
const LATER_OUTPUT_FORMATS = ['keras', 'keras_saved_model', 'keras_v3'];
/**
 * The default output: Keras models become layers models (as tensorflowjs_converter makes them),
 * graphs graph models. Keras models may also become graph models (mapped layer by layer).
 */
const OUTPUT_FOR: Record<InputFormat, OutputFormat> = {
  tf_saved_model: 'tfjs_graph_model',
  tf_frozen_model: 'tfjs_graph_model',
  tflite: 'tfjs_graph_model',
  keras: 'tfjs_layers_model',
  keras_v3: 'tfjs_layers_model',
};

export type InputFormat = (typeof INPUT_FORMATS)[number];
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const CONVERT_USAGE = `Usage: lambda-serving convert [flags] SRC DST

Converts a model to a TF.js model folder (flags as tensorflowjs_converter; --flag=value or
--flag value; _ or - in names). DST gets model.json and group1-shardNofM.bin.
  --input_format=tf_saved_model   tf_saved_model (SRC is the SavedModel folder), tf_frozen_model
                                  (SRC is the .pb, or a folder with one .pb and frozen_graph.yaml),
                                  tflite (SRC is the .tflite), keras (a Keras .h5/.hdf5, or a folder
                                  with a weights-only .h5 and its architecture JSON) or keras_v3
                                  (a Keras 3 .keras; also spelled keras_keras)
  --output_format                 tfjs_graph_model (default for TensorFlow and TFLite input; Keras
                                  input is mapped layer by layer onto TensorFlow ops) or
                                  tfjs_layers_model (default for Keras input)
  --saved_model_tags=serve        The MetaGraph's tags, comma-separated
  --output_node_names=a,b         Frozen graphs: output nodes (default: frozen_graph.yaml's, else
                                  the nodes nothing consumes)
  --input_node_names=x            Frozen graphs: input nodes (default: every Placeholder)
  --weight_shard_size_bytes=${DEFAULT_SHARD_BYTES}
  --skip_op_check                 Write the model even if TF.js lacks some of its ops
Not supported yet: ${LATER_INPUT_FORMATS.join(', ')} input; ${LATER_OUTPUT_FORMATS.join(', ')} output.`;

export interface ConvertOptions {
  inputFormat: InputFormat;
  outputFormat: OutputFormat;
  /** @default ['serve'] */
  savedModelTags: string[];
  outputNodeNames?: string[];
  inputNodeNames?: string[];
  /** @default 4 MiB */
  weightShardSizeBytes: number;
  /** Skip loading the lowered graph in TF.js to check every op has a kernel. */
  skipOpCheck: boolean;
  src: string;
  dst: string;
}

const CONVERT_FLAGS: FlagKinds = {
  input_format: 'string',
  output_format: 'string',
  saved_model_tags: 'string',
  output_node_names: 'string',
  input_node_names: 'string',
  weight_shard_size_bytes: 'string',
  skip_op_check: 'bool',
};

/** Parses the arguments after `convert`. Throws UsageError naming the problem. */
export function parseConvertFlags(argv: string[]): ConvertOptions {
  const { flags, positional } = parseFlags(argv, CONVERT_FLAGS, 'convert');
  const inputFormat = INPUT_ALIASES[flags.input_format ?? ''] ?? flags.input_format ?? 'tf_saved_model';
  if (!(INPUT_FORMATS as readonly string[]).includes(inputFormat)) {
    throw new UsageError(
      LATER_INPUT_FORMATS.includes(inputFormat)
        ? `--input_format ${inputFormat} is not supported yet; supported: ${INPUT_FORMATS.join(', ')}`
        : `Unknown --input_format '${inputFormat}'; supported: ${INPUT_FORMATS.join(', ')}`,
    );
  }
  const outputFormat = flags.output_format ?? OUTPUT_FOR[inputFormat as InputFormat];
  if (!(OUTPUT_FORMATS as readonly string[]).includes(outputFormat)) {
    throw new UsageError(
      LATER_OUTPUT_FORMATS.includes(outputFormat)
        ? `--output_format ${outputFormat} is not supported yet; supported: ${OUTPUT_FORMATS.join(', ')}`
        : `Unknown --output_format '${outputFormat}'; supported: ${OUTPUT_FORMATS.join(', ')}`,
    );
  }
  if (outputFormat === 'tfjs_layers_model' && OUTPUT_FOR[inputFormat as InputFormat] !== 'tfjs_layers_model') {
    throw new UsageError(`--output_format tfjs_layers_model needs a Keras model (--input_format keras or keras_v3), not ${inputFormat}`);
  }
  if (positional.length !== 2) {
    throw new UsageError(`convert takes two arguments, SRC and DST (got ${positional.length ? positional.map((p) => `'${p}'`).join(' ') : 'none'})`);
  }
  let weightShardSizeBytes = DEFAULT_SHARD_BYTES;
  if (flags.weight_shard_size_bytes !== undefined) {
    weightShardSizeBytes = /^\d+$/.test(flags.weight_shard_size_bytes) ? Number(flags.weight_shard_size_bytes) : NaN;
    if (!Number.isSafeInteger(weightShardSizeBytes) || weightShardSizeBytes <= 0) {
      throw new UsageError(`--weight_shard_size_bytes must be a positive integer, not '${flags.weight_shard_size_bytes}'`);
    }
  }
  const frozenOnly = ['output_node_names', 'input_node_names'].filter((name) => flags[name] !== undefined);
  if (inputFormat !== 'tf_frozen_model' && frozenOnly.length) {
    throw new UsageError(`--${frozenOnly[0]} applies to --input_format tf_frozen_model only`);
  }
  if (inputFormat !== 'tf_saved_model' && flags.saved_model_tags !== undefined) {
    throw new UsageError('--saved_model_tags applies to --input_format tf_saved_model only');
  }
  const savedModelTags = flags.saved_model_tags === undefined ? ['serve'] : commaList(flags.saved_model_tags);
  if (!savedModelTags.length) throw new UsageError('--saved_model_tags needs at least one tag');
  const options: ConvertOptions = {
    inputFormat: inputFormat as InputFormat,
    outputFormat: outputFormat as OutputFormat,
    savedModelTags,
    weightShardSizeBytes,
    skipOpCheck: flags.skip_op_check === 'true',
    src: positional[0],
    dst: positional[1],
  };
  if (flags.output_node_names !== undefined) options.outputNodeNames = commaList(flags.output_node_names);
  if (flags.input_node_names !== undefined) options.inputNodeNames = commaList(flags.input_node_names);
  return options;
}

/** What a conversion wrote. */
export interface ConvertResult {
  source: string;
  /** Absolute paths, model.json first. */
  files: string[];
  bytes: number;
  /** Graph models count nodes and ops; layers models count layers and layer classes. */
  unit: 'nodes' | 'layers';
  nodes: number;
  /** Distinct ops (or layer classes), sorted. */
  ops: string[];
  signatures: SignatureMap;
  milliseconds: number;
}

/** Imports `options.src`, checks TF.js can run it, and writes the TF.js model folder `options.dst`. */
export async function convertModel(options: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  const converted = options.outputFormat === 'tfjs_layers_model' ? await convertKeras(options) : await convertGraph(options);
  return { ...converted, milliseconds: performance.now() - started };
}

async function convertGraph(options: ConvertOptions): Promise<Omit<ConvertResult, 'milliseconds'>> {
  const graph = await importModel(options);
  const artifacts = lowerToGraphModel(graph);
  if (!options.skipOpCheck) await checkOps(artifacts, graph, options.src);
  const written = await writeGraphModel(options.dst, artifacts, graph, { shardBytes: options.weightShardSizeBytes });
  const nodes = (artifacts.modelTopology as { node: { op: string }[] }).node;
  return {
    source: graph.source,
    ...written,
    unit: 'nodes',
    nodes: nodes.length,
    ops: [...new Set(nodes.map((node) => node.op))].sort(),
    signatures: graph.signatures,
  };
}

/** Keras → a layers model, as tensorflowjs_converter's keras → tfjs_layers_model. */
async function convertKeras(options: ConvertOptions): Promise<Omit<ConvertResult, 'milliseconds'>> {
  const { kerasToLayersArtifacts, loadKerasModel } = await import('../engine/tfjs/load-keras.ts');
  const model = await readKerasSource(options);
  let artifacts: io.ModelArtifacts;
  try {
    artifacts = kerasToLayersArtifacts(model, options.src);
  } catch (error) {
    return withGraphHint(error);
  }
  let signatures: SignatureMap = {};
  if (!options.skipOpCheck) {
    // Build it in TF.js as serving would: refuses what tfjs-layers cannot build, names the signature.
    const { initBackend } = await import('../engine/backend.ts');
    await initBackend(undefined, () => {});
    const loaded = await loadKerasModel(model, options.src).catch(withGraphHint);
    signatures = loaded.signatures;
    loaded.dispose();
  }
  const written = await writeLayersModel(options.dst, artifacts, { shardBytes: options.weightShardSizeBytes });
  const layers = layerClasses(artifacts.modelTopology);
  return { source: `keras (${model.format}, Keras ${model.kerasVersion || 'version unknown'})`, ...written, unit: 'layers', nodes: layers.length, ops: [...new Set(layers)].sort(), signatures };
}

/** What tfjs-layers refuses, the graph path may serve: say so. */
function withGraphHint(error: unknown): never {
  if (!(error instanceof FailedPreconditionError)) throw error;
  throw new FailedPreconditionError(`${error.message} (--output_format tfjs_graph_model maps the layers onto TensorFlow ops instead)`);
}

/** The Keras model at `options.src`: a file, or a folder holding one (or a weights-only pair). */
async function readKerasSource(options: ConvertOptions) {
  const [{ readKerasFolder }, { kerasFileKind }] = await Promise.all([import('../importers/keras/folder.ts'), import('../importers/keras/index.ts')]);
  const info = await statSource(options.src);
  let source: { file: string; architectureFile?: string } = { file: options.src };
  if (info.isDirectory()) {
    const folder = await detectModelFolder(options.src);
    if (folder.kind !== 'keras') throw new FailedPreconditionError(`${options.src} must hold one Keras .h5/.hdf5/.keras file (it holds a ${folder.kind.replace('_', ' ')})`);
    source = folder;
  }
  const expected = options.inputFormat === 'keras_v3' ? 'zip' : 'hdf5';
  const found = kerasFileKind(await readModelFileStart(source.file, 'Keras model', 8));
  if (found && found !== expected) {
    throw new FailedPreconditionError(
      `${source.file} is ${found === 'zip' ? 'a Keras 3 .keras zip: use --input_format keras_v3' : 'an HDF5 file: use --input_format keras'}`,
    );
  }
  return readKerasFolder(source);
}

/** Every layer's class in a Keras model config, nested models included. */
function layerClasses(topology: unknown): string[] {
  const classes: string[] = [];
  const visit = (layer: { class_name?: unknown; config?: { layers?: unknown } }) => {
    const inner = layer.config?.layers;
    if (Array.isArray(inner)) inner.forEach(visit);
    else if (typeof layer.class_name === 'string') classes.push(layer.class_name);
  };
  visit((topology as { model_config?: { config?: { layers?: unknown } } })?.model_config ?? {});
  return classes;
}

async function statSource(src: string) {
  return stat(src).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read ${src}: ${error.code ?? error.message}`);
  });
}

async function importModel(options: ConvertOptions): Promise<Graph> {
  const info = await statSource(options.src);
  if (options.inputFormat === 'tf_saved_model') {
    if (!info.isDirectory() || !existsSync(path.join(options.src, 'saved_model.pb'))) {
      throw new FailedPreconditionError(`${options.src} is not a SavedModel folder (no saved_model.pb)`);
    }
    return importSavedModel(options.src, { tags: options.savedModelTags });
  }
  if (options.inputFormat === 'keras' || options.inputFormat === 'keras_v3') {
    const { kerasToGraph } = await import('../importers/keras/graph-mapper.ts');
    return kerasToGraph(await readKerasSource(options), options.src);
  }
  if (options.inputFormat === 'tflite') {
    const { importTfliteFile } = await import('../importers/tflite/index.ts');
    if (!info.isDirectory()) return importTfliteFile(options.src);
    const folder = await detectModelFolder(options.src);
    if (folder.kind !== 'tflite') throw new FailedPreconditionError(`${options.src} must hold one .tflite file (it holds a ${folder.kind.replace('_', ' ')})`);
    return importTfliteFile(folder.file);
  }
  let file = options.src;
  let names: FrozenGraphOptions = {};
  if (info.isDirectory()) {
    const folder = await detectModelFolder(options.src);
    if (folder.kind !== 'frozen_graph') {
      throw new FailedPreconditionError(`${options.src} must hold exactly one frozen-graph .pb (it holds a ${folder.kind.replace('_', ' ')})`);
    }
    file = folder.file;
    if (folder.namesFile) names = await readFrozenGraphOptions(folder.namesFile);
  }
  return importFrozenGraph(file, {
    ...names,
    ...(options.inputNodeNames ? { inputNames: options.inputNodeNames, inputDataTypes: undefined } : {}),
    ...(options.outputNodeNames ? { outputNames: options.outputNodeNames } : {}),
  });
}

/** Loads the lowered graph in TF.js, which refuses ops it has no kernel for (as serving would). */
async function checkOps(artifacts: io.ModelArtifacts, graph: Graph, src: string): Promise<void> {
  const { initBackend } = await import('../engine/backend.ts');
  const { loadLoweredGraph } = await import('../engine/tfjs/load-graph.ts');
  await initBackend(undefined, () => {});
  const model = await loadLoweredGraph(artifacts, graph, src);
  model.dispose();
}

/** The report `convert` prints. */
export function formatConvertResult(options: Pick<ConvertOptions, 'src' | 'dst' | 'outputFormat'>, result: ConvertResult): string {
  const keys = Object.keys(result.signatures).sort();
  const unavailable = keys.filter((key) => result.signatures[key].unavailable);
  const lines = [
    `lambda-serving convert: ${options.src} (${result.source}) → ${options.dst} (${options.outputFormat})`,
    `  wrote ${result.files.length} files, ${result.bytes.toLocaleString('en-US')} bytes: ${result.files.map((file) => path.basename(file)).join(', ')}`,
    result.unit === 'nodes'
      ? `  ${result.nodes} nodes, ${result.ops.length} distinct ops: ${result.ops.join(', ')}`
      : `  ${result.nodes} layers, ${result.ops.length} layer classes: ${result.ops.join(', ')}`,
    `  ${keys.length} signature${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`,
    ...unavailable.map((key) => `  signature ${key} is listed but not servable here: ${result.signatures[key].unavailable}`),
    `  took ${(result.milliseconds / 1000).toFixed(2)} s`,
  ];
  return lines.join('\n') + '\n';
}

/** The `convert` subcommand. */
export async function convertCommand(argv: string[]): Promise<void> {
  const options = parseConvertFlags(argv);
  try {
    process.stdout.write(formatConvertResult(options, await convertModel(options)));
  } catch (error) {
    reportFailure('convert', error);
  }
}
