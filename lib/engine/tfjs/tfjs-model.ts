/**
 * TF.js model folders (`model.json` + weight shards): LayersModel or GraphModel behind the
 * engine-neutral LoadedModel, with signatures in TF Serving's terms.
 * @module engine/tfjs/tfjs-model
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel, Sequential, type LayersModel } from '@tensorflow/tfjs-layers';
import { FailedPreconditionError, InvalidArgumentError, UnimplementedError } from '../../errors.ts';
import { DEFAULT_SIGNATURE, PREDICT_METHOD, type Signature, type SignatureMap, type TensorSpec } from '../../tensors/signature.ts';
import type { TensorMap } from '../../tensors/host-tensor.ts';
import { tfjsGraphSignatures, type GraphEndpoint } from '../../tensors/tfjs-signatures.ts';
import type { LoadedModel } from '../model.ts';
import { readArtifacts } from './file-io.ts';
import { tensorflowDType, toHostTensor, toTfTensor } from './tensors.ts';

/** Loads the TF.js model whose `model.json` is at `modelJsonPath`. */
export async function loadTfjsModel(modelJsonPath: string): Promise<LoadedModel> {
  const artifacts = await readArtifacts(modelJsonPath);
  const handler: tf.io.IOHandler = { load: async () => artifacts };
  if (isGraphModel(artifacts)) {
    const model = await loadGraphModel(handler);
    assertSupportedOps(model, modelJsonPath);
    return new TfjsGraphModel(model, graphSignatures(model, artifacts));
  }
  const model = await loadLayersModel(handler);
  // A loaded Sequential names its inputs and outputs only once built.
  if (model instanceof Sequential && model.inputNames.length === 0) model.build();
  return new TfjsLayersModel(model, layersSignatures(model));
}

function isGraphModel(artifacts: tf.io.ModelArtifacts): boolean {
  if (artifacts.format) return artifacts.format === 'graph-model';
  return Array.isArray((artifacts.modelTopology as { node?: unknown })?.node);
}

/**
 * Refuses, at load time, a graph with ops TF.js cannot execute (naming the ops and nodes) and
 * disposes it. tfjs-converter (pinned 4.22.0) leaves such nodes' `category` unset and would only
 * fail when one runs.
 */
export function assertSupportedOps(model: GraphModel, what: string): void {
  const nodes = graphNodesOf(model);
  const unsupported = Object.values(nodes).filter((node) => !node.category);
  if (!unsupported.length) return;
  model.dispose();
  const ops = [...new Set(unsupported.map((n) => n.op))].sort();
  const shown = unsupported.slice(0, 10).map((n) => `${n.name} (${n.op})`).join(', ');
  throw new FailedPreconditionError(
    `${what} uses op${ops.length > 1 ? 's' : ''} TF.js cannot run: ${ops.join(', ')} — at ${shown}${unsupported.length > 10 ? `, and ${unsupported.length - 10} more` : ''}`,
  );
}

/** tfjs-converter's parsed graph nodes by name (not public API; pinned 4.22.0). */
function graphNodesOf(model: GraphModel): Record<string, { name: string; op: string; category?: string }> {
  return (model as unknown as { executor: { graph: { nodes: Record<string, { name: string; op: string; category?: string }> } } }).executor.graph.nodes;
}

/**
 * What a run is fed, name → graph tensor: the signature's inputs by alias, or — where the graph's
 * tf.Example parsing was replaced at import — each parsed feature by its key.
 */
function feedPoints(signature: Signature): Record<string, string> {
  return signature.examples
    ? Object.fromEntries(signature.examples.features.map((feature) => [feature.key, feature.tensorName]))
    : Object.fromEntries(Object.entries(signature.inputs).map(([alias, spec]) => [alias, spec.tensorName]));
}

/** Shared by both kinds: feeding host tensors in, reading a signature's outputs back out. */
abstract class TfjsModel<Model extends LayersModel | GraphModel> implements LoadedModel {
  abstract readonly format: string;

  constructor(
    protected readonly model: Model,
    readonly signatures: SignatureMap,
  ) {}

  async run(signatureName: string, inputs: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const signature = this.signatures[signatureName];
    if (!signature) throw new Error(`No signature ${signatureName}`);
    if (signature.unavailable) throw new UnimplementedError(`Signature '${signatureName}': ${signature.unavailable}`);
    const aliases = outputNames ?? Object.keys(signature.outputs);
    const feeds: Record<string, tf.Tensor> = {};
    try {
      for (const name of Object.keys(feedPoints(signature))) {
        feeds[name] = toTfTensor(inputs[name], name);
      }
      const outputs = await this.execute(signature, feeds, aliases).catch((error: Error) => {
        // Every op was checked at load time, so what fails now is the request's data (a shape the
        // graph's ops refuse): TF Serving answers that with InvalidArgument too.
        throw new InvalidArgumentError(`Model execution failed for signature '${signatureName}': ${error.message}`);
      });
      try {
        const result: TensorMap = {};
        for (let i = 0; i < aliases.length; i++) {
          result[aliases[i]] = await toHostTensor(outputs[i], signature.outputs[aliases[i]].dtype);
        }
        return result;
      } finally {
        tf.dispose(outputs);
      }
    } finally {
      tf.dispose(Object.values(feeds));
    }
  }

