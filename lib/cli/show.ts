/**
 * `lambda-serving show`: a model folder's signatures, printed as `saved_model_cli show` prints
 * them. Reads SavedModels, frozen GraphDefs and TF.js model folders through the same importers and
 * loaders serving uses, so what it shows is what `serve` would offer.
 * @module cli/show
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.ts';
import type { Signature, SignatureMap, TensorSpec } from '../tensors/signature.ts';
import { importFrozenGraph, readFrozenGraphOptions } from '../importers/tensorflow/frozen-graph.ts';
import { mapSignatures } from '../importers/tensorflow/mapper.ts';
import { decodeSavedModel } from '../importers/tensorflow/proto.ts';
import { importSavedModel } from '../importers/tensorflow/saved-model.ts';
import { commaList, parseFlags, reportFailure, UsageError, type FlagKinds } from './flags.ts';
import { detectModelFolder } from '../formats/detect.ts';

export const SHOW_USAGE = `Usage: lambda-serving show --dir DIR [--tag_set serve] [--signature_def NAME | --all]

Prints a model's signatures as saved_model_cli show does (--flag=value or --flag value; _ or -).
  --dir=DIR              A SavedModel folder, a folder with one frozen-graph .pb (and optionally
                         frozen_graph.yaml naming its inputs and outputs), a TF.js model folder,
                         a .tflite or a Keras .h5/.hdf5/.keras file (or a folder holding one)
  --tag_set=serve        The SavedModel MetaGraph's tags, comma-separated
  --signature_def=NAME   Print this signature's inputs, outputs and method
  --all                  Print every signature
Without --signature_def or --all, lists the signature keys.`;

export interface ShowOptions {
  dir: string;
  /** @default ['serve'] */
  tagSet: string[];
  signatureDef?: string;
  all: boolean;
}

const SHOW_FLAGS: FlagKinds = { dir: 'string', tag_set: 'string', signature_def: 'string', all: 'bool' };

/** Parses the arguments after `show`. Throws UsageError naming the problem. */
export function parseShowFlags(argv: string[]): ShowOptions {
  const { flags, positional } = parseFlags(argv, SHOW_FLAGS, 'show');
  if (positional.length) throw new UsageError(`Unexpected argument '${positional[0]}': show takes only --flags`);
  if (flags.dir === undefined) throw new UsageError('Give --dir, the model folder to show');
  const all = flags.all === 'true';
  if (all && flags.signature_def !== undefined) throw new UsageError('Give either --signature_def or --all, not both');
  const tagSet = flags.tag_set === undefined ? ['serve'] : commaList(flags.tag_set);
  if (!tagSet.length) throw new UsageError('--tag_set needs at least one tag');
  return { dir: flags.dir, tagSet, all, ...(flags.signature_def !== undefined ? { signatureDef: flags.signature_def } : {}) };
}

/** What a model folder holds, as `show` prints it. */
export interface ShownModel {
  kind: 'saved_model' | 'frozen_graph' | 'tfjs' | 'tflite' | 'keras';
  /** The file or folder read. */
  path: string;
  /** The SavedModel MetaGraph's tags. */
  tagSet?: string[];
  signatures: SignatureMap;
}

/** How each kind is named in the headings (saved_model_cli's own words for SavedModels). */
const KEYS_HEADING: Record<ShownModel['kind'], string> = {
  saved_model: 'The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:',
  frozen_graph: 'The given frozen graph contains SignatureDefs with the following keys:',
  tfjs: 'The given TF.js model contains SignatureDefs with the following keys:',
  tflite: 'The given TFLite model contains SignatureDefs with the following keys:',
  keras: 'The given Keras model contains SignatureDefs with the following keys:',
};

/**
 * The text `show` prints: the signature keys; or, with `signatureDef` or `all`, each signature's
 * inputs, outputs and method in saved_model_cli's layout, plus `Not servable here: …` for a
 * signature that is listed but cannot run here. Throws when `signatureDef` is not among them.
 */
export function formatSignatures(model: ShownModel, options: { signatureDef?: string; all?: boolean } = {}): string {
  const keys = Object.keys(model.signatures).sort();
  if (options.signatureDef !== undefined) {
    const signature = Object.hasOwn(model.signatures, options.signatureDef) ? model.signatures[options.signatureDef] : undefined;
    if (!signature) {
      throw new FailedPreconditionError(
        `Could not find signature "${options.signatureDef}" in ${model.path}. Available: ${keys.map((key) => `"${key}"`).join(', ') || 'none'}`,
      );
    }
    return formatSignature(options.signatureDef, signature).join('\n') + '\n';
  }
  if (options.all) {
    const heading = model.kind === 'saved_model'
      ? `MetaGraphDef with tag-set: '${(model.tagSet ?? []).join(', ')}' contains the following SignatureDefs:`
      : `The given ${model.kind === 'tfjs' ? 'TF.js model' : 'frozen graph'} contains the following SignatureDefs:`;
    const lines = [heading];
    for (const key of keys) lines.push('', ...formatSignature(key, model.signatures[key]));
    return lines.join('\n') + '\n';
  }
  return [KEYS_HEADING[model.kind], ...keys.map((key) => `SignatureDef key: "${key}"`)].join('\n') + '\n';
}

