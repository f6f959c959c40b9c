/**
 * A plain-TypeScript reference for the neural-network ops our importers map onto TF.js: float64
 * loops over NHWC arrays, written for readability, not speed.
 *
 * Its whole point is to be independent of the code under test, so it imports nothing (no TF.js,
 * nothing from `lib/`). Tests load weights with the importers' file readers, run a hand-written
 * architecture through these functions, and compare the result with what the server answers.
 *
 * Semantics follow TensorFlow (the op documentation and kernels), not TF.js:
 * - Layout is NHWC; conv kernels are HWIO `[kh, kw, in, out]`, depthwise kernels
 *   `[kh, kw, in, multiplier]` (output channel `c * multiplier + m`), dense kernels `[in, out]`.
 * - 'SAME' padding: out = ceil(in / stride); pad_total = max((out − 1)·stride + k_eff − in, 0),
 *   pad_before = floor(pad_total / 2), the odd cell (if any) goes after. 'VALID':
 *   out = floor((in − k_eff) / stride) + 1. k_eff = (k − 1)·dilation + 1.
 * - Max pooling never picks a padding cell; average pooling with 'SAME' divides by the number of
 *   real (non-padding) cells under the window.
 * - Bilinear resize as `tf.image.resize` (ResizeBilinear with half_pixel_centers=true) or the TF1
 *   legacy / align_corners variants; Keras `Resizing(crop_to_aspect_ratio=True)` center-crops first.
 *
 * Every intermediate value is a JS number (float64); weights stored as float32 are widened exactly.
 * So this computes the model's function with ~1e-15 relative rounding, while the engine under test
 * rounds every op to float32: compare the two with a tolerance, not bit for bit.
 */

/** A dense row-major tensor of float64 values. Image tensors are NHWC. */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor of `shape` holding `values` (widened to float64), or zeros. */
export function tensor(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (values && values.length !== n) throw new Error(`tensor: ${values.length} values for shape [${shape}]`);
  return { shape: [...shape], data: values ? Float64Array.from(values) : new Float64Array(n) };
}

/** The same values under another shape (one dimension may be -1). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const resolved = shape.map((d) => (d === -1 ? x.data.length / known : d));
  if (sizeOf(resolved) !== x.data.length) throw new Error(`reshape: [${x.shape}] cannot become [${shape}]`);
  return { shape: resolved, data: x.data };
}

/** [n, ...] → [n, rest] (Keras Flatten). */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0], -1]);
}

/** Index of the largest value of a 1-D array (first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The rows of a 2-D tensor as plain arrays. */
export function rows(x: Tensor): number[][] {
  if (x.shape.length !== 2) throw new Error(`rows: expected rank 2, got [${x.shape}]`);
  const [n, k] = x.shape;
  return Array.from({ length: n }, (_, i) => Array.from(x.data.subarray(i * k, (i + 1) * k)));
}

// ------------------------------------------------------------------ element-wise

/** f applied to every element. */
export function map(x: Tensor, f: (v: number) => number): Tensor {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export const relu = (x: Tensor): Tensor => map(x, (v) => Math.max(v, 0));
/** min(max(x, 0), 6), as tf.nn.relu6 and Keras ReLU(max_value=6). */
export const relu6 = (x: Tensor): Tensor => map(x, (v) => Math.min(Math.max(v, 0), 6));

/** Output shape of numpy-style broadcasting (dimensions aligned from the right). */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element strides of `shape` seen as `outShape` (0 along broadcast dimensions). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

/** f(a, b) element-wise with numpy broadcasting (TF's Add/Sub/Mul/RealDiv semantics). */
export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const out = new Float64Array(sizeOf(shape));
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < shape.length; d++) {
      ia += index[d] * sa[d];
      ib += index[d] * sb[d];
    }
    out[i] = f(a.data[ia], b.data[ib]);
    // Advance the multi-index (last dimension fastest).
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return { shape, data: out };
}

export const add = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x + y);
export const sub = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x - y);
export const mul = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x * y);

// ------------------------------------------------------------------ reductions

