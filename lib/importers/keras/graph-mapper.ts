/**
 * A Keras model (`KerasModel`) → the engine-neutral graph the SavedModel and TFLite importers
 * produce: what tensorflowjs_converter gets by tracing the model in TensorFlow, built here from the
 * architecture alone. Sequential and Functional configs are walked (nested models flattened,
 * shared layers emitted once per call), each layer call becomes TensorFlow ops (graph-layers.ts)
 * with its weights as Consts, and the one `serving_default` signature is the one the tfjs-layers
 * path gives: inputs and outputs keyed by the Keras input and output layer names.
 * @module importers/keras/graph-mapper
 */
import { FailedPreconditionError } from '../../errors.ts';
import { DEFAULT_SIGNATURE, PREDICT_METHOD, type TensorSpec } from '../../tensors/signature.ts';
import { numbersOf, type DType, type HostTensor } from '../../tensors/host-tensor.ts';
import { constAttrs, parseInput, pruneTo, type AttrValue, type Graph, type GraphNode } from '../../graph/graph.ts';
import { CONTAINER_CLASSES, layerName, layersOf } from './config.ts';
import type { LayerCall, Sym } from './graph-emit.ts';
import { EMITTERS } from './graph-layers.ts';
import { uniqueOutputNames, type KerasModel, type KerasObject } from '../../graph/keras-model.ts';

/** `[layer, node index, tensor index]` as inbound nodes, input_layers and output_layers name tensors. */
type TensorRef = [string, number, number];

/** Maps `model` onto TensorFlow ops; throws a FailedPreconditionError for what it cannot map. */
export function kerasToGraph(model: KerasModel, what: string): Graph {
  assertMappable(model.modelConfig, what);
  const mapper = new Mapper(model, what);
  const top = model.modelConfig;
  const inputs = topInputs(top, what).map(({ name, config }) => mapper.placeholder(name, config));
  const outputs = mapper.callModel(top, inputs.map((input) => input.sym), layerName(top));
  const outputNames = uniqueOutputNames(topOutputNames(top));
  const spec = (sym: Sym, name: string): TensorSpec => ({ tensorName: mapper.outputTensor(sym, name), dtype: sym.dtype, shape: sym.shape.map((d) => d ?? -1) });
  const inputSpecs = Object.fromEntries(inputs.map(({ name, sym }) => {
    const shape = sym.shape.map((d) => d ?? -1);
    return [name, { tensorName: `${name}:0`, dtype: sym.dtype, shape, feedShape: shape }];
  }));
  const outputSpecs = Object.fromEntries(outputs.map((sym, i) => [outputNames[i], spec(sym, outputNames[i])]));
  const fetches = Object.values(outputSpecs).map((s) => s.tensorName);
  const feeds = inputs.map(({ name }) => name);
  const version = model.kerasVersion ? `, Keras ${model.kerasVersion}` : '';
  return {
    source: `keras (${model.format}${version})`,
    nodes: pruneTo(mapper.nodes, [...fetches, ...feeds], feeds),
    signatures: { [DEFAULT_SIGNATURE]: { methodName: PREDICT_METHOD, inputs: inputSpecs, outputs: outputSpecs } },
  };
}

/** The layer classes kerasToGraph maps (besides Sequential / Functional / Model containers). */
export const KERAS_GRAPH_LAYERS: readonly string[] = Object.keys(EMITTERS);

/** Refuses, before anything is emitted, every layer class without an emitter, naming its layers. */
function assertMappable(top: KerasObject, what: string): void {
  const missing = new Map<string, string[]>();
  const visit = (container: KerasObject): void => {
    for (const layer of layersOf(container)) {
      if (CONTAINER_CLASSES.has(layer.class_name)) visit(layer);
      else if (!Object.hasOwn(EMITTERS, layer.class_name)) missing.set(layer.class_name, [...(missing.get(layer.class_name) ?? []), layerName(layer)]);
    }
  };
  visit(top);
  if (!missing.size) return;
  const listed = [...missing].map(([className, names]) => `${className} (layer${names.length > 1 ? 's' : ''} ${names.join(', ')})`);
  throw new FailedPreconditionError(
    `${what} cannot be converted to a TensorFlow graph: no mapping for Keras layer class${missing.size > 1 ? 'es' : ''} ${listed.join('; ')}`,
  );
}

interface TopInput {
  name: string;
  config: Record<string, unknown>;
}

