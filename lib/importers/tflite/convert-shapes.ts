/**
 * Converters for the TFLite ops that move, cut, join or reduce values (reshape, squeeze, pad,
 * concat, slice, gather, reductions…), with their batch-dimension rules (ops.ts `BatchRule`):
 * where a converted model spelled out a batch of 1 (reshape to [1, …], slice end 1), the batch
 * dimension is written as "whole" (-1, masks) so other batch sizes pass.
 * @module importers/tflite/convert-shapes
 */
import type { AttrValue } from '../../graph/graph.ts';
import type { OpContext } from './context.ts';
import { sizeOf } from '../../tensors/host-tensor.ts';

const float: AttrValue = { kind: 'type', value: 'DT_FLOAT' };
const ints = (values: number[]): AttrValue => ({ kind: 'list', ints: values });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const bool = (value: boolean): AttrValue => ({ kind: 'bool', value });
const type = (value: string): AttrValue => ({ kind: 'type', value });

/** Axis `axis` of a rank-`rank` tensor, made non-negative. */
function normalizeAxis(ctx: OpContext, axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= Math.max(rank, 1)) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return normalized;
}

/** Applies the `axis` batch rule: outputs carry the batch unless the op works along axis 0. */
function axisRule(ctx: OpContext, axes: number[]): void {
  if (axes.includes(0)) ctx.fixBatch('works along dimension 0');
}

/** Joining values (concat, pack): a constant among them has a fixed dimension 0. */
function joinRule(ctx: OpContext, axis: number): void {
  const constants = ctx.op.inputs.length - ctx.dataInputs().length;
  if (constants > 0) ctx.fixBatch('joins batch-carrying values with a constant');
  else axisRule(ctx, [axis]);
}

export function reshape(ctx: OpContext): void {
  const inShape = ctx.shape(0);
  let target: number[];
  if (ctx.has(1) && ctx.constant(1)) target = ctx.ints(1, 'shape');
  else if (ctx.has(1)) {
    // A computed shape: passed on as is.
    ctx.fixBatch('reshapes to a computed shape');
    ctx.finish('Reshape', [ctx.input(0), ctx.input(1)], { T: type(ctx.dtype()) }, 0);
    return;
  } else target = Array.isArray(ctx.options.new_shape) ? [...ctx.options.new_shape] : [...ctx.outShape()];
  if (target.includes(-1) && !ctx.outShape().includes(-1) && sizeOf(ctx.outShape()) === sizeOf(inShape)) target = [...ctx.outShape()];
  // With the batch carried at dimension 0 and kept there, the leading size becomes -1 (any batch).
  const keepsBatch = ctx.carries(0) && target.length > 0 && !target.slice(1).includes(-1)
    && (target[0] === -1 || target[0] === inShape[0]) && sizeOf(target.slice(1)) === sizeOf(inShape.slice(1));
  if (keepsBatch) {
    target[0] = -1;
    ctx.setCarries(true);
  } else ctx.fixBatch(`reshapes [${inShape}] to [${target}]`);
  ctx.finish('Reshape', [ctx.input(0), ctx.int32s('shape', target)], { T: type(ctx.dtype()) }, 0);
}

export function squeeze(ctx: OpContext): void {
  const shape = ctx.shape(0);
  const given = Array.isArray(ctx.options.squeeze_dims) ? ctx.options.squeeze_dims : [];
  // Always explicit: "every size-1 dimension" would also drop a batch of 1.
  const dims = given.length ? given.map((d) => normalizeAxis(ctx, d, shape.length)) : shape.flatMap((d, k) => (d === 1 ? [k] : []));
  axisRule(ctx, dims);
  ctx.finish('Squeeze', [ctx.input(0)], { T: type(ctx.dtype()), squeeze_dims: ints(dims) }, 0);
}

