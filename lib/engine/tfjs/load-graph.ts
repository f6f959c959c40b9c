/**
 * Runs an imported (engine-neutral) graph on TF.js: lower it to GraphModel artifacts, load them,
 * and refuse at load time any op TF.js cannot execute — never a wrong answer at request time.
 * @module engine/tfjs/load-graph
 */
import type * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { Graph } from '../../graph/graph.ts';
import { initBackend } from '../backend.ts';
import type { LoadedModel } from '../model.ts';
import { lowerToGraphModel, type LowerOptions } from './lower-graph.ts';
import { assertSupportedOps, TfjsGraphModel } from './tfjs-model.ts';

export async function loadImportedGraph(graph: Graph, what: string, options: LowerOptions = {}): Promise<LoadedModel> {
  return loadLoweredGraph(lowerToGraphModel(graph, options), graph, what);
}

/** Loads artifacts already lowered from `graph` (e.g. written by `lambda-serving convert`). */
export async function loadLoweredGraph(artifacts: tf.io.ModelArtifacts, graph: Pick<Graph, 'signatures'>, what: string): Promise<LoadedModel> {
  await initBackend(); // once per process; a no-op after loadModel or an explicit initBackend
  const model = await loadGraphModel({ load: async () => artifacts });
  assertSupportedOps(model, what);
  return new TfjsGraphModel(model, graph.signatures);
}
