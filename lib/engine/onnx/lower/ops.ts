/**
 * The TF op → ONNX table, as data: each TensorFlow op the lowering maps, its family (which
 * emitter lowers it, see families.ts) and, for the one-to-one families, the ONNX op. An op that is
 * not listed is refused at load time, naming it.
 * @module engine/onnx/lower/ops
 */

export type Family =
  | 'input'
  | 'const'
  | 'identity'
  | 'unary'
  | 'activation'
  | 'binary'
  | 'compare'
  | 'logical'
  | 'variadic'
  | 'cast'
  | 'select'
  | 'matmul'
  | 'conv'
  | 'pool'
  | 'batch-norm'
  | 'pad'
  | 'resize'
  | 'softmax'
  | 'reduce'
  | 'arg'
  | 'reshape'
  | 'squeeze'
  | 'expand-dims'
  | 'concat'
  | 'pack'
  | 'unpack'
  | 'split'
  | 'shape'
  | 'strided-slice'
  | 'slice'
  | 'gather'
  | 'transpose'
  | 'fill'
  | 'constant-like'
  | 'tile'
  | 'range'
  | 'none';

export interface OpEntry {
  /** TensorFlow op name. */
  readonly tf: string;
  readonly family: Family;
  /** The ONNX op, where the family maps one to one. */
  readonly onnx?: string;
}

