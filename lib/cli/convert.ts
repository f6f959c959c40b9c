/**
 * `lambda-serving convert`: a TensorFlow or TFLite model → a TF.js graph-model folder, a Keras
 * model → a TF.js layers-model folder (`model.json` + `group1-shardNofM.bin`), with
 * tensorflowjs_converter's flags and layout; or any of them → an ONNX folder (`--output_format
 * onnx`: one `.onnx` per signature and `lambda-serving-onnx.json`, engine/onnx/write-folder.ts),
 * which ONNX Runtime loads without lowering anything. A graph-model folder carries every signature as
 * imported (under `userDefinedMetadata.lambdaServing`), so serving it answers exactly as serving
 * the original does, without decoding protobufs, flatbuffers, HDF5 or checkpoints at load time
 * (writing: engine/tfjs/write-artifacts.ts).
 * @module cli/convert
 */
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { FailedPreconditionError } from '../errors.ts';
import type { SignatureMap } from '../tensors/signature.ts';
import { lowerToGraphModel } from '../engine/tfjs/lower-graph.ts';
import { DEFAULT_SHARD_BYTES, writeGraphModel, writeLayersModel } from '../engine/tfjs/write-artifacts.ts';
import type { Graph } from '../graph/graph.ts';
import type { KerasArtifact, ModelArtifact } from '../formats/artifact.ts';
import { detectModel } from '../formats/detect.ts';
import { formatForInput, INPUT_FORMATS, modelFormat, type InputFormat } from '../formats/registry.ts';
import { commaList, parseFlags, reportFailure, UsageError, type FlagKinds } from './flags.ts';

export { INPUT_FORMATS, type InputFormat };
export const OUTPUT_FORMATS = ['tfjs_graph_model', 'tfjs_layers_model', 'onnx'] as const;
/** tensorflowjs_converter's other name for Keras 3 `.keras` input. */
const INPUT_ALIASES: Record<string, InputFormat> = { keras_keras: 'keras_v3' };
/** tensorflowjs_converter formats this command does not write or read yet. */
const LATER_INPUT_FORMATS = ['keras_saved_model', 'tf_hub', 'tfjs_layers_model'];
const LATER_OUTPUT_FORMATS = ['keras', 'keras_saved_model', 'keras_v3'];
/**
 * The default output: Keras models become layers models (as tensorflowjs_converter makes them),
 * graphs graph models. Keras models may also become graph models (mapped layer by layer).
 */
function defaultOutput(inputFormat: InputFormat): OutputFormat {
  return formatForInput(inputFormat)?.kind === 'keras' ? 'tfjs_layers_model' : 'tfjs_graph_model';
}