/** Mean over `axes` (negative axes count from the end), as tf.reduce_mean / the Mean op. */
export function reduceMean(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
  const rank = x.shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const keptShape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outStrides = broadcastStrides(keptShape, x.shape);
  const sums = new Float64Array(sizeOf(keptShape));
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o += index[d] * outStrides[d];
    sums[o] += x.data[i];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < x.shape[d]) break;
      index[d] = 0;
    }
  }
  const count = x.data.length / sums.length;
  const shape = keepDims ? keptShape : x.shape.filter((_, i) => !reduced.has(i));
  return { shape, data: sums.map((s) => s / count) };
}

/** NHWC → [n, c] (Keras GlobalAveragePooling2D), or [n, 1, 1, c] with keepDims. */
export function globalAvgPool(x: Tensor, keepDims = false): Tensor {
  return reduceMean(x, [1, 2], keepDims);
}

/** Softmax over the last axis (max subtracted first; exp/sum in float64). */
export function softmax(x: Tensor): Tensor {
  const k = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let row = 0; row < x.data.length; row += k) {
    let max = -Infinity;
    for (let i = 0; i < k; i++) max = Math.max(max, x.data[row + i]);
    let sum = 0;
    for (let i = 0; i < k; i++) sum += out[row + i] = Math.exp(x.data[row + i] - max);
    for (let i = 0; i < k; i++) out[row + i] /= sum;
  }
  return { shape: [...x.shape], data: out };
}

// ------------------------------------------------------------------ padding arithmetic

/** 'SAME', 'VALID', or explicit `[[top, bottom], [left, right]]` cells of zeros. */
export type Padding = 'SAME' | 'VALID' | [[number, number], [number, number]];

export interface WindowOptions {
  /** [strideH, strideW] or one number for both; default 1. */
  strides?: number | [number, number];
  padding: Padding;
  /** [dilationH, dilationW] or one number for both; default 1. Convolutions only. */
  dilations?: number | [number, number];
}

const pair = (v: number | [number, number] | undefined): [number, number] =>
  v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v;

/**
 * TensorFlow's SAME padding along one axis (tensorflow/core/framework/kernel_shape_util.cc,
 * GetWindowedOutputSize): the output has ceil(in / stride) cells and the padding needed for that
 * is split with the smaller half first.
 */
export function samePadding(inSize: number, kernel: number, stride: number, dilation = 1): { before: number; after: number; out: number } {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}

/** Output size and leading padding of one spatial axis. */
function windowAxis(padding: Padding, axis: 0 | 1, inSize: number, kernel: number, stride: number, dilation: number): { before: number; out: number } {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'SAME') return samePadding(inSize, kernel, stride, dilation);
  const [before, after] = padding === 'VALID' ? [0, 0] : padding[axis];
  const out = Math.floor((inSize + before + after - effective) / stride) + 1;
  if (out <= 0) throw new Error(`window of ${effective} does not fit ${inSize} (+${before}+${after})`);
  return { before, out };
}

interface Window {
  outH: number;
  outW: number;
  top: number;
  left: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
}

function window(x: Tensor, kh: number, kw: number, options: WindowOptions): Window {
  if (x.shape.length !== 4) throw new Error(`expected an NHWC tensor, got [${x.shape}]`);
  const [sh, sw] = pair(options.strides);
  const [dh, dw] = pair(options.dilations);
  const rowsAxis = windowAxis(options.padding, 0, x.shape[1], kh, sh, dh);
  const colsAxis = windowAxis(options.padding, 1, x.shape[2], kw, sw, dw);
  return { outH: rowsAxis.out, outW: colsAxis.out, top: rowsAxis.before, left: colsAxis.before, sh, sw, dh, dw };
}

/** Adds explicit rows/columns of zeros (Keras ZeroPadding2D): `[[top, bottom], [left, right]]`. */
export function zeroPad2d(x: Tensor, [[top, bottom], [left, right]]: [[number, number], [number, number]]): Tensor {
  const [n, h, w, c] = x.shape;
  const out = tensor([n, h + top + bottom, w + left + right, c]);
  const [, oh, ow] = out.shape;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out.data[((b * oh + y + top) * ow + xx + left) * c + ch] = x.data[((b * h + y) * w + xx) * c + ch];
  return out;
}