/** The top-level model's inputs: its InputLayers, or the implicit `<first layer>_input` of a Sequential. */
function topInputs(top: KerasObject, what: string): TopInput[] {
  const layers = layersOf(top);
  if (top.class_name === 'Sequential') {
    const first = layers[0];
    if (!first) throw new FailedPreconditionError(`${what}: the Sequential model has no layers`);
    if (first.class_name === 'InputLayer') return [{ name: layerName(first), config: first.config }];
    if (!Array.isArray(first.config.batch_input_shape)) {
      throw new FailedPreconditionError(`${what}: the Sequential model's first layer ${layerName(first)} has no batch_input_shape (the model was never built)`);
    }
    // Keras and tfjs-layers name the implicit input after the first layer.
    return [{ name: `${layerName(first)}_input`, config: first.config }];
  }
  return refs(top.config.input_layers, what, 'input_layers').map(([name]) => {
    const layer = layers.find((l) => layerName(l) === name);
    if (layer?.class_name !== 'InputLayer') throw new FailedPreconditionError(`${what}: input ${name} is not an InputLayer`);
    return { name, config: layer.config };
  });
}

function topOutputNames(top: KerasObject): string[] {
  if (top.class_name === 'Sequential') {
    const layers = layersOf(top);
    return [layerName(layers[layers.length - 1])];
  }
  return refs(top.config.output_layers, '', 'output_layers').map(([name]) => name);
}

function refs(value: unknown, what: string, field: string): TensorRef[] {
  const isRef = (item: unknown): item is TensorRef => Array.isArray(item) && typeof item[0] === 'string' && item.length >= 3;
  if (isRef(value)) return [value];
  if (Array.isArray(value) && value.every(isRef)) return value;
  throw new FailedPreconditionError(`${what}: ${field} is not a list of [layer, node, tensor]: ${JSON.stringify(value).slice(0, 200)}`);
}

class Mapper {
  readonly nodes: GraphNode[] = [];
  private readonly emitted = new Set<string>();
  /** Every layer name at every depth: reserved for the node that ends that layer's first call. */
  private readonly reserved = new Set<string>();
  private readonly weights = new Map<string, HostTensor>();
  private readonly calls = new Map<KerasObject, number>();
  private readonly kerasMajor: number;
  private readonly halfPixelBilinear: boolean;

  constructor(
    model: KerasModel,
    private readonly what: string,
  ) {
    for (const { name, tensor } of model.weights) if (!this.weights.has(name)) this.weights.set(name, tensor);
    const collect = (container: KerasObject): void => {
      for (const layer of layersOf(container)) {
        this.reserved.add(layerName(layer));
        if (CONTAINER_CLASSES.has(layer.class_name)) collect(layer);
      }
    };
    collect(model.modelConfig);
    const [major, minor] = model.kerasVersion.split('.').map((part) => parseInt(part, 10));
    this.kerasMajor = Number.isFinite(major) ? major : 2;
    // tf.keras's resize_images samples bilinear at half-pixel centers (resize_images_v2); standalone
    // Keras before 2.3 used TF1's resize_bilinear, which does not.
    this.halfPixelBilinear = !(this.kerasMajor === 2 && (minor ?? 0) < 3 && !model.kerasVersion.includes('-tf'));
  }

