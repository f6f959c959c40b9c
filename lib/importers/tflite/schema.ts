/**
 * Facts from TFLite's public flatbuffer schema (`tensorflow/compiler/mlir/lite/schema/schema.fbs`,
 * file identifier `TFL3`): enum values, field ids of the tables this importer reads, and the
 * builtin option tables as data, so the reader and the writer share one description.
 * @module importers/tflite/schema
 */

export const FILE_IDENTIFIER = 'TFL3';

/** `TensorType` by value. */
export const TENSOR_TYPES = [
  'FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8',
  'FLOAT64', 'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4', 'BFLOAT16',
] as const;
export type TensorTypeName = (typeof TENSOR_TYPES)[number];

/** `BuiltinOperator` by value (0…207). */
export const BUILTIN_OPERATORS: readonly string[] = `ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D
  DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION
  L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1
  RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL
  CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND
  SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE
  BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST
  PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN
  TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN
  FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN
  FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU
  SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU
  REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4
  NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL
  PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS
  HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE
  READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL
  GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM
  ATAN2 UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT STABLEHLO_LOGISTIC STABLEHLO_ADD
  STABLEHLO_DIVIDE STABLEHLO_MULTIPLY STABLEHLO_MAXIMUM STABLEHLO_RESHAPE STABLEHLO_CLAMP
  STABLEHLO_CONCATENATE STABLEHLO_BROADCAST_IN_DIM STABLEHLO_CONVOLUTION STABLEHLO_SLICE
  STABLEHLO_CUSTOM_CALL STABLEHLO_REDUCE STABLEHLO_ABS STABLEHLO_AND STABLEHLO_COSINE
  STABLEHLO_EXPONENTIAL STABLEHLO_FLOOR STABLEHLO_LOG STABLEHLO_MINIMUM STABLEHLO_NEGATE STABLEHLO_OR
  STABLEHLO_POWER STABLEHLO_REMAINDER STABLEHLO_RSQRT STABLEHLO_SELECT STABLEHLO_SUBTRACT STABLEHLO_TANH
  STABLEHLO_SCATTER STABLEHLO_COMPARE STABLEHLO_CONVERT STABLEHLO_DYNAMIC_SLICE
  STABLEHLO_DYNAMIC_UPDATE_SLICE STABLEHLO_PAD STABLEHLO_IOTA STABLEHLO_DOT_GENERAL
  STABLEHLO_REDUCE_WINDOW STABLEHLO_SORT STABLEHLO_WHILE STABLEHLO_GATHER STABLEHLO_TRANSPOSE DILATE
  STABLEHLO_RNG_BIT_GENERATOR REDUCE_WINDOW STABLEHLO_COMPOSITE COMPLEX`.split(/\s+/);

export const CUSTOM_OPERATOR = 32;
/** `OperatorCode.deprecated_builtin_code` is a byte: codes from here on live only in `builtin_code`. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** A builtin operator's name, or `BUILTIN_<n>` for values newer than this table. */
export function builtinName(code: number): string {
  return BUILTIN_OPERATORS[code] ?? `BUILTIN_${code}`;
}

/** `ActivationFunctionType`. */
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** `Padding`. */
export const PADDINGS = ['SAME', 'VALID'] as const;

/** Field ids (declaration order; a union takes two: its type, then its value). */
export const FIELDS = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6 },
  Operator: {
    opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5,
    custom_options_format: 6, mutating_variable_inputs: 7, intermediates: 8, large_custom_options_offset: 9,
    large_custom_options_size: 10, builtin_options_2_type: 11, builtin_options_2: 12,
  },
  Buffer: { data: 0, offset: 1, size: 2 },
  Metadata: { name: 0, buffer: 1 },
  TensorMap: { name: 0, tensor_index: 1 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, deprecated_tag: 3, subgraph_index: 4 },
} as const;

/** Scalar and vector field kinds an option table uses. */
export type OptionFieldType = 'bool' | 'int8' | 'int32' | 'float32' | 'int32[]';

/** One field of a builtin option table: [name, id, type, default]. */
export type OptionField = readonly [name: string, id: number, type: OptionFieldType, defaultValue?: number | boolean];

/**
 * The builtin option tables this importer reads, keyed by their `BuiltinOptions` union value.
 * Enum-typed fields (padding, activation, tensor types) are int8.
 */
