/**
 * One emitter per Keras layer class (inference only): the TensorFlow ops that compute the layer,
 * in the spellings the TFLite importer uses (tflite/convert-ops.ts) and TF.js's converter runs,
 * with the layer's weights as Consts. Static shapes are tracked (batch and other unknown
 * dimensions as null) so shape-dependent ops get constant operands where they can; where they
 * cannot, the shape is read at run time (`Shape`).
 * @module importers/keras/graph-layers
 */
import { activate } from './graph-activations.ts';
import {
  binary,
  bool,
  broadcastShapes,
  channelsLast,
  type Emitter,
  floats,
  I32,
  int,
  int32s,
  ints,
  type LayerCall,
  NHWC,
  normalizeAxis,
  only,
  paddingAttr,
  pairs,
  product,
  rankIs,
  reshape,
  scalar,
  shapeOperand,
  str,
  type Sym,
  T,
  tuple,
  unary,
  windowOut,
} from './graph-emit.ts';
import { recurrent } from './graph-rnn.ts';
import { bidirectional, timeDistributed } from './graph-wrappers.ts';

// --- layers --------------------------------------------------------------------------------------

const identity: Emitter = (c) => only(c);

function withBias(c: LayerCall, y: string, op = 'BiasAdd'): string {
  if (c.config.use_bias === false) return y;
  return c.op(op, [y, c.constant('bias', c.weight('bias'))], { T, data_format: NHWC });
}

const dense: Emitter = (c) => {
  const x = only(c);
  const kernel = c.weight('kernel');
  const [depth, units] = kernel.shape;
  const rank = x.shape.length;
  if (kernel.shape.length !== 2 || rank < 2 || (x.shape[rank - 1] !== null && x.shape[rank - 1] !== depth)) {
    c.fail(`kernel [${kernel.shape}] does not fit input shape [${x.shape.map((d) => d ?? 'None')}]`);
  }
  // MatMul on the last axis: other ranks are flattened to rows and shaped back after (the
  // activation goes before that, so TF.js can fuse MatMul + BiasAdd + activation).
  const rows = rank === 2 ? x.ref : reshape(c, x, [-1, depth], [null, depth]).ref;
  const matmul = c.op('MatMul', [rows, c.constant('kernel', kernel)], { T, transpose_a: bool(false), transpose_b: bool(false) });
  const y = activate(c, { ...x, ref: withBias(c, matmul), shape: [null, units] }, c.config.activation);
  const shape = [...x.shape.slice(0, -1), units];
  if (rank === 2) return { ...y, shape };
  const target = shapeOperand(c, x, [...x.shape.slice(0, -1).map((_, axis) => ({ axis })), units]);
  return { ...x, ref: c.op('Reshape', [y.ref, target], { T, Tshape: I32 }), shape };
};

/** Conv2D / DepthwiseConv2D / SeparableConv2D on NHWC, then bias and activation. */
function conv2d(kind: 'conv' | 'depthwise' | 'separable'): Emitter {
  return (c) => {
    channelsLast(c);
    const x = only(c);
    rankIs(c, x, 4);
    if (Number(c.config.groups ?? 1) !== 1) c.fail(`groups=${String(c.config.groups)} is not supported`);
    const [sh, sw] = tuple(c, 'strides', 2, 1);
    const [dh, dw] = tuple(c, 'dilation_rate', 2, 1);
    const { attr: padding, same } = paddingAttr(c);
    const window = { T, strides: ints([1, sh, sw, 1]), padding, data_format: NHWC, dilations: ints([1, dh, dw, 1]) };
    const kernel = c.weight(kind === 'conv' ? 'kernel' : 'depthwise_kernel');
    const [kh, kw, depth, out] = kernel.shape;
    if (kernel.shape.length !== 4 || (x.shape[3] !== null && x.shape[3] !== depth)) c.fail(`kernel [${kernel.shape}] does not fit input channels ${x.shape[3]}`);
    let y: string;
    let channels: number;
    if (kind === 'conv') {
      y = c.op('Conv2D', [x.ref, c.constant('kernel', kernel)], window);
      channels = out;
    } else {
      y = c.op('DepthwiseConv2dNative', [x.ref, c.constant('depthwise_kernel', kernel)], window);
      channels = depth * out;
      if (kind === 'separable') {
        const pointwise = c.weight('pointwise_kernel');
        y = c.op('Conv2D', [y, c.constant('pointwise_kernel', pointwise)], { T, strides: ints([1, 1, 1, 1]), padding: str('VALID'), data_format: NHWC, dilations: ints([1, 1, 1, 1]) });
        channels = pointwise.shape[3];
      }
    }
    const shape = [x.shape[0], windowOut(x.shape[1], kh, sh, dh, same), windowOut(x.shape[2], kw, sw, dw, same), channels];
    return activate(c, { ...x, ref: withBias(c, y), shape }, c.config.activation);
  };
}

