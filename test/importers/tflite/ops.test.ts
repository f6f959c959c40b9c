/**
 * The op table (ops.ts) against the converters, and each mapped op on a one-op model built in the
 * test. Expected values come from TFLite's op semantics computed independently of the importer:
 * with tfjs-core ops applied to TFLite's layouts (OHWI conv filters, [1,h,w,in·mult] depthwise
 * filters, [out,in] fully-connected weights — TFLite `schema.fbs` and its kernels), and, for the
 * LSTM, a plain-JS loop over TFLite's LSTM cell (lstm_eval: gates σ(W·x + R·h + p⊙c + b), CIFG,
 * peephole, cell/projection clipping, layer norm with ε = 1e-8).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import type { HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { loadImportedGraph } from '../../../lib/engine/tfjs/load-graph.ts';
import { InvalidArgumentError } from '../../../lib/errors.ts';
import { CONVERTERS } from '../../../lib/importers/tflite/convert-ops.ts';
import { importTflite, readTflite, writeTflite } from '../../../lib/importers/tflite/index.ts';
import { TFLITE_OPS } from '../../../lib/importers/tflite/ops.ts';
import { BUILTIN_OPERATORS, OPTION_TYPE } from '../../../lib/importers/tflite/schema.ts';
import { validateInputs } from '../../../lib/service/validate-inputs.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { ModelBuilder, randoms } from './build-model.ts';

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
});

describe('the op table', () => {
  it('lists exactly the builtins that have converters, each with a known option table', () => {
    expect(TFLITE_OPS.map((op) => op.builtin).sort()).toEqual(Object.keys(CONVERTERS).sort());
    for (const op of TFLITE_OPS) {
      expect(BUILTIN_OPERATORS, op.builtin).toContain(op.builtin);
      if ('options' in op) expect(OPTION_TYPE[op.options], `${op.builtin} ${op.options}`).toBeGreaterThan(0);
      expect(op.tf.length).toBeGreaterThan(0);
    }
  });
});

interface OpCase {
  name: string;
  inputs: number[][];
  /** Adds the op reading `ins` and writing `out` (shaped like the reference's result). */
  op: (b: ModelBuilder, ins: number[], out: number) => void;
  reference: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Makes input values positive (sqrt, log, pow). */
  positive?: boolean;
  tolerance?: number;
}

const A = (code: number) => ({ fused_activation_function: code });
const SAME = 0;
const VALID = 1;
const constant = (b: ModelBuilder, name: string, shape: number[], seed: number, type?: 'INT32') =>
  b.tensor(name, shape, { data: type ? new Array(shape.reduce((x, y) => x * y, 1)).fill(0) : randoms(shape.reduce((x, y) => x * y, 1), seed), ...(type ? { type } : {}) });
const ints = (b: ModelBuilder, name: string, values: number[], shape = [values.length]) => b.tensor(name, shape, { type: 'INT32', data: values });
const weights = (shape: number[], seed: number) => tf.tensor(randoms(shape.reduce((x, y) => x * y, 1), seed), shape);