  placeholder(name: string, config: Record<string, unknown>): { name: string; sym: Sym } {
    const batchShape = config.batch_input_shape;
    if (!Array.isArray(batchShape)) throw new FailedPreconditionError(`${this.what}: input ${name} has no batch_input_shape`);
    const shape = batchShape.map((d) => (typeof d === 'number' && d >= 0 ? d : null));
    const dtype = inputDType(config.dtype, `${this.what}: input ${name}`);
    this.emitted.add(name);
    this.nodes.push({ name, op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: dtype }, shape: { kind: 'shape', value: shape.map((d) => d ?? -1) } } });
    return { name, sym: { ref: name, shape, dtype } };
  }

  /**
   * The tensor name a signature reads `sym` at, preferring `<name>:0` (outputs are named after
   * their layers): an Identity of that name is added when the value was produced under another
   * name and that name is free.
   */
  outputTensor(sym: Sym, name: string): string {
    if (sym.ref === name) return `${name}:0`;
    if (!this.emitted.has(name)) {
      this.emitted.add(name);
      this.nodes.push({ name, op: 'Identity', inputs: [sym.ref], attrs: { T: { kind: 'type', value: sym.dtype } } });
      return `${name}:0`;
    }
    return parseInput(sym.ref).output > 0 ? sym.ref : `${parseInput(sym.ref).node}:0`;
  }

  /** `base`, or `base_1`, `base_2`…: a name no node has and no layer is reserved. */
  private fresh(base: string): string {
    let name = base;
    for (let n = 1; this.emitted.has(name) || this.reserved.has(name); n++) name = `${base}_${n}`;
    this.emitted.add(name);
    return name;
  }

  /** Calls a Sequential or Functional model on `inputs`; returns its outputs. */
  callModel(model: KerasObject, inputs: Sym[], name: string): Sym[] {
    const where = `${this.what}: model ${name}`;
    if (model.class_name === 'Sequential') {
      let x = inputs;
      for (const layer of layersOf(model)) {
        if (layer.class_name === 'InputLayer') continue;
        x = this.callLayer(layer, x);
        if (x.length !== 1) throw new FailedPreconditionError(`${where}: layer ${layerName(layer)} returns ${x.length} tensors inside a Sequential model`);
      }
      return x;
    }
    const layers = layersOf(model);
    const byName = new Map(layers.map((layer) => [layerName(layer), layer]));
    const key = (ref: TensorRef) => `${ref[0]}\u0000${ref[1]}\u0000${ref[2]}`;
    const values = new Map<string, Sym>();
    const inputRefs = refs(model.config.input_layers, where, 'input_layers');
    if (inputRefs.length !== inputs.length) throw new FailedPreconditionError(`${where} takes ${inputRefs.length} inputs, called with ${inputs.length}`);
    inputRefs.forEach((ref, i) => values.set(key(ref), inputs[i]));

    // Every call of every layer, in the order its inbound tensors become available.
    const pending: { layer: KerasObject; index: number; inbound: TensorRef[] }[] = [];
    const offsets = nodeOffsets(layers, this.kerasMajor);
    for (const layer of layers) {
      if (layer.class_name === 'InputLayer') continue;
      const nodes = Array.isArray(layer.inbound_nodes) ? (layer.inbound_nodes as unknown[]) : [];
      nodes.forEach((node, index) => pending.push({ layer, index: index + (offsets.get(layerName(layer)) ?? 0), inbound: inboundRefs(node, where, layerName(layer)) }));
    }
    for (let progress = true; progress && pending.length; ) {
      progress = false;
      for (let i = 0; i < pending.length; i++) {
        const { layer, index, inbound } = pending[i];
        if (!inbound.every((ref) => values.has(key(ref)))) continue;
        const outputs = this.callLayer(layer, inbound.map((ref) => values.get(key(ref))!));
        outputs.forEach((sym, t) => values.set(key([layerName(layer), index, t]), sym));
        pending.splice(i--, 1);
        progress = true;
      }
    }
    return refs(model.config.output_layers, where, 'output_layers').map((ref) => {
      const value = values.get(key(ref));
      if (value) return value;
      const layer = byName.get(ref[0]);
      throw new FailedPreconditionError(`${where}: output ${ref[0]}[${ref[1]}][${ref[2]}] cannot be computed from the inputs${layer ? '' : ' (no such layer)'}`);
    });
  }

  /** One call of one layer (a nested model is inlined). */
  private callLayer(layer: KerasObject, inputs: Sym[]): Sym[] {
    const name = layerName(layer);
    const call = this.calls.get(layer) ?? 0;
    this.calls.set(layer, call + 1);
    if (CONTAINER_CLASSES.has(layer.class_name)) return this.callModel(layer, inputs, name);
    const base = call === 0 && !this.emitted.has(name) ? name : this.fresh(`${name}_call${call}`);
    const start = this.nodes.length;
    const mapper = this;
    const context: LayerCall = {
      className: layer.class_name,
      name,
      config: layer.config,
      inputs,
      kerasMajor: this.kerasMajor,
      halfPixelBilinear: this.halfPixelBilinear,
      op: (op, opInputs, attrs = {}) => this.node(this.fresh(`${base}/${op}`), op, opInputs, attrs),
      constant: (suffix, tensor) => this.node(this.fresh(`${base}/${suffix}`), 'Const', [], constAttrs(tensor)),
      weight: (weight) => mapper.weight(name, layer.class_name, weight),
      fail: (message) => {
        throw new FailedPreconditionError(`${this.what}: cannot convert layer ${name} (${layer.class_name}): ${message}`);
      },
    };
    // Keras 3 LoRA adds lora_kernel_a·lora_kernel_b to the kernel: not mapped.
    if (layer.config.lora_rank) context.fail(`lora_rank=${String(layer.config.lora_rank)} is not supported`);
    const result = EMITTERS[layer.class_name](context);
    const outputs = Array.isArray(result) ? result : [result];
    // The node that ends the call takes the call's name, so graph and signatures read `<layer>:0`.
    if (outputs.length === 1) {
      const last = this.nodes.findIndex((node, i) => i >= start && node.name === outputs[0].ref);
      if (last >= 0) {
        this.rename(start, outputs[0].ref, base);
        return [{ ...outputs[0], ref: base }];
      }
    }
    return outputs;
  }

  private rename(start: number, from: string, to: string): void {
    for (const node of this.nodes.slice(start)) {
      if (node.name === from) node.name = to;
      node.inputs = node.inputs.map((input) => (parseInput(input).node === from ? input.replace(from, to) : input));
    }
    this.emitted.delete(from);
    this.emitted.add(to);
  }

  private node(name: string, op: string, inputs: string[], attrs: Record<string, AttrValue>): string {
    this.nodes.push({ name, op, inputs, attrs });
    return name;
  }

  private weight(layer: string, className: string, weight: string): HostTensor {
    const tensor = this.weights.get(`${layer}/${weight}`);
    if (!tensor) throw new FailedPreconditionError(`${this.what}: layer ${layer} (${className}) has no weight ${layer}/${weight}`);
    if (Array.isArray(tensor.values) || tensor.dtype === 'DT_BOOL') throw new FailedPreconditionError(`${this.what}: weight ${layer}/${weight} is ${tensor.dtype}, not numeric`);
    const values = tensor.values instanceof Float32Array ? tensor.values : Float32Array.from(numbersOf(tensor));
    return { dtype: 'DT_FLOAT', shape: tensor.shape, values };
  }
}

