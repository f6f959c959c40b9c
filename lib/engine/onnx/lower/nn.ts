/**
 * Neural-network families: MatMul (and TF's fused MatMul), convolutions (Conv2D, depthwise as a
 * grouped Conv, TF's fused Conv2D), pools, inference batch norm, Pad/MirrorPad, Resize, Softmax.
 * Convolutions and pools run in NCHW: their input is asked for in that layout and their output
 * stays in it (see context.ts).
 * @module engine/onnx/lower/nn
 */
import type { GraphNode } from '../../../graph/graph.ts';
import { numbersOf, type HostTensor } from '../../../tensors/host-tensor.ts';
import { boolAttr, floatAttr, intsAttr, stringAttr, typeAttr, type Attr, type LowerContext, type Value } from './context.ts';
import { activation, cast, elementwise } from './elementwise.ts';
import { NCHW, transposeHost } from './layout.ts';
import { int64s } from './tensors.ts';

// ------------------------------------------------------------------------- MatMul

export function lowerMatMul(ctx: LowerContext, node: GraphNode): Value[] {
  const [a, b] = [0, 1].map((i) => ctx.input(node, i));
  const batch = node.op !== 'MatMul' && node.op !== '_FusedMatMul';
  const [ta, tb] = batch ? [boolAttr(node, 'adj_x'), boolAttr(node, 'adj_y')] : [boolAttr(node, 'transpose_a'), boolAttr(node, 'transpose_b')];
  const operand = (v: Value, transposed: boolean) => {
    if (!transposed) return { name: ctx.tf(v), shape: v.shape };
    const rank = v.shape?.length ?? (batch ? ctx.refuse(node, 'a transposed operand of unknown rank') : 2);
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    const shape = v.shape && perm.map((axis) => v.shape![axis]);
    if (v.constant) return { name: ctx.initializer(transposeHost(v.constant, perm)), shape };
    return { name: ctx.emit('Transpose', [ctx.tf(v)], { perm }, { hint: `${node.name}/transpose` })[0], shape };
  };
  const x = operand(a, ta);
  const y = operand(b, tb);
  const [out] = ctx.emit('MatMul', [x.name, y.name], {}, { hint: node.name });
  const shape = x.shape && y.shape && x.shape.length === 2 && y.shape.length === 2 ? [x.shape[0], y.shape[1]] : undefined;
  let result = ctx.value(out, a.dtype, shape);
  if (node.op === '_FusedMatMul') result = fusedOps(ctx, node, result, 2);
  return [result];
}

/**
 * The `fused_ops` of TF's `_FusedMatMul`/`_FusedConv2D` and TF.js's `FusedDepthwiseConv2dNative`,
 * applied in order to `x`; their extra arguments follow the operands from input `firstArg` on:
 * BiasAdd (bias) or FusedBatchNorm (scale, offset, mean, variance; inference form with
 * `epsilon`), then at most one activation — Prelu's α is the argument after the bias.
 */
function fusedOps(ctx: LowerContext, node: GraphNode, x: Value, firstArg: number): Value {
  const attr = node.attrs.fused_ops;
  const ops = attr?.kind === 'list' ? (attr.strings ?? []).map((s) => new TextDecoder().decode(s)) : [];
  let result = x;
  let arg = firstArg;
  for (const op of ops) {
    if (op === 'BiasAdd') {
      result = elementwise(ctx, 'Add', [result, ctx.input(node, arg++)], result.dtype, {}, `${node.name}/bias`);
    } else if (op === 'FusedBatchNorm') {
      // x·s + t with s = scale / √(variance + ε), t = offset − mean·s, computed on the host.
      const [scale, offset, mean, variance] = [0, 1, 2, 3].map((i) => numbersOf(ctx.constantInput(node, arg + i, ['scale', 'offset', 'mean', 'variance'][i])));
      arg += 4;
      const epsilon = floatAttr(node, 'epsilon', 0.0001);
      const s = Float32Array.from(scale, (g, c) => g / Math.sqrt(variance[c] + epsilon));
      const t = Float32Array.from(offset, (b, c) => b - mean[c] * s[c]);
      const channel = (values: Float32Array) => ctx.constantValue({ dtype: 'DT_FLOAT', shape: [values.length], values });
      result = elementwise(ctx, 'Add', [elementwise(ctx, 'Mul', [result, channel(s)], result.dtype), channel(t)], result.dtype, {}, `${node.name}/batch_norm`);
    } else if (op === 'Prelu') {
      result = elementwise(ctx, 'PRelu', [result, ctx.input(node, arg++)], result.dtype, {}, `${node.name}/prelu`);
    } else {
      result = activation(ctx, node, op, result);
    }
  }
  return result;
}

// ------------------------------------------------------------------------- Conv and pools

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
}

