/**
 * What the per-family emitters build with: the ONNX nodes and initializers of one signature's
 * graph, the TF tensor → ONNX value map, and layouts. A value may be held in a permuted layout
 * (convolutions keep NCHW data); emitters ask for the layout they need and a Transpose is written
 * only then, once per value and layout — so layout-neutral ops between two convolutions keep
 * NCHW and no Transpose is left between them.
 * @module engine/onnx/lower/context
 */
import { FailedPreconditionError } from '../../../errors.ts';
import { parseInput, type AttrValue, type GraphNode } from '../../../graph/graph.ts';
import type { DType, HostTensor } from '../../../tensors/host-tensor.ts';
import { ATTRIBUTE_TYPE, type AttributeProto, type NodeProto, type TensorProto } from '../onnx-proto.ts';
import { invert, isIdentity, permuteShape, transposeHost } from './layout.ts';
import { hostDType, tensorProto } from './tensors.ts';

/** One TF tensor as the ONNX graph holds it. */
export interface Value {
  dtype: DType;
  /** In TF order; -1 for unknown sizes; undefined when even the rank is unknown. */
  shape?: number[];
  /** Physical axis i holds TF axis perm[i]; undefined: TF order. */
  perm?: number[];
  /** The value, when known while lowering (TF order). */
  constant?: HostTensor;
  /** ONNX value names by layout (`''` = TF order, else the perm joined by commas). */
  forms: Map<string, string>;
}

/** An attribute as emitters write it: integers, integer lists, strings, or tagged floats/tensors. */
export type Attr = number | number[] | string | { f: number } | { floats: number[] } | { t: HostTensor };

const key = (perm: readonly number[] | undefined) => (isIdentity(perm) ? '' : perm!.join(','));

export class LowerContext {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly values = new Map<string, Value>();
  private readonly used = new Set<string>();
  private readonly constants = new Map<HostTensor, string>();
  private count = 0;

  /** @param where names the model and signature in refusals */
  constructor(readonly where: string) {}