/** Rows [top, top + height) and columns [left, left + width) of an NHWC tensor (a Slice). */
export function crop2d(x: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [n, h, w, c] = x.shape;
  if (top < 0 || left < 0 || top + height > h || left + width > w) throw new Error(`crop outside [${x.shape}]`);
  const out = tensor([n, height, width, c]);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < height; y++)
      for (let xx = 0; xx < width; xx++)
        for (let ch = 0; ch < c; ch++) out.data[((b * height + y) * width + xx) * c + ch] = x.data[((b * h + y + top) * w + xx + left) * c + ch];
  return out;
}

// ------------------------------------------------------------------ convolutions

/**
 * 2-D convolution (TF's Conv2D: cross-correlation, no kernel flip). `kernel` is HWIO
 * `[kh, kw, in, out]`; an optional `bias` `[out]` is added (Conv2D + BiasAdd).
 */
export function conv2d(x: Tensor, kernel: Tensor, options: WindowOptions, bias?: Tensor): Tensor {
  const [n, h, w, cin] = x.shape;
  const [kh, kw, kin, cout] = kernel.shape;
  if (kin !== cin) throw new Error(`conv2d: kernel [${kernel.shape}] for ${cin} input channels`);
  const win = window(x, kh, kw, options);
  const out = tensor([n, win.outH, win.outW, cout]);
  const acc = new Float64Array(cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < win.outH; oy++) {
      for (let ox = 0; ox < win.outW; ox++) {
        for (let co = 0; co < cout; co++) acc[co] = bias ? bias.data[co] : 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * win.sh - win.top + ky * win.dh;
          if (iy < 0 || iy >= h) continue; // a padding row: contributes zeros
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * win.sw - win.left + kx * win.dw;
            if (ix < 0 || ix >= w) continue;
            const inBase = ((b * h + iy) * w + ix) * cin;
            for (let ci = 0; ci < cin; ci++) {
              const v = x.data[inBase + ci];
              const kBase = ((ky * kw + kx) * cin + ci) * cout;
              for (let co = 0; co < cout; co++) acc[co] += v * kernel.data[kBase + co];
            }
          }
        }
        out.data.set(acc, ((b * win.outH + oy) * win.outW + ox) * cout);
      }
    }
  }
  return out;
}

/**
 * Depthwise 2-D convolution (DepthwiseConv2dNative): each input channel c is convolved with its
 * own `multiplier` filters; output channel `c * multiplier + m`. `kernel` is `[kh, kw, in, multiplier]`.
 */
export function depthwiseConv2d(x: Tensor, kernel: Tensor, options: WindowOptions, bias?: Tensor): Tensor {
  const [n, h, w, cin] = x.shape;
  const [kh, kw, kin, mult] = kernel.shape;
  if (kin !== cin) throw new Error(`depthwiseConv2d: kernel [${kernel.shape}] for ${cin} input channels`);
  const cout = cin * mult;
  const win = window(x, kh, kw, options);
  const out = tensor([n, win.outH, win.outW, cout]);
  const acc = new Float64Array(cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < win.outH; oy++) {
      for (let ox = 0; ox < win.outW; ox++) {
        for (let co = 0; co < cout; co++) acc[co] = bias ? bias.data[co] : 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * win.sh - win.top + ky * win.dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * win.sw - win.left + kx * win.dw;
            if (ix < 0 || ix >= w) continue;
            const inBase = ((b * h + iy) * w + ix) * cin;
            const kBase = (ky * kw + kx) * cin * mult;
            for (let ci = 0; ci < cin; ci++) {
              const v = x.data[inBase + ci];
              for (let m = 0; m < mult; m++) acc[ci * mult + m] += v * kernel.data[kBase + ci * mult + m];
            }
          }
        }
        out.data.set(acc, ((b * win.outH + oy) * win.outW + ox) * cout);
      }
    }
  }
  return out;
}

/**
 * Separable convolution (Keras SeparableConv2D / tf.nn.separable_conv2d): a depthwise convolution
 * with `options`, then a 1×1 stride-1 convolution with `pointwise` `[1, 1, in·mult, out]`, then bias.
 */
export function separableConv2d(x: Tensor, depthwise: Tensor, pointwise: Tensor, options: WindowOptions, bias?: Tensor): Tensor {
  return conv2d(depthwiseConv2d(x, depthwise, options), pointwise, { padding: 'VALID' }, bias);
}

// ------------------------------------------------------------------ dense and normalization

