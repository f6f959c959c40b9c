/**
 * Runs an imported (engine-neutral) graph on TF.js: lower it to GraphModel artifacts, load them,
 * and refuse at load time any op TF.js cannot execute — never a wrong answer at request time.
 * @module engine/tfjs/load-graph
 */
import type * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { FailedPreconditionError } from '../../errors.ts';
import type { Graph } from '../../importers/graph.ts';
import type { LoadedModel } from '../model.ts';
import { lowerToGraphModel, type LowerOptions } from './lower-graph.ts';
import { TfjsGraphModel } from './tfjs-model.ts';

export async function loadImportedGraph(graph: Graph, what: string, options: LowerOptions = {}): Promise<LoadedModel> {
  return loadLoweredGraph(lowerToGraphModel(graph, options), graph, what);
}

/** Loads artifacts already lowered from `graph` (e.g. written by `lambda-serving convert`). */
export async function loadLoweredGraph(artifacts: tf.io.ModelArtifacts, graph: Pick<Graph, 'signatures'>, what: string): Promise<LoadedModel> {
  const model = await loadGraphModel({ load: async () => artifacts });
  const unsupported = unsupportedNodes(model);
  if (unsupported.length) {
    model.dispose();
    const ops = [...new Set(unsupported.map((n) => n.op))].sort();
    const shown = unsupported.slice(0, 10).map((n) => `${n.name} (${n.op})`).join(', ');
    throw new FailedPreconditionError(
      `${what} uses op${ops.length > 1 ? 's' : ''} TF.js cannot run: ${ops.join(', ')} — at ${shown}${unsupported.length > 10 ? `, and ${unsupported.length - 10} more` : ''}`,
    );
  }
  return new TfjsGraphModel(model, graph.signatures);
}

/**
 * Nodes the converter found no kernel mapping for. tfjs-converter (pinned 4.22.0) leaves their
 * `category` unset and would only fail when one is executed.
 */
function unsupportedNodes(model: GraphModel): { name: string; op: string }[] {
  const executor = (model as unknown as { executor: { graph: { nodes: Record<string, { name: string; op: string; category?: string }> } } }).executor;
  return Object.values(executor.graph.nodes).filter((node) => !node.category);
}