/** Conv1D: as Conv2D on [N, 1, W, C] (what TensorFlow does), causal padding on the left. */
const conv1d: Emitter = (c) => {
  channelsLast(c);
  const x = only(c);
  rankIs(c, x, 3);
  if (Number(c.config.groups ?? 1) !== 1) c.fail(`groups=${String(c.config.groups)} is not supported`);
  const [s] = tuple(c, 'strides', 1, 1);
  const [d] = tuple(c, 'dilation_rate', 1, 1);
  const { attr: padding, same, causal } = paddingAttr(c, true);
  const kernel = c.weight('kernel');
  const [k, depth, filters] = kernel.shape;
  if (x.shape[2] !== null && x.shape[2] !== depth) c.fail(`kernel [${kernel.shape}] does not fit input channels ${x.shape[2]}`);
  let input = x.ref;
  if (causal) input = c.op('Pad', [input, int32s(c, 'causal_pad', [0, 0, d * (k - 1), 0, 0, 0], [3, 2])], { T, Tpaddings: I32 });
  const expanded = c.op('ExpandDims', [input, int32s(c, 'expand_axis', [1], [])], { T, Tdim: I32 });
  const conv = c.op('Conv2D', [expanded, c.constant('kernel', { ...kernel, shape: [1, k, depth, filters] })], {
    T, strides: ints([1, 1, s, 1]), padding, data_format: NHWC, dilations: ints([1, 1, d, 1]),
  });
  const y = activate(c, { ...x, ref: withBias(c, conv), shape: [x.shape[0], 1, null, filters] }, c.config.activation);
  const steps = x.shape[1] === null ? null : causal ? Math.ceil(x.shape[1] / s) : windowOut(x.shape[1], k, s, d, same);
  return { ...x, ref: c.op('Squeeze', [y.ref], { T, squeeze_dims: ints([1]) }), shape: [x.shape[0], steps, filters] };
};

const batchNormalization: Emitter = (c) => {
  const x = only(c);
  const rank = x.shape.length;
  const axis = normalizeAxis(c, c.config.axis ?? -1, rank);
  if (axis === 0) c.fail('normalizing along the batch axis is not supported');
  const mean = c.weight('moving_mean').values as Float32Array;
  const variance = c.weight('moving_variance').values as Float32Array;
  const gamma = c.config.scale === false ? undefined : (c.weight('gamma').values as Float32Array);
  const beta = c.config.center === false ? undefined : (c.weight('beta').values as Float32Array);
  const epsilon = Number(c.config.epsilon ?? 1e-3);
  // Inference: x·s + t, s = γ/√(σ²+ε), t = β − μ·s (computed in float64, stored as float32).
  const s = Array.from(mean, (_, i) => (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + epsilon));
  const t = Array.from(mean, (m, i) => (beta ? beta[i] : 0) - m * s[i]);
  const shape = [mean.length, ...Array<number>(rank - 1 - axis).fill(1)];
  const scaled = binary(c, 'Mul', x.ref, floats(c, 'scale', s, shape));
  return { ...x, ref: binary(c, 'AddV2', scaled, floats(c, 'shift', t, shape)) };
};