/**
 * How a layer's position in `inbound_nodes` relates to the node index tensors name it by: nested
 * models start with a node of their own that configs skip (Keras 2's `_should_skip_first_node`,
 * Keras 3's `get_tensor`), so their first call is node 1; Keras 3 Sequential models have none.
 * A reference to node 0 of a nested model means it has no such node (an unbuilt Sequential).
 */
function nodeOffsets(layers: KerasObject[], kerasMajor: number): Map<string, number> {
  const offsets = new Map<string, number>();
  for (const layer of layers) {
    if (!CONTAINER_CLASSES.has(layer.class_name)) continue;
    offsets.set(layerName(layer), layer.class_name === 'Sequential' && kerasMajor >= 3 ? 0 : 1);
  }
  for (const layer of layers) {
    const nodes = Array.isArray(layer.inbound_nodes) ? (layer.inbound_nodes as unknown[]) : [];
    for (const node of nodes) {
      for (const ref of Array.isArray(node) ? node : []) {
        if (Array.isArray(ref) && offsets.has(ref[0] as string) && ref[1] === 0) offsets.set(ref[0] as string, 0);
      }
    }
  }
  return offsets;
}

/** One inbound node: `[[layer, node, tensor, kwargs], …]` (kwargs such as `training` do not matter here). */
function inboundRefs(node: unknown, where: string, layer: string): TensorRef[] {
  if (!Array.isArray(node) || !node.every((ref) => Array.isArray(ref) && typeof ref[0] === 'string')) {
    throw new FailedPreconditionError(`${where}: layer ${layer} has an inbound node that is not [[layer, node, tensor, kwargs], …]: ${JSON.stringify(node).slice(0, 200)}`);
  }
  return node.map((ref: unknown[]) => [ref[0] as string, Number(ref[1] ?? 0), Number(ref[2] ?? 0)]);
}

function inputDType(dtype: unknown, what: string): DType {
  if (dtype === undefined || dtype === null || /^(b?float(16|32|64)|half|double)$/.test(String(dtype))) return 'DT_FLOAT';
  if (/^u?int(8|16|32|64)$/.test(String(dtype))) return 'DT_INT32';
  throw new FailedPreconditionError(`${what} has dtype ${String(dtype)}, which this importer does not map`);
}
