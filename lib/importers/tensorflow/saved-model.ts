/**
 * SavedModel folders (`saved_model.pb` + `variables/`) → the engine-neutral graph: the MetaGraph
 * chosen by tags, variables frozen from the checkpoint, every SignatureDef kept, the graph pruned
 * to what the signatures need.
 * @module importers/tensorflow/saved-model
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../../errors.ts';
import type { Signature, SignatureMap, TensorSpec } from '../../tensors/signature.ts';
import { parseInput, pruneTo, type Graph, type GraphNode } from '../../graph/graph.ts';
import { CheckpointReader } from './checkpoint.ts';
import { replaceExampleParsers } from '../../tf-example/graph-rewrite.ts';
import { freezeVariables } from './freeze.ts';
import { inlineFunctionCalls } from './inline-functions.ts';
import { restoredVariableKeys } from './restore-map.ts';
import { mapNode, mapSignatures } from './mapper.ts';
import { fillDefaultAttrs } from './op-defaults.ts';
import { decodeSavedModel, type MetaGraphDefProto } from './proto.ts';

export interface SavedModelOptions {
  /** The MetaGraph's tag set. @default ['serve'] */
  tags?: string[];
}

export async function importSavedModel(dir: string, options: SavedModelOptions = {}): Promise<Graph> {
  const file = path.join(dir, 'saved_model.pb');
  const savedModel = decodeSavedModel(await readFile(file), file);
  const meta = pickMetaGraph(savedModel.meta_graphs, options.tags ?? ['serve'], file);
  const prefix = path.join(dir, 'variables', 'variables');
  const checkpoint = existsSync(`${prefix}.index`) ? await CheckpointReader.open(prefix) : undefined;
  try {
    const signatures = mapSignatures(meta.signature_def);
    for (const signature of Object.values(signatures)) {
      for (const spec of Object.values(signature.inputs)) spec.feedShape = null;
    }
    const functions = meta.graph_def.library.function;
    const opDefs = meta.meta_info_def.stripped_op_list.op;
    const mainGraph = meta.graph_def.node.map(mapNode);
    const roots = Object.values(signatures).flatMap((signature) => tensorNames(signature.outputs));
    // Inline without stopping at feeds: whether a signature needs tf.Example parsing is judged below.
    const inlined = inlineFunctionCalls(mainGraph, functions, opDefs, roots);
    const keys = restoredVariableKeys(mainGraph, functions, meta.saver_def.restore_op_name);
    const frozen = await freezeVariables(fillDefaultAttrs(inlined, opDefs), checkpoint, keys);
    const parsed = replaceExampleParsers(frozen, signatures);
    const available = Object.fromEntries(Object.entries(signatures).filter(([, signature]) => !signature.unavailable));
    const nodes = keepNeeded(feedsAsPlaceholders(parsed, available), available);
    return { source: `tf_saved_model (TensorFlow ${meta.meta_info_def.tensorflow_version || 'unknown'})`, nodes, signatures };
  } finally {
    await checkpoint?.close();
  }
}

function tensorNames(specs: Record<string, TensorSpec>): string[] {
  return Object.values(specs).map((spec) => spec.tensorName);
}

/** The nodes some signature needs, each signature stopping at its own feeds. */
function keepNeeded(nodes: GraphNode[], signatures: SignatureMap): GraphNode[] {
  const needed = new Set<string>();
  for (const signature of Object.values(signatures)) {
    for (const node of pruneTo(nodes, tensorNames(signature.outputs), feedNames(signature))) needed.add(node.name);
  }
  return nodes.filter((node) => needed.has(node.name));
}

/** Where a signature's values enter the graph: its inputs, or its parsed example features. */
function feedNames(signature: Signature): string[] {
  return signature.examples ? signature.examples.features.map((f) => f.tensorName) : tensorNames(signature.inputs);
}

/**
 * A signature may feed an intermediate tensor (half_plus_two feeds `x`, an Identity after its
 * ParseExample). Such a feed point becomes a Placeholder — so nothing upstream of it is needed —
 * unless another signature computes it (half_plus_two's regress_x_to_y goes through `x`); then
 * it stays, and the engine feeds it in place. Placeholders carry no shape: TensorFlow does not
 * check feeds against it (TF.js would), and TF Serving lets the graph's ops decide what fits.
 */
function feedsAsPlaceholders(nodes: GraphNode[], signatures: SignatureMap): GraphNode[] {
  const feeds = new Map<string, TensorSpec>();
  for (const signature of Object.values(signatures)) {
    if (signature.examples) continue;
    for (const spec of Object.values(signature.inputs)) {
      const { node, output } = parseInput(spec.tensorName);
      if (output === 0) feeds.set(node, spec);
    }
  }
  const computed = new Set<string>();
  for (const signature of Object.values(signatures)) {
    const ownFeeds = feedNames(signature);
    for (const node of pruneTo(nodes, tensorNames(signature.outputs), ownFeeds)) {
      if (!ownFeeds.some((feed) => parseInput(feed).node === node.name)) computed.add(node.name);
    }
  }
  return nodes.map((node) => {
    const spec = feeds.get(node.name);
    if (!spec || computed.has(node.name)) return node;
    return { name: node.name, op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: spec.dtype } } };
  });
}

function pickMetaGraph(metaGraphs: MetaGraphDefProto[], tags: string[], file: string): MetaGraphDefProto {
  const match = metaGraphs.find((meta) => tags.every((tag) => meta.meta_info_def.tags.includes(tag)));
  if (!match) {
    const available = metaGraphs.map((meta) => `[${meta.meta_info_def.tags.join(', ')}]`).join(', ');
    throw new FailedPreconditionError(`${file} has no MetaGraph tagged [${tags.join(', ')}] (it has ${available || 'none'})`);
  }
  return match;
}