  /** Reserves `name` (graph inputs and outputs keep their aliases); false when already taken. */
  reserve(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** A value name not used yet, readable from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}__${++this.count}`;
    this.used.add(name);
    return name;
  }

  refuse(node: GraphNode, why: string): never {
    throw new FailedPreconditionError(`${this.where}: cannot lower ${node.name} (${node.op}) to ONNX: ${why}`);
  }

  // ------------------------------------------------------------------------- values

  /** A value held under the ONNX name `name` in layout `perm`. */
  value(name: string, dtype: DType, shape?: number[], perm?: readonly number[]): Value {
    return { dtype, shape, perm: isIdentity(perm) ? undefined : [...perm!], forms: new Map([[key(perm), name]]) };
  }

  constantValue(tensor: HostTensor): Value {
    return { dtype: tensor.dtype, shape: tensor.shape, constant: tensor, forms: new Map() };
  }

  define(tensorName: string, value: Value): void {
    this.values.set(tensorName, value);
  }

  /** The value lowered for a TF tensor (`node:0`), if any. */
  lookup(tensorName: string): Value | undefined {
    return this.values.get(tensorName);
  }

  /** The value of the node's i-th data input. */
  input(node: GraphNode, i: number): Value {
    const input = dataInputs(node)[i];
    if (input === undefined) this.refuse(node, `it has no input ${i}`);
    const { node: from, output } = parseInput(input);
    const value = this.values.get(`${from}:${output}`);
    if (!value) this.refuse(node, `its input ${input} was not lowered`);
    return value;
  }

  inputCount(node: GraphNode): number {
    return dataInputs(node).length;
  }

  /** The constant the node's i-th input carries, or a refusal saying it must be one. */
  constantInput(node: GraphNode, i: number, what: string): HostTensor {
    const constant = this.input(node, i).constant;
    if (!constant) this.refuse(node, `its ${what} (input ${i}) must be a constant`);
    return constant;
  }

  // ------------------------------------------------------------------------- layouts

  /** The ONNX name of `value` in TF order. */
  tf(value: Value): string {
    return this.inLayout(value, undefined);
  }

  /** The ONNX name of `value` in layout `perm` (written on first use). */
  inLayout(value: Value, perm: readonly number[] | undefined): string {
    const wanted = key(perm);
    const known = value.forms.get(wanted);
    if (known) return known;
    let name: string;
    if (value.constant) {
      name = this.initializer(perm ? transposeHost(value.constant, perm) : value.constant);
    } else {
      // From the form we have: physical → TF is invert(have); TF → wanted is perm.
      const have = value.perm;
      const source = value.forms.get(key(have))!;
      const toTf = have ? invert(have) : undefined;
      const composed = perm ? (toTf ? perm.map((axis) => toTf[axis]) : [...perm]) : toTf!;
      [name] = this.emit('Transpose', [source], { perm: composed }, { hint: `${source}/transpose` });
    }
    value.forms.set(wanted, name);
    return name;
  }

  /** `value`'s shape in its physical layout. */
  physicalShape(value: Value): number[] | undefined {
    return value.shape && value.perm ? permuteShape(value.shape, value.perm) : value.shape;
  }

  /** The ONNX name of `value` as int64 in TF order (ONNX shape, axes and pads inputs). */
  int64(value: Value): string {
    if (value.dtype === 'DT_INT64') return this.tf(value);
    if (value.constant) {
      const values = value.constant.values as ArrayLike<number | bigint>;
      return this.initializer({ dtype: 'DT_INT64', shape: value.constant.shape, values: BigInt64Array.from(Array.from(values, (v) => BigInt(v))) });
    }
    return this.emit('Cast', [this.tf(value)], { to: 7 }, { hint: `${this.tf(value)}/int64` })[0];
  }

  // ------------------------------------------------------------------------- writing

  /** An initializer holding `tensor` (one per tensor object). */
  initializer(tensor: HostTensor, hint = 'const'): string {
    const known = this.constants.get(tensor);
    if (known) return known;
    const name = this.fresh(hint);
    this.initializers.push(tensorProto(name, tensor));
    this.constants.set(tensor, name);
    return name;
  }

  /** Writes one node; returns its output names. Empty input names stand for omitted inputs. */
  emit(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, options: { outputs?: number; hint?: string; names?: string[] } = {}): string[] {
    const hint = options.hint ?? opType;
    const outputs = options.names ?? Array.from({ length: options.outputs ?? 1 }, (_, i) => this.fresh(i ? `${hint}:${i}` : hint));
    const attribute = Object.entries(attrs).map(([name, value]) => attributeProto(name, value));
    this.nodes.push({ op_type: opType, input: inputs, output: outputs, name: outputs[0], ...(attribute.length ? { attribute } : {}) });
    return outputs;
  }
}

/** A node's inputs without its control dependencies. */
export function dataInputs(node: GraphNode): string[] {
  return node.inputs.filter((input) => !input.startsWith('^'));
}

function attributeProto(name: string, value: Attr): AttributeProto {
  if (typeof value === 'number') return { name, type: ATTRIBUTE_TYPE.INT, i: value };
  if (typeof value === 'string') return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: ATTRIBUTE_TYPE.INTS, ints: value };
  if ('f' in value) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value.f };
  if ('floats' in value) return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: value.floats };
  return { name, type: ATTRIBUTE_TYPE.TENSOR, t: tensorProto('', value.t) };
}

// ------------------------------------------------------------------------- TF attributes

export function intAttr(node: GraphNode, name: string, fallback: number): number {
  const attr = node.attrs[name];
  return attr?.kind === 'int' ? attr.value : fallback;
}

export function floatAttr(node: GraphNode, name: string, fallback: number): number {
  const attr = node.attrs[name];
  return attr?.kind === 'float' ? attr.value : fallback;
}

export function boolAttr(node: GraphNode, name: string, fallback = false): boolean {
  const attr = node.attrs[name];
  return attr?.kind === 'bool' ? attr.value : fallback;
}

export function stringAttr(node: GraphNode, name: string, fallback: string): string {
  const attr = node.attrs[name];
  return attr?.kind === 'string' ? new TextDecoder().decode(attr.value) : fallback;
}

export function intsAttr(node: GraphNode, name: string): number[] | undefined {
  const attr: AttrValue | undefined = node.attrs[name];
  return attr?.kind === 'list' ? (attr.ints ?? []) : undefined;
}

/** The dtype attribute `name` (e.g. `T`, `DstT`), or undefined when the node has none. */
export function typeAttr(node: GraphNode, name: string): DType | undefined {
  const attr = node.attrs[name];
  return attr?.kind === 'type' ? hostDType(String(attr.value), `${node.name} (${node.op})`) : undefined;
}
