/**
 * TF.js model folders (`model.json` + weight shards) → the engine-neutral `Graph`, for engines
 * other than TF.js: a graph model's GraphDef read as it is (graph.ts), a layers model's Keras
 * config and weights read into a `KerasModel` (layers.ts) and mapped onto TensorFlow ops by the
 * Keras graph mapper (loaded only for layers models).
 * @module importers/tfjs
 */
import type { Graph } from '../../graph/graph.ts';
import type { KerasModel } from '../../graph/keras-model.ts';
import { isGraphModelJson, tfjsGraphToGraph } from './graph.ts';
import { tfjsLayersToKeras } from './layers.ts';
import { readTfjsFolder } from './model-json.ts';

export { decodeWeights, readTfjsFolder, type TfjsFolder, type WeightQuantization, type WeightSpec } from './model-json.ts';
export { isGraphModelJson, tfjsGraphToGraph } from './graph.ts';
export { tfjsLayersToKeras } from './layers.ts';

/** What a TF.js folder holds, read: a graph model's `Graph`, or a layers model's `KerasModel`. */
export type TfjsImport = { kind: 'graph'; graph: Graph } | { kind: 'layers'; model: KerasModel };

/** Reads the TF.js model whose `model.json` is at `modelJsonPath`; `what` names it in errors. */
export async function importTfjsFolder(modelJsonPath: string, what = `TF.js model ${modelJsonPath}`): Promise<TfjsImport> {
  const folder = await readTfjsFolder(modelJsonPath, what);
  return isGraphModelJson(folder.json) ? { kind: 'graph', graph: tfjsGraphToGraph(folder, what) } : { kind: 'layers', model: tfjsLayersToKeras(folder, what) };
}

/** The TF.js model at `modelJsonPath` as a `Graph` (a layers model through the Keras graph mapper). */
export async function tfjsToGraph(modelJsonPath: string, what = `TF.js model ${modelJsonPath}`): Promise<Graph> {
  const imported = await importTfjsFolder(modelJsonPath, what);
  if (imported.kind === 'graph') return imported.graph;
  const { kerasToGraph } = await import('../keras/graph-mapper.ts');
  return kerasToGraph(imported.model, what);
}