/** x·kernel + bias for x `[n, in]`, kernel `[in, out]` (Keras Dense / MatMul + BiasAdd). */
export function dense(x: Tensor, kernel: Tensor, bias?: Tensor): Tensor {
  const [n, k] = x.shape;
  const [kin, units] = kernel.shape;
  if (x.shape.length !== 2 || kin !== k) throw new Error(`dense: x [${x.shape}] with kernel [${kernel.shape}]`);
  const out = tensor([n, units]);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < units; j++) {
      let sum = bias ? bias.data[j] : 0;
      for (let i = 0; i < k; i++) sum += x.data[b * k + i] * kernel.data[i * units + j];
      out.data[b * units + j] = sum;
    }
  }
  return out;
}

export interface BatchNormParams {
  mean: Tensor;
  variance: Tensor;
  /** Use the exact value the file stores (e.g. float32 0.001 = 0.0010000000474974513). */
  epsilon: number;
  /** Omitted when the layer has no scale (slim `scale=False`): gamma = 1. */
  gamma?: Tensor;
  /** Omitted when the layer has no offset: beta = 0. */
  beta?: Tensor;
}

/**
 * Inference batch normalization over the last axis:
 * gamma · (x − mean) / sqrt(variance + epsilon) + beta (FusedBatchNorm with is_training=false, or
 * TF1's unfused Rsqrt/Mul/Sub/Add chain; in float64 the order of those operations changes the
 * result by ~1e-16 relative only).
 */
export function batchNorm(x: Tensor, p: BatchNormParams): Tensor {
  const c = x.shape[x.shape.length - 1];
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = (p.gamma ? p.gamma.data[i] : 1) / Math.sqrt(p.variance.data[i] + p.epsilon);
    shift[i] = (p.beta ? p.beta.data[i] : 0) - p.mean.data[i] * scale[i];
  }
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] * scale[i % c] + shift[i % c];
  return { shape: [...x.shape], data: out };
}

// ------------------------------------------------------------------ pooling

export interface PoolOptions {
  /** [poolH, poolW] or one number for both. */
  size: number | [number, number];
  /** Defaults to the pool size (as Keras). */
  strides?: number | [number, number];
  padding: Padding;
}

function pool(x: Tensor, options: PoolOptions, kind: 'max' | 'avg'): Tensor {
  const [n, h, w, c] = x.shape;
  const [kh, kw] = pair(options.size);
  const win = window(x, kh, kw, { strides: options.strides ?? [kh, kw], padding: options.padding });
  const out = tensor([n, win.outH, win.outW, c]);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < win.outH; oy++) {
      for (let ox = 0; ox < win.outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let sum = 0;
          let count = 0; // real cells only: padding is never a max candidate nor averaged in
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * win.sh - win.top + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * win.sw - win.left + kx;
              if (ix < 0 || ix >= w) continue;
              const v = x.data[((b * h + iy) * w + ix) * c + ch];
              best = Math.max(best, v);
              sum += v;
              count++;
            }
          }
          out.data[((b * win.outH + oy) * win.outW + ox) * c + ch] = kind === 'max' ? best : sum / count;
        }
      }
    }
  }
  return out;
}

/** MaxPool (VALID, SAME or explicit padding; padded cells never win). */
export const maxPool = (x: Tensor, options: PoolOptions): Tensor => pool(x, options, 'max');
/** AvgPool; with SAME padding TF divides by the number of real cells in each window. */
export const avgPool = (x: Tensor, options: PoolOptions): Tensor => pool(x, options, 'avg');

// ------------------------------------------------------------------ resizing

export interface ResizeBilinearOptions {
  /** TF2 `tf.image.resize` and Keras Resizing: true (ResizeBilinear half_pixel_centers=true). */
  halfPixelCenters?: boolean;
  /** TF1 `align_corners=True`. */
  alignCorners?: boolean;
}

/** Source position, lower/upper neighbour and weight of one output coordinate (TF's resize_bilinear_op.cc). */
function bilinearAxis(outSize: number, inSize: number, options: ResizeBilinearOptions): { lower: Int32Array; upper: Int32Array; lerp: Float64Array } {
  const scale = options.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const lerp = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    // Half-pixel centers: output cell i's center (i + 0.5) maps to input coordinate
    // (i + 0.5)·scale, i.e. index (i + 0.5)·scale − 0.5. Legacy: i·scale.
    const position = options.halfPixelCenters ? (i + 0.5) * scale - 0.5 : i * scale;
    const floor = Math.floor(position);
    lower[i] = Math.max(floor, 0);
    upper[i] = Math.min(Math.ceil(position), inSize - 1);
    lerp[i] = position - floor;
  }
  return { lower, upper, lerp };
}

