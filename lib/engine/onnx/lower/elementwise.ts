/**
 * Element-wise families: unary maths and activations, binary arithmetic and comparisons with
 * NumPy broadcasting, casts and selects. All of them are layout-neutral: they run on whatever
 * layout their operands are in (constants are permuted on the host to match), so the NCHW data
 * between two convolutions stays NCHW.
 * @module engine/onnx/lower/elementwise
 */
import type { GraphNode } from '../../../graph/graph.ts';
import type { DType } from '../../../tensors/host-tensor.ts';
import { boolAttr, floatAttr, typeAttr, type Attr, type LowerContext, type Value } from './context.ts';
import { samePerm, transposeHost } from './layout.ts';
import type { OpEntry } from './ops.ts';
import { ONNX_TYPE_OF, int64s, scalarOf } from './tensors.ts';

/** Integer dtypes ONNX Runtime's arithmetic kernels lack: computed in a wider type, cast back (wrapping as TF does). */
const WIDENED: Partial<Record<DType, DType>> = { DT_INT8: 'DT_INT32', DT_INT16: 'DT_INT32', DT_UINT8: 'DT_INT32', DT_UINT16: 'DT_INT32', DT_UINT32: 'DT_INT64' };

/** The shape NumPy broadcasting gives, when both ranks are known. */
export function broadcastShape(shapes: (number[] | undefined)[]): number[] | undefined {
  if (shapes.some((shape) => !shape)) return undefined;
  const rank = Math.max(...shapes.map((shape) => shape!.length));
  return Array.from({ length: rank }, (_, d) => {
    const dims = shapes.map((shape) => shape![shape!.length - rank + d] ?? 1);
    if (dims.some((dim) => dim === -1)) return dims.every((dim) => dim === -1 || dim === 1) ? -1 : Math.max(...dims);
    return Math.max(...dims);
  });
}

/**
 * The operands' ONNX names in one common layout, and that layout: the first permuted operand's,
 * when every other operand can be brought to it cheaply (same layout, a constant, a scalar, or
 * a known rank); else TF order.
 */
export function alignOperands(ctx: LowerContext, operands: Value[]): { names: string[]; perm?: number[] } {
  const perm = (operands.find((v) => v.perm && !v.constant) ?? operands.find((v) => v.perm))?.perm;
  if (!perm) return { names: operands.map((v) => ctx.tf(v)) };
  const rank = perm.length;
  const fits = (v: Value) => samePerm(v.perm, perm) || (v.shape !== undefined && v.shape.length <= rank);
  if (!operands.every(fits)) return { names: operands.map((v) => ctx.tf(v)) };
  const names = operands.map((v) => {
    if (samePerm(v.perm, perm)) return ctx.inLayout(v, perm);
    const shape = v.shape!;
    if (shape.length === 0) return ctx.tf(v);
    const padded = [...Array<number>(rank - shape.length).fill(1), ...shape];
    if (v.constant) return ctx.initializer(transposeHost({ ...v.constant, shape: padded }, perm));
    if (shape.length === rank) return ctx.inLayout(v, perm);
    const [unsqueezed] = ctx.emit('Unsqueeze', [ctx.tf(v), ctx.initializer(int64s(Array.from({ length: rank - shape.length }, (_, i) => i)))]);
    return ctx.inLayout(ctx.value(unsqueezed, v.dtype, padded), perm);
  });
  return { names, perm };
}

/** One element-wise node over `operands`, in their common layout; `dtype` of the result. */
export function elementwise(ctx: LowerContext, op: string, operands: Value[], dtype: DType, attrs: Record<string, Attr> = {}, hint?: string): Value {
  const { names, perm } = alignOperands(ctx, operands);
  const [out] = ctx.emit(op, names, attrs, { hint });
  return ctx.value(out, dtype, broadcastShape(operands.map((v) => v.shape)), perm);
}

/** Arithmetic in a type ONNX Runtime has kernels for: narrow integers widened, then cast back. */
function arithmetic(ctx: LowerContext, op: string, operands: Value[], hint: string, attrs: Record<string, Attr> = {}): Value {
  const dtype = operands[0].dtype;
  const wide = WIDENED[dtype];
  if (!wide) return elementwise(ctx, op, operands, dtype, attrs, hint);
  const widened = operands.map((v) => cast(ctx, v, wide));
  return cast(ctx, elementwise(ctx, op, widened, wide, attrs, hint), dtype);
}

export function cast(ctx: LowerContext, v: Value, to: DType): Value {
  if (v.dtype === to) return v;
  const [out] = ctx.emit('Cast', [ctx.inLayout(v, v.perm)], { to: ONNX_TYPE_OF[to] });
  return ctx.value(out, to, v.shape, v.perm);
}

/** A scalar constant of `v`'s dtype. */
export function scalarLike(ctx: LowerContext, v: Value, value: number): Value {
  return ctx.constantValue(scalarOf(v.dtype, value));
}

/** Applies a TF activation (by TF op name) to `x`, as the activation family and fused ops do. */
export function activation(ctx: LowerContext, node: GraphNode, op: string, x: Value): Value {
  const unary = (onnx: string, attrs: Record<string, Attr> = {}) => elementwise(ctx, onnx, [x], x.dtype, attrs, `${node.name}/${op}`);
  switch (op) {
    case 'Relu':
      return unary('Relu');
    case 'Relu6':
      return elementwise(ctx, 'Clip', [x, scalarLike(ctx, x, 0), scalarLike(ctx, x, 6)], x.dtype, {}, `${node.name}/Relu6`);
    case 'Elu':
      return unary('Elu', { alpha: { f: 1 } });
    case 'Selu':
      return unary('Selu');
    case 'LeakyRelu':
      return unary('LeakyRelu', { alpha: { f: floatAttr(node, node.op === 'LeakyRelu' ? 'alpha' : 'leakyrelu_alpha', 0.2) } });
    case 'Sigmoid':
    case 'Tanh':
    case 'Softplus':
    case 'Softsign':
      return unary(op);
    default:
      return ctx.refuse(node, `no ONNX lowering for the activation ${op}`);
  }
}