export function expandDims(ctx: OpContext): void {
  const rank = ctx.shape(0).length;
  const [axis] = ctx.ints(1, 'axis');
  const normalized = axis < 0 ? axis + rank + 1 : axis;
  axisRule(ctx, normalized === 0 ? [0] : []);
  ctx.finish('ExpandDims', [ctx.input(0), ctx.int32s('axis', [normalized], [])], { T: type(ctx.dtype()) }, 0);
}

export function transpose(ctx: OpContext): void {
  const perm = ctx.ints(1, 'perm');
  if (ctx.carries(0) && perm[0] === 0) ctx.setCarries(true);
  else ctx.fixBatch(`moves dimension 0 (perm [${perm}])`);
  ctx.finish('Transpose', [ctx.input(0), ctx.input(1)], { T: type(ctx.dtype()) }, 0);
}

export function pad(op: 'Pad' | 'PadV2'): (ctx: OpContext) => void {
  return (ctx) => {
    const paddings = ctx.ints(1, 'paddings');
    axisRule(ctx, paddings[0] || paddings[1] ? [0] : []);
    const inputs = [ctx.input(0), ctx.input(1), ...(op === 'PadV2' ? [ctx.input(2)] : [])];
    ctx.finish(op, inputs, { T: type(ctx.dtype()) }, 0);
  };
}

export function resize(op: string): (ctx: OpContext) => void {
  return (ctx) => ctx.finish(op, [ctx.input(0), ctx.input(1)], {
    T: float,
    align_corners: bool(ctx.options.align_corners === true),
    half_pixel_centers: bool(ctx.options.half_pixel_centers === true),
  }, 0);
}

export function concatenation(ctx: OpContext): void {
  const rank = ctx.outShape().length;
  const axis = normalizeAxis(ctx, Number(ctx.options.axis ?? 0), rank);
  const inputs = ctx.op.inputs.map((_, i) => ctx.input(i));
  joinRule(ctx, axis);
  ctx.finish('ConcatV2', [...inputs, ctx.int32s('axis', [axis], [])], { T: type(ctx.dtype()), N: int(inputs.length) });
}

export function pack(ctx: OpContext): void {
  const rank = ctx.outShape().length;
  const axis = normalizeAxis(ctx, Number(ctx.options.axis ?? 0), rank);
  joinRule(ctx, axis);
  const inputs = ctx.op.inputs.map((_, i) => ctx.input(i));
  ctx.finish('Pack', inputs, { T: type(ctx.dtype()), N: int(inputs.length), axis: int(axis) }, 0);
}

export function unpack(ctx: OpContext): void {
  const axis = normalizeAxis(ctx, Number(ctx.options.axis ?? 0), ctx.shape(0).length);
  axisRule(ctx, [axis]);
  const name = ctx.node(ctx.out(0), 'Unpack', [ctx.input(0)], { T: type(ctx.dtype()), num: int(ctx.op.outputs.length), axis: int(axis) });
  ctx.op.outputs.forEach((_, i) => ctx.bind(i, i ? `${name}:${i}` : name));
}

export function split(ctx: OpContext): void {
  const [axis] = ctx.ints(0, 'axis');
  const normalized = normalizeAxis(ctx, axis, ctx.shape(1).length);
  axisRule(ctx, [normalized]);
  const name = ctx.node(ctx.out(0), 'Split', [ctx.int32s('axis', [normalized], []), ctx.input(1)], {
    T: type(ctx.dtype()),
    num_split: int(ctx.op.outputs.length),
  });
  ctx.op.outputs.forEach((_, i) => ctx.bind(i, i ? `${name}:${i}` : name));
}