/**
 * Bilinear resize of an NHWC tensor to `[outH, outW]`: interpolate along x on the two neighbour
 * rows, then along y, as TF's ResizeBilinear kernel does (positions clamped at the edges).
 * Positions and weights are float64 here; TF computes them in float32 (identical when the scale
 * is a short binary fraction, such as 120 → 96 = ×1.25).
 */
export function resizeBilinear(x: Tensor, outH: number, outW: number, options: ResizeBilinearOptions = { halfPixelCenters: true }): Tensor {
  const [n, h, w, c] = x.shape;
  const ys = bilinearAxis(outH, h, options);
  const xs = bilinearAxis(outW, w, options);
  const out = tensor([n, outH, outW, c]);
  const at = (b: number, y: number, xx: number, ch: number) => x.data[((b * h + y) * w + xx) * c + ch];
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const topLeft = at(b, ys.lower[oy], xs.lower[ox], ch);
          const topRight = at(b, ys.lower[oy], xs.upper[ox], ch);
          const bottomLeft = at(b, ys.upper[oy], xs.lower[ox], ch);
          const bottomRight = at(b, ys.upper[oy], xs.upper[ox], ch);
          const top = topLeft + (topRight - topLeft) * xs.lerp[ox];
          const bottom = bottomLeft + (bottomRight - bottomLeft) * xs.lerp[ox];
          out.data[((b * outH + oy) * outW + ox) * c + ch] = top + (bottom - top) * ys.lerp[oy];
        }
      }
    }
  }
  return out;
}

/**
 * The centered crop Keras `smart_resize` (used by `Resizing(crop_to_aspect_ratio=True)`) takes
 * before resizing: the largest window of the target aspect ratio. Its arithmetic, as in the graph
 * Keras 2.8 writes: crop_h = min(h, int(float32(w·target_h) / target_w)), likewise crop_w;
 * start = int(float32(h − crop_h) / 2) (truncation toward zero).
 */
export function aspectRatioCrop(h: number, w: number, targetH: number, targetW: number): { top: number; left: number; height: number; width: number } {
  const f32 = Math.fround;
  const height = Math.min(h, Math.trunc(f32(f32(w * targetH) / f32(targetW))));
  const width = Math.min(w, Math.trunc(f32(f32(h * targetW) / f32(targetH))));
  return { top: Math.trunc(f32(h - height) / 2), left: Math.trunc(f32(w - width) / 2), height, width };
}

/**
 * Keras `Resizing(height, width, interpolation='bilinear', crop_to_aspect_ratio)`: optionally the
 * centered aspect-ratio crop, then `tf.image.resize` (bilinear, half-pixel centers, no antialias).
 */
export function kerasResizing(x: Tensor, height: number, width: number, cropToAspectRatio: boolean): Tensor {
  let input = x;
  if (cropToAspectRatio) {
    const crop = aspectRatioCrop(x.shape[1], x.shape[2], height, width);
    input = crop2d(x, crop.top, crop.left, crop.height, crop.width);
  }
  return resizeBilinear(input, height, width, { halfPixelCenters: true });
}

// ------------------------------------------------------------------ activations, concatenation

/** 1 / (1 + e^−x) (Keras `sigmoid`; tf.keras 2's default recurrent activation). */
export const sigmoidOf = (v: number): number => 1 / (1 + Math.exp(-v));
/** Keras 2's `hard_sigmoid` (the default recurrent activation up to Keras 2.2): clip(0.2·x + 0.5, 0, 1). */
export const hardSigmoidOf = (v: number): number => Math.min(Math.max(0.2 * v + 0.5, 0), 1);
/** Keras `elu` with alpha 1: x for x > 0, else e^x − 1. */
export const eluOf = (v: number): number => (v > 0 ? v : Math.expm1(v));

export const sigmoid = (x: Tensor): Tensor => map(x, sigmoidOf);
export const elu = (x: Tensor): Tensor => map(x, eluOf);
export const tanh = (x: Tensor): Tensor => map(x, Math.tanh);