const CASES: OpCase[] = [
  {
    name: 'CONV_2D SAME stride 2 + bias + RELU6',
    inputs: [[1, 5, 5, 3]],
    op: (b, [x], out) => b.op('CONV_2D', [x, constant(b, 'f', [4, 3, 3, 3], 11), constant(b, 'bias', [4], 12)], [out], { padding: SAME, stride_h: 2, stride_w: 2, ...A(3) }),
    reference: (x) => tf.relu6(tf.add(tf.conv2d(x as tf.Tensor4D, tf.transpose(weights([4, 3, 3, 3], 11), [1, 2, 3, 0]) as tf.Tensor4D, 2, 'same'), weights([4], 12))),
  },
  {
    name: 'CONV_2D VALID dilation 2, no bias, TANH',
    inputs: [[1, 7, 6, 2]],
    op: (b, [x], out) => b.op('CONV_2D', [x, constant(b, 'f', [3, 3, 3, 2], 13), -1], [out], { padding: VALID, stride_h: 1, stride_w: 1, dilation_h_factor: 2, dilation_w_factor: 2, ...A(4) }),
    reference: (x) => tf.tanh(tf.conv2d(x as tf.Tensor4D, tf.transpose(weights([3, 3, 3, 2], 13), [1, 2, 3, 0]) as tf.Tensor4D, 1, 'valid', 'NHWC', 2)),
  },
  {
    name: 'DEPTHWISE_CONV_2D multiplier 2 + bias + RELU',
    inputs: [[1, 4, 5, 3]],
    op: (b, [x], out) => b.op('DEPTHWISE_CONV_2D', [x, constant(b, 'f', [1, 3, 3, 6], 14), constant(b, 'bias', [6], 15)], [out], { padding: SAME, stride_h: 1, stride_w: 2, depth_multiplier: 2, ...A(1) }),
    reference: (x) => tf.relu(tf.add(tf.depthwiseConv2d(x as tf.Tensor4D, tf.reshape(weights([1, 3, 3, 6], 14), [3, 3, 3, 2]) as tf.Tensor4D, [1, 2], 'same'), weights([6], 15))),
  },
  {
    name: 'AVERAGE_POOL_2D SAME 3×3 stride 2',
    inputs: [[1, 5, 5, 2]],
    op: (b, [x], out) => b.op('AVERAGE_POOL_2D', [x], [out], { padding: SAME, stride_h: 2, stride_w: 2, filter_height: 3, filter_width: 3, ...A(0) }),
    reference: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'),
  },
  {
    name: 'MAX_POOL_2D VALID 2×2 + RELU',
    inputs: [[1, 4, 6, 2]],
    op: (b, [x], out) => b.op('MAX_POOL_2D', [x], [out], { padding: VALID, stride_h: 2, stride_w: 2, filter_height: 2, filter_width: 2, ...A(1) }),
    reference: (x) => tf.relu(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')),
  },
  {
    name: 'FULLY_CONNECTED keep_num_dims on rank 3 + bias',
    inputs: [[2, 3, 4]],
    op: (b, [x], out) => b.op('FULLY_CONNECTED', [x, constant(b, 'w', [5, 4], 16), constant(b, 'bias', [5], 17)], [out], { ...A(0), keep_num_dims: true }),
    reference: (x) => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [6, 4]), weights([5, 4], 16), false, true), weights([5], 17)), [2, 3, 5]),
  },
  {
    name: 'FULLY_CONNECTED flattening rank 3, no bias, RELU',
    inputs: [[2, 3, 4]],
    op: (b, [x], out) => b.op('FULLY_CONNECTED', [x, constant(b, 'w', [5, 4], 18), -1], [out], { ...A(1), keep_num_dims: false }),
    reference: (x) => tf.relu(tf.matMul(tf.reshape(x, [6, 4]), weights([5, 4], 18), false, true)),
  },
  { name: 'ADD broadcast + RELU_N1_TO_1', inputs: [[2, 3]], op: (b, [x], out) => b.op('ADD', [x, constant(b, 'c', [3], 19)], [out], A(2)), reference: (x) => tf.clipByValue(tf.add(x, weights([3], 19)), -1, 1) },
  { name: 'SUB', inputs: [[2, 3], [2, 3]], op: (b, [x, y], out) => b.op('SUB', [x, y], [out], A(0)), reference: (x, y) => tf.sub(x, y) },
  { name: 'MUL + RELU', inputs: [[2, 3], [1, 3]], op: (b, [x, y], out) => b.op('MUL', [x, y], [out], A(1)), reference: (x, y) => tf.relu(tf.mul(x, y)) },
  { name: 'DIV', inputs: [[2, 3], [2, 3]], positive: true, op: (b, [x, y], out) => b.op('DIV', [x, y], [out], A(0)), reference: (x, y) => tf.div(x, y) },
  { name: 'MAXIMUM', inputs: [[2, 3], [2, 3]], op: (b, [x, y], out) => b.op('MAXIMUM', [x, y], [out]), reference: (x, y) => tf.maximum(x, y) },
  { name: 'MINIMUM', inputs: [[2, 3], [2, 3]], op: (b, [x, y], out) => b.op('MINIMUM', [x, y], [out]), reference: (x, y) => tf.minimum(x, y) },
  { name: 'SQUARED_DIFFERENCE', inputs: [[2, 3], [2, 3]], op: (b, [x, y], out) => b.op('SQUARED_DIFFERENCE', [x, y], [out]), reference: (x, y) => tf.squaredDifference(x, y) },
  { name: 'POW', inputs: [[2, 3], [2, 3]], positive: true, op: (b, [x, y], out) => b.op('POW', [x, y], [out]), reference: (x, y) => tf.pow(x, y) },
  { name: 'BATCH_MATMUL adj_y', inputs: [[2, 3, 4], [2, 5, 4]], op: (b, [x, y], out) => b.op('BATCH_MATMUL', [x, y], [out], { adj_x: false, adj_y: true }), reference: (x, y) => tf.matMul(x, y, false, true) },
  ...(
    [
      ['RELU', tf.relu], ['RELU6', (x: tf.Tensor) => tf.relu6(tf.mul(x, 8))], ['LOGISTIC', tf.sigmoid], ['TANH', tf.tanh], ['ELU', tf.elu],
      ['EXP', tf.exp], ['NEG', tf.neg], ['ABS', tf.abs], ['SQUARE', tf.square], ['SIN', tf.sin], ['COS', tf.cos],
      ['FLOOR', (x: tf.Tensor) => tf.floor(tf.mul(x, 4))], ['CEIL', (x: tf.Tensor) => tf.ceil(tf.mul(x, 4))], ['LOG_SOFTMAX', tf.logSoftmax],
    ] as [string, (x: tf.Tensor) => tf.Tensor][]
  ).map(([builtin, fn]): OpCase => {
    const scaled = builtin === 'RELU6' || builtin === 'FLOOR' || builtin === 'CEIL';
    return {
      name: builtin,
      inputs: [[2, 5]],
      op: (b, [x], out) => {
        if (!scaled) return b.op(builtin, [x], [out]);
        const big = b.tensor('x8', [2, 5]);
        b.op('MUL', [x, b.tensor('k', [], { data: [builtin === 'RELU6' ? 8 : 4] })], [big], A(0));
        b.op(builtin, [big], [out]);
      },
      reference: fn,
    };
  }),
  { name: 'SQRT', inputs: [[2, 5]], positive: true, op: (b, [x], out) => b.op('SQRT', [x], [out]), reference: (x) => tf.sqrt(x) },
  { name: 'RSQRT', inputs: [[2, 5]], positive: true, op: (b, [x], out) => b.op('RSQRT', [x], [out]), reference: (x) => tf.rsqrt(x) },
  { name: 'LOG', inputs: [[2, 5]], positive: true, op: (b, [x], out) => b.op('LOG', [x], [out]), reference: (x) => tf.log(x) },
  { name: 'LEAKY_RELU α 0.1', inputs: [[2, 5]], op: (b, [x], out) => b.op('LEAKY_RELU', [x], [out], { alpha: 0.1 }), reference: (x) => tf.leakyRelu(x, 0.1) },
  { name: 'PRELU', inputs: [[2, 5]], op: (b, [x], out) => b.op('PRELU', [x, constant(b, 'alpha', [5], 20)], [out]), reference: (x) => tf.prelu(x, weights([5], 20)) },
  { name: 'HARD_SWISH', inputs: [[2, 5]], op: (b, [x], out) => b.op('HARD_SWISH', [x], [out]), reference: (x) => tf.div(tf.mul(x, tf.relu6(tf.add(tf.mul(x, 1), 3))), 6) },
  { name: 'GELU exact', inputs: [[2, 5]], op: (b, [x], out) => b.op('GELU', [x], [out], { approximate: false }), reference: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, erf(tf.div(x, Math.SQRT2)))), tolerance: 1e-4 },
  { name: 'GELU tanh approximation', inputs: [[2, 5]], op: (b, [x], out) => b.op('GELU', [x], [out], { approximate: true }), reference: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))) },
  { name: 'SOFTMAX β 0.5', inputs: [[2, 5]], op: (b, [x], out) => b.op('SOFTMAX', [x], [out], { beta: 0.5 }), reference: (x) => tf.softmax(tf.mul(x, 0.5)) },
  { name: 'CONCATENATION axis −1 + RELU6', inputs: [[2, 3], [2, 2]], op: (b, [x, y], out) => b.op('CONCATENATION', [x, y], [out], { axis: -1, ...A(3) }), reference: (x, y) => tf.relu6(tf.concat([x, y], 1)) },
  { name: 'PAD', inputs: [[1, 2, 3, 1]], op: (b, [x], out) => b.op('PAD', [x, ints(b, 'p', [0, 0, 1, 1, 2, 0, 0, 0], [4, 2])], [out]), reference: (x) => tf.pad(x, [[0, 0], [1, 1], [2, 0], [0, 0]]) },
  { name: 'PADV2', inputs: [[2, 3]], op: (b, [x], out) => b.op('PADV2', [x, ints(b, 'p', [0, 0, 1, 2], [2, 2]), b.tensor('v', [], { data: [7] })], [out]), reference: (x) => tf.pad(x, [[0, 0], [1, 2]], 7) },
  { name: 'MEAN keep_dims over H, W', inputs: [[1, 3, 3, 2]], op: (b, [x], out) => b.op('MEAN', [x, ints(b, 'axes', [1, 2])], [out], { keep_dims: true }), reference: (x) => tf.mean(x, [1, 2], true) },
  { name: 'SUM over −1', inputs: [[2, 3, 4]], op: (b, [x], out) => b.op('SUM', [x, ints(b, 'axes', [-1])], [out], { keep_dims: false }), reference: (x) => tf.sum(x, -1) },
  { name: 'REDUCE_MAX', inputs: [[2, 3, 4]], op: (b, [x], out) => b.op('REDUCE_MAX', [x, ints(b, 'axes', [1])], [out], { keep_dims: false }), reference: (x) => tf.max(x, 1) },
  { name: 'REDUCE_PROD', inputs: [[2, 3]], op: (b, [x], out) => b.op('REDUCE_PROD', [x, ints(b, 'axes', [1])], [out], { keep_dims: true }), reference: (x) => tf.prod(x, 1, true) },
  { name: 'ARG_MAX', inputs: [[2, 5]], op: (b, [x], out) => b.op('ARG_MAX', [x, ints(b, 'axis', [1])], [out], { output_type: 2 }), reference: (x) => tf.argMax(x, 1) },
  { name: 'RESHAPE by new_shape option', inputs: [[2, 3]], op: (b, [x], out) => b.op('RESHAPE', [x], [out], { new_shape: [3, 2] }), reference: (x) => tf.reshape(x, [3, 2]) },
  { name: 'RESHAPE by shape input with −1', inputs: [[2, 3, 2]], op: (b, [x], out) => b.op('RESHAPE', [x, ints(b, 's', [-1, 4])], [out]), reference: (x) => tf.reshape(x, [3, 4]) },
  { name: 'SQUEEZE all size-1 dims', inputs: [[1, 3, 1, 2]], op: (b, [x], out) => b.op('SQUEEZE', [x], [out], { squeeze_dims: [] }), reference: (x) => tf.squeeze(x) },
  { name: 'EXPAND_DIMS axis −1', inputs: [[2, 3]], op: (b, [x], out) => b.op('EXPAND_DIMS', [x, ints(b, 'a', [-1], [])], [out]), reference: (x) => tf.expandDims(x, -1) },
  { name: 'TRANSPOSE', inputs: [[2, 3, 4]], op: (b, [x], out) => b.op('TRANSPOSE', [x, ints(b, 'perm', [0, 2, 1])], [out]), reference: (x) => tf.transpose(x, [0, 2, 1]) },
  { name: 'STRIDED_SLICE with masks', inputs: [[2, 4, 3]], op: (b, [x], out) => b.op('STRIDED_SLICE', [x, ints(b, 'b', [0, 1, 0]), ints(b, 'e', [0, 4, 2]), ints(b, 's', [1, 2, 1])], [out], { begin_mask: 1, end_mask: 1 }), reference: (x) => tf.stridedSlice(x, [0, 1, 0], [0, 4, 2], [1, 2, 1], 1, 1) },
  { name: 'STRIDED_SLICE shrinking axis 1', inputs: [[2, 4, 3]], op: (b, [x], out) => b.op('STRIDED_SLICE', [x, ints(b, 'b', [0, 2, 0]), ints(b, 'e', [2, 3, 3]), ints(b, 's', [1, 1, 1])], [out], { shrink_axis_mask: 2 }), reference: (x) => tf.stridedSlice(x, [0, 2, 0], [2, 3, 3], [1, 1, 1], 0, 0, 0, 0, 2) },
  { name: 'SLICE', inputs: [[2, 4, 3]], op: (b, [x], out) => b.op('SLICE', [x, ints(b, 'b', [0, 1, 1]), ints(b, 's', [-1, 2, 2])], [out]), reference: (x) => tf.slice(x, [0, 1, 1], [-1, 2, 2]) },
  { name: 'GATHER axis 1', inputs: [[2, 5]], op: (b, [x], out) => b.op('GATHER', [x, ints(b, 'i', [4, 0, 2])], [out], { axis: 1 }), reference: (x) => tf.gather(x, tf.tensor1d([4, 0, 2], 'int32'), 1) },
  { name: 'TILE', inputs: [[2, 3]], op: (b, [x], out) => b.op('TILE', [x, ints(b, 'm', [1, 2])], [out]), reference: (x) => tf.tile(x, [1, 2]) },
  { name: 'PACK axis 1', inputs: [[2, 3], [2, 3]], op: (b, [x, y], out) => b.op('PACK', [x, y], [out], { values_count: 2, axis: 1 }), reference: (x, y) => tf.stack([x, y], 1) },
  { name: 'RESIZE_BILINEAR half-pixel', inputs: [[1, 3, 4, 2]], op: (b, [x], out) => b.op('RESIZE_BILINEAR', [x, ints(b, 'size', [5, 7])], [out], { align_corners: false, half_pixel_centers: true }), reference: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 7], false, true) },
  { name: 'RESIZE_NEAREST_NEIGHBOR', inputs: [[1, 3, 4, 2]], op: (b, [x], out) => b.op('RESIZE_NEAREST_NEIGHBOR', [x, ints(b, 'size', [6, 8])], [out], { align_corners: false, half_pixel_centers: false }), reference: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 8]) },
  { name: 'QUANTIZE then DEQUANTIZE pass values on', inputs: [[2, 3]], op: (b, [x], out) => { const q = b.tensor('q', [2, 3], { type: 'INT8', quantization: { scale: [0.1], zeroPoint: [0], quantizedDimension: 0 } }); b.op('QUANTIZE', [x], [q]); b.op('DEQUANTIZE', [q], [out]); }, reference: (x) => x },
];

