/**
 * What every Keras layer emitter shares: the view of one layer call (`LayerCall`, `Sym`), attr
 * and constant helpers in the spellings TF.js's converter reads, config readers that fail naming
 * the layer, and static-shape helpers (unknown dimensions as null, read at run time when needed).
 * @module importers/keras/graph-emit
 */
import type { DType, HostTensor } from '../../tensors/host-tensor.ts';
import type { AttrValue } from '../../graph/graph.ts';

export type Dim = number | null;

/** A Keras mask: a DT_BOOL [batch, steps] tensor, true at the steps kept. */
export interface StepMask {
  ref: string;
  steps: Dim;
}

/** A value flowing between layers: the graph reference producing it and what is known of it. */
export interface Sym {
  ref: string;
  shape: Dim[];
  dtype: DType;
  /** Carries a Keras mask (Embedding(mask_zero=True), Masking): only mask-aware layers care. */
  masked?: boolean;
  /** The mask itself, where it is known as a tensor (what recurrent layers read). */
  mask?: StepMask;
}

/** What an emitter sees of one call of one layer. */
export interface LayerCall {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inputs: Sym[];
  /** The Keras major version that wrote the model (activations changed between 2 and 3). */
  kerasMajor: number;
  /** True when UpSampling2D(bilinear) sampled at half-pixel centers (TF 2 resize_images_v2). */
  halfPixelBilinear: boolean;
  /** Emits a node named after the layer (`<layer>/<op>`); returns its name. */
  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>): string;
  constant(suffix: string, tensor: HostTensor): string;
  /** A stored weight (`<layer>/<name>`) as float32; fails naming it when absent. */
  weight(name: string): HostTensor;
  fail(message: string): never;
}

export type Emitter = (call: LayerCall) => Sym | Sym[];

export const T: AttrValue = { kind: 'type', value: 'DT_FLOAT' };
export const I32: AttrValue = { kind: 'type', value: 'DT_INT32' };
export const ints = (values: number[]): AttrValue => ({ kind: 'list', ints: values });
export const int = (value: number): AttrValue => ({ kind: 'int', value });
export const bool = (value: boolean): AttrValue => ({ kind: 'bool', value });
export const str = (value: string): AttrValue => ({ kind: 'string', value: new TextEncoder().encode(value) });
export const NHWC = str('NHWC');

export const int32s = (c: LayerCall, suffix: string, values: number[], shape = [values.length]) =>
  c.constant(suffix, { dtype: 'DT_INT32', shape, values: Int32Array.from(values) });
export const floats = (c: LayerCall, suffix: string, values: ArrayLike<number>, shape: number[] = [values.length]) =>
  c.constant(suffix, { dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) });
export const scalar = (c: LayerCall, suffix: string, value: number) => floats(c, suffix, [value], []);
export const unary = (c: LayerCall, op: string, x: string) => c.op(op, [x], { T });
export const binary = (c: LayerCall, op: string, a: string, b: string) => c.op(op, [a, b], { T });
export const product = (dims: Dim[]): Dim => dims.reduce<Dim>((p, d) => (p === null || d === null ? null : p * d), 1);

// --- config readers ------------------------------------------------------------------------------

export function only(c: LayerCall): Sym {
  if (c.inputs.length !== 1) c.fail(`expects one input, got ${c.inputs.length}`);
  return c.inputs[0];
}

/** An int or a list of `n` ints (kernel_size, strides, …). */
export function tuple(c: LayerCall, key: string, n: number, fallback?: number | number[]): number[] {
  const value = c.config[key] ?? fallback;
  if (typeof value === 'number') return Array<number>(n).fill(value);
  if (Array.isArray(value) && value.length === n && value.every((v) => typeof v === 'number')) return value as number[];
  return c.fail(`${key}=${JSON.stringify(value)} is not ${n === 1 ? 'an int' : `an int or ${n} ints`}`);
}