const layerNormalization: Emitter = (c) => {
  const x = only(c);
  const rank = x.shape.length;
  if (c.config.rms_scaling === true) c.fail('rms_scaling is not supported');
  const raw = Array.isArray(c.config.axis) ? c.config.axis : [c.config.axis ?? -1];
  const axes = raw.map((a) => normalizeAxis(c, a, rank)).sort((a, b) => a - b);
  if (axes.includes(0) || axes.some((a, i) => a !== rank - axes.length + i)) c.fail(`axis=${JSON.stringify(c.config.axis)} is not supported (only trailing axes)`);
  const axesRef = int32s(c, 'axes', axes);
  const mean = c.op('Mean', [x.ref, axesRef], { T, Tidx: I32, keep_dims: bool(true) });
  const centered = binary(c, 'Sub', x.ref, mean);
  const variance = c.op('Mean', [unary(c, 'Square', centered), axesRef], { T, Tidx: I32, keep_dims: bool(true) });
  const epsilon = scalar(c, 'epsilon', Number(c.config.epsilon ?? 1e-3));
  let y = binary(c, 'Mul', centered, unary(c, 'Rsqrt', binary(c, 'AddV2', variance, epsilon)));
  if (c.config.scale !== false) y = binary(c, 'Mul', y, c.constant('gamma', c.weight('gamma')));
  if (c.config.center !== false) y = binary(c, 'AddV2', y, c.constant('beta', c.weight('beta')));
  return { ...x, ref: y };
};

const reluLayer: Emitter = (c) => {
  const x = only(c);
  const max = c.config.max_value === null || c.config.max_value === undefined ? undefined : Number(c.config.max_value);
  const slope = Number(c.config.negative_slope ?? c.config.alpha ?? 0);
  const threshold = Number(c.config.threshold ?? 0);
  if (threshold !== 0) c.fail(`threshold=${threshold} is not supported`);
  let ref: string;
  if (slope !== 0) ref = c.op('LeakyRelu', [x.ref], { T, alpha: { kind: 'float', value: slope } });
  else if (max === 6) return { ...x, ref: unary(c, 'Relu6', x.ref) };
  else ref = unary(c, 'Relu', x.ref);
  if (max !== undefined) ref = binary(c, 'Minimum', ref, scalar(c, 'max_value', max));
  return { ...x, ref };
};

const leakyRelu: Emitter = (c) => {
  const x = only(c);
  const alpha = Number(c.config.negative_slope ?? c.config.alpha ?? 0.3);
  return { ...x, ref: c.op('LeakyRelu', [x.ref], { T, alpha: { kind: 'float', value: alpha } }) };
};

const prelu: Emitter = (c) => {
  const x = only(c);
  // max(x, 0) + α·min(x, 0), α broadcast over the shared axes.
  const alpha = c.constant('alpha', c.weight('alpha'));
  const negative = binary(c, 'Mul', alpha, binary(c, 'Minimum', x.ref, scalar(c, 'zero', 0)));
  return { ...x, ref: binary(c, 'AddV2', unary(c, 'Relu', x.ref), negative) };
};

const eluLayer: Emitter = (c) => {
  const x = only(c);
  const alpha = Number(c.config.alpha ?? 1);
  if (alpha === 1) return { ...x, ref: unary(c, 'Elu', x.ref) };
  // max(x, 0) + α·(exp(min(x, 0)) − 1)
  const negative = binary(c, 'Mul', unary(c, 'Elu', binary(c, 'Minimum', x.ref, scalar(c, 'zero', 0))), scalar(c, 'alpha', alpha));
  return { ...x, ref: binary(c, 'AddV2', unary(c, 'Relu', x.ref), negative) };
};

