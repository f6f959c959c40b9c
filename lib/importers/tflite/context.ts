/**
 * What an op converter sees: its operator's inputs as graph references (constants emitted on
 * first use), constant values known at import, static shapes, node emission with unique names,
 * fused activations, and the batch-dimension bookkeeping (see ops.ts `BatchRule`).
 * @module importers/tflite/context
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { DType, HostTensor } from '../../tensors/host-tensor.ts';
import { constAttrs, constNode, type AttrValue, type GraphNode } from '../../graph/graph.ts';
import type { TfliteOperator, TfliteTensor } from './reader.ts';
import { ACTIVATIONS } from './schema.ts';
import { graphDType } from './tensors.ts';

/** State shared by all operators of one subgraph. */
export interface SubgraphState {
  what: string;
  tensors: TfliteTensor[];
  nodes: GraphNode[];
  /** Graph reference (`node` or `node:k`) producing each tensor. */
  refs: Map<number, string>;
  /** Values known at import: constant buffers and what folds from them (DEQUANTIZE of a constant). */
  constants: Map<number, HostTensor>;
  /** Node name reserved for each tensor. */
  tensorNodes: string[];
  /** Every node name in the graph so far (all subgraphs). */
  taken: Set<string>;
  /** Tensors whose dimension 0 is the request batch. */
  carries: Set<number>;
  /** Why the batch size cannot vary, when something fixes it. */
  batchFixedBy: string[];
}

export type Options = Record<string, number | boolean | number[]>;

export class OpContext {
  constructor(
    private readonly state: SubgraphState,
    readonly op: TfliteOperator,
    readonly index: number,
    readonly builtin: string,
  ) {}

  get options(): Options {
    return this.op.options;
  }

  /** Refuses this operator at import time, naming it, its index and its output tensor. */
  fail(message: string): never {
    const output = this.state.tensors[this.op.outputs[0]]?.name;
    throw new FailedPreconditionError(
      `${this.state.what}: cannot import operator ${this.index} (${this.builtin}${output ? `, output '${output}'` : ''}): ${message}`,
    );
  }

  /** True when input `i` is present (not omitted with -1). */
  has(i: number): boolean {
    return i < this.op.inputs.length && this.op.inputs[i] >= 0;
  }

  tensorIndex(i: number): number {
    if (!this.has(i)) this.fail(`input ${i} is missing`);
    return this.op.inputs[i];
  }

  tensor(i: number): TfliteTensor {
    return this.state.tensors[this.tensorIndex(i)];
  }

  outTensor(i = 0): TfliteTensor {
    return this.state.tensors[this.op.outputs[i]];
  }

  /** Static shape of input `i` as the file records it (batch as converted). */
  shape(i: number): number[] {
    return this.tensor(i).shape;
  }

  outShape(i = 0): number[] {
    return this.outTensor(i).shape;
  }

  /** The graph reference for input `i` (emitting its Const on first use). */
  input(i: number): string {
    const index = this.tensorIndex(i);
    return inputRef(this.state, index, () => this.fail(inputProblem(this.state, index, i)));
  }

  /** Input `i`'s value when known at import. */
  constant(i: number): HostTensor | undefined {
    return this.has(i) ? this.state.constants.get(this.op.inputs[i]) : undefined;
  }

  /** Input `i` as integers (axes, shapes); fails when it is not a constant. */
  ints(i: number, what: string): number[] {
    const value = this.constant(i);
    if (!value || Array.isArray(value.values)) this.fail(`${what} (input ${i}) must be a constant`);
    return Array.from(value.values as ArrayLike<number | bigint>, Number);
  }

  /** The node name output `i`'s tensor must be produced under. */
  out(i = 0): string {
    return this.state.tensorNodes[this.op.outputs[i]];
  }

  /** A fresh node name for a helper node of this operator. */
  name(suffix: string): string {
    return uniqueName(this.state.taken, `${this.out(0)}/${suffix}`);
  }

  /** The dtype output `i` is computed in. */
  dtype(i = 0): DType {
    return graphDType(this.outTensor(i)) ?? 'DT_FLOAT';
  }

  /** The dtype input `i` is computed in. */
  inputDType(i: number): DType {
    return graphDType(this.tensor(i)) ?? 'DT_FLOAT';
  }

  /** Adds a node and returns its name. */
  node(name: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    this.state.taken.add(name);
    this.state.nodes.push({ name, op, inputs, attrs });
    return name;
  }