/** `pads` (ONNX order: begins then ends) or `auto_pad`, for TF's padding of a 2-D window. */
function padding(ctx: LowerContext, node: GraphNode, window: Window): Record<string, Attr> {
  const mode = stringAttr(node, 'padding', 'VALID');
  if (mode === 'VALID') return { pads: [0, 0, 0, 0] };
  if (mode === 'EXPLICIT') {
    const explicit = intsAttr(node, 'explicit_paddings') ?? [];
    // NHWC pairs: [N, H, W, C] × (before, after).
    return { pads: [explicit[2], explicit[4], explicit[3], explicit[5]] };
  }
  if (mode !== 'SAME') ctx.refuse(node, `padding ${mode}`);
  // TF SAME: total = max((⌈in/s⌉ − 1)·s + (k − 1)·d + 1 − in, 0), the odd one at the end — ONNX's
  // SAME_UPPER. With stride 1 the total is (k − 1)·d whatever the input size: explicit pads.
  if (window.strides.some((stride) => stride !== 1)) return { auto_pad: 'SAME_UPPER' };
  const begins: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < 2; i++) {
    const total = (window.kernel[i] - 1) * window.dilations[i];
    begins.push(Math.floor(total / 2));
    ends.push(total - Math.floor(total / 2));
  }
  return { pads: [...begins, ...ends] };
}

/** The NHWC output shape of a window op over `x`. */
function outputShape(node: GraphNode, x: Value, window: Window, channels: number): number[] {
  const same = stringAttr(node, 'padding', 'VALID') === 'SAME';
  const spatial = [0, 1].map((i) => {
    const size = x.shape?.[1 + i] ?? -1;
    if (size < 0) return -1;
    const effective = (window.kernel[i] - 1) * window.dilations[i] + 1;
    return same ? Math.ceil(size / window.strides[i]) : Math.ceil((size - effective + 1) / window.strides[i]);
  });
  return [x.shape?.[0] ?? -1, ...spatial, channels];
}

function nhwcPair(ctx: LowerContext, node: GraphNode, name: string): number[] {
  const values = intsAttr(node, name) ?? [1, 1, 1, 1];
  if (values.length !== 4 || values[0] !== 1 || values[3] !== 1) ctx.refuse(node, `${name} [${values}] over batch or channels`);
  return [values[1], values[2]];
}

function assertNhwc(ctx: LowerContext, node: GraphNode): void {
  const format = stringAttr(node, 'data_format', 'NHWC');
  if (format !== 'NHWC') ctx.refuse(node, `data_format ${format} (only NHWC is lowered)`);
}

export function lowerConv(ctx: LowerContext, node: GraphNode): Value[] {
  assertNhwc(ctx, node);
  const x = ctx.input(node, 0);
  const filter = ctx.constantInput(node, 1, 'filter');
  if (filter.shape.length !== 4) ctx.refuse(node, 'a filter that is not 4-D');
  const [kh, kw, inChannels, out] = filter.shape;
  const depthwise = node.op === 'DepthwiseConv2dNative' || node.op === 'FusedDepthwiseConv2dNative';
  const window: Window = { kernel: [kh, kw], strides: nhwcPair(ctx, node, 'strides'), dilations: nhwcPair(ctx, node, 'dilations') };
  let weights: HostTensor;
  let group = 1;
  let channels: number;
  if (depthwise) {
    // [kh, kw, in, m] → [in·m, 1, kh, kw]: output channel c·m + j is group c's j-th filter, as in TF.
    weights = transposeHost(filter, [2, 3, 0, 1]);
    weights = { ...weights, shape: [inChannels * out, 1, kh, kw] };
    group = inChannels;
    channels = inChannels * out;
  } else {
    weights = transposeHost(filter, [3, 2, 0, 1]);
    const xChannels = x.shape?.[3] ?? -1;
    if (xChannels > 0 && xChannels !== inChannels) group = xChannels / inChannels;
    channels = out;
  }
  const inputs = [ctx.inLayout(x, NCHW), ctx.initializer(weights, `${node.name}/weights`)];
  const fusedBias = node.op === '_FusedConv2D' || node.op === 'FusedDepthwiseConv2dNative';
  const attrs: Record<string, Attr> = { kernel_shape: [kh, kw], strides: window.strides, dilations: window.dilations, group, ...padding(ctx, node, window) };
  const [y] = ctx.emit('Conv', inputs, attrs, { hint: node.name });
  const result = ctx.value(y, x.dtype, outputShape(node, x, window, channels), NCHW);
  return [fusedBias ? fusedOps(ctx, node, result, 2) : result];
}

export function lowerPool(ctx: LowerContext, node: GraphNode): Value[] {
  assertNhwc(ctx, node);
  const x = ctx.input(node, 0);
  const window: Window = { kernel: nhwcPair(ctx, node, 'ksize'), strides: nhwcPair(ctx, node, 'strides'), dilations: [1, 1] };
  const attrs: Record<string, Attr> = { kernel_shape: window.kernel, strides: window.strides, ...padding(ctx, node, window) };
  // TF's average excludes the padding (SAME windows at the border average fewer values).
  if (node.op === 'AvgPool') attrs.count_include_pad = 0;
  const [y] = ctx.emit(node.op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [ctx.inLayout(x, NCHW)], attrs, { hint: node.name });
  return [ctx.value(y, x.dtype, outputShape(node, x, window, x.shape?.[3] ?? -1), NCHW)];
}