function formatSignature(key: string, signature: Signature): string[] {
  const lines = [`signature_def['${key}']:`];
  lines.push('  The given SavedModel SignatureDef contains the following input(s):');
  for (const alias of Object.keys(signature.inputs).sort()) {
    lines.push(`    inputs['${alias}'] tensor_info:`, ...formatTensor(signature.inputs[alias]));
  }
  lines.push('  The given SavedModel SignatureDef contains the following output(s):');
  for (const alias of Object.keys(signature.outputs).sort()) {
    lines.push(`    outputs['${alias}'] tensor_info:`, ...formatTensor(signature.outputs[alias]));
  }
  lines.push(`  Method name is: ${signature.methodName}`);
  if (signature.unavailable) lines.push(`  Not servable here: ${signature.unavailable}`);
  return lines;
}

function formatTensor(spec: TensorSpec): string[] {
  const shape = spec.shape === null ? 'unknown_rank' : `(${spec.shape.join(', ')})`;
  return [`        dtype: ${spec.dtype}`, `        shape: ${shape}`, `        name: ${spec.tensorName}`];
}

/**
 * Reads the signatures of the model at `dir`: a SavedModel folder, a frozen-graph folder (or
 * `.pb` file) or a TF.js model folder (or its `model.json`).
 */
export async function readModelSignatures(dir: string, options: { tagSet?: string[] } = {}): Promise<ShownModel> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read ${dir}: ${error.code ?? error.message}`);
  });
  if (info.isFile()) {
    if (dir.endsWith('.json')) return readTfjs(dir);
    if (path.basename(dir) === 'saved_model.pb') return readSavedModel(path.dirname(dir), options.tagSet ?? ['serve']);
    if (dir.endsWith('.pb')) return readFrozen(dir, undefined);
    if (dir.endsWith('.tflite')) return readTflite(dir);
    if (/\.(h5|hdf5|keras)$/i.test(dir)) return readKeras({ file: dir });
    throw new FailedPreconditionError(`${dir} is not a model: expected a model folder, a .pb, a .tflite, a Keras .h5/.keras or a model.json`);
  }
  const folder = await detectModelFolder(dir);
  switch (folder.kind) {
    case 'saved_model':
      return readSavedModel(folder.dir, options.tagSet ?? ['serve']);
    case 'tfjs':
      return readTfjs(folder.modelJson);
    case 'frozen_graph':
      return readFrozen(folder.file, folder.namesFile);
    case 'tflite':
      return readTflite(folder.file);
    case 'keras':
      return readKeras(folder);
  }
}

/**
 * Imports the SavedModel (which also decides which signatures can run here). When the import
 * fails, the signatures are still read from the MetaGraph, each marked with why.
 */
async function readSavedModel(dir: string, tagSet: string[]): Promise<ShownModel> {
  try {
    const graph = await importSavedModel(dir, { tags: tagSet });
    return { kind: 'saved_model', path: dir, tagSet, signatures: graph.signatures };
  } catch (error) {
    const file = path.join(dir, 'saved_model.pb');
    const savedModel = decodeSavedModel(await readFile(file), file);
    const meta = savedModel.meta_graphs.find((m) => tagSet.every((tag) => m.meta_info_def.tags.includes(tag)));
    if (!meta) throw error;
    const signatures = mapSignatures(meta.signature_def);
    const reason = `the SavedModel cannot be imported: ${(error as Error).message}`;
    for (const signature of Object.values(signatures)) signature.unavailable = reason;
    return { kind: 'saved_model', path: dir, tagSet, signatures };
  }
}

async function readFrozen(file: string, namesFile: string | undefined): Promise<ShownModel> {
  const options = namesFile ? await readFrozenGraphOptions(namesFile) : {};
  const graph = await importFrozenGraph(file, options);
  return { kind: 'frozen_graph', path: file, signatures: graph.signatures };
}

/** TF.js folders: loaded as serving loads them (the signatures of a LayersModel need the model built). */
async function readTfjs(modelJson: string): Promise<ShownModel> {
  const { initBackend } = await import('../engine/backend.ts');
  const { loadTfjsModel } = await import('../engine/tfjs/tfjs-model.ts');
  await initBackend(undefined, () => {});
  const model = await loadTfjsModel(modelJson);
  try {
    return { kind: 'tfjs', path: modelJson, signatures: model.signatures };
  } finally {
    model.dispose();
  }
}

async function readTflite(file: string): Promise<ShownModel> {
  const { importTfliteFile } = await import('../importers/tflite/index.ts');
  return { kind: 'tflite', path: file, signatures: (await importTfliteFile(file)).signatures };
}

/** Keras files: built as serving builds them (tfjs-layers names the inputs and outputs). */
async function readKeras(folder: { file: string; architectureFile?: string }): Promise<ShownModel> {
  const { initBackend } = await import('../engine/backend.ts');
  const { readKerasFolder } = await import('../importers/keras/folder.ts');
  const { loadKerasModel } = await import('../engine/tfjs/load-keras.ts');
  await initBackend(undefined, () => {});
  const model = await loadKerasModel(await readKerasFolder(folder), folder.file);
  try {
    return { kind: 'keras', path: folder.file, signatures: model.signatures };
  } finally {
    model.dispose();
  }
}

/** The `show` subcommand. */
export async function showCommand(argv: string[]): Promise<void> {
  const options = parseShowFlags(argv);
  try {
    const model = await readModelSignatures(options.dir, { tagSet: options.tagSet });
    process.stdout.write(formatSignatures(model, options));
  } catch (error) {
    reportFailure('show', error);
  }
}