function pool2d(op: 'MaxPool' | 'AvgPool'): Emitter {
  return (c) => {
    channelsLast(c);
    const x = only(c);
    rankIs(c, x, 4);
    const [ph, pw] = tuple(c, 'pool_size', 2, 2);
    const [sh, sw] = c.config.strides === null || c.config.strides === undefined ? [ph, pw] : tuple(c, 'strides', 2);
    const { attr: padding, same } = paddingAttr(c);
    const ref = c.op(op, [x.ref], { T, ksize: ints([1, ph, pw, 1]), strides: ints([1, sh, sw, 1]), padding, data_format: NHWC });
    return { ...x, ref, shape: [x.shape[0], windowOut(x.shape[1], ph, sh, 1, same), windowOut(x.shape[2], pw, sw, 1, same), x.shape[3]] };
  };
}

function pool1d(op: 'MaxPool' | 'AvgPool'): Emitter {
  return (c) => {
    channelsLast(c);
    const x = only(c);
    rankIs(c, x, 3);
    const [p] = tuple(c, 'pool_size', 1, 2);
    const [s] = c.config.strides === null || c.config.strides === undefined ? [p] : tuple(c, 'strides', 1);
    const { attr: padding, same } = paddingAttr(c);
    const expanded = c.op('ExpandDims', [x.ref, int32s(c, 'expand_axis', [1], [])], { T, Tdim: I32 });
    const pooled = c.op(op, [expanded], { T, ksize: ints([1, 1, p, 1]), strides: ints([1, 1, s, 1]), padding, data_format: NHWC });
    return { ...x, ref: c.op('Squeeze', [pooled], { T, squeeze_dims: ints([1]) }), shape: [x.shape[0], windowOut(x.shape[1], p, s, 1, same), x.shape[2]] };
  };
}

function globalPool(op: 'Mean' | 'Max', rank: number): Emitter {
  return (c) => {
    const x = only(c);
    rankIs(c, x, rank);
    if (op === 'Mean' && x.masked) c.fail('a masked input (Embedding mask_zero, Masking) is not supported');
    const first = c.config.data_format === 'channels_first';
    const axes = [...Array(rank - 2).keys()].map((k) => k + (first ? 2 : 1));
    const keep = c.config.keepdims === true;
    const ref = c.op(op, [x.ref, int32s(c, 'axes', axes)], { T, Tidx: I32, keep_dims: bool(keep) });
    const shape = keep ? x.shape.map((d, k) => (axes.includes(k) ? 1 : d)) : x.shape.filter((_, k) => !axes.includes(k));
    return { ...x, ref, shape, masked: false };
  };
}

const flatten: Emitter = (c) => {
  let x = only(c);
  const rank = x.shape.length;
  if (c.config.data_format === 'channels_first' && rank > 2) {
    const perm = [0, ...[...Array(rank - 2).keys()].map((k) => k + 2), 1];
    x = { ...x, ref: c.op('Transpose', [x.ref, int32s(c, 'perm', perm)], { T, Tperm: I32 }), shape: perm.map((p) => x.shape[p]) };
  }
  const size = product(x.shape.slice(1));
  return reshape(c, x, [{ axis: 0 }, size ?? -1], [x.shape[0], size]);
};

const reshapeLayer: Emitter = (c) => {
  const x = only(c);
  const target = c.config.target_shape;
  if (!Array.isArray(target) || !target.every((d) => typeof d === 'number' || d === null)) c.fail(`target_shape=${JSON.stringify(target)} is not a list of ints`);
  const dims = (target as (number | null)[]).map((d) => (d === null || d < 0 ? -1 : d));
  const total = product(x.shape.slice(1));
  const known = dims.filter((d) => d >= 0).reduce((p, d) => p * d, 1);
  // Resolve -1 here when the input's size is known, so the batch can stay the one unknown.
  if (dims.filter((d) => d < 0).length === 1 && total !== null) dims[dims.indexOf(-1)] = total / known;
  return reshape(c, x, [{ axis: 0 }, ...dims], [x.shape[0], ...dims.map((d) => (d < 0 ? null : d))]);
};

const permute: Emitter = (c) => {
  const x = only(c);
  const dims = c.config.dims;
  if (!Array.isArray(dims) || dims.length !== x.shape.length - 1) c.fail(`dims=${JSON.stringify(dims)} does not fit rank ${x.shape.length}`);
  const perm = [0, ...(dims as number[])];
  return { ...x, ref: c.op('Transpose', [x.ref, int32s(c, 'perm', perm)], { T, Tperm: I32 }), shape: perm.map((p) => x.shape[p]) };
};