/** erf, Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), for the GELU reference. */
function erf(x: tf.Tensor): tf.Tensor {
  const data = x.dataSync();
  return tf.tensor(Array.from(data, (v) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(v));
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
    return Math.sign(v) * y;
  }), x.shape);
}

describe('each mapped op on a one-op model', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const inputs = c.inputs.map((shape, k) => {
      const values = randoms(shape.reduce((x, y) => x * y, 1), 100 + k).map((v) => (c.positive ? Math.abs(v) + 0.5 : v * 2));
      return tf.tensor(values, shape);
    });
    const expected = c.reference(...inputs);
    const b = new ModelBuilder();
    const ins = c.inputs.map((shape, k) => b.input(`in${k}`, shape));
    const out = b.output(b.tensor('out', expected.shape, expected.dtype === 'int32' ? { type: 'INT32' } : {}));
    c.op(b, ins, out);
    const model = await loadImportedGraph(importTflite(b.bytes(), c.name), c.name);
    const feeds = Object.fromEntries(inputs.map((t, k): [string, HostTensor] => [`in${k}`, { dtype: 'DT_FLOAT', shape: t.shape, values: t.dataSync() as Float32Array }]));
    const result = (await model.run('serving_default', feeds)).out;
    expect(result.shape).toEqual(expected.shape);
    const want = expected.dataSync();
    const got = result.values as Float32Array | Int32Array;
    const diff = Math.max(0, ...Array.from(got, (v, i) => Math.abs(v - want[i])));
    expect(diff).toBeLessThanOrEqual(c.tolerance ?? 1e-5);
    model.dispose();
  });

  it('UNPACK and SPLIT produce one output per piece', async () => {
    const b = new ModelBuilder();
    const x = b.input('x', [2, 4]);
    const parts = [b.output(b.tensor('left', [2, 2])), b.output(b.tensor('right', [2, 2]))];
    const rows = [b.output(b.tensor('row0', [4])), b.output(b.tensor('row1', [4]))];
    b.op('SPLIT', [ints(b, 'axis', [1], []), x], parts, { num_splits: 2 });
    b.op('UNPACK', [x], rows, { num: 2, axis: 0 });
    const model = await loadImportedGraph(importTflite(b.bytes(), 'split'), 'split');
    const out = await model.run('serving_default', { x: { dtype: 'DT_FLOAT', shape: [2, 4], values: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) } });
    expect(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.values as Float32Array)]))).toEqual({
      left: [1, 2, 5, 6], right: [3, 4, 7, 8], row0: [1, 2, 3, 4], row1: [5, 6, 7, 8],
    });
    model.dispose();
  });
});

