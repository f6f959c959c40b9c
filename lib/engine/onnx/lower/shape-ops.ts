/**
 * Shape and data-movement families: Identity, Reshape, Squeeze/ExpandDims, Concat/Pack/Unpack/
 * Split, Shape, Slice/StridedSlice, Gather, Transpose (a layout change, no node), Fill, Tile,
 * Range. Shapes known while lowering fold: Shape of a fully known shape is a constant.
 * @module engine/onnx/lower/shape-ops
 */
import type { GraphNode } from '../../../graph/graph.ts';
import { numbersOf, sizeOf, type HostTensor } from '../../../tensors/host-tensor.ts';
import { intAttr, intsAttr, typeAttr, type LowerContext, type Value } from './context.ts';
import { alignOperands, cast } from './elementwise.ts';
import { dropAxes, invert, samePerm, transposeHost } from './layout.ts';
import { int64s, scalarOf } from './tensors.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

const ints = (tensor: HostTensor) => Array.from(numbersOf(tensor));

export function lowerIdentity(ctx: LowerContext, node: GraphNode): Value[] {
  if (node.op === 'IdentityN') return Array.from({ length: ctx.inputCount(node) }, (_, i) => ctx.input(node, i));
  return [ctx.input(node, 0)];
}

export function lowerConst(ctx: LowerContext, node: GraphNode): Value[] {
  const value = node.attrs.value;
  if (value?.kind !== 'tensor') return ctx.refuse(node, 'a Const without a tensor value');
  return [ctx.constantValue(value.value)];
}

export function lowerReshape(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const shapeInput = ctx.input(node, 1);
  let shape: number[] | undefined;
  if (shapeInput.constant) {
    shape = ints(shapeInput.constant);
    const known = x.shape && x.shape.every((d) => d >= 0) ? sizeOf(x.shape) : undefined;
    const rest = shape.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
    if (known !== undefined && rest > 0) shape = shape.map((d) => (d < 0 ? known / rest : d));
  } else if (shapeInput.shape?.length === 1 && shapeInput.shape[0] >= 0) {
    shape = new Array<number>(shapeInput.shape[0]).fill(-1);
  }
  // allowzero: a 0 in TF's shape is a size, not "copy this dimension".
  const [y] = ctx.emit('Reshape', [ctx.tf(x), ctx.int64(shapeInput)], { allowzero: 1 }, { hint: node.name });
  return [ctx.value(y, x.dtype, shape)];
}

export function lowerSqueeze(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const listed = intsAttr(node, 'squeeze_dims') ?? intsAttr(node, 'axis') ?? [];
  const rank = x.shape?.length;
  if (listed.length === 0) {
    const [y] = ctx.emit('Squeeze', [ctx.tf(x)], {}, { hint: node.name });
    return [ctx.value(y, x.dtype, x.shape?.every((d) => d >= 0) ? x.shape.filter((d) => d !== 1) : undefined)];
  }
  if (rank === undefined && (x.perm || listed.some((axis) => axis < 0))) ctx.refuse(node, 'negative squeeze axes of a value of unknown rank');
  const axes = listed.map((axis) => (axis < 0 ? axis + rank! : axis));
  const removed = new Set(axes);
  const physical = x.perm ? axes.map((axis) => x.perm!.indexOf(axis)) : axes;
  const [y] = ctx.emit('Squeeze', [ctx.inLayout(x, x.perm), ctx.initializer(int64s(physical))], {}, { hint: node.name });
  return [ctx.value(y, x.dtype, x.shape?.filter((_, d) => !removed.has(d)), x.perm && dropAxes(x.perm, removed))];
}

export function lowerExpandDims(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const [axis] = ints(ctx.constantInput(node, 1, 'axis'));
  const [y] = ctx.emit('Unsqueeze', [ctx.tf(x), ctx.initializer(int64s([axis]))], {}, { hint: node.name });
  let shape: number[] | undefined;
  if (x.shape) {
    shape = [...x.shape];
    shape.splice(axis < 0 ? axis + x.shape.length + 1 : axis, 0, 1);
  }
  return [ctx.value(y, x.dtype, shape)];
}