export const OPS = [
  { tf: 'Placeholder', family: 'input' },
  { tf: 'PlaceholderWithDefault', family: 'identity' },
  { tf: 'Const', family: 'const' },
  { tf: 'NoOp', family: 'none' },
  { tf: 'Identity', family: 'identity' },
  { tf: 'IdentityN', family: 'identity' },
  { tf: 'StopGradient', family: 'identity' },
  { tf: 'PreventGradient', family: 'identity' },
  { tf: 'Snapshot', family: 'identity' },
  { tf: 'EnsureShape', family: 'identity' },
  { tf: 'CheckNumerics', family: 'identity' },

  { tf: 'Neg', family: 'unary', onnx: 'Neg' },
  { tf: 'Abs', family: 'unary', onnx: 'Abs' },
  { tf: 'Exp', family: 'unary', onnx: 'Exp' },
  { tf: 'Log', family: 'unary', onnx: 'Log' },
  { tf: 'Sqrt', family: 'unary', onnx: 'Sqrt' },
  { tf: 'Rsqrt', family: 'unary', onnx: 'Sqrt' },
  { tf: 'Square', family: 'unary', onnx: 'Mul' },
  { tf: 'Reciprocal', family: 'unary', onnx: 'Reciprocal' },
  { tf: 'Inv', family: 'unary', onnx: 'Reciprocal' },
  { tf: 'Floor', family: 'unary', onnx: 'Floor' },
  { tf: 'Ceil', family: 'unary', onnx: 'Ceil' },
  { tf: 'Round', family: 'unary', onnx: 'Round' },
  { tf: 'Sign', family: 'unary', onnx: 'Sign' },
  { tf: 'Erf', family: 'unary', onnx: 'Erf' },
  { tf: 'Sin', family: 'unary', onnx: 'Sin' },
  { tf: 'Cos', family: 'unary', onnx: 'Cos' },
  { tf: 'IsNan', family: 'unary', onnx: 'IsNaN' },
  { tf: 'LogicalNot', family: 'unary', onnx: 'Not' },

  { tf: 'Relu', family: 'activation', onnx: 'Relu' },
  { tf: 'Relu6', family: 'activation', onnx: 'Clip' },
  { tf: 'Elu', family: 'activation', onnx: 'Elu' },
  { tf: 'Selu', family: 'activation', onnx: 'Selu' },
  { tf: 'LeakyRelu', family: 'activation', onnx: 'LeakyRelu' },
  { tf: 'Sigmoid', family: 'activation', onnx: 'Sigmoid' },
  { tf: 'Tanh', family: 'activation', onnx: 'Tanh' },
  { tf: 'Softplus', family: 'activation', onnx: 'Softplus' },
  { tf: 'Softsign', family: 'activation', onnx: 'Softsign' },
  // TF.js's own op (tensorflowjs_converter rewrites Keras PReLU's Relu(x) − α·Relu(−x) into it).
  { tf: 'Prelu', family: 'binary', onnx: 'PRelu' },

  { tf: 'Add', family: 'binary', onnx: 'Add' },
  { tf: 'AddV2', family: 'binary', onnx: 'Add' },
  { tf: 'BiasAdd', family: 'binary', onnx: 'Add' },
  { tf: 'Sub', family: 'binary', onnx: 'Sub' },
  { tf: 'Mul', family: 'binary', onnx: 'Mul' },
  { tf: 'RealDiv', family: 'binary', onnx: 'Div' },
  { tf: 'Div', family: 'binary', onnx: 'Div' },
  { tf: 'TruncateDiv', family: 'binary', onnx: 'Div' },
  { tf: 'FloorDiv', family: 'binary' },
  { tf: 'FloorMod', family: 'binary' },
  { tf: 'Maximum', family: 'binary', onnx: 'Max' },
  { tf: 'Minimum', family: 'binary', onnx: 'Min' },
  { tf: 'Pow', family: 'binary', onnx: 'Pow' },
  { tf: 'SquaredDifference', family: 'binary' },
  { tf: 'Equal', family: 'compare', onnx: 'Equal' },
  { tf: 'Less', family: 'compare', onnx: 'Less' },
  { tf: 'LessEqual', family: 'compare', onnx: 'LessOrEqual' },
  { tf: 'Greater', family: 'compare', onnx: 'Greater' },
  { tf: 'GreaterEqual', family: 'compare', onnx: 'GreaterOrEqual' },
  { tf: 'LogicalAnd', family: 'logical', onnx: 'And' },
  { tf: 'LogicalOr', family: 'logical', onnx: 'Or' },
  { tf: 'AddN', family: 'variadic', onnx: 'Sum' },
  { tf: 'ClipByValue', family: 'variadic' },
  { tf: 'Cast', family: 'cast', onnx: 'Cast' },
  { tf: 'Select', family: 'select', onnx: 'Where' },
  { tf: 'SelectV2', family: 'select', onnx: 'Where' },

  { tf: 'MatMul', family: 'matmul', onnx: 'MatMul' },
  { tf: 'BatchMatMul', family: 'matmul', onnx: 'MatMul' },
  { tf: 'BatchMatMulV2', family: 'matmul', onnx: 'MatMul' },
  { tf: 'BatchMatMulV3', family: 'matmul', onnx: 'MatMul' },
  { tf: '_FusedMatMul', family: 'matmul', onnx: 'MatMul' },
  { tf: 'Conv2D', family: 'conv', onnx: 'Conv' },
  { tf: 'DepthwiseConv2dNative', family: 'conv', onnx: 'Conv' },
  { tf: '_FusedConv2D', family: 'conv', onnx: 'Conv' },
  // TF.js's own op (tensorflowjs_converter fuses DepthwiseConv2dNative + BiasAdd + activation).
  { tf: 'FusedDepthwiseConv2dNative', family: 'conv', onnx: 'Conv' },
  { tf: 'MaxPool', family: 'pool', onnx: 'MaxPool' },
  { tf: 'AvgPool', family: 'pool', onnx: 'AveragePool' },
  { tf: 'FusedBatchNorm', family: 'batch-norm' },
  { tf: 'FusedBatchNormV2', family: 'batch-norm' },
  { tf: 'FusedBatchNormV3', family: 'batch-norm' },
  { tf: 'Pad', family: 'pad', onnx: 'Pad' },
  { tf: 'PadV2', family: 'pad', onnx: 'Pad' },
  { tf: 'MirrorPad', family: 'pad', onnx: 'Pad' },
  { tf: 'ResizeBilinear', family: 'resize', onnx: 'Resize' },
  { tf: 'ResizeNearestNeighbor', family: 'resize', onnx: 'Resize' },
  { tf: 'Softmax', family: 'softmax', onnx: 'Softmax' },
  { tf: 'LogSoftmax', family: 'softmax', onnx: 'LogSoftmax' },

  { tf: 'Mean', family: 'reduce', onnx: 'ReduceMean' },
  { tf: 'Sum', family: 'reduce', onnx: 'ReduceSum' },
  { tf: 'Max', family: 'reduce', onnx: 'ReduceMax' },
  { tf: 'Min', family: 'reduce', onnx: 'ReduceMin' },
  { tf: 'Prod', family: 'reduce', onnx: 'ReduceProd' },
  { tf: 'ArgMax', family: 'arg', onnx: 'ArgMax' },
  { tf: 'ArgMin', family: 'arg', onnx: 'ArgMin' },

  { tf: 'Reshape', family: 'reshape', onnx: 'Reshape' },
  { tf: 'Squeeze', family: 'squeeze', onnx: 'Squeeze' },
  { tf: 'ExpandDims', family: 'expand-dims', onnx: 'Unsqueeze' },
  { tf: 'ConcatV2', family: 'concat', onnx: 'Concat' },
  { tf: 'Concat', family: 'concat', onnx: 'Concat' },
  { tf: 'Pack', family: 'pack', onnx: 'Concat' },
  { tf: 'Unpack', family: 'unpack', onnx: 'Split' },
  { tf: 'Split', family: 'split', onnx: 'Split' },
  { tf: 'SplitV', family: 'split', onnx: 'Split' },
  { tf: 'Shape', family: 'shape', onnx: 'Shape' },
  { tf: 'StridedSlice', family: 'strided-slice', onnx: 'Slice' },
  { tf: 'Slice', family: 'slice', onnx: 'Slice' },
  { tf: 'Gather', family: 'gather', onnx: 'Gather' },
  { tf: 'GatherV2', family: 'gather', onnx: 'Gather' },
  { tf: 'Transpose', family: 'transpose', onnx: 'Transpose' },
  { tf: 'Fill', family: 'fill', onnx: 'Expand' },
  { tf: 'ZerosLike', family: 'constant-like', onnx: 'ConstantOfShape' },
  { tf: 'OnesLike', family: 'constant-like', onnx: 'ConstantOfShape' },
  { tf: 'Tile', family: 'tile', onnx: 'Tile' },
  { tf: 'Range', family: 'range', onnx: 'Range' },
] as const satisfies readonly OpEntry[];

/** The table by TF op name. */
export const OP_TABLE: ReadonlyMap<string, OpEntry> = new Map(OPS.map((entry) => [entry.tf, entry]));
