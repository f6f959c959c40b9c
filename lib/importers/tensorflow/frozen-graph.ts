/**
 * Frozen GraphDef `.pb` files → the engine-neutral graph with a `serving_default` signature whose
 * inputs and outputs are named nodes: given (as Konduit's YAML names them: `input_names`,
 * `output_names`, `input_data_types`) or found (Placeholders in, unconsumed nodes out).
 * @module importers/tensorflow/frozen-graph
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { FailedPreconditionError } from '../../errors.ts';
import { DEFAULT_SIGNATURE, PREDICT_METHOD, type TensorSpec } from '../../tensors/signature.ts';
import { parseInput, pruneTo, type Graph, type GraphNode } from '../../graph/graph.ts';
import { dtypeOf, mapNode } from './mapper.ts';
import { fillDefaultAttrs } from './op-defaults.ts';
import { decodeGraphDef } from './proto.ts';

export interface FrozenGraphOptions {
  /** Input node names. @default every Placeholder */
  inputNames?: string[];
  /** Output node (or `node:k` tensor) names. @default nodes nothing consumes */
  outputNames?: string[];
  /** Input dtypes (TF names, e.g. `DT_FLOAT` or `float`), overriding the Placeholders'. */
  inputDataTypes?: string[];
}

/** Ops that are never a model's answer even when nothing consumes them. */
const NOT_OUTPUTS = new Set(['Const', 'NoOp', 'Placeholder', 'PlaceholderWithDefault', 'Assert', 'SaveV2', 'RestoreV2']);

export async function importFrozenGraph(file: string, options: FrozenGraphOptions = {}): Promise<Graph> {
  const all = fillDefaultAttrs(decodeGraphDef(await readFile(file), file).node.map(mapNode));
  const byName = new Map(all.map((node) => [node.name, node]));
  const inputNames = options.inputNames ?? all.filter((node) => node.op === 'Placeholder').map((node) => node.name);
  const outputNames = options.outputNames ?? sinks(all);
  for (const name of [...inputNames, ...outputNames]) {
    if (!byName.has(parseInput(name).node)) throw new FailedPreconditionError(`${file} has no node named ${parseInput(name).node}`);
  }
  if (!outputNames.length) throw new FailedPreconditionError(`${file}: no output nodes found; name them with output_names`);
  const inputs = Object.fromEntries(
    inputNames.map((name, i): [string, TensorSpec] => {
      const node = byName.get(name)!;
      const given = options.inputDataTypes?.[i];
      const shape = node.attrs.shape?.kind === 'shape' ? node.attrs.shape.value : null;
      return [name, { tensorName: `${name}:0`, dtype: dtypeOf(given ? normalizeType(given) : typeAttr(node)), shape, feedShape: null }];
    }),
  );
  const outputs = Object.fromEntries(
    outputNames.map((name): [string, TensorSpec] => {
      const { node, output } = parseInput(name);
      return [name, { tensorName: `${node}:${output}`, dtype: dtypeOf(outputType(byName.get(node)!)), shape: null }];
    }),
  );
  return {
    source: 'tf_frozen_model',
    nodes: pruneTo(all, Object.values(outputs).map((spec) => spec.tensorName)),
    signatures: { [DEFAULT_SIGNATURE]: { methodName: PREDICT_METHOD, inputs, outputs } },
  };
}

/** Reads Konduit-style names from a YAML/JSON file: input_names, output_names, input_data_types. */
export async function readFrozenGraphOptions(file: string): Promise<FrozenGraphOptions> {
  const doc = (parseYaml(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  const list = (key: string) => {
    const value = doc[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new FailedPreconditionError(`${file}: ${key} must be a list of names`);
    }
    return value as string[];
  };
  return { inputNames: list('input_names'), outputNames: list('output_names'), inputDataTypes: list('input_data_types') };
}

function sinks(nodes: GraphNode[]): string[] {
  const consumed = new Set(nodes.flatMap((node) => node.inputs.map((input) => parseInput(input).node)));
  return nodes.filter((node) => !consumed.has(node.name) && !NOT_OUTPUTS.has(node.op)).map((node) => node.name);
}

function typeAttr(node: GraphNode): string {
  const dtype = node.attrs.dtype;
  return dtype?.kind === 'type' ? dtype.value : 'DT_FLOAT';
}

/** An op's output dtype, from the attribute that usually carries it. */
function outputType(node: GraphNode): string {
  for (const name of ['output_type', 'out_type', 'DstT', 'T', 'dtype']) {
    const attr = node.attrs[name];
    if (attr?.kind === 'type') return attr.value;
  }
  return 'DT_FLOAT';
}

function normalizeType(name: string): string {
  return name.startsWith('DT_') ? name : `DT_${name.toUpperCase().replace(/^FLOAT32$/, 'FLOAT').replace(/^FLOAT64$/, 'DOUBLE')}`;
}
