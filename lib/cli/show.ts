/**
 * `lambda-serving show`: a model folder's signatures, printed as `saved_model_cli show` prints
 * them. Reads every format through the same format registry and engine serving uses, so what it
 * shows is what `serve` would offer.
 * @module cli/show
 */
import { FailedPreconditionError } from '../errors.ts';
import type { ModelArtifact } from '../formats/artifact.ts';
import { detectModel, type FormatKind } from '../formats/detect.ts';
import { modelFormat } from '../formats/registry.ts';
import type { Signature, SignatureMap, TensorSpec } from '../tensors/signature.ts';
import { commaList, parseFlags, reportFailure, UsageError, type FlagKinds } from './flags.ts';

export const SHOW_USAGE = `Usage: lambda-serving show --dir DIR [--tag_set serve] [--signature_def NAME | --all]

Prints a model's signatures as saved_model_cli show does (--flag=value or --flag value; _ or -).
  --dir=DIR              A SavedModel folder, a folder with one frozen-graph .pb (and optionally
                         frozen_graph.yaml naming its inputs and outputs), a TF.js model folder,
                         a .tflite or a Keras .h5/.hdf5/.keras file (or a folder holding one), an
                         ONNX folder (convert --output_format onnx) or a .onnx
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
  kind: FormatKind;
  /** The file or folder read. */
  path: string;
  /** The SavedModel MetaGraph's tags. */
  tagSet?: string[];
  signatures: SignatureMap;
}

/** How each kind is named in the headings (saved_model_cli's own words for SavedModels). */
const NAMED: Record<ShownModel['kind'], string> = {
  saved_model: 'SavedModel MetaGraphDef',
  frozen_graph: 'frozen graph',
  tfjs: 'TF.js model',
  tflite: 'TFLite model',
  keras: 'Keras model',
  onnx: 'ONNX model',
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
      : `The given ${NAMED[model.kind]} contains the following SignatureDefs:`;
    const lines = [heading];
    for (const key of keys) lines.push('', ...formatSignature(key, model.signatures[key]));
    return lines.join('\n') + '\n';
  }
  return [`The given ${NAMED[model.kind]} contains SignatureDefs with the following keys:`, ...keys.map((key) => `SignatureDef key: "${key}"`)].join('\n') + '\n';
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
 * Reads the signatures of the model at `dir` (a model folder, or one model file) through the
 * format registry, as serving reads it. Graphs (SavedModel, frozen graph, TFLite) carry their
 * signatures; Keras and TF.js models are loaded by the engine serving would use (tfjs-layers
 * names their inputs and outputs; a Keras model only the graph mapping can serve is shown as
 * that graph). A SavedModel that cannot be imported still shows the signatures its MetaGraph
 * declares, each marked with why.
 */
export async function readModelSignatures(dir: string, options: { tagSet?: string[] } = {}): Promise<ShownModel> {
  const found = await detectModel(dir);
  const format = modelFormat(found.kind);
  const tags = options.tagSet ?? ['serve'];
  const shown = (path: string, signatures: SignatureMap): ShownModel => ({ kind: found.kind, path, ...(found.kind === 'saved_model' ? { tagSet: tags } : {}), signatures });
  let artifact: ModelArtifact;
  try {
    artifact = await format.read(found as never, { tags });
  } catch (error) {
    const stored = await format.storedSignatures?.(found as never, { tags }).catch(() => undefined);
    if (!stored) throw error;
    const reason = `the ${format.label} cannot be imported: ${(error as Error).message}`;
    for (const signature of Object.values(stored)) signature.unavailable = reason;
    return shown(found.kind === 'saved_model' ? found.dir : dir, stored);
  }
  if (artifact.kind === 'graph') return shown(artifact.path, artifact.graph.signatures);
  if (artifact.kind === 'onnx') return shown(artifact.path, artifact.signatures);
  const [{ initBackend }, { loadArtifact }] = await Promise.all([import('../engine/backend.ts'), import('../engine/engine.ts')]);
  await initBackend(undefined, () => {});
  const model = await loadArtifact(artifact);
  try {
    return shown(artifact.path, model.signatures);
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