  constNode(name: string, tensor: HostTensor): string {
    return this.node(name, 'Const', [], constAttrs(tensor));
  }

  /** A Const of int32 values (shapes, axes, permutations). */
  int32s(suffix: string, values: number[], shape: number[] = [values.length]): string {
    return this.constNode(this.name(suffix), { dtype: 'DT_INT32', shape, values: Int32Array.from(values) });
  }

  scalar(suffix: string, value: number): string {
    return this.constNode(this.name(suffix), { dtype: 'DT_FLOAT', shape: [], values: Float32Array.of(value) });
  }

  /** Output `i` is produced at `ref` rather than at node `out(i)`. */
  bind(i: number, ref: string): void {
    this.state.refs.set(this.op.outputs[i], ref);
  }

  /** Output `i`'s value is known at import (it is emitted as a Const only if something reads it). */
  setConstant(i: number, value: HostTensor): void {
    this.state.constants.set(this.op.outputs[i], value);
  }

  /**
   * Emits `op` producing output 0, followed by the options' fused activation. The last node takes
   * the name `out(0)`.
   */
  finish(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, activationCode = Number(this.options.fused_activation_function ?? 0)): string {
    const activation = ACTIVATIONS[activationCode];
    if (activation === undefined || activation === 'SIGN_BIT') this.fail(`fused activation ${activation ?? activationCode} is not supported`);
    if (activation === 'NONE') return this.node(this.out(0), op, inputs, attrs);
    const raw = this.node(this.name(op), op, inputs, attrs);
    return this.activate(raw, activationCode, this.out(0));
  }

  /** Applies a fused activation (ActivationFunctionType) to `ref`, naming the result `name`. */
  activate(ref: string, activationCode: number, name: string): string {
    switch (ACTIVATIONS[activationCode]) {
      case 'NONE':
        return this.node(name, 'Identity', [ref], { T: float });
      case 'RELU':
        return this.node(name, 'Relu', [ref], { T: float });
      case 'RELU6':
        return this.node(name, 'Relu6', [ref], { T: float });
      case 'TANH':
        return this.node(name, 'Tanh', [ref], { T: float });
      case 'RELU_N1_TO_1':
        return this.node(name, 'ClipByValue', [ref, this.scalar('clip_min', -1), this.scalar('clip_max', 1)], { T: float });
      default:
        return this.fail(`fused activation ${ACTIVATIONS[activationCode] ?? activationCode} is not supported`);
    }
  }

  // --- batch dimension ---

  /** True when input `i` has the request batch as dimension 0. */
  carries(i: number): boolean {
    return this.has(i) && this.state.carries.has(this.op.inputs[i]);
  }

  /** Inputs that are not known at import (the data the op computes on). */
  dataInputs(): number[] {
    return this.op.inputs.flatMap((index, i) => (index >= 0 && !this.state.constants.has(index) ? [i] : []));
  }

  /** Marks output `i` (default: all outputs) as carrying the batch dimension or not. */
  setCarries(carries: boolean, outputs: number[] = this.op.outputs.map((_, i) => i)): void {
    for (const i of outputs) {
      if (carries) this.state.carries.add(this.op.outputs[i]);
      else this.state.carries.delete(this.op.outputs[i]);
    }
  }

  /** Records that this op fixes the batch size (when a batch-carrying input reaches it). */
  fixBatch(reason: string): void {
    if (this.dataInputs().some((i) => this.carries(i))) {
      this.state.batchFixedBy.push(`operator ${this.index} (${this.builtin}) ${reason}`);
    }
    this.setCarries(false);
  }
}

const float = { kind: 'type', value: 'DT_FLOAT' } as const;

/** `base`, or `base_1`, `base_2`… whichever is free; reserves it. */
export function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** The graph reference for tensor `index`, emitting its Const on first use. */
export function inputRef(state: SubgraphState, index: number, missing: () => never): string {
  const ref = state.refs.get(index);
  if (ref !== undefined) return ref;
  const value = state.constants.get(index);
  if (!value) missing();
  const name = state.tensorNodes[index];
  state.nodes.push(constNode(name, value));
  state.refs.set(index, name);
  return name;
}

function inputProblem(state: SubgraphState, index: number, i: number): string {
  const tensor = state.tensors[index];
  if (tensor.isVariable) return `input ${i} is the variable tensor '${tensor.name}', which only stateful ops may read`;
  return `input ${i} ('${tensor.name}') is neither a constant, a subgraph input nor produced by an earlier operator`;
}