export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const CONVERT_USAGE = `Usage: lambda-serving convert [flags] SRC DST

Converts a model to a TF.js model folder (flags as tensorflowjs_converter; --flag=value or
--flag value; _ or - in names). DST gets model.json and group1-shardNofM.bin; with
--output_format onnx, one <signature>.onnx per signature and lambda-serving-onnx.json.
  --input_format=tf_saved_model   tf_saved_model (SRC is the SavedModel folder), tf_frozen_model
                                  (SRC is the .pb, or a folder with one .pb and frozen_graph.yaml),
                                  tflite (SRC is the .tflite), keras (a Keras .h5/.hdf5, or a folder
                                  with a weights-only .h5 and its architecture JSON) or keras_v3
                                  (a Keras 3 .keras; also spelled keras_keras)
  --output_format                 tfjs_graph_model (default for TensorFlow and TFLite input; Keras
                                  input is mapped layer by layer onto TensorFlow ops) or
                                  tfjs_layers_model (default for Keras input), or onnx (lambda-serving's
                                  own: every signature lowered to ONNX for ONNX Runtime, refused
                                  naming the ops that do not lower; tensorflowjs_converter has no
                                  such format)
  --saved_model_tags=serve        The MetaGraph's tags, comma-separated
  --output_node_names=a,b         Frozen graphs: output nodes (default: frozen_graph.yaml's, else
                                  the nodes nothing consumes)
  --input_node_names=x            Frozen graphs: input nodes (default: every Placeholder)
  --weight_shard_size_bytes=${DEFAULT_SHARD_BYTES}   (TF.js output only)
  --skip_op_check                 Write the model even if TF.js lacks some of its ops (onnx: without
                                  loading it in ONNX Runtime first)
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
  const outputFormat = flags.output_format ?? defaultOutput(inputFormat as InputFormat);
  if (!(OUTPUT_FORMATS as readonly string[]).includes(outputFormat)) {
    throw new UsageError(
      LATER_OUTPUT_FORMATS.includes(outputFormat)
        ? `--output_format ${outputFormat} is not supported yet; supported: ${OUTPUT_FORMATS.join(', ')}`
        : `Unknown --output_format '${outputFormat}'; supported: ${OUTPUT_FORMATS.join(', ')}`,
    );
  }
  if (outputFormat === 'tfjs_layers_model' && defaultOutput(inputFormat as InputFormat) !== 'tfjs_layers_model') {
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

/**
 * Reads `options.src` through the format registry, checks the engine the output is for (TF.js or
 * ONNX Runtime) can run it, and writes the model folder `options.dst`.
 */
export async function convertModel(options: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  const converted = await convertArtifact(await readSource(options), options);
  return { ...converted, milliseconds: performance.now() - started };
}

/** What a conversion writes besides the model: where, in which format, how. */
export type WriteOptions = Pick<ConvertOptions, 'outputFormat' | 'dst' | 'weightShardSizeBytes' | 'skipOpCheck'>;

/**
 * Writes an artifact already read (by `readSource` or the format registry) as a TF.js model
 * folder: a graph model from a graph or a Keras model mapped onto TensorFlow ops, a layers model
 * from a Keras model.
 */
export async function convertArtifact(artifact: ModelArtifact, options: WriteOptions): Promise<Omit<ConvertResult, 'milliseconds'>> {
  if (artifact.kind === 'tfjs' && options.outputFormat !== 'onnx') throw new FailedPreconditionError(`${artifact.path} is already a TF.js model`);
  if (artifact.kind === 'onnx') throw new FailedPreconditionError(`${artifact.path} is already an ONNX model`);
  if (options.outputFormat === 'onnx') return convertOnnx(artifact.kind === 'graph' ? artifact.graph : await artifact.toGraph(), artifact.what, options);
  if (options.outputFormat === 'tfjs_layers_model') {
    if (artifact.kind !== 'keras') throw new FailedPreconditionError(`--output_format tfjs_layers_model needs a Keras model, not ${artifact.what}`);
    return convertKeras(artifact, options);
  }
  return convertGraph(artifact.kind === 'graph' ? artifact.graph : await artifact.toGraph(), artifact.path, options);
}

/** The TF.js output format that holds what `loaded.format` (a TF.js engine model) ran. */
export function outputFormatFor(loadedFormat: string): OutputFormat {
  if (loadedFormat === 'tfjs-layers-model') return 'tfjs_layers_model';
  if (loadedFormat === 'tfjs-graph-model') return 'tfjs_graph_model';
  throw new FailedPreconditionError(`A ${loadedFormat} cannot be written as a TF.js model folder`);
}

async function convertGraph(graph: Graph, src: string, options: WriteOptions): Promise<Omit<ConvertResult, 'milliseconds'>> {
  const artifacts = lowerToGraphModel(graph);
  if (!options.skipOpCheck) await checkOps(artifacts, graph, src);
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

/**
 * Any graph → an ONNX folder: every runnable signature lowered (refused naming the ops that do not
 * lower), loaded in ONNX Runtime as serving would unless `skipOpCheck`, then written.
 */
async function convertOnnx(graph: Graph, what: string, options: WriteOptions): Promise<Omit<ConvertResult, 'milliseconds'>> {
  const [{ lowerGraph, createOnnxModel }, { writeOnnxFolder }, { decodeModel }] = await Promise.all([
    import('../engine/onnx/engine.ts'),
    import('../engine/onnx/write-folder.ts'),
    import('../engine/onnx/onnx-proto.ts'),
  ]);
  const lowered = lowerGraph(graph, { what });
  if (!options.skipOpCheck) (await createOnnxModel(lowered, graph.signatures, what)).dispose();
  const written = await writeOnnxFolder(options.dst, lowered, graph.signatures, graph.source);
  const ops = [...lowered.values()].flatMap((signature) => decodeModel(signature.bytes).graph.node.map((node) => node.op_type));
  return { source: graph.source, ...written, unit: 'nodes', nodes: ops.length, ops: [...new Set(ops)].sort(), signatures: graph.signatures };
}

/** Keras → a layers model, as tensorflowjs_converter's keras → tfjs_layers_model. */
async function convertKeras(artifact: KerasArtifact, options: WriteOptions): Promise<Omit<ConvertResult, 'milliseconds'>> {
  const { kerasToLayersArtifacts, loadKerasModel } = await import('../engine/tfjs/load-keras.ts');
  const { model, what } = artifact;
  let artifacts: io.ModelArtifacts;
  try {
    artifacts = kerasToLayersArtifacts(model, what);
  } catch (error) {
    return withGraphHint(error);
  }
  let signatures: SignatureMap = {};
  if (!options.skipOpCheck) {
    // Build it in TF.js as serving would: refuses what tfjs-layers cannot build, names the signature.
    const { initBackend } = await import('../engine/backend.ts');
    await initBackend(undefined, () => {});
    const loaded = await loadKerasModel(model, what).catch(withGraphHint);
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

/**
 * `options.src` read as `--input_format` names it: a folder holding that format (a SavedModel
 * folder, a folder with one .pb and its frozen_graph.yaml, one .tflite, one Keras file or a
 * weights-only pair), or one file of it.
 */
export async function readSource(options: Pick<ConvertOptions, 'inputFormat' | 'src' | 'savedModelTags' | 'inputNodeNames' | 'outputNodeNames'>): Promise<ModelArtifact> {
  const format = formatForInput(options.inputFormat);
  if (!format) throw new FailedPreconditionError(`Unknown --input_format ${options.inputFormat}`);
  const found = await detectModel(options.src, format.kind);
  if (found.kind !== format.kind) {
    throw new FailedPreconditionError(`${options.src} is not a ${format.label} for --input_format ${options.inputFormat} (it holds a ${modelFormat(found.kind).label})`);
  }
  const names = {
    ...(options.inputNodeNames ? { inputNames: options.inputNodeNames, inputDataTypes: undefined } : {}),
    ...(options.outputNodeNames ? { outputNames: options.outputNodeNames } : {}),
  };
  return format.read(found as never, {
    tags: options.savedModelTags,
    inputFormat: options.inputFormat,
    ...(Object.keys(names).length ? { frozenGraph: names } : {}),
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