describe('batch size and signatures', () => {
  it('a batch of 1 stays fixed where an op depends on it, and other batches get a 400 naming the shape', () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 4]);
    const y = b.output(b.tensor('y', [4]));
    b.op('RESHAPE', [x], [y], { new_shape: [4] }); // drops the batch dimension
    const graph = importTflite(b.bytes(), 'flatten');
    const spec = graph.signatures.serving_default.inputs.x;
    expect(spec).toMatchObject({ shape: [1, 4], feedShape: [1, 4] });
    const request = { x: { dtype: 'DT_FLOAT' as const, shape: [2, 4], values: new Float32Array(8) } };
    expect(() => validateInputs(request, graph.signatures.serving_default, 'serving_default')).toThrow(InvalidArgumentError);
    expect(() => validateInputs(request, graph.signatures.serving_default, 'serving_default')).toThrow("Input 'x' must have shape [1,4] (-1: any size), got [2,4]");
  });

  it('reshapes that spell out a batch of 1 become −1, so any batch runs', async () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 2, 3]);
    const flat = b.tensor('flat', [1, 6]);
    const y = b.output(b.tensor('y', [1, 6]));
    b.op('RESHAPE', [x, ints(b, 'shape', [1, 6])], [flat]);
    b.op('RELU', [flat], [y]);
    const graph = importTflite(b.bytes(), 'flatten');
    expect(graph.signatures.serving_default.inputs.x.feedShape).toEqual([-1, 2, 3]);
    expect(graph.signatures.serving_default.outputs.y.shape).toEqual([-1, 6]);
    const model = await loadImportedGraph(graph, 'flatten');
    const { y: out } = await model.run('serving_default', { x: { dtype: 'DT_FLOAT', shape: [3, 2, 3], values: Float32Array.from({ length: 18 }, (_, i) => i - 5) } });
    expect(out.shape).toEqual([3, 6]);
    expect(Array.from(out.values as Float32Array)).toEqual(Array.from({ length: 18 }, (_, i) => Math.max(0, i - 5)));
    model.dispose();
  });

  it('concatenating with a constant keeps the batch fixed', () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 2]);
    const y = b.output(b.tensor('y', [1, 4]));
    b.op('CONCATENATION', [x, b.tensor('c', [1, 2], { data: [1, 2] })], [y], { axis: 1, ...A(0) });
    expect(importTflite(b.bytes(), 'concat').signatures.serving_default.inputs.x.feedShape).toEqual([1, 2]);
  });

  it('one signature per SignatureDef, each on its own subgraph', async () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 2]);
    const y = b.output(b.tensor('y', [1, 2]));
    b.op('ADD', [x, b.tensor('one', [], { data: [1] })], [y], A(0));
    b.signature('add_one', { value: x }, { result: y });
    b.addSubgraph('double');
    const x2 = b.input('x', [1, 2]);
    const y2 = b.output(b.tensor('y', [1, 2]));
    b.op('MUL', [x2, b.tensor('two', [], { data: [2] })], [y2], A(0));
    b.signature('double', { value: x2 }, { result: y2 });
    const graph = importTflite(b.bytes(), 'two signatures');
    expect(graph.signatures.add_one.inputs.value.tensorName).toBe('x:0');
    expect(graph.signatures.double.inputs.value.tensorName).toBe('subgraph_1/x:0');
    const model = await loadImportedGraph(graph, 'two signatures');
    const value = { dtype: 'DT_FLOAT' as const, shape: [1, 2], values: Float32Array.from([3, 4]) };
    expect(Array.from((await model.run('add_one', { value })).result.values as Float32Array)).toEqual([4, 5]);
    expect(Array.from((await model.run('double', { value })).result.values as Float32Array)).toEqual([6, 8]);
    model.dispose();
  });
});

