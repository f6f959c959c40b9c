/**
 * TF.js has no ParseExample(V2). A signature whose graph parses serialized tf.Example protos keeps
 * its graph from there on: the parser node becomes an IdentityN of one Placeholder per dense
 * feature, and the signature records each feature (key, dtype, shape, default) so the service can
 * build those tensors from tf.Examples (or TF Serving's JSON examples) before the graph runs.
 * @module importers/tensorflow/example-parsing
 */
import type { ExampleFeatureSpec, SignatureMap } from '../tensors/signature.ts';
import { constantInput, pruneTo, type GraphNode } from '../graph/graph.ts';
import { dtypeOf } from '../importers/tensorflow/mapper.ts';

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

/** Where one parser finds each dense feature's key and default, by op version. */
interface DenseInputs {
  keys: (Uint8Array | undefined)[];
  defaults: (string | undefined)[];
}

/**
 * ParseExample: inputs serialized, names, Nsparse sparse keys, Ndense dense keys, Ndense defaults.
 * ParseExampleV2: inputs serialized, names, sparse_keys, dense_keys, ragged_keys (each one 1-D
 * string tensor), then the dense defaults; outputs the sparse triples (none here), then the
 * dense values — so with no sparse features dense value i is output i in both versions.
 */
function denseInputs(parser: GraphNode, data: string[], byName: Map<string, GraphNode>): DenseInputs | string {
  if (parser.op === 'ParseExample') {
    const nSparse = intAttr(parser, 'Nsparse');
    const nDense = intAttr(parser, 'Ndense');
    if (nSparse > 0) return `sparse features (at ${parser.name}), which are not supported yet`;
    return {
      keys: Array.from({ length: nDense }, (_, i) => singleString(constantInput(data[2 + i], byName, VALUE_PRESERVING))),
      defaults: Array.from({ length: nDense }, (_, i) => data[2 + nDense + i]),
    };
  }
  if (parser.op === 'ParseExampleV2') {
    if (intAttr(parser, 'num_sparse') > 0) return `sparse features (at ${parser.name}), which are not supported yet`;
    const ragged = parser.attrs.ragged_value_types;
    if (ragged?.kind === 'list' && (ragged.types?.length ?? 0) > 0) return `ragged features (at ${parser.name}), which are not supported yet`;
    const nDense = parser.attrs.Tdense?.kind === 'list' ? parser.attrs.Tdense.types?.length ?? 0 : 0;
    const keys = constantInput(data[3], byName, VALUE_PRESERVING);
    const values = keys && Array.isArray(keys.values) && keys.values.length === nDense ? keys.values : undefined;
    return {
      keys: Array.from({ length: nDense }, (_, i) => values?.[i]),
      defaults: Array.from({ length: nDense }, (_, i) => data[5 + i]),
    };
  }
  return `${parser.op} (at ${parser.name}), which is not supported yet`;
}

function singleString(tensor: ReturnType<typeof constantInput>): Uint8Array | undefined {
  return tensor && Array.isArray(tensor.values) && tensor.values.length === 1 ? tensor.values[0] : undefined;
}

/** The feature specs and replacement nodes for one parser, or why it cannot be replaced. */
function planParser(parser: GraphNode, byName: Map<string, GraphNode>): { features: ExampleFeatureSpec[]; nodes: GraphNode[] } | string {
  const data = parser.inputs.filter((input) => !input.startsWith('^'));
  const dense = denseInputs(parser, data, byName);
  if (typeof dense === 'string') return dense;
  const types = parser.attrs.Tdense?.kind === 'list' ? parser.attrs.Tdense.types ?? [] : [];
  const shapes = parser.attrs.dense_shapes?.kind === 'list' ? parser.attrs.dense_shapes.shapes ?? [] : [];
  const features: ExampleFeatureSpec[] = [];
  const placeholders: GraphNode[] = [];
  for (const [i, key] of dense.keys.entries()) {
    if (!key) return `a dense key that is not a constant (at ${parser.name})`;
    const fallback = constantInput(dense.defaults[i], byName, VALUE_PRESERVING);
    const name = `${parser.name}/dense_${i}`;
    const dtype = dtypeOf(types[i] ?? 'DT_FLOAT');
    features.push({
      key: new TextDecoder().decode(key),
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