/** Tensors of equal shape but along `axis` (negative counts from the end) joined along it (Keras Concatenate). */
export function concat(parts: readonly Tensor[], axis = -1): Tensor {
  const rank = parts[0].shape.length;
  const a = axis < 0 ? axis + rank : axis;
  const outer = sizeOf(parts[0].shape.slice(0, a));
  const inner = sizeOf(parts[0].shape.slice(a + 1));
  for (const part of parts) {
    if (part.shape.length !== rank || sizeOf(part.shape.slice(0, a)) !== outer || sizeOf(part.shape.slice(a + 1)) !== inner) {
      throw new Error(`concat: [${part.shape}] does not fit [${parts[0].shape}] along axis ${axis}`);
    }
  }
  const total = parts.reduce((sum, part) => sum + part.shape[a], 0);
  const out = tensor([...parts[0].shape.slice(0, a), total, ...parts[0].shape.slice(a + 1)]);
  for (let o = 0; o < outer; o++) {
    let offset = 0;
    for (const part of parts) {
      const chunk = part.shape[a] * inner;
      out.data.set(part.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + offset);
      offset += chunk;
    }
  }
  return out;
}

// ------------------------------------------------------------------ embeddings and recurrent layers

/** Keras Embedding: each integer id of `ids` (any shape) → its row of `table` `[vocab, dim]`; shape `[...ids, dim]`. */
export function embedding(ids: Tensor, table: Tensor): Tensor {
  const [vocab, dim] = table.shape;
  const out = tensor([...ids.shape, dim]);
  ids.data.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`embedding: id ${id} outside [0, ${vocab})`);
    out.data.set(table.data.subarray(id * dim, (id + 1) * dim), i * dim);
  });
  return out;
}

export interface RecurrentOptions {
  /** The gates' activation: sigmoidOf (tf.keras 2 default) or hardSigmoidOf (Keras ≤ 2.2 default). */
  recurrentActivation: (v: number) => number;
  /** The candidate/output activation; default tanh. */
  activation?: (v: number) => number;
  /** Every timestep's output `[n, T, units]` instead of the last one `[n, units]`. */
  returnSequences?: boolean;
  /**
   * `[n·T]` (row-major `[n, T]`), false where a timestep is masked (Embedding `mask_zero`): as in
   * Keras, a masked step leaves the states alone and repeats the previous output (zeros at first).
   */
  mask?: readonly boolean[];
}

/**
 * Runs `step(b, x_t, states) → new states` (states[0] is the output) over `x` `[n, T, F]`,
 * honouring `mask` as Keras's `backend.rnn` does.
 */
function recurrent(x: Tensor, stateCount: number, units: number, options: RecurrentOptions, step: (xt: Float64Array, states: Float64Array[]) => Float64Array[]): Tensor {
  if (x.shape.length !== 3) throw new Error(`recurrent: expected [n, T, F], got [${x.shape}]`);
  const [n, steps, features] = x.shape;
  const out = tensor(options.returnSequences ? [n, steps, units] : [n, units]);
  for (let b = 0; b < n; b++) {
    let states: Float64Array[] = Array.from({ length: stateCount }, () => new Float64Array(units));
    for (let t = 0; t < steps; t++) {
      if (!options.mask || options.mask[b * steps + t]) {
        states = step(x.data.subarray((b * steps + t) * features, (b * steps + t + 1) * features), states);
      }
      if (options.returnSequences) out.data.set(states[0], (b * steps + t) * units);
    }
    if (!options.returnSequences) out.data.set(states[0], b * units);
  }
  return out;
}

/** v·M for a vector v `[rows]` and M `[rows, cols]`, plus `bias` (from `biasOffset`) if given. */
function vecMat(v: ArrayLike<number>, m: Tensor, bias?: Tensor, biasOffset = 0): Float64Array {
  const [rows, cols] = m.shape;
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) out[j] = bias ? bias.data[biasOffset + j] : 0;
  for (let i = 0; i < rows; i++) {
    const vi = v[i];
    for (let j = 0; j < cols; j++) out[j] += vi * m.data[i * cols + j];
  }
  return out;
}