/** Per spatial dimension [before, after]: padding/cropping as ZeroPadding*D and Cropping*D take it. */
export function pairs(c: LayerCall, key: string, n: number): [number, number][] {
  const value = c.config[key];
  if (typeof value === 'number') return Array.from({ length: n }, () => [value, value]);
  if (Array.isArray(value) && n === 1 && value.length === 2 && value.every((v) => typeof v === 'number')) return [[value[0], value[1]]];
  if (Array.isArray(value) && value.length === n) {
    return value.map((v) => (typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : c.fail(`${key}=${JSON.stringify(value)} is not understood`)));
  }
  return c.fail(`${key}=${JSON.stringify(value)} is not understood`);
}

export function channelsLast(c: LayerCall): void {
  const format = c.config.data_format;
  if (format !== undefined && format !== null && format !== 'channels_last') {
    c.fail(`data_format=${String(format)} is not supported (only channels_last)`);
  }
}

export function rankIs(c: LayerCall, x: Sym, rank: number): void {
  if (x.shape.length !== rank) c.fail(`expects a rank-${rank} input, got shape [${x.shape.map((d) => d ?? 'None')}]`);
}

export function paddingAttr(c: LayerCall, allowCausal = false): { attr: AttrValue; same: boolean; causal: boolean } {
  const padding = String(c.config.padding ?? 'valid').toLowerCase();
  if (padding === 'causal' && allowCausal) return { attr: str('VALID'), same: false, causal: true };
  if (padding !== 'same' && padding !== 'valid') c.fail(`padding=${padding} is not supported`);
  return { attr: str(padding.toUpperCase()), same: padding === 'same', causal: false };
}

/** Output size of a window op along one dimension (TensorFlow's SAME/VALID). */
export function windowOut(size: Dim, kernel: number, stride: number, dilation: number, same: boolean): Dim {
  if (size === null) return null;
  return same ? Math.ceil(size / stride) : Math.ceil((size - (kernel - 1) * dilation) / stride);
}

export function normalizeAxis(c: LayerCall, axis: unknown, rank: number): number {
  const value = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (typeof value !== 'number' || value < -rank || value >= rank) c.fail(`axis=${JSON.stringify(axis)} is out of range for rank ${rank}`);
  return value < 0 ? value + rank : value;
}

// --- shapes --------------------------------------------------------------------------------------

/**
 * A shape operand: a constant where at most one dimension is unknown (-1), else assembled at run
 * time from `x`'s shape. Each piece is a number (-1: infer) or `{ axis }`, a dimension of `x`.
 */
export function shapeOperand(c: LayerCall, x: Sym, pieces: (number | { axis: number })[]): string {
  const dims = pieces.map((p) => (typeof p === 'number' ? (p < 0 ? null : p) : x.shape[p.axis]));
  if (dims.filter((d) => d === null).length <= 1) return int32s(c, 'shape', dims.map((d) => d ?? -1));
  const rank = x.shape.length;
  const numbers = pieces.filter((p): p is number => typeof p === 'number');
  const shape = c.op('Shape', [x.ref], { T: { kind: 'type', value: x.dtype }, out_type: I32 });
  const table = numbers.length ? c.op('ConcatV2', [shape, int32s(c, 'dims', numbers), int32s(c, 'axis', [0], [])], { T: I32, N: int(2), Tidx: I32 }) : shape;
  let next = rank;
  const indices = pieces.map((p) => (typeof p === 'number' ? next++ : p.axis));
  return c.op('GatherV2', [table, int32s(c, 'indices', indices), int32s(c, 'gather_axis', [0], [])], { Tparams: I32, Tindices: I32, Taxis: I32, batch_dims: int(0) });
}

export function reshape(c: LayerCall, x: Sym, pieces: (number | { axis: number })[], shape: Dim[]): Sym {
  const ref = c.op('Reshape', [x.ref, shapeOperand(c, x, pieces)], { T: { kind: 'type', value: x.dtype }, Tshape: I32 });
  return { ...x, ref, shape };
}

export function broadcastShapes(c: LayerCall, shapes: Dim[][]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, k) => {
    const dims = shapes.map((s): Dim => (k - rank + s.length < 0 ? 1 : s[k - rank + s.length]));
    const known = [...new Set(dims.filter((d): d is number => d !== null && d !== 1))];
    if (known.length > 1) c.fail(`cannot broadcast shapes ${shapes.map((s) => `[${s.map((d) => d ?? 'None')}]`).join(', ')}`);
    return known[0] ?? (dims.includes(null) ? null : 1);
  });
}