function zeroPadding(n: number): Emitter {
  return (c) => {
    channelsLast(c);
    const x = only(c);
    rankIs(c, x, n + 2);
    const pads = pairs(c, 'padding', n);
    const paddings = [[0, 0], ...pads, [0, 0]];
    const ref = c.op('Pad', [x.ref, int32s(c, 'paddings', paddings.flat(), [n + 2, 2])], { T, Tpaddings: I32 });
    return { ...x, ref, shape: x.shape.map((d, k) => (k === 0 || k > n || d === null ? d : d + pads[k - 1][0] + pads[k - 1][1])) };
  };
}

function cropping(n: number): Emitter {
  return (c) => {
    channelsLast(c);
    const x = only(c);
    rankIs(c, x, n + 2);
    const crops = pairs(c, 'cropping', n);
    const last = n + 1;
    const begin = [0, ...crops.map(([b]) => b), 0];
    const end = [0, ...crops.map(([, a]) => -a), 0];
    // Whole batch and channels; an end crop of 0 runs to the end.
    const beginMask = 1 | (1 << last);
    const endMask = end.reduce((mask, e, k) => (e === 0 ? mask | (1 << k) : mask), 0);
    const ref = c.op('StridedSlice', [x.ref, int32s(c, 'begin', begin), int32s(c, 'end', end), int32s(c, 'strides', Array<number>(n + 2).fill(1))], {
      T, Index: I32, begin_mask: int(beginMask), end_mask: int(endMask), ellipsis_mask: int(0), new_axis_mask: int(0), shrink_axis_mask: int(0),
    });
    return { ...x, ref, shape: x.shape.map((d, k) => (k === 0 || k > n || d === null ? d : d - crops[k - 1][0] - crops[k - 1][1])) };
  };
}

/** The [height, width] a resize makes: constant when known, else the input's times `factors`. */
function resizedSize(c: LayerCall, x: Sym, axes: [number, number], factors: [number, number]): string {
  const [h, w] = axes.map((a) => x.shape[a]);
  if (h !== null && w !== null) return int32s(c, 'size', [h * factors[0], w * factors[1]]);
  const shape = c.op('Shape', [x.ref], { T, out_type: I32 });
  const dims = c.op('GatherV2', [shape, int32s(c, 'hw', axes), int32s(c, 'gather_axis', [0], [])], { Tparams: I32, Tindices: I32, Taxis: I32, batch_dims: int(0) });
  return c.op('Mul', [dims, int32s(c, 'factors', factors)], { T: I32 });
}

const upSampling2d: Emitter = (c) => {
  channelsLast(c);
  const x = only(c);
  rankIs(c, x, 4);
  const [sh, sw] = tuple(c, 'size', 2, 2);
  const interpolation = String(c.config.interpolation ?? 'nearest');
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') c.fail(`interpolation=${interpolation} is not supported`);
  const bilinear = interpolation === 'bilinear';
  const ref = c.op(bilinear ? 'ResizeBilinear' : 'ResizeNearestNeighbor', [x.ref, resizedSize(c, x, [1, 2], [sh, sw])], {
    T, align_corners: bool(false), half_pixel_centers: bool(bilinear && c.halfPixelBilinear),
  });
  return { ...x, ref, shape: [x.shape[0], x.shape[1] === null ? null : x.shape[1] * sh, x.shape[2] === null ? null : x.shape[2] * sw, x.shape[3]] };
};