/**
 * Keras LSTM over `x` `[n, T, F]`: kernel `[F, 4u]`, recurrent kernel `[u, 4u]`, bias `[4u]`,
 * gates in Keras's order i, f, c, o:
 * i = σ(x·Wi + h·Ui + bi), f = σ(…f), o = σ(…o), c' = f·c + i·tanh(x·Wc + h·Uc + bc), h' = o·tanh(c').
 */
export function lstm(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | undefined, options: RecurrentOptions): Tensor {
  const units = recurrentKernel.shape[0];
  if (kernel.shape[1] !== 4 * units || recurrentKernel.shape[1] !== 4 * units) throw new Error(`lstm: kernels [${kernel.shape}], [${recurrentKernel.shape}]`);
  const act = options.activation ?? Math.tanh;
  const rec = options.recurrentActivation;
  return recurrent(x, 2, units, options, (xt, [h, c]) => {
    const zx = vecMat(xt, kernel, bias);
    const zh = vecMat(h, recurrentKernel);
    const hNew = new Float64Array(units);
    const cNew = new Float64Array(units);
    for (let k = 0; k < units; k++) {
      const i = rec(zx[k] + zh[k]);
      const f = rec(zx[units + k] + zh[units + k]);
      const candidate = act(zx[2 * units + k] + zh[2 * units + k]);
      const o = rec(zx[3 * units + k] + zh[3 * units + k]);
      cNew[k] = f * c[k] + i * candidate;
      hNew[k] = o * act(cNew[k]);
    }
    return [hNew, cNew];
  });
}

/**
 * Keras GRU over `x` `[n, T, F]`: kernel `[F, 3u]`, recurrent kernel `[u, 3u]`, gates in Keras's
 * order z (update), r (reset), h (candidate).
 * - reset_after=False (Keras ≤ 2.2, tfjs-layers), bias `[3u]`: z = σ(x·Wz + bz + h·Uz),
 *   r = σ(x·Wr + br + h·Ur), ĥ = tanh(x·Wh + bh + (r·h)·Uh).
 * - reset_after=True (tf.keras 2 default, CuDNN-compatible), bias `[2, 3u]` (input bias, recurrent
 *   bias): z = σ(x·Wz + bz + h·Uz + b'z), r likewise, ĥ = tanh(x·Wh + bh + r·(h·Uh + b'h)).
 * Then h' = z·h + (1 − z)·ĥ.
 */
export function gru(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | undefined, options: RecurrentOptions & { resetAfter: boolean }): Tensor {
  const units = recurrentKernel.shape[0];
  if (kernel.shape[1] !== 3 * units || recurrentKernel.shape[1] !== 3 * units) throw new Error(`gru: kernels [${kernel.shape}], [${recurrentKernel.shape}]`);
  if (bias && bias.data.length !== (options.resetAfter ? 6 : 3) * units) throw new Error(`gru: bias [${bias.shape}] with reset_after=${options.resetAfter}`);
  const act = options.activation ?? Math.tanh;
  const rec = options.recurrentActivation;
  const u = recurrentKernel.data;
  return recurrent(x, 1, units, options, (xt, [h]) => {
    const zx = vecMat(xt, kernel, bias);
    const hNew = new Float64Array(units);
    if (options.resetAfter) {
      const zh = vecMat(h, recurrentKernel, bias, 3 * units);
      for (let k = 0; k < units; k++) {
        const z = rec(zx[k] + zh[k]);
        const r = rec(zx[units + k] + zh[units + k]);
        const candidate = act(zx[2 * units + k] + r * zh[2 * units + k]);
        hNew[k] = z * h[k] + (1 - z) * candidate;
      }
      return [hNew];
    }
    const z = new Float64Array(units);
    const rh = new Float64Array(units);
    for (let k = 0; k < units; k++) {
      let sz = zx[k];
      let sr = zx[units + k];
      for (let i = 0; i < units; i++) {
        sz += h[i] * u[i * 3 * units + k];
        sr += h[i] * u[i * 3 * units + units + k];
      }
      z[k] = rec(sz);
      rh[k] = rec(sr) * h[k];
    }
    for (let k = 0; k < units; k++) {
      let sh = zx[2 * units + k];
      for (let i = 0; i < units; i++) sh += rh[i] * u[i * 3 * units + 2 * units + k];
      hNew[k] = z[k] * h[k] + (1 - z[k]) * act(sh);
    }
    return [hNew];
  });
}
