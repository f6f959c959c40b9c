/**
 * The TFLite builtin operators this importer maps, as data: what TensorFlow ops each becomes, its
 * option table, its inputs (`?` = optional), and how it treats the batch dimension (which decides
 * whether a model converted with batch 1 may be fed other batch sizes; see mapper.ts).
 * The code for each lives in convert-ops.ts (with convert-shapes.ts and lstm.ts), keyed by `builtin`.
 * @module importers/tflite/ops
 */

/**
 * How dimension 0 (the request batch) flows through an op:
 * - `same`: outputs carry it iff input 0 does (other inputs must not);
 * - `broadcast`: elementwise; outputs carry it iff an input does, others broadcast (dim 0 of 1);
 * - `axis`: like `same`, unless the op works along axis 0 (reduces, squeezes, concatenates it);
 * - `custom`: decided by the op's converter (reshape, fully connected, LSTM, …);
 * - `none`: outputs never carry it; a batch-carrying input fixes the model's batch.
 */
export type BatchRule = 'same' | 'broadcast' | 'axis' | 'custom' | 'none';

export interface TfliteOpSpec {
  builtin: string;
  family: string;
  /** TensorFlow ops emitted (TF.js executes them; the TF.js lowering may fuse some). */
  tf: readonly string[];
  /** BuiltinOptions table read, if any. */
  options?: string;
  inputs: readonly string[];
  batch: BatchRule;
}