export const OPTION_TABLES: Readonly<Record<number, { name: string; fields: readonly OptionField[] }>> = {
  1: { name: 'Conv2DOptions', fields: [['padding', 0, 'int8'], ['stride_w', 1, 'int32'], ['stride_h', 2, 'int32'], ['fused_activation_function', 3, 'int8'], ['dilation_w_factor', 4, 'int32', 1], ['dilation_h_factor', 5, 'int32', 1]] },
  2: { name: 'DepthwiseConv2DOptions', fields: [['padding', 0, 'int8'], ['stride_w', 1, 'int32'], ['stride_h', 2, 'int32'], ['depth_multiplier', 3, 'int32'], ['fused_activation_function', 4, 'int8'], ['dilation_w_factor', 5, 'int32', 1], ['dilation_h_factor', 6, 'int32', 1]] },
  5: { name: 'Pool2DOptions', fields: [['padding', 0, 'int8'], ['stride_w', 1, 'int32'], ['stride_h', 2, 'int32'], ['filter_width', 3, 'int32'], ['filter_height', 4, 'int32'], ['fused_activation_function', 5, 'int8']] },
  8: { name: 'FullyConnectedOptions', fields: [['fused_activation_function', 0, 'int8'], ['weights_format', 1, 'int8'], ['keep_num_dims', 2, 'bool'], ['asymmetric_quantize_inputs', 3, 'bool']] },
  9: { name: 'SoftmaxOptions', fields: [['beta', 0, 'float32']] },
  10: { name: 'ConcatenationOptions', fields: [['axis', 0, 'int32'], ['fused_activation_function', 1, 'int8']] },
  11: { name: 'AddOptions', fields: [['fused_activation_function', 0, 'int8'], ['pot_scale_int16', 1, 'bool', true]] },
  12: { name: 'L2NormOptions', fields: [['fused_activation_function', 0, 'int8']] },
  15: { name: 'ResizeBilinearOptions', fields: [['align_corners', 2, 'bool'], ['half_pixel_centers', 3, 'bool']] },
  17: { name: 'ReshapeOptions', fields: [['new_shape', 0, 'int32[]']] },
  21: { name: 'MulOptions', fields: [['fused_activation_function', 0, 'int8']] },
  22: { name: 'PadOptions', fields: [] },
  23: { name: 'GatherOptions', fields: [['axis', 0, 'int32'], ['batch_dims', 1, 'int32']] },
  26: { name: 'TransposeOptions', fields: [] },
  27: { name: 'ReducerOptions', fields: [['keep_dims', 0, 'bool']] },
  28: { name: 'SubOptions', fields: [['fused_activation_function', 0, 'int8'], ['pot_scale_int16', 1, 'bool', true]] },
  29: { name: 'DivOptions', fields: [['fused_activation_function', 0, 'int8']] },
  30: { name: 'SqueezeOptions', fields: [['squeeze_dims', 0, 'int32[]']] },
  32: { name: 'StridedSliceOptions', fields: [['begin_mask', 0, 'int32'], ['end_mask', 1, 'int32'], ['ellipsis_mask', 2, 'int32'], ['new_axis_mask', 3, 'int32'], ['shrink_axis_mask', 4, 'int32'], ['offset', 5, 'bool']] },
  33: { name: 'ExpOptions', fields: [] },
  35: { name: 'SplitOptions', fields: [['num_splits', 0, 'int32']] },
  37: { name: 'CastOptions', fields: [['in_data_type', 0, 'int8'], ['out_data_type', 1, 'int8']] },
  38: { name: 'DequantizeOptions', fields: [] },
  39: { name: 'MaximumMinimumOptions', fields: [] },
  40: { name: 'ArgMaxOptions', fields: [['output_type', 0, 'int8']] },
  42: { name: 'NegOptions', fields: [] },
  43: { name: 'PadV2Options', fields: [] },
  48: { name: 'SliceOptions', fields: [] },
  51: { name: 'TileOptions', fields: [] },
  52: { name: 'ExpandDimsOptions', fields: [] },
  57: { name: 'ArgMinOptions', fields: [['output_type', 0, 'int8']] },
  59: { name: 'PackOptions', fields: [['values_count', 0, 'int32'], ['axis', 1, 'int32']] },
  64: { name: 'UnpackOptions', fields: [['num', 0, 'int32'], ['axis', 1, 'int32']] },
  66: { name: 'SquareOptions', fields: [] },
  71: { name: 'UnidirectionalSequenceLSTMOptions', fields: [['fused_activation_function', 0, 'int8'], ['cell_clip', 1, 'float32'], ['proj_clip', 2, 'float32'], ['time_major', 3, 'bool'], ['asymmetric_quantize_inputs', 4, 'bool'], ['diagonal_recurrent_tensors', 5, 'bool']] },
  74: { name: 'ResizeNearestNeighborOptions', fields: [['align_corners', 0, 'bool'], ['half_pixel_centers', 1, 'bool']] },
  75: { name: 'LeakyReluOptions', fields: [['alpha', 0, 'float32']] },
  76: { name: 'SquaredDifferenceOptions', fields: [] },
  77: { name: 'MirrorPadOptions', fields: [['mode', 0, 'int8']] },
  78: { name: 'AbsOptions', fields: [] },
  79: { name: 'SplitVOptions', fields: [['num_splits', 0, 'int32']] },
  89: { name: 'QuantizeOptions', fields: [] },
  91: { name: 'HardSwishOptions', fields: [] },
  101: { name: 'BatchMatMulOptions', fields: [['adj_x', 0, 'bool'], ['adj_y', 1, 'bool'], ['asymmetric_quantize_inputs', 2, 'bool']] },
  116: { name: 'GeluOptions', fields: [['approximate', 0, 'bool']] },
};

/** `BuiltinOptions` union value by option table name. */
export const OPTION_TYPE: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(OPTION_TABLES).map(([value, table]) => [table.name, Number(value)]),
);