const upSampling1d: Emitter = (c) => {
  const x = only(c);
  rankIs(c, x, 3);
  const [s] = tuple(c, 'size', 1, 2);
  // Each step repeated: nearest resize of [N, W, 1, C] to [W·s, 1].
  const expanded: Sym = { ...x, ref: c.op('ExpandDims', [x.ref, int32s(c, 'expand_axis', [2], [])], { T, Tdim: I32 }), shape: [x.shape[0], x.shape[1], 1, x.shape[2]] };
  const resized = c.op('ResizeNearestNeighbor', [expanded.ref, resizedSize(c, expanded, [1, 2], [s, 1])], { T, align_corners: bool(false), half_pixel_centers: bool(false) });
  return { ...x, ref: c.op('Squeeze', [resized], { T, squeeze_dims: ints([2]) }), shape: [x.shape[0], x.shape[1] === null ? null : x.shape[1] * s, x.shape[2]] };
};

function merge(op: 'AddV2' | 'Sub' | 'Mul' | 'Maximum' | 'Minimum', average = false): Emitter {
  return (c) => {
    const xs = c.inputs;
    if (xs.length < 2 || (op === 'Sub' && xs.length !== 2)) c.fail(`expects ${op === 'Sub' ? 'two inputs' : 'at least two inputs'}, got ${xs.length}`);
    let ref = xs[0].ref;
    for (const x of xs.slice(1)) ref = binary(c, op, ref, x.ref);
    if (average) ref = binary(c, 'Mul', ref, scalar(c, 'reciprocal', 1 / xs.length));
    return { ref, shape: broadcastShapes(c, xs.map((x) => x.shape)), dtype: xs[0].dtype, masked: xs.some((x) => x.masked) };
  };
}

const concatenate: Emitter = (c) => {
  const xs = c.inputs;
  if (xs.length < 1) c.fail('has no inputs');
  const rank = xs[0].shape.length;
  if (xs.some((x) => x.shape.length !== rank)) c.fail(`inputs have different ranks: ${xs.map((x) => x.shape.length).join(', ')}`);
  const axis = normalizeAxis(c, c.config.axis ?? -1, rank);
  const ref = c.op('ConcatV2', [...xs.map((x) => x.ref), int32s(c, 'axis', [axis], [])], { T, N: int(xs.length), Tidx: I32 });
  const shape = xs[0].shape.map((_, k) => {
    const dims = xs.map((x) => x.shape[k]);
    if (k === axis) return dims.includes(null) ? null : dims.reduce<number>((sum, d) => sum + d!, 0);
    return dims.find((d) => d !== null) ?? null;
  });
  return { ref, shape, dtype: xs[0].dtype, masked: xs.some((x) => x.masked) };
};

const rescaling: Emitter = (c) => {
  const x = only(c);
  const operand = (key: string, fallback: number) => {
    const value = c.config[key] ?? fallback;
    if (typeof value === 'number') return { value, constant: () => scalar(c, key, value) };
    if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return { value: NaN, constant: () => floats(c, key, value as number[]) };
    return c.fail(`${key}=${JSON.stringify(value)} is not a number or a list of numbers`);
  };
  const scale = operand('scale', 1);
  const offset = operand('offset', 0);
  let ref = x.ref;
  if (x.dtype !== 'DT_FLOAT') ref = c.op('Cast', [ref], { SrcT: { kind: 'type', value: x.dtype }, DstT: T, Truncate: bool(false) });
  if (scale.value !== 1) ref = binary(c, 'Mul', ref, scale.constant());
  if (offset.value !== 0) ref = binary(c, 'AddV2', ref, offset.constant());
  return { ...x, dtype: 'DT_FLOAT', ref: ref === x.ref ? c.op('Identity', [ref], { T }) : ref };
};

const embedding: Emitter = (c) => {
  const x = only(c);
  const table = c.weight('embeddings');
  let ids = x.ref;
  if (x.dtype !== 'DT_INT32') ids = c.op('Cast', [ids], { SrcT: { kind: 'type', value: x.dtype }, DstT: I32, Truncate: bool(false) });
  const ref = c.op('GatherV2', [c.constant('embeddings', table), ids, int32s(c, 'axis', [0], [])], { Tparams: T, Tindices: I32, Taxis: I32, batch_dims: int(0) });
  const y: Sym = { ref, shape: [...x.shape, table.shape[1]], dtype: 'DT_FLOAT', masked: c.config.mask_zero === true };
  // The mask recurrent layers read (pruned when none does): ids ≠ 0.
  if (y.masked && x.shape.length === 2) y.mask = { ref: c.op('NotEqual', [ids, int32s(c, 'zero', [0], [])], { T: I32 }), steps: x.shape[1] };
  return y;
};

