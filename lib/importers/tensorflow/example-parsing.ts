/**
 * TF.js has no ParseExample. A signature whose graph parses serialized tf.Example protos keeps
 * its graph from there on: the parser node becomes an IdentityN of one Placeholder per dense
 * feature, and the signature records each feature (key, dtype, shape, default) so the service can
 * build those tensors from tf.Examples (or TF Serving's JSON examples) before the graph runs.
 * @module importers/tensorflow/example-parsing
 */
import type { ExampleFeatureSpec, SignatureMap } from '../../engine/signature.ts';
import { constantInput, pruneTo, type GraphNode } from '../graph.ts';
import { dtypeOf } from './mapper.ts';

/** Ops between a constant and ParseExample that keep its values (Reshape of a default, say). */
const VALUE_PRESERVING = new Set(['Identity', 'Reshape']);

export const EXAMPLE_PARSERS = new Set(['ParseExample', 'ParseExampleV2', 'ParseSingleExample']);

/** Rewrites the parsers the signatures use; marks signatures it cannot serve as unavailable. */
export function replaceExampleParsers(nodes: GraphNode[], signatures: SignatureMap): GraphNode[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const replaced = new Map<string, GraphNode[]>();
  for (const signature of Object.values(signatures)) {
    const outputs = Object.values(signature.outputs).map((spec) => spec.tensorName);
    const inputs = Object.values(signature.inputs).map((spec) => spec.tensorName);
    const parser = pruneTo(nodes, outputs, inputs).find((node) => EXAMPLE_PARSERS.has(node.op));
    if (!parser) continue;
    const plan = planParser(parser, byName);
    if (typeof plan === 'string') {
      signature.unavailable = `its graph parses tf.Example protos with ${plan}`;
      continue;
    }
    signature.examples = { features: plan.features };
    replaced.set(parser.name, plan.nodes);
  }
  return nodes.flatMap((node) => replaced.get(node.name) ?? [node]);
}

/** The feature specs and replacement nodes for one ParseExample, or why it cannot be replaced. */
function planParser(parser: GraphNode, byName: Map<string, GraphNode>): { features: ExampleFeatureSpec[]; nodes: GraphNode[] } | string {
  if (parser.op !== 'ParseExample') return `${parser.op} (at ${parser.name}), which is not supported yet`;
  const nSparse = intAttr(parser, 'Nsparse');
  const nDense = intAttr(parser, 'Ndense');
  if (nSparse > 0) return `sparse features (at ${parser.name}), which are not supported yet`;
  const types = parser.attrs.Tdense?.kind === 'list' ? parser.attrs.Tdense.types ?? [] : [];
  const shapes = parser.attrs.dense_shapes?.kind === 'list' ? parser.attrs.dense_shapes.shapes ?? [] : [];
  const data = parser.inputs.filter((input) => !input.startsWith('^'));
  const features: ExampleFeatureSpec[] = [];
  const placeholders: GraphNode[] = [];
  for (let i = 0; i < nDense; i++) {
    const key = constantInput(data[2 + nSparse + i], byName, VALUE_PRESERVING);
    if (!key || !Array.isArray(key.values) || key.values.length !== 1) return `a dense key that is not a constant (at ${parser.name})`;
    const fallback = constantInput(data[2 + nSparse + nDense + i], byName, VALUE_PRESERVING);
    const name = `${parser.name}/dense_${i}`;
    const dtype = dtypeOf(types[i] ?? 'DT_FLOAT');
    features.push({
      key: new TextDecoder().decode(key.values[0]),
      dtype,
      shape: shapes[i] ?? [],
      defaultValue: fallback && fallback.values.length > 0 ? fallback : null,
      tensorName: `${name}:0`,
    });
    placeholders.push({ name, op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: dtype } } });
  }
  return {
    features,
    nodes: [...placeholders, { name: parser.name, op: 'IdentityN', inputs: placeholders.map((p) => p.name), attrs: { T: { kind: 'list', types } } }],
  };
}

function intAttr(node: GraphNode, name: string): number {
  const attr = node.attrs[name];
  return attr?.kind === 'int' ? attr.value : 0;
}
