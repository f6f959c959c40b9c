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
import type { SignatureMap, TensorSpec } from '../../engine/signature.ts';
import { parseInput, pruneTo, type Graph, type GraphNode } from '../graph.ts';
import { CheckpointReader } from './checkpoint.ts';
import { freezeVariables } from './freeze.ts';
import { inlineFunctionCalls } from './inline-functions.ts';
import { restoredVariableKeys } from './restore-map.ts';
import { mapNode, mapSignatures } from './mapper.ts';
import { fillDefaultAttrs } from './op-defaults.ts';
import { decodeSavedModel, type MetaGraphDefProto } from './proto.ts';

/** Graph ops that decode serialized tf.Example protos; TF.js has none of them. */
const EXAMPLE_PARSERS = new Set(['ParseExample', 'ParseExampleV2', 'ParseSingleExample']);

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
    const available: SignatureMap = {};
    for (const [key, signature] of Object.entries(signatures)) {
      const parser = pruneTo(frozen, tensorNames(signature.outputs), tensorNames(signature.inputs)).find((node) => EXAMPLE_PARSERS.has(node.op));
      if (parser) signature.unavailable = `it parses tf.Example protos in the graph (${parser.op} at ${parser.name}), which is not supported yet`;
      else available[key] = signature;
    }
    const nodes = pruneTo(
      feedsAsPlaceholders(frozen, available),
      Object.values(available).flatMap((signature) => tensorNames(signature.outputs)),
      Object.values(available).flatMap((signature) => tensorNames(signature.inputs)),
    );
    return { source: `tf_saved_model (TensorFlow ${meta.meta_info_def.tensorflow_version || 'unknown'})`, nodes, signatures };
  } finally {
    await checkpoint?.close();
  }
}

function tensorNames(specs: Record<string, TensorSpec>): string[] {
  return Object.values(specs).map((spec) => spec.tensorName);
}

/**
 * A signature may feed an intermediate tensor (half_plus_two feeds `x`, an Identity after its
 * ParseExample); such a feed point becomes a Placeholder, so nothing upstream of it is needed.
 * Fed Placeholders carry no shape: TensorFlow does not check feeds against it (TF.js would), and
 * TF Serving lets the graph's ops decide what fits.
 */
function feedsAsPlaceholders(nodes: GraphNode[], signatures: SignatureMap): GraphNode[] {
  const feeds = new Map<string, TensorSpec>();
  for (const signature of Object.values(signatures)) {
    for (const spec of Object.values(signature.inputs)) {
      const { node, output } = parseInput(spec.tensorName);
      if (output === 0) feeds.set(node, spec);
    }
  }
  return nodes.map((node) => {
    const spec = feeds.get(node.name);
    if (!spec) return node;
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