const masking: Emitter = (c) => {
  const x = only(c);
  // Keras: x · any(x ≠ mask_value, axis=-1, keepdims=True).
  const differs = c.op('NotEqual', [x.ref, scalar(c, 'mask_value', Number(c.config.mask_value ?? 0))], { T });
  const any = c.op('Any', [differs, int32s(c, 'axis', [-1])], { Tidx: I32, keep_dims: bool(true) });
  const keep = c.op('Cast', [any], { SrcT: { kind: 'type', value: 'DT_BOOL' }, DstT: T, Truncate: bool(false) });
  const y: Sym = { ...x, ref: binary(c, 'Mul', x.ref, keep), masked: true, mask: undefined };
  // The mask recurrent layers read (pruned when none does): [batch, steps].
  if (x.shape.length === 3) y.mask = { ref: c.op('Any', [differs, int32s(c, 'axis', [-1])], { Tidx: I32, keep_dims: bool(false) }), steps: x.shape[1] };
  return y;
};

const activationLayer: Emitter = (c) => activate(c, only(c), c.config.activation);
const softmaxLayer: Emitter = (c) => activate(c, only(c), 'softmax', Number(c.config.axis ?? -1));

/** The layer classes this importer maps, by Keras class name. */
export const EMITTERS: Record<string, Emitter> = {
  InputLayer: identity,
  Dense: dense,
  Conv1D: conv1d,
  Conv2D: conv2d('conv'),
  DepthwiseConv2D: conv2d('depthwise'),
  SeparableConv2D: conv2d('separable'),
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Activation: activationLayer,
  ReLU: reluLayer,
  LeakyReLU: leakyRelu,
  PReLU: prelu,
  ELU: eluLayer,
  Softmax: softmaxLayer,
  MaxPooling1D: pool1d('MaxPool'),
  AveragePooling1D: pool1d('AvgPool'),
  MaxPooling2D: pool2d('MaxPool'),
  AveragePooling2D: pool2d('AvgPool'),
  GlobalAveragePooling1D: globalPool('Mean', 3),
  GlobalMaxPooling1D: globalPool('Max', 3),
  GlobalAveragePooling2D: globalPool('Mean', 4),
  GlobalMaxPooling2D: globalPool('Max', 4),
  GlobalAveragePooling3D: globalPool('Mean', 5),
  GlobalMaxPooling3D: globalPool('Max', 5),
  Flatten: flatten,
  Reshape: reshapeLayer,
  Permute: permute,
  ZeroPadding1D: zeroPadding(1),
  ZeroPadding2D: zeroPadding(2),
  ZeroPadding3D: zeroPadding(3),
  Cropping1D: cropping(1),
  Cropping2D: cropping(2),
  Cropping3D: cropping(3),
  UpSampling1D: upSampling1d,
  UpSampling2D: upSampling2d,
  Add: merge('AddV2'),
  Subtract: merge('Sub'),
  Multiply: merge('Mul'),
  Average: merge('AddV2', true),
  Maximum: merge('Maximum'),
  Minimum: merge('Minimum'),
  Concatenate: concatenate,
  Rescaling: rescaling,
  Embedding: embedding,
  Masking: masking,
  SimpleRNN: recurrent('SimpleRNN'),
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
  Bidirectional: bidirectional,
  // Looked up when called, so every layer above (and the table's own entries) can be wrapped.
  TimeDistributed: timeDistributed((className) => (Object.hasOwn(EMITTERS, className) ? EMITTERS[className] : undefined)),
  // Identity at inference.
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  SpatialDropout3D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ActivityRegularization: identity,
  RandomFlip: identity,
  RandomRotation: identity,
  RandomZoom: identity,
  RandomTranslation: identity,
  RandomContrast: identity,
  RandomBrightness: identity,
  Identity: identity,
};