export const TFLITE_OPS = [
  // convolution and pooling (NHWC)
  { builtin: 'CONV_2D', family: 'convolution', tf: ['Conv2D', 'BiasAdd'], options: 'Conv2DOptions', inputs: ['input', 'filter', 'bias?'], batch: 'same' },
  { builtin: 'DEPTHWISE_CONV_2D', family: 'convolution', tf: ['DepthwiseConv2dNative', 'BiasAdd'], options: 'DepthwiseConv2DOptions', inputs: ['input', 'filter', 'bias?'], batch: 'same' },
  { builtin: 'AVERAGE_POOL_2D', family: 'convolution', tf: ['AvgPool'], options: 'Pool2DOptions', inputs: ['input'], batch: 'same' },
  { builtin: 'MAX_POOL_2D', family: 'convolution', tf: ['MaxPool'], options: 'Pool2DOptions', inputs: ['input'], batch: 'same' },
  // matrices
  { builtin: 'FULLY_CONNECTED', family: 'matrices', tf: ['MatMul', 'BiasAdd', 'Reshape'], options: 'FullyConnectedOptions', inputs: ['input', 'weights', 'bias?'], batch: 'custom' },
  { builtin: 'BATCH_MATMUL', family: 'matrices', tf: ['BatchMatMulV2'], options: 'BatchMatMulOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  // elementwise binary (fused activation where the options have one)
  { builtin: 'ADD', family: 'arithmetic', tf: ['AddV2'], options: 'AddOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'SUB', family: 'arithmetic', tf: ['Sub'], options: 'SubOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'MUL', family: 'arithmetic', tf: ['Mul'], options: 'MulOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'DIV', family: 'arithmetic', tf: ['RealDiv'], options: 'DivOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'MAXIMUM', family: 'arithmetic', tf: ['Maximum'], options: 'MaximumMinimumOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'MINIMUM', family: 'arithmetic', tf: ['Minimum'], options: 'MaximumMinimumOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'SQUARED_DIFFERENCE', family: 'arithmetic', tf: ['SquaredDifference'], options: 'SquaredDifferenceOptions', inputs: ['x', 'y'], batch: 'broadcast' },
  { builtin: 'POW', family: 'arithmetic', tf: ['Pow'], inputs: ['x', 'y'], batch: 'broadcast' },
  // elementwise unary and activations
  { builtin: 'RELU', family: 'activation', tf: ['Relu'], inputs: ['x'], batch: 'same' },
  { builtin: 'RELU6', family: 'activation', tf: ['Relu6'], inputs: ['x'], batch: 'same' },
  { builtin: 'RELU_N1_TO_1', family: 'activation', tf: ['ClipByValue'], inputs: ['x'], batch: 'same' },
  { builtin: 'LOGISTIC', family: 'activation', tf: ['Sigmoid'], inputs: ['x'], batch: 'same' },
  { builtin: 'TANH', family: 'activation', tf: ['Tanh'], inputs: ['x'], batch: 'same' },
  { builtin: 'ELU', family: 'activation', tf: ['Elu'], inputs: ['x'], batch: 'same' },
  { builtin: 'LEAKY_RELU', family: 'activation', tf: ['LeakyRelu'], options: 'LeakyReluOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'PRELU', family: 'activation', tf: ['Prelu'], inputs: ['x', 'alpha'], batch: 'same' },
  { builtin: 'HARD_SWISH', family: 'activation', tf: ['AddV2', 'Relu6', 'Mul'], options: 'HardSwishOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'GELU', family: 'activation', tf: ['Erf', 'Tanh', 'Mul', 'AddV2'], options: 'GeluOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'EXP', family: 'basic_math', tf: ['Exp'], options: 'ExpOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'LOG', family: 'basic_math', tf: ['Log'], inputs: ['x'], batch: 'same' },
  { builtin: 'SQRT', family: 'basic_math', tf: ['Sqrt'], inputs: ['x'], batch: 'same' },
  { builtin: 'RSQRT', family: 'basic_math', tf: ['Rsqrt'], inputs: ['x'], batch: 'same' },
  { builtin: 'SQUARE', family: 'basic_math', tf: ['Square'], options: 'SquareOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'NEG', family: 'basic_math', tf: ['Neg'], options: 'NegOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'ABS', family: 'basic_math', tf: ['Abs'], options: 'AbsOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'FLOOR', family: 'basic_math', tf: ['Floor'], inputs: ['x'], batch: 'same' },
  { builtin: 'CEIL', family: 'basic_math', tf: ['Ceil'], inputs: ['x'], batch: 'same' },
  { builtin: 'ROUND', family: 'basic_math', tf: ['Round'], inputs: ['x'], batch: 'same' },
  { builtin: 'SIN', family: 'basic_math', tf: ['Sin'], inputs: ['x'], batch: 'same' },
  { builtin: 'COS', family: 'basic_math', tf: ['Cos'], inputs: ['x'], batch: 'same' },
  { builtin: 'CAST', family: 'basic_math', tf: ['Cast'], options: 'CastOptions', inputs: ['x'], batch: 'same' },
  // normalization
  { builtin: 'SOFTMAX', family: 'normalization', tf: ['Mul', 'Softmax'], options: 'SoftmaxOptions', inputs: ['logits'], batch: 'same' },
  { builtin: 'LOG_SOFTMAX', family: 'normalization', tf: ['LogSoftmax'], inputs: ['logits'], batch: 'same' },
  // shapes
  { builtin: 'RESHAPE', family: 'transformation', tf: ['Reshape'], options: 'ReshapeOptions', inputs: ['x', 'shape?'], batch: 'custom' },
  { builtin: 'SQUEEZE', family: 'transformation', tf: ['Squeeze'], options: 'SqueezeOptions', inputs: ['x'], batch: 'axis' },
  { builtin: 'EXPAND_DIMS', family: 'transformation', tf: ['ExpandDims'], options: 'ExpandDimsOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'TRANSPOSE', family: 'transformation', tf: ['Transpose'], options: 'TransposeOptions', inputs: ['x', 'perm'], batch: 'custom' },
  { builtin: 'PAD', family: 'transformation', tf: ['Pad'], options: 'PadOptions', inputs: ['x', 'paddings'], batch: 'axis' },
  { builtin: 'PADV2', family: 'transformation', tf: ['PadV2'], options: 'PadV2Options', inputs: ['x', 'paddings', 'constant_values'], batch: 'axis' },
  { builtin: 'RESIZE_BILINEAR', family: 'image', tf: ['ResizeBilinear'], options: 'ResizeBilinearOptions', inputs: ['images', 'size'], batch: 'same' },
  { builtin: 'RESIZE_NEAREST_NEIGHBOR', family: 'image', tf: ['ResizeNearestNeighbor'], options: 'ResizeNearestNeighborOptions', inputs: ['images', 'size'], batch: 'same' },
  // slicing and joining
  { builtin: 'CONCATENATION', family: 'slice_join', tf: ['ConcatV2'], options: 'ConcatenationOptions', inputs: ['values…'], batch: 'axis' },
  { builtin: 'PACK', family: 'slice_join', tf: ['Pack'], options: 'PackOptions', inputs: ['values…'], batch: 'axis' },
  { builtin: 'UNPACK', family: 'slice_join', tf: ['Unpack'], options: 'UnpackOptions', inputs: ['value'], batch: 'axis' },
  { builtin: 'SPLIT', family: 'slice_join', tf: ['Split'], options: 'SplitOptions', inputs: ['axis', 'value'], batch: 'axis' },
  { builtin: 'STRIDED_SLICE', family: 'slice_join', tf: ['StridedSlice'], options: 'StridedSliceOptions', inputs: ['x', 'begin', 'end', 'strides'], batch: 'custom' },
  { builtin: 'SLICE', family: 'slice_join', tf: ['Slice'], options: 'SliceOptions', inputs: ['x', 'begin', 'size'], batch: 'custom' },
  { builtin: 'GATHER', family: 'slice_join', tf: ['GatherV2'], options: 'GatherOptions', inputs: ['params', 'indices'], batch: 'custom' },
  { builtin: 'TILE', family: 'slice_join', tf: ['Tile'], options: 'TileOptions', inputs: ['x', 'multiples'], batch: 'custom' },
  // reductions
  { builtin: 'MEAN', family: 'reduction', tf: ['Mean'], options: 'ReducerOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'SUM', family: 'reduction', tf: ['Sum'], options: 'ReducerOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'REDUCE_MAX', family: 'reduction', tf: ['Max'], options: 'ReducerOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'REDUCE_MIN', family: 'reduction', tf: ['Min'], options: 'ReducerOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'REDUCE_PROD', family: 'reduction', tf: ['Prod'], options: 'ReducerOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'ARG_MAX', family: 'reduction', tf: ['ArgMax'], options: 'ArgMaxOptions', inputs: ['x', 'axis'], batch: 'axis' },
  { builtin: 'ARG_MIN', family: 'reduction', tf: ['ArgMin'], options: 'ArgMinOptions', inputs: ['x', 'axis'], batch: 'axis' },
  // quantization: activations are computed in float, so these only pass values on (constant
  // inputs are dequantized at import)
  { builtin: 'QUANTIZE', family: 'quantization', tf: ['Identity'], options: 'QuantizeOptions', inputs: ['x'], batch: 'same' },
  { builtin: 'DEQUANTIZE', family: 'quantization', tf: ['Identity'], options: 'DequantizeOptions', inputs: ['x'], batch: 'same' },
  // recurrent: unrolled over the static time dimension
  {
    builtin: 'UNIDIRECTIONAL_SEQUENCE_LSTM', family: 'recurrent',
    tf: ['MatMul', 'BiasAdd', 'Reshape', 'StridedSlice', 'AddV2', 'Split', 'Sigmoid', 'Tanh', 'Mul', 'ClipByValue', 'Pack'],
    options: 'UnidirectionalSequenceLSTMOptions',
    inputs: [
      'input', 'input_to_input_weights?', 'input_to_forget_weights', 'input_to_cell_weights', 'input_to_output_weights',
      'recurrent_to_input_weights?', 'recurrent_to_forget_weights', 'recurrent_to_cell_weights', 'recurrent_to_output_weights',
      'cell_to_input_weights?', 'cell_to_forget_weights?', 'cell_to_output_weights?',
      'input_gate_bias?', 'forget_gate_bias', 'cell_gate_bias', 'output_gate_bias',
      'projection_weights?', 'projection_bias?', 'output_state', 'cell_state',
      'input_layer_norm_coefficients?', 'forget_layer_norm_coefficients?', 'cell_layer_norm_coefficients?', 'output_layer_norm_coefficients?',
    ],
    batch: 'custom',
  },
] as const satisfies readonly TfliteOpSpec[];

export type SupportedBuiltin = (typeof TFLITE_OPS)[number]['builtin'];

export const OP_SPECS: ReadonlyMap<string, TfliteOpSpec> = new Map(TFLITE_OPS.map((spec) => [spec.builtin, spec]));