// ------------------------------------------------------------------------- families

export function lowerUnary(ctx: LowerContext, node: GraphNode, entry: OpEntry): Value[] {
  const x = ctx.input(node, 0);
  const hint = node.name;
  switch (node.op) {
    case 'Rsqrt':
      return [elementwise(ctx, 'Reciprocal', [elementwise(ctx, 'Sqrt', [x], x.dtype)], x.dtype, {}, hint)];
    case 'Square':
      return [arithmetic(ctx, 'Mul', [x, x], hint)];
    case 'Neg':
    case 'Abs':
      return [arithmetic(ctx, entry.onnx!, [x], hint)];
    default:
      return [elementwise(ctx, entry.onnx!, [x], node.op === 'IsNan' || node.op === 'IsInf' ? 'DT_BOOL' : x.dtype, {}, hint)];
  }
}

export function lowerActivation(ctx: LowerContext, node: GraphNode): Value[] {
  return [activation(ctx, node, node.op, ctx.input(node, 0))];
}

export function lowerBinary(ctx: LowerContext, node: GraphNode, entry: OpEntry): Value[] {
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  const hint = node.name;
  const float = a.dtype === 'DT_FLOAT' || a.dtype === 'DT_DOUBLE' || a.dtype === 'DT_HALF';
  switch (node.op) {
    case 'SquaredDifference': {
      const d = arithmetic(ctx, 'Sub', [a, b], `${hint}/diff`);
      return [arithmetic(ctx, 'Mul', [d, d], hint)];
    }
    case 'FloorDiv': {
      if (float) return [elementwise(ctx, 'Floor', [elementwise(ctx, 'Div', [a, b], a.dtype)], a.dtype, {}, hint)];
      // Integer Div truncates; floor it: q − 1 where the remainder is non-zero and a, b differ in sign.
      const q = arithmetic(ctx, 'Div', [a, b], `${hint}/trunc`);
      const r = arithmetic(ctx, 'Sub', [a, arithmetic(ctx, 'Mul', [q, b], `${hint}/qb`)], `${hint}/rem`);
      const zero = scalarLike(ctx, a, 0);
      const nonzero = elementwise(ctx, 'Not', [elementwise(ctx, 'Equal', [r, zero], 'DT_BOOL')], 'DT_BOOL');
      const signs = elementwise(ctx, 'Xor', [elementwise(ctx, 'Less', [r, zero], 'DT_BOOL'), elementwise(ctx, 'Less', [b, zero], 'DT_BOOL')], 'DT_BOOL');
      const adjust = cast(ctx, elementwise(ctx, 'And', [nonzero, signs], 'DT_BOOL'), a.dtype);
      return [arithmetic(ctx, 'Sub', [q, adjust], hint)];
    }
    case 'FloorMod': {
      // Integers: ONNX Mod (fmod=0) takes the divisor's sign, as FloorMod does; floats: a − floor(a/b)·b.
      if (!float) return [arithmetic(ctx, 'Mod', [a, b], hint, { fmod: 0 })];
      const floor = elementwise(ctx, 'Floor', [elementwise(ctx, 'Div', [a, b], a.dtype)], a.dtype);
      return [elementwise(ctx, 'Sub', [a, elementwise(ctx, 'Mul', [floor, b], a.dtype)], a.dtype, {}, hint)];
    }
    default:
      if (entry.family === 'compare') return [elementwise(ctx, entry.onnx!, [a, b], 'DT_BOOL', {}, hint)];
      if (entry.family === 'logical') return [elementwise(ctx, entry.onnx!, [a, b], 'DT_BOOL', {}, hint)];
      return [arithmetic(ctx, entry.onnx!, [a, b], hint)];
  }
}

/** AddN → Sum; ClipByValue → Min(Max(x, lo), hi) (its bounds may be tensors, ONNX Clip's may not). */
export function lowerVariadic(ctx: LowerContext, node: GraphNode): Value[] {
  const inputs = Array.from({ length: ctx.inputCount(node) }, (_, i) => ctx.input(node, i));
  if (node.op === 'AddN') return [inputs.length === 1 ? inputs[0] : arithmetic(ctx, 'Sum', inputs, node.name)];
  const [x, lo, hi] = inputs;
  return [arithmetic(ctx, 'Min', [arithmetic(ctx, 'Max', [x, lo], `${node.name}/lo`), hi], node.name)];
}

export function lowerCast(ctx: LowerContext, node: GraphNode): Value[] {
  const to = typeAttr(node, 'DstT') ?? ctx.refuse(node, 'it has no DstT');
  if (boolAttr(node, 'Truncate') && to !== 'DT_FLOAT') ctx.refuse(node, 'Truncate=true is not lowered');
  return [cast(ctx, ctx.input(node, 0), to)];
}

export function lowerSelect(ctx: LowerContext, node: GraphNode): Value[] {
  const [cond, a, b] = [0, 1, 2].map((i) => ctx.input(node, i));
  if (node.op === 'Select' && (cond.shape?.length ?? -1) !== (a.shape?.length ?? -2)) {
    ctx.refuse(node, 'Select with a condition of lower rank than its operands (row selection) is not lowered');
  }
  return [elementwise(ctx, 'Where', [cond, a, b], a.dtype, {}, node.name)];
}
