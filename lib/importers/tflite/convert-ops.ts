/**
 * One converter per TFLite builtin in ops.ts: emits the TensorFlow nodes for an operator, with
 * TFLite's layouts turned into TensorFlow's (conv filters OHWI → HWIO, depthwise 1HW(I·M) →
 * HWIM, fully-connected weights [out,in] read transposed) and fused activations appended.
 * @module importers/tflite/convert-ops
 */
import type { AttrValue } from '../../graph/graph.ts';
import type { OpContext } from './context.ts';
import {
  argReduce,
  concatenation,
  expandDims,
  gather,
  pack,
  pad,
  reduce,
  reshape,
  resize,
  slice,
  split,
  squeeze,
  stridedSlice,
  tile,
  transpose,
  unpack,
} from './convert-shapes.ts';
import { convertLstm } from './lstm.ts';
import type { SupportedBuiltin } from './ops.ts';
import { PADDINGS } from './schema.ts';
import { sizeOf } from '../../tensors/host-tensor.ts';
import { transposeTensor } from './tensors.ts';

export type Converter = (ctx: OpContext) => void;

const float: AttrValue = { kind: 'type', value: 'DT_FLOAT' };
const ints = (values: number[]): AttrValue => ({ kind: 'list', ints: values });
const bool = (value: boolean): AttrValue => ({ kind: 'bool', value });
const str = (value: string): AttrValue => ({ kind: 'string', value: new TextEncoder().encode(value) });
const type = (value: string): AttrValue => ({ kind: 'type', value });

function padding(ctx: OpContext): AttrValue {
  const value = PADDINGS[Number(ctx.options.padding ?? 0)];
  if (!value) ctx.fail(`padding ${ctx.options.padding} is not SAME or VALID`);
  return str(value);
}

function windowAttrs(ctx: OpContext): Record<string, AttrValue> {
  const o = ctx.options;
  return {
    T: float,
    strides: ints([1, Number(o.stride_h || 1), Number(o.stride_w || 1), 1]),
    padding: padding(ctx),
    data_format: str('NHWC'),
  };
}

function conv2d(ctx: OpContext): void {
  const o = ctx.options;
  const filter = ctx.constant(1);
  const channels = ctx.shape(0)[3];
  const filterShape = ctx.shape(1);
  if (filterShape.length !== 4) ctx.fail(`filter has shape [${filterShape}], expected [out, h, w, in]`);
  if (channels !== undefined && channels > 0 && filterShape[3] !== channels) {
    ctx.fail(`grouped convolution (input has ${channels} channels, filter ${filterShape[3]}) is not supported`);
  }
  const hwio = filter
    ? ctx.constNode(ctx.name('filter'), transposeTensor(filter, [1, 2, 3, 0]))
    : ctx.node(ctx.name('filter'), 'Transpose', [ctx.input(1), ctx.int32s('filter_perm', [1, 2, 3, 0])], { T: float });
  const attrs = { ...windowAttrs(ctx), dilations: ints([1, Number(o.dilation_h_factor ?? 1), Number(o.dilation_w_factor ?? 1), 1]) };
  withBias(ctx, 'Conv2D', [ctx.input(0), hwio], attrs);
}

function depthwiseConv2d(ctx: OpContext): void {
  const o = ctx.options;
  const channels = ctx.shape(0)[3];
  const [one, h, w, total] = ctx.shape(1);
  if (ctx.shape(1).length !== 4 || one !== 1 || !channels || total % channels) {
    ctx.fail(`filter shape [${ctx.shape(1)}] does not fit ${channels} input channels`);
  }
  const hwim = [h, w, channels, total / channels];
  const filter = ctx.constant(1);
  // [1, h, w, in·mult] and [h, w, in, mult] share one memory layout: only the shape changes.
  const reshaped = filter
    ? ctx.constNode(ctx.name('filter'), { ...filter, shape: hwim })
    : ctx.node(ctx.name('filter'), 'Reshape', [ctx.input(1), ctx.int32s('filter_shape', hwim)], { T: float });
  const attrs = { ...windowAttrs(ctx), dilations: ints([1, Number(o.dilation_h_factor ?? 1), Number(o.dilation_w_factor ?? 1), 1]) };
  withBias(ctx, 'DepthwiseConv2dNative', [ctx.input(0), reshaped], attrs);
}

/** `op`, then BiasAdd when input 2 is present, then the fused activation. */
function withBias(ctx: OpContext, op: string, inputs: string[], attrs: Record<string, AttrValue>): void {
  if (!ctx.has(2)) {
    ctx.finish(op, inputs, attrs);
    return;
  }
  const main = ctx.node(ctx.name(op), op, inputs, attrs);
  ctx.finish('BiasAdd', [main, ctx.input(2)], { T: float, data_format: str('NHWC') });
}