export function lowerConcat(ctx: LowerContext, node: GraphNode): Value[] {
  const count = ctx.inputCount(node);
  const v2 = node.op === 'ConcatV2';
  const axisIndex = v2 ? count - 1 : 0;
  const values = Array.from({ length: count }, (_, i) => i).filter((i) => i !== axisIndex).map((i) => ctx.input(node, i));
  let [axis] = ints(ctx.constantInput(node, axisIndex, 'axis'));
  const rank = values.find((v) => v.shape)?.shape?.length;
  if (axis < 0 && rank !== undefined) axis += rank;
  // NCHW operands stay NCHW when the others can follow (constants, or operands of the same layout).
  const perm = values.find((v) => v.perm)?.perm;
  const aligned = perm && axis >= 0 && values.every((v) => samePerm(v.perm, perm) || (v.constant && v.shape!.length === perm.length)) ? alignOperands(ctx, values) : undefined;
  const names = aligned?.perm ? aligned.names : values.map((v) => ctx.tf(v));
  const physicalAxis = aligned?.perm ? aligned.perm.indexOf(axis) : axis;
  const [y] = ctx.emit('Concat', names, { axis: physicalAxis }, { hint: node.name });
  let shape: number[] | undefined;
  if (values.every((v) => v.shape) && axis >= 0) {
    shape = [...values[0].shape!];
    shape[axis] = values.some((v) => v.shape![axis] < 0) ? -1 : values.reduce((sum, v) => sum + v.shape![axis], 0);
  }
  return [ctx.value(y, values[0].dtype, shape, aligned?.perm)];
}

export function lowerPack(ctx: LowerContext, node: GraphNode): Value[] {
  const values = Array.from({ length: ctx.inputCount(node) }, (_, i) => ctx.input(node, i));
  const axis = intAttr(node, 'axis', 0);
  const axes = ctx.initializer(int64s([axis]));
  const parts = values.map((v) => ctx.emit('Unsqueeze', [ctx.tf(v), axes], {}, { hint: `${node.name}/unsqueeze` })[0]);
  const [y] = ctx.emit('Concat', parts, { axis }, { hint: node.name });
  let shape: number[] | undefined;
  if (values[0].shape) {
    shape = [...values[0].shape];
    shape.splice(axis < 0 ? axis + shape.length + 1 : axis, 0, values.length);
  }
  return [ctx.value(y, values[0].dtype, shape)];
}

export function lowerUnpack(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const num = intAttr(node, 'num', 0);
  const axis = intAttr(node, 'axis', 0);
  const parts = ctx.emit('Split', [ctx.tf(x)], { axis, num_outputs: num }, { outputs: num, hint: node.name });
  const axes = ctx.initializer(int64s([axis]));
  const shape = x.shape?.filter((_, d) => d !== (axis < 0 ? axis + x.shape!.length : axis));
  return parts.map((part) => ctx.value(ctx.emit('Squeeze', [part, axes], {}, { hint: `${node.name}/squeeze` })[0], x.dtype, shape));
}

/** Split (axis, value; num_split equal parts) and SplitV (value, size_splits, axis). */
export function lowerSplit(ctx: LowerContext, node: GraphNode): Value[] {
  const v = node.op === 'SplitV';
  const x = ctx.input(node, v ? 0 : 1);
  let [axis] = ints(ctx.constantInput(node, v ? 2 : 0, 'axis'));
  if (axis < 0 && x.shape) axis += x.shape.length;
  const num = intAttr(node, 'num_split', 1);
  const inputs = [ctx.tf(x)];
  const attrs: Record<string, number> = { axis };
  let sizes: number[] | undefined;
  if (v) {
    sizes = ints(ctx.constantInput(node, 1, 'size_splits'));
    if (sizes.some((s) => s < 0)) {
      const total = x.shape?.[axis] ?? -1;
      if (total < 0) ctx.refuse(node, 'a size of -1 along an axis of unknown size');
      sizes = sizes.map((s) => (s < 0 ? total - sizes!.filter((t) => t >= 0).reduce((a, b) => a + b, 0) : s));
    }
    inputs.push(ctx.initializer(int64s(sizes)));
  } else {
    attrs.num_outputs = num;
  }
  const count = sizes?.length ?? num;
  const parts = ctx.emit('Split', inputs, attrs, { outputs: count, hint: node.name });
  return parts.map((part, i) => {
    const shape = x.shape && axis >= 0 ? x.shape.map((d, a) => (a !== axis ? d : sizes ? sizes[i] : d < 0 ? -1 : d / num)) : undefined;
    return ctx.value(part, x.dtype, shape);
  });
}

export function lowerShape(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const outType = typeAttr(node, 'out_type') ?? 'DT_INT32';
  const rank = x.shape?.length;
  if (x.shape && x.shape.every((d) => d >= 0)) {
    const values = outType === 'DT_INT64' ? BigInt64Array.from(x.shape, BigInt) : Int32Array.from(x.shape);
    return [ctx.constantValue({ dtype: outType, shape: [x.shape.length], values } as HostTensor)];
  }
  let [shape] = ctx.emit('Shape', [ctx.inLayout(x, x.perm)], {}, { hint: node.name });
  if (x.perm) shape = ctx.emit('Gather', [shape, ctx.initializer(int64s(invert(x.perm)))], { axis: 0 }, { hint: `${node.name}/tf_order` })[0];
  return [cast(ctx, ctx.value(shape, 'DT_INT64', rank === undefined ? undefined : [rank]), outType)];
}