export function stridedSlice(ctx: OpContext): void {
  const o = ctx.options;
  let [beginMask, endMask] = [Number(o.begin_mask ?? 0), Number(o.end_mask ?? 0)];
  const [ellipsis, newAxis, shrink] = [Number(o.ellipsis_mask ?? 0), Number(o.new_axis_mask ?? 0), Number(o.shrink_axis_mask ?? 0)];
  const begin = ctx.ints(1, 'begin');
  let end = ctx.ints(2, 'end');
  const strides = ctx.ints(3, 'strides');
  if (o.offset === true) end = end.map((e, k) => begin[k] + e);
  // Dimension 0 taken whole (as converted with batch 1): say so with the masks so any batch passes.
  const whole = !(ellipsis & 1) && !(newAxis & 1) && !(shrink & 1) && strides[0] === 1
    && ((beginMask & 1) || begin[0] === 0) && ((endMask & 1) || end[0] >= ctx.shape(0)[0]);
  if (ctx.carries(0) && whole) {
    beginMask |= 1;
    endMask |= 1;
    ctx.setCarries(true);
  } else if (ctx.carries(0) && (ellipsis & 1)) ctx.setCarries(true);
  else ctx.fixBatch('slices dimension 0');
  ctx.finish('StridedSlice', [ctx.input(0), ctx.int32s('begin', begin), ctx.int32s('end', end), ctx.int32s('strides', strides)], {
    T: type(ctx.dtype()),
    Index: type('DT_INT32'),
    begin_mask: int(beginMask),
    end_mask: int(endMask),
    ellipsis_mask: int(ellipsis),
    new_axis_mask: int(newAxis),
    shrink_axis_mask: int(shrink),
  }, 0);
}

export function slice(ctx: OpContext): void {
  const begin = ctx.ints(1, 'begin');
  const size = ctx.ints(2, 'size');
  if (ctx.carries(0) && begin[0] === 0 && (size[0] === -1 || size[0] === ctx.shape(0)[0])) {
    size[0] = -1;
    ctx.setCarries(true);
  } else ctx.fixBatch('slices dimension 0');
  ctx.finish('Slice', [ctx.input(0), ctx.int32s('begin', begin), ctx.int32s('size', size)], { T: type(ctx.dtype()) }, 0);
}

export function gather(ctx: OpContext): void {
  const axis = normalizeAxis(ctx, Number(ctx.options.axis ?? 0), ctx.shape(0).length);
  const batchDims = Number(ctx.options.batch_dims ?? 0);
  const [params, indices] = [ctx.carries(0), ctx.carries(1)];
  if (batchDims === 0 && ((axis === 0 && !params && indices) || (axis > 0 && params && !indices))) ctx.setCarries(true);
  else ctx.fixBatch('gathers along dimension 0');
  ctx.finish('GatherV2', [ctx.input(0), ctx.input(1), ctx.int32s('axis', [axis], [])], {
    Tparams: type(ctx.dtype()),
    batch_dims: int(batchDims),
  }, 0);
}

export function tile(ctx: OpContext): void {
  const multiples = ctx.ints(1, 'multiples');
  if (ctx.carries(0) && multiples[0] === 1) ctx.setCarries(true);
  else ctx.fixBatch('tiles dimension 0');
  ctx.finish('Tile', [ctx.input(0), ctx.input(1)], { T: type(ctx.dtype()) }, 0);
}

export function reduce(op: string): (ctx: OpContext) => void {
  return (ctx) => {
    const rank = ctx.shape(0).length;
    const axes = ctx.ints(1, 'axis').map((a) => normalizeAxis(ctx, a, rank));
    axisRule(ctx, axes);
    ctx.finish(op, [ctx.input(0), ctx.int32s('axis', axes)], { T: type(ctx.dtype()), keep_dims: bool(ctx.options.keep_dims === true) }, 0);
  };
}

export function argReduce(op: string): (ctx: OpContext) => void {
  return (ctx) => {
    const [axis] = ctx.ints(1, 'axis');
    const normalized = normalizeAxis(ctx, axis, ctx.shape(0).length);
    axisRule(ctx, [normalized]);
    ctx.finish(op, [ctx.input(0), ctx.int32s('axis', [normalized], [])], { T: float, output_type: type('DT_INT32') }, 0);
  };
}