function pool(op: string): (ctx: OpContext) => void {
  return (ctx) => {
    const o = ctx.options;
    ctx.finish(op, [ctx.input(0)], { ...windowAttrs(ctx), ksize: ints([1, Number(o.filter_height), Number(o.filter_width), 1]) });
  };
}

function fullyConnected(ctx: OpContext): void {
  const o = ctx.options;
  if (Number(o.weights_format ?? 0) !== 0) ctx.fail('shuffled weights (SHUFFLED4x16INT8) are not supported');
  const inShape = ctx.shape(0);
  const weights = ctx.shape(1);
  if (weights.length !== 2) ctx.fail(`weights have shape [${weights}], expected [out, in]`);
  const [units, depth] = weights;
  const keep = o.keep_num_dims === true;
  // TFLite flattens the input to [-1, in]; dimension 0 stays the batch only when each batch row is one input row.
  const carries = ctx.carries(0) && (keep || sizeOf(inShape.slice(1)) === depth);
  if (ctx.carries(0) && !carries) ctx.fixBatch(`flattens [${inShape}] to rows of ${depth}`);
  else ctx.setCarries(carries);
  let x = ctx.input(0);
  if (inShape.length !== 2 || inShape[1] !== depth) x = ctx.node(ctx.name('flatten'), 'Reshape', [x, ctx.int32s('flat_shape', [-1, depth])], { T: float });
  // Weights are stored [out, in]; they are given to MatMul as [in, out] rather than with
  // transpose_b: TF.js 4.22's WASM fused MatMul (what MatMul+BiasAdd becomes) computes wrong
  // results with transpose_b set.
  const constant = ctx.constant(1);
  const w = constant
    ? ctx.constNode(ctx.name('weights'), transposeTensor(constant, [1, 0]))
    : ctx.node(ctx.name('weights'), 'Transpose', [ctx.input(1), ctx.int32s('weights_perm', [1, 0])], { T: float });
  const attrs = { T: float, transpose_a: bool(false), transpose_b: bool(false) };
  const reshapeBack = keep && inShape.length !== 2;
  if (!ctx.has(2) && !reshapeBack) {
    ctx.finish('MatMul', [x, w], attrs);
    return;
  }
  let y = ctx.node(ctx.name('MatMul'), 'MatMul', [x, w], attrs);
  if (!reshapeBack) {
    ctx.finish('BiasAdd', [y, ctx.input(2)], { T: float, data_format: str('NHWC') });
    return;
  }
  if (ctx.has(2)) y = ctx.node(ctx.name('BiasAdd'), 'BiasAdd', [y, ctx.input(2)], { T: float, data_format: str('NHWC') });
  const outShape = [...inShape.slice(0, -1), units].map((dim, k) => (k === 0 && carries ? -1 : dim));
  ctx.finish('Reshape', [y, ctx.int32s('out_shape', outShape)], { T: float });
}

function binary(op: string): (ctx: OpContext) => void {
  return (ctx) => ctx.finish(op, [ctx.input(0), ctx.input(1)], { T: type(ctx.dtype()) });
}

function unary(op: string, attrs: (ctx: OpContext) => Record<string, AttrValue> = () => ({})): (ctx: OpContext) => void {
  return (ctx) => ctx.finish(op, [ctx.input(0)], { T: type(ctx.dtype()), ...attrs(ctx) }, 0);
}

function softmax(ctx: OpContext): void {
  const beta = Number(ctx.options.beta ?? 1);
  const logits = beta === 1 || beta === 0 ? ctx.input(0) : ctx.node(ctx.name('scaled'), 'Mul', [ctx.input(0), ctx.scalar('beta', beta)], { T: float });
  ctx.finish('Softmax', [logits], { T: float }, 0);
}

function hardSwish(ctx: OpContext): void {
  // x · relu6(x + 3) / 6
  const x = ctx.input(0);
  const shifted = ctx.node(ctx.name('plus3'), 'AddV2', [x, ctx.scalar('three', 3)], { T: float });
  const gate = ctx.node(ctx.name('relu6'), 'Relu6', [shifted], { T: float });
  const scaled = ctx.node(ctx.name('gate'), 'Mul', [gate, ctx.scalar('sixth', 1 / 6)], { T: float });
  ctx.finish('Mul', [x, scaled], { T: float }, 0);
}