/**
 * StridedSlice with constant begin/end/strides: one ONNX Slice over the axes the spec names, then
 * Squeeze for shrink_axis_mask and Unsqueeze for new_axis_mask; the ellipsis covers what the spec
 * leaves out.
 */
export function lowerStridedSlice(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const [begin, end, strides] = [1, 2, 3].map((i) => ints(ctx.constantInput(node, i, ['begin', 'end', 'strides'][i - 1])));
  const mask = (name: string) => intAttr(node, name, 0);
  const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask] = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map(mask);
  const specs = begin.length;
  const rank = x.shape?.length;
  const consumed = Array.from({ length: specs }, (_, i) => i).filter((i) => !(ellipsisMask & (1 << i)) && !(newAxisMask & (1 << i))).length;
  if (ellipsisMask && rank === undefined) ctx.refuse(node, 'an ellipsis over a value of unknown rank');
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const axes: number[] = [];
  const steps: bigint[] = [];
  const squeeze: number[] = [];
  const unsqueeze: number[] = [];
  let inAxis = 0;
  let outAxis = 0; // the output axis the next spec entry makes (new axes count)
  for (let i = 0; i < specs; i++) {
    const bit = 1 << i;
    if (ellipsisMask & bit) {
      const covered = rank! - consumed;
      inAxis += covered;
      outAxis += covered;
      continue;
    }
    if (newAxisMask & bit) {
      unsqueeze.push(outAxis++);
      continue;
    }
    const step = strides[i];
    if (shrinkMask & bit) {
      starts.push(BigInt(begin[i]));
      ends.push(begin[i] === -1 ? INT64_MAX : BigInt(begin[i] + 1));
      steps.push(1n);
      axes.push(inAxis);
      squeeze.push(inAxis);
    } else {
      starts.push(beginMask & bit ? (step > 0 ? 0n : INT64_MAX) : BigInt(begin[i]));
      ends.push(endMask & bit ? (step > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i]));
      steps.push(BigInt(step));
      axes.push(inAxis);
      outAxis++;
    }
    inAxis++;
  }
  const i64 = (values: bigint[]) => ctx.initializer({ dtype: 'DT_INT64', shape: [values.length], values: BigInt64Array.from(values) });
  // A permuted input (NCHW data) is sliced where it is, unless new axes make the layout ambiguous.
  const perm = !ellipsisMask && !newAxisMask ? x.perm : undefined;
  const physical = (tfAxes: number[]) => (perm ? tfAxes.map((axis) => perm.indexOf(axis)) : tfAxes);
  const source = perm ? ctx.inLayout(x, perm) : ctx.tf(x);
  let [y] = axes.length ? ctx.emit('Slice', [source, i64(starts), i64(ends), ctx.initializer(int64s(physical(axes))), i64(steps)], {}, { hint: node.name }) : [source];
  if (squeeze.length) [y] = ctx.emit('Squeeze', [y, ctx.initializer(int64s(physical(squeeze)))], {}, { hint: `${node.name}/shrink` });
  if (unsqueeze.length) [y] = ctx.emit('Unsqueeze', [y, ctx.initializer(int64s(unsqueeze))], {}, { hint: `${node.name}/new_axis` });
  let shape: number[] | undefined;
  if (rank !== undefined && !ellipsisMask && !newAxisMask) {
    shape = [];
    for (let a = 0; a < rank; a++) {
      const k = axes.indexOf(a);
      if (squeeze.includes(a)) continue;
      if (k < 0 || x.shape![a] < 0) {
        shape.push(k < 0 ? x.shape![a] : -1);
        continue;
      }
      const size = x.shape![a];
      const clamp = (v: bigint, lo: number, hi: number) => Math.min(Math.max(Number(v < 0n && v > INT64_MIN ? v + BigInt(size) : v), lo), hi);
      const step = Number(steps[k]);
      const s = step > 0 ? clamp(starts[k], 0, size) : clamp(starts[k], -1, size - 1);
      const e = step > 0 ? clamp(ends[k], 0, size) : clamp(ends[k], -1, size - 1);
      shape.push(Math.max(0, Math.ceil((e - s) / step)));
    }
  }
  return [ctx.value(y, x.dtype, shape, perm && dropAxes(perm, new Set(squeeze)))];
}

