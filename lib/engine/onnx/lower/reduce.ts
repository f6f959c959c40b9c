/**
 * Reductions (Mean, Sum, Max, Min, Prod with keep_dims) and ArgMax/ArgMin. Layout-neutral: the
 * axes are mapped onto the input's layout, so a global average pool over NCHW data needs no
 * Transpose back.
 * @module engine/onnx/lower/reduce
 */
import type { GraphNode } from '../../../graph/graph.ts';
import { numbersOf } from '../../../tensors/host-tensor.ts';
import { boolAttr, typeAttr, type LowerContext, type Value } from './context.ts';
import { cast } from './elementwise.ts';
import { dropAxes } from './layout.ts';
import type { OpEntry } from './ops.ts';
import { int64s } from './tensors.ts';

/** TF axes (a constant input) made non-negative; refuses negative axes of a value of unknown rank. */
function axesOf(ctx: LowerContext, node: GraphNode, x: Value, input: number): number[] {
  const axes = Array.from(numbersOf(ctx.constantInput(node, input, 'axes')));
  const rank = x.shape?.length;
  if (rank === undefined) return axes.some((axis) => axis < 0) && x.perm ? ctx.refuse(node, 'negative axes of a value of unknown rank') : axes;
  return axes.map((axis) => (axis < 0 ? axis + rank : axis));
}

export function lowerReduce(ctx: LowerContext, node: GraphNode, entry: OpEntry): Value[] {
  const x = ctx.input(node, 0);
  const keep = boolAttr(node, 'keep_dims');
  let axes = axesOf(ctx, node, x, 1);
  if (axes.length === 0) return [x]; // TF reduces nothing
  const removed = new Set(axes);
  let perm = x.perm;
  if (perm) {
    axes = axes.map((axis) => perm!.indexOf(axis));
    perm = keep ? perm : dropAxes(perm, removed);
  }
  const [y] = ctx.emit(entry.onnx!, [ctx.inLayout(x, x.perm), ctx.initializer(int64s(axes))], { keepdims: keep ? 1 : 0 }, { hint: node.name });
  const shape = x.shape && (keep ? x.shape.map((size, axis) => (removed.has(axis) ? 1 : size)) : x.shape.filter((_, axis) => !removed.has(axis)));
  return [ctx.value(y, x.dtype, shape, perm)];
}

export function lowerArgMax(ctx: LowerContext, node: GraphNode, entry: OpEntry): Value[] {
  const x = ctx.input(node, 0);
  const [tfAxis] = axesOf(ctx, node, x, 1);
  const axis = x.perm ? x.perm.indexOf(tfAxis) : tfAxis;
  const perm = x.perm && dropAxes(x.perm, new Set([tfAxis]));
  // TF picks the first of equal values, as select_last_index=0 does.
  const [y] = ctx.emit(entry.onnx!, [ctx.inLayout(x, x.perm)], { axis, keepdims: 0, select_last_index: 0 }, { hint: node.name });
  const shape = x.shape?.filter((_, d) => d !== (tfAxis < 0 ? tfAxis + x.shape!.length : tfAxis));
  const result = ctx.value(y, 'DT_INT64', shape, perm);
  return [cast(ctx, result, typeAttr(node, 'output_type') ?? 'DT_INT64')];
}