  /** Runs the model; returns one tensor per requested output alias, in order (caller disposes). */
  protected abstract execute(
    signature: Signature,
    feeds: Record<string, tf.Tensor>,
    outputAliases: string[],
  ): Promise<tf.Tensor[]>;

  dispose(): void {
    this.model.dispose();
  }
}

export class TfjsLayersModel extends TfjsModel<LayersModel> {
  readonly format = 'tfjs-layers-model';

  protected async execute(signature: Signature, feeds: Record<string, tf.Tensor>, outputAliases: string[]) {
    const ordered = this.model.inputNames.map((name) => feeds[name]);
    const batchSize = ordered[0].shape[0] ?? 1;
    const all = tf.tidy(() => {
      const result = this.model.predict(ordered.length === 1 ? ordered[0] : ordered, { batchSize });
      return Array.isArray(result) ? result : [result];
    });
    const wanted = outputAliases.map((alias) => all[this.model.outputNames.indexOf(alias)]);
    tf.dispose(all.filter((tensor) => !wanted.includes(tensor)));
    return wanted;
  }
}

export class TfjsGraphModel extends TfjsModel<GraphModel> {
  readonly format = 'tfjs-graph-model';

  protected async execute(signature: Signature, feeds: Record<string, tf.Tensor>, outputAliases: string[]) {
    const points = feedPoints(signature);
    const byTensorName: tf.NamedTensorMap = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      // A signature may list inputs no output depends on (a TF1 export's training label); the
      // pruned graph has no such node, and TF Serving feeds and ignores them.
      if (this.graphNodes.has(points[name].replace(/:\d+$/, ''))) byTensorName[points[name]] = tensor;
    }
    const names = outputAliases.map((alias) => signature.outputs[alias].tensorName);
    const result = this.synchronous
      ? await this.executeSync(byTensorName, names)
      : await this.model.executeAsync(byTensorName, names);
    return Array.isArray(result) ? result : [result];
  }

  /** Plain graphs run faster through execute(); control flow or dynamic shapes need executeAsync. */
  private synchronous = true;

  private readonly graphNodes = new Set(Object.keys(graphNodesOf(this.model)));

  private executeSync(feeds: tf.NamedTensorMap, names: string[]): tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]> {
    try {
      return this.model.execute(feeds, names);
    } catch (error) {
      if (!/executeAsync/.test((error as Error).message)) throw error;
      this.synchronous = false;
      return this.model.executeAsync(feeds, names);
    }
  }
}

/**
 * A LayersModel's one signature, keyed by its input and output layer names (as Keras exports).
 * Tensor names are `<layer>:0`, as the same model mapped onto TensorFlow ops names them (so a Keras
 * file reports one signature on every engine and path); TF.js's own symbolic tensor names gain
 * `_1` suffixes when a process builds models with the same names, so they are not used.
 */
export function layersSignatures(model: LayersModel): SignatureMap {
  const specs = (names: string[], tensors: { shape: (number | null)[]; dtype: string }[]) =>
    Object.fromEntries(
      names.map((name, i): [string, TensorSpec] => [
        name,
        { tensorName: `${name}:0`, dtype: tensorflowDType(tensors[i].dtype), shape: tensors[i].shape.map((d) => d ?? -1) },
      ]),
    );
  return {
    [DEFAULT_SIGNATURE]: {
      methodName: PREDICT_METHOD,
      inputs: specs(model.inputNames, model.inputs),
      outputs: specs(model.outputNames, model.outputs),
    },
  };
}

/**
 * A GraphModel's signatures (tfjs-signatures.ts decides, as for the same folder on any engine):
 * as `lambda-serving convert` stored them, else the converter's SignatureDef, else the graph's
 * inputs and outputs as the loaded GraphModel lists them.
 */
function graphSignatures(model: GraphModel, artifacts: tf.io.ModelArtifacts): SignatureMap {
  const endpoint = (info: { name: string; shape?: number[]; dtype: string }): GraphEndpoint => ({
    name: info.name,
    ...(info.shape ? { shape: info.shape } : {}),
    dtype: tensorflowDType(info.dtype),
  });
  return tfjsGraphSignatures(artifacts, () => ({ inputs: model.inputs.map(endpoint), outputs: model.outputs.map(endpoint) }));
}