/** Inference batch norm not folded into a convolution: x·s + t with s, t per channel (host-computed). */
export function lowerBatchNorm(ctx: LowerContext, node: GraphNode): Value[] {
  assertNhwc(ctx, node);
  if (boolAttr(node, 'is_training', true)) ctx.refuse(node, 'is_training=true (training-mode batch statistics)');
  const x = ctx.input(node, 0);
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => numbersOf(ctx.constantInput(node, i, ['scale', 'offset', 'mean', 'variance'][i - 1])));
  const epsilon = floatAttr(node, 'epsilon', 0.0001);
  const scale = Float32Array.from(gamma, (g, c) => g / Math.sqrt(variance[c] + epsilon));
  const shift = Float32Array.from(beta, (b, c) => b - mean[c] * scale[c]);
  const constant = (values: Float32Array) => ctx.constantValue(x.dtype === 'DT_FLOAT' ? { dtype: 'DT_FLOAT', shape: [values.length], values } : { dtype: 'DT_DOUBLE', shape: [values.length], values: Float64Array.from(values) });
  const scaled = elementwise(ctx, 'Mul', [x, constant(scale)], x.dtype, {}, `${node.name}/scale`);
  return [elementwise(ctx, 'Add', [scaled, constant(shift)], x.dtype, {}, node.name)];
}

// ------------------------------------------------------------------------- Pad, Resize, Softmax

export function lowerPad(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const paddings = Array.from(numbersOf(ctx.constantInput(node, 1, 'paddings')));
  const rank = paddings.length / 2;
  let mode = 'constant';
  if (node.op === 'MirrorPad') {
    const tfMode = stringAttr(node, 'mode', 'REFLECT');
    if (tfMode !== 'REFLECT') ctx.refuse(node, `mode ${tfMode} (ONNX Pad has no symmetric mode)`);
    mode = 'reflect';
  }
  // In x's layout: physical axis i is TF axis perm[i].
  const order = x.perm ?? Array.from({ length: rank }, (_, i) => i);
  const pads = [...order.map((axis) => paddings[2 * axis]), ...order.map((axis) => paddings[2 * axis + 1])];
  const inputs = [ctx.inLayout(x, x.perm), ctx.initializer(int64s(pads))];
  if (node.op === 'PadV2') inputs.push(ctx.tf(ctx.input(node, 2)));
  const [y] = ctx.emit('Pad', inputs, { mode }, { hint: node.name });
  const shape = x.shape?.map((size, axis) => (size < 0 ? -1 : size + paddings[2 * axis] + paddings[2 * axis + 1]));
  return [ctx.value(y, x.dtype, shape, x.perm)];
}

/**
 * TF's coordinate modes as ONNX Resize's: align_corners → align_corners; half_pixel_centers →
 * half_pixel (nearest rounds half up: ⌊(x + ½)·in/out⌋, TF's formula); neither → asymmetric
 * (nearest floors).
 */
export function lowerResize(ctx: LowerContext, node: GraphNode): Value[] {
  const bilinear = node.op === 'ResizeBilinear';
  let x = ctx.input(node, 0);
  if (bilinear && x.dtype !== 'DT_FLOAT') x = cast(ctx, x, 'DT_FLOAT');
  const size = ctx.input(node, 1);
  const alignCorners = boolAttr(node, 'align_corners');
  const halfPixel = boolAttr(node, 'half_pixel_centers');
  const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const nearest = alignCorners || halfPixel ? 'round_prefer_ceil' : 'floor';
  const perm = x.perm ?? [0, 1, 2, 3];
  const attrs: Record<string, Attr> = { mode: bilinear ? 'linear' : 'nearest', coordinate_transformation_mode: mode, axes: [perm.indexOf(1), perm.indexOf(2)] };
  if (!bilinear) attrs.nearest_mode = nearest;
  const [y] = ctx.emit('Resize', [ctx.inLayout(x, x.perm), '', '', ctx.int64(size)], attrs, { hint: node.name });
  const sizes = size.constant ? Array.from(numbersOf(size.constant)) : [-1, -1];
  const shape = x.shape ? [x.shape[0], sizes[0], sizes[1], x.shape[3]] : undefined;
  return [ctx.value(y, x.dtype, shape, x.perm)];
}

export function lowerSoftmax(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const [y] = ctx.emit(node.op, [ctx.tf(x)], { axis: -1 }, { hint: node.name });
  return [ctx.value(y, typeAttr(node, 'T') ?? x.dtype, x.shape)];
}
