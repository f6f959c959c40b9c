/**
 * Axis permutations, the way the lowering tracks layouts: a value whose `perm` is p holds, in its
 * physical axis i, the TensorFlow axis p[i] (NCHW data of an NHWC tensor: p = [0, 3, 1, 2]).
 * ONNX's Transpose(perm = q) gives output axis i = input axis q[i], so turning TF order into the
 * layout p is Transpose(p) and back is Transpose(invert(p)).
 * @module engine/onnx/lower/layout
 */
import { allocateValues, sizeOf, type HostTensor } from '../../../tensors/host-tensor.ts';

/** NHWC data stored as NCHW. */
export const NCHW = [0, 3, 1, 2];

export function isIdentity(perm: readonly number[] | undefined): boolean {
  return !perm || perm.every((axis, i) => axis === i);
}

export function invert(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}

export function samePerm(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (isIdentity(a) || isIdentity(b)) return isIdentity(a) && isIdentity(b);
  return a!.length === b!.length && a!.every((axis, i) => axis === b![i]);
}

/** `shape` in the order of `perm` (output axis i = shape[perm[i]]). */
export function permuteShape<T>(shape: readonly T[], perm: readonly number[]): T[] {
  return perm.map((axis) => shape[axis]);
}

/**
 * The layout left after removing the TF axes in `removed` from a value in layout `perm`: the
 * remaining physical axes, renumbered. Undefined when that is TF order again.
 */
export function dropAxes(perm: readonly number[], removed: ReadonlySet<number>): number[] | undefined {
  const kept = perm.filter((axis) => !removed.has(axis));
  const order = [...kept].sort((a, b) => a - b);
  const renumbered = kept.map((axis) => order.indexOf(axis));
  return isIdentity(renumbered) ? undefined : renumbered;
}

/** A host tensor transposed by `perm` (ONNX semantics), for constants. */
export function transposeHost<T extends HostTensor>(tensor: T, perm: readonly number[]): T {
  if (isIdentity(perm)) return tensor;
  const { shape } = tensor;
  const outShape = permuteShape(shape, perm);
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, stride = 1; d >= 0; d--) {
    inStrides[d] = stride;
    stride *= shape[d];
  }
  const strides = perm.map((axis) => inStrides[axis]);
  const source = tensor.values as unknown as ArrayLike<unknown>;
  const values = allocateValues(tensor.dtype, sizeOf(shape)) as unknown as { [i: number]: unknown; length: number };
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = source[from];
    for (let d = rank - 1; d >= 0; d--) {
      from += strides[d];
      if (++index[d] < outShape[d]) break;
      from -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return { ...tensor, shape: outShape, values } as T;
}