describe.skipIf(!HAVE_FIXTURES)(`buffers stored after the flatbuffer (offset/size)${FIXTURES_NOTE}`, () => {
  it('load and answer like the original', async () => {
    const file = 'tflite/tflm-hello-world/hello_world_float.tflite';
    const original = readFileSync(fixture(file));
    const external = writeTflite(readTflite(original, file), { externalBuffers: true });
    expect(readTflite(external, 'external').buffers.filter((buffer) => buffer.external && buffer.data.byteLength).length).toBeGreaterThan(0);
    const input = { dense_input: { dtype: 'DT_FLOAT' as const, shape: [4, 1], values: Float32Array.from([0, 1, 3, 5]) } };
    const results = [];
    for (const bytes of [original, external]) {
      const model = await loadImportedGraph(importTflite(bytes, file), file);
      results.push(Array.from((await model.run('serving_default', input)).dense_2.values as Float32Array));
      model.dispose();
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('UNIDIRECTIONAL_SEQUENCE_LSTM variants against a plain-JS LSTM cell', () => {
  interface LstmSpec {
    batch: number;
    steps: number;
    nInput: number;
    nCell: number;
    nOutput: number;
    cifg: boolean;
    peephole: boolean;
    projection: boolean;
    layerNorm: boolean;
    timeMajor: boolean;
    cellClip: number;
    projClip: number;
  }

  /** TFLite's LSTM cell in plain JS: weights[k] per gate k of input, forget, cell, output. */
  function referenceLstm(s: LstmSpec, x: Float32Array, w: Record<string, Float32Array | undefined>): Float32Array {
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const out = new Float32Array(s.batch * s.steps * s.nOutput);
    for (let n = 0; n < s.batch; n++) {
      let h = new Float64Array(s.nOutput);
      let c = new Float64Array(s.nCell);
      for (let t = 0; t < s.steps; t++) {
        const xt = (k: number) => x[(s.timeMajor ? t * s.batch + n : n * s.steps + t) * s.nInput + k];
        const gate = (g: string, cell: Float64Array | undefined) => {
          const z = Float64Array.from({ length: s.nCell }, (_, i) => {
            let sum = 0;
            for (let k = 0; k < s.nInput; k++) sum += w[`W${g}`]![i * s.nInput + k] * xt(k);
            for (let k = 0; k < s.nOutput; k++) sum += w[`R${g}`]![i * s.nOutput + k] * h[k];
            if (cell && w[`P${g}`]) sum += w[`P${g}`]![i] * cell[i];
            return sum;
          });
          if (s.layerNorm) {
            const mean = z.reduce((a, b) => a + b, 0) / z.length;
            const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
            z.forEach((v, i) => (z[i] = ((v - mean) / Math.sqrt(variance + 1e-8)) * w[`L${g}`]![i]));
          }
          return z.map((v, i) => v + w[`b${g}`]![i]);
        };
        const f = gate('f', c).map(sigmoid);
        const i = s.cifg ? f.map((v) => 1 - v) : gate('i', c).map(sigmoid);
        const g = gate('c', undefined).map(Math.tanh);
        let cNew = c.map((v, k) => f[k] * v + i[k] * g[k]);
        if (s.cellClip > 0) cNew = cNew.map((v) => Math.max(-s.cellClip, Math.min(s.cellClip, v)));
        const o = gate('o', cNew).map(sigmoid);
        const hidden = cNew.map((v, k) => o[k] * Math.tanh(v));
        if (s.projection) {
          h = Float64Array.from({ length: s.nOutput }, (_, r) => {
            let sum = w.pb![r];
            for (let k = 0; k < s.nCell; k++) sum += w.P![r * s.nCell + k] * hidden[k];
            return s.projClip > 0 ? Math.max(-s.projClip, Math.min(s.projClip, sum)) : sum;
          });
        } else h = hidden;
        c = cNew;
        out.set(h, (s.timeMajor ? t * s.batch + n : n * s.steps + t) * s.nOutput);
      }
    }
    return out;
  }

  const variants: [string, LstmSpec][] = [
    ['CIFG, peephole, projection, clipping', { batch: 2, steps: 5, nInput: 3, nCell: 4, nOutput: 2, cifg: true, peephole: true, projection: true, layerNorm: false, timeMajor: false, cellClip: 0.7, projClip: 0.3 }],
    ['layer norm, time-major', { batch: 3, steps: 4, nInput: 2, nCell: 3, nOutput: 3, cifg: false, peephole: false, projection: false, layerNorm: true, timeMajor: true, cellClip: 0, projClip: 0 }],
  ];

  it.each(variants)('%s', async (_, s) => {
    let seed = 200;
    const w: Record<string, Float32Array | undefined> = {};
    const b = new ModelBuilder();
    const inShape = s.timeMajor ? [s.steps, s.batch, s.nInput] : [s.batch, s.steps, s.nInput];
    const x = b.input('x', inShape);
    const tensor = (key: string, shape: number[], skip = false) => {
      if (skip) return -1;
      w[key] = randoms(shape.reduce((p, q) => p * q, 1), seed++);
      return b.tensor(key, shape, { data: w[key] });
    };
    const gates = ['i', 'f', 'c', 'o'];
    const inputs = [
      x,
      ...gates.map((g) => tensor(`W${g}`, [s.nCell, s.nInput], s.cifg && g === 'i')),
      ...gates.map((g) => tensor(`R${g}`, [s.nCell, s.nOutput], s.cifg && g === 'i')),
      ...['i', 'f', 'o'].map((g) => tensor(`P${g}`, [s.nCell], !s.peephole || (s.cifg && g === 'i'))),
      ...gates.map((g) => tensor(`b${g}`, [s.nCell], s.cifg && g === 'i')),
      tensor('P', [s.nOutput, s.nCell], !s.projection),
      tensor('pb', [s.nOutput], !s.projection),
      b.tensor('output_state', [s.batch, s.nOutput], { variable: true }),
      b.tensor('cell_state', [s.batch, s.nCell], { variable: true }),
      ...gates.map((g) => tensor(`L${g}`, [s.nCell], !s.layerNorm || (s.cifg && g === 'i'))),
    ];
    const outShape = s.timeMajor ? [s.steps, s.batch, s.nOutput] : [s.batch, s.steps, s.nOutput];
    const y = b.output(b.tensor('y', outShape));
    b.op('UNIDIRECTIONAL_SEQUENCE_LSTM', inputs, [y], { fused_activation_function: 4, cell_clip: s.cellClip, proj_clip: s.projClip, time_major: s.timeMajor });
    const values = randoms(inShape.reduce((p, q) => p * q, 1), 999).map((v) => v * 2);
    const model = await loadImportedGraph(importTflite(b.bytes(), 'lstm'), 'lstm');
    const result = (await model.run('serving_default', { x: { dtype: 'DT_FLOAT', shape: inShape, values } })).y;
    expect(result.shape).toEqual(outShape);
    const expected = referenceLstm(s, values, w);
    const got = result.values as Float32Array;
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
    model.dispose();
  });
});
