/**
 * Each family of the op table (ops.ts) and the emitter that lowers it; listed once, here.
 * @module engine/onnx/lower/families
 */
import type { GraphNode } from '../../../graph/graph.ts';
import type { LowerContext, Value } from './context.ts';
import { lowerActivation, lowerBinary, lowerCast, lowerSelect, lowerUnary, lowerVariadic } from './elementwise.ts';
import { lowerBatchNorm, lowerConv, lowerMatMul, lowerPad, lowerPool, lowerResize, lowerSoftmax } from './nn.ts';
import type { Family, OpEntry } from './ops.ts';
import { lowerArgMax, lowerReduce } from './reduce.ts';
import {
  lowerConcat,
  lowerConst,
  lowerConstantLike,
  lowerExpandDims,
  lowerFill,
  lowerGather,
  lowerIdentity,
  lowerPack,
  lowerRange,
  lowerReshape,
  lowerShape,
  lowerSlice,
  lowerSplit,
  lowerSqueeze,
  lowerStridedSlice,
  lowerTile,
  lowerTranspose,
  lowerUnpack,
} from './shape-ops.ts';

/** Lowers one node; returns the values of its outputs 0, 1, … */
export type Emitter = (ctx: LowerContext, node: GraphNode, entry: OpEntry) => Value[];

export const EMITTERS: Record<Family, Emitter> = {
  input: (ctx, node) => ctx.refuse(node, 'a Placeholder the signature does not feed'),
  const: lowerConst,
  none: () => [],
  identity: lowerIdentity,
  unary: lowerUnary,
  activation: lowerActivation,
  binary: lowerBinary,
  compare: lowerBinary,
  logical: lowerBinary,
  variadic: lowerVariadic,
  cast: lowerCast,
  select: lowerSelect,
  matmul: lowerMatMul,
  conv: lowerConv,
  pool: lowerPool,
  'batch-norm': lowerBatchNorm,
  pad: lowerPad,
  resize: lowerResize,
  softmax: lowerSoftmax,
  reduce: lowerReduce,
  arg: lowerArgMax,
  reshape: lowerReshape,
  squeeze: lowerSqueeze,
  'expand-dims': lowerExpandDims,
  concat: lowerConcat,
  pack: lowerPack,
  unpack: lowerUnpack,
  split: lowerSplit,
  shape: lowerShape,
  'strided-slice': lowerStridedSlice,
  slice: lowerSlice,
  gather: lowerGather,
  transpose: lowerTranspose,
  fill: lowerFill,
  'constant-like': lowerConstantLike,
  tile: lowerTile,
  range: lowerRange,
};