function gelu(ctx: OpContext): void {
  const x = ctx.input(0);
  let inner: string;
  if (ctx.options.approximate === true) {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = ctx.node(ctx.name('cube'), 'Mul', [ctx.node(ctx.name('square'), 'Square', [x], { T: float }), x], { T: float });
    const sum = ctx.node(ctx.name('sum'), 'AddV2', [x, ctx.node(ctx.name('cubic'), 'Mul', [cube, ctx.scalar('k', 0.044715)], { T: float })], { T: float });
    inner = ctx.node(ctx.name('tanh'), 'Tanh', [ctx.node(ctx.name('arg'), 'Mul', [sum, ctx.scalar('c', Math.sqrt(2 / Math.PI))], { T: float })], { T: float });
  } else {
    // 0.5·x·(1 + erf(x/√2))
    inner = ctx.node(ctx.name('erf'), 'Erf', [ctx.node(ctx.name('arg'), 'Mul', [x, ctx.scalar('c', Math.SQRT1_2)], { T: float })], { T: float });
  }
  const onePlus = ctx.node(ctx.name('one_plus'), 'AddV2', [inner, ctx.scalar('one', 1)], { T: float });
  const half = ctx.node(ctx.name('half_x'), 'Mul', [x, ctx.scalar('half', 0.5)], { T: float });
  ctx.finish('Mul', [half, onePlus], { T: float }, 0);
}

function cast(ctx: OpContext): void {
  ctx.finish('Cast', [ctx.input(0)], { DstT: type(ctx.dtype()), SrcT: type(ctx.inputDType(0)) }, 0);
}

/** QUANTIZE / DEQUANTIZE: activations are float throughout, so values pass on unchanged. */
function passThrough(ctx: OpContext): void {
  const value = ctx.constant(0);
  // A constant stays a constant (dequantized at import); it becomes a Const only if read.
  if (value) ctx.setConstant(0, value);
  else ctx.finish('Identity', [ctx.input(0)], { T: float }, 0);
}

export const CONVERTERS: Record<SupportedBuiltin, Converter> = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  AVERAGE_POOL_2D: pool('AvgPool'),
  MAX_POOL_2D: pool('MaxPool'),
  FULLY_CONNECTED: fullyConnected,
  BATCH_MATMUL: (ctx) => ctx.finish('BatchMatMulV2', [ctx.input(0), ctx.input(1)], { T: float, adj_x: bool(ctx.options.adj_x === true), adj_y: bool(ctx.options.adj_y === true) }, 0),
  ADD: binary('AddV2'),
  SUB: binary('Sub'),
  MUL: binary('Mul'),
  DIV: binary('RealDiv'),
  MAXIMUM: binary('Maximum'),
  MINIMUM: binary('Minimum'),
  SQUARED_DIFFERENCE: binary('SquaredDifference'),
  POW: binary('Pow'),
  RELU: unary('Relu'),
  RELU6: unary('Relu6'),
  RELU_N1_TO_1: (ctx) => ctx.activate(ctx.input(0), 2, ctx.out(0)),
  LOGISTIC: unary('Sigmoid'),
  TANH: unary('Tanh'),
  ELU: unary('Elu'),
  LEAKY_RELU: unary('LeakyRelu', (ctx) => ({ alpha: { kind: 'float', value: Number(ctx.options.alpha ?? 0.2) } })),
  PRELU: (ctx) => ctx.finish('Prelu', [ctx.input(0), ctx.input(1)], { T: float }, 0),
  HARD_SWISH: hardSwish,
  GELU: gelu,
  EXP: unary('Exp'),
  LOG: unary('Log'),
  SQRT: unary('Sqrt'),
  RSQRT: unary('Rsqrt'),
  SQUARE: unary('Square'),
  NEG: unary('Neg'),
  ABS: unary('Abs'),
  FLOOR: unary('Floor'),
  CEIL: unary('Ceil'),
  ROUND: unary('Round'),
  SIN: unary('Sin'),
  COS: unary('Cos'),
  CAST: cast,
  SOFTMAX: softmax,
  LOG_SOFTMAX: unary('LogSoftmax'),
  RESHAPE: reshape,
  SQUEEZE: squeeze,
  EXPAND_DIMS: expandDims,
  TRANSPOSE: transpose,
  PAD: pad('Pad'),
  PADV2: pad('PadV2'),
  RESIZE_BILINEAR: resize('ResizeBilinear'),
  RESIZE_NEAREST_NEIGHBOR: resize('ResizeNearestNeighbor'),
  CONCATENATION: concatenation,
  PACK: pack,
  UNPACK: unpack,
  SPLIT: split,
  STRIDED_SLICE: stridedSlice,
  SLICE: slice,
  GATHER: gather,
  TILE: tile,
  MEAN: reduce('Mean'),
  SUM: reduce('Sum'),
  REDUCE_MAX: reduce('Max'),
  REDUCE_MIN: reduce('Min'),
  REDUCE_PROD: reduce('Prod'),
  ARG_MAX: argReduce('ArgMax'),
  ARG_MIN: argReduce('ArgMin'),
  QUANTIZE: passThrough,
  DEQUANTIZE: passThrough,
  UNIDIRECTIONAL_SEQUENCE_LSTM: convertLstm,
};