/** Slice(begin, size): size −1 runs to the end. */
export function lowerSlice(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const begin = ctx.input(node, 1);
  const size = ctx.input(node, 2);
  let starts: string;
  let ends: string;
  let shape: number[] | undefined;
  if (begin.constant && size.constant) {
    const b = ints(begin.constant);
    const s = ints(size.constant);
    starts = ctx.initializer(int64s(b));
    ends = ctx.initializer({ dtype: 'DT_INT64', shape: [b.length], values: BigInt64Array.from(b, (v, i) => (s[i] < 0 ? INT64_MAX : BigInt(v + s[i]))) });
    shape = s.map((d, i) => (d >= 0 ? d : x.shape && x.shape[i] >= 0 ? x.shape[i] - b[i] : -1));
  } else {
    starts = ctx.int64(begin);
    const sizes = ctx.int64(size);
    const [sum] = ctx.emit('Add', [starts, sizes]);
    const [toEnd] = ctx.emit('Equal', [sizes, ctx.initializer(scalarOf('DT_INT64', -1))]);
    [ends] = ctx.emit('Where', [toEnd, ctx.initializer({ dtype: 'DT_INT64', shape: [], values: BigInt64Array.of(INT64_MAX) }), sum]);
    shape = x.shape?.map(() => -1);
  }
  const [y] = ctx.emit('Slice', [ctx.tf(x), starts, ends], {}, { hint: node.name });
  return [ctx.value(y, x.dtype, shape)];
}

export function lowerGather(ctx: LowerContext, node: GraphNode): Value[] {
  const params = ctx.input(node, 0);
  const indices = ctx.input(node, 1);
  let axis = 0;
  if (node.op === 'GatherV2') {
    [axis] = ints(ctx.constantInput(node, 2, 'axis'));
    if (intAttr(node, 'batch_dims', 0) !== 0) ctx.refuse(node, 'batch_dims ≠ 0');
  }
  if (axis < 0 && params.shape) axis += params.shape.length;
  const [y] = ctx.emit('Gather', [ctx.tf(params), ctx.tf(indices)], { axis }, { hint: node.name });
  const shape = params.shape && indices.shape && axis >= 0 ? [...params.shape.slice(0, axis), ...indices.shape, ...params.shape.slice(axis + 1)] : undefined;
  return [ctx.value(y, params.dtype, shape)];
}

/** A layout change: the data stays where it is, only its recorded layout changes. */
export function lowerTranspose(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const q = ints(ctx.constantInput(node, 1, 'perm'));
  if (x.constant) return [ctx.constantValue(transposeHost(x.constant, q))];
  const shape = x.shape && q.map((axis) => x.shape![axis]);
  const qInverse = invert(q);
  const have = x.perm ?? q.map((_, i) => i);
  const perm = have.map((axis) => qInverse[axis]);
  return [ctx.value(ctx.inLayout(x, x.perm), x.dtype, shape, perm)];
}

export function lowerFill(ctx: LowerContext, node: GraphNode): Value[] {
  const dims = ctx.input(node, 0);
  const value = ctx.input(node, 1);
  const [y] = ctx.emit('Expand', [ctx.tf(value), ctx.int64(dims)], {}, { hint: node.name });
  return [ctx.value(y, value.dtype, dims.constant ? ints(dims.constant) : undefined)];
}

/** ZerosLike/OnesLike: ConstantOfShape over x's shape, in x's layout. */
export function lowerConstantLike(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const [shape] = ctx.emit('Shape', [ctx.inLayout(x, x.perm)]);
  const fill = scalarOf(x.dtype, node.op === 'OnesLike' ? 1 : 0);
  const [y] = ctx.emit('ConstantOfShape', [shape], { value: { t: { ...fill, shape: [1] } } }, { hint: node.name });
  return [ctx.value(y, x.dtype, x.shape, x.perm)];
}

export function lowerTile(ctx: LowerContext, node: GraphNode): Value[] {
  const x = ctx.input(node, 0);
  const multiples = ctx.input(node, 1);
  const [y] = ctx.emit('Tile', [ctx.tf(x), ctx.int64(multiples)], {}, { hint: node.name });
  const m = multiples.constant ? ints(multiples.constant) : undefined;
  return [ctx.value(y, x.dtype, x.shape && m ? x.shape.map((d, i) => (d < 0 ? -1 : d * m[i])) : x.shape?.map(() => -1))];
}

export function lowerRange(ctx: LowerContext, node: GraphNode): Value[] {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.input(node, i));
  const dtype = typeAttr(node, 'Tidx') ?? start.dtype;
  const [y] = ctx.emit('Range', [start, limit, delta].map((v) => ctx.tf(cast(ctx, v, dtype))), {}, { hint: node.name });
  return [ctx.value(y, dtype, [-1])];
}
