/**
 * Lowering engine-neutral graphs to ONNX: layouts (no Transpose left between convolutions in real
 * MobileNets), load-time refusals that name the op and node, and op semantics checked on small
 * graphs against values worked out by hand from TensorFlow's documented behaviour (stated beside
 * each case), run on ONNX Runtime.
 */
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../../../lib/errors.ts';
import { createOnnxModel, lowerGraph, lowerToOnnx, onnxEngine } from '../../../lib/engine/onnx/engine.ts';
import { decodeModel, type ModelProto } from '../../../lib/engine/onnx/onnx-proto.ts';
import { OPS } from '../../../lib/engine/onnx/lower/ops.ts';
import { EMITTERS } from '../../../lib/engine/onnx/lower/families.ts';
import { readModelFolder } from '../../../lib/formats/registry.ts';
import type { AttrValue, Graph, GraphNode } from '../../../lib/graph/graph.ts';
import { numbersOf, type DType, type HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';

const type = (value: DType): AttrValue => ({ kind: 'type', value });
const ints = (values: number[]): AttrValue => ({ kind: 'list', ints: values });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const bool = (value: boolean): AttrValue => ({ kind: 'bool', value });
const text = (value: string): AttrValue => ({ kind: 'string', value: new TextEncoder().encode(value) });

function constant(name: string, tensor: HostTensor): GraphNode {
  return { name, op: 'Const', inputs: [], attrs: { dtype: type(tensor.dtype), value: { kind: 'tensor', value: tensor } } };
}
const i32 = (values: number[], shape = [values.length]): HostTensor => ({ dtype: 'DT_INT32', shape, values: Int32Array.from(values) });
const f32 = (values: number[], shape = [values.length]): HostTensor => ({ dtype: 'DT_FLOAT', shape, values: Float32Array.from(values) });

/** x (placeholder of `dtype`) → nodes → the tensors in `outputs` (alias → tensor name). */
function graphOf(nodes: GraphNode[], outputs: Record<string, [string, DType]>, dtype: DType = 'DT_FLOAT', inputs: Record<string, DType> = { x: dtype }): Graph {
  return {
    source: 'test graph',
    nodes: [...Object.entries(inputs).map(([name, d]): GraphNode => ({ name, op: 'Placeholder', inputs: [], attrs: { dtype: type(d) } })), ...nodes],
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: Object.fromEntries(Object.entries(inputs).map(([name, d]) => [name, { tensorName: `${name}:0`, dtype: d, shape: null }])),
        outputs: Object.fromEntries(Object.entries(outputs).map(([alias, [tensorName, d]]) => [alias, { tensorName, dtype: d, shape: null }])),
      },
    },
  };
}

async function run(graph: Graph, inputs: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const model = await createOnnxModel(lowerGraph(graph), graph.signatures, 'test');
  try {
    return await model.run('serving_default', inputs);
  } finally {
    model.dispose();
  }
}

const values = (tensor: HostTensor) => Array.from(numbersOf(tensor));

describe('the op table', () => {
  it('gives every TF op one entry, and every family an emitter', () => {
    expect(new Set(OPS.map((entry) => entry.tf)).size).toBe(OPS.length);
    for (const entry of OPS) expect(EMITTERS[entry.family], entry.tf).toBeTypeOf('function');
  });
});

describe('refusals at load time', () => {
  it('an op the table lacks: FailedPreconditionError naming the op and its node', async () => {
    const graph = graphOf([{ name: 'uniq', op: 'Unique', inputs: ['x'], attrs: {} }, { name: 'y', op: 'Relu', inputs: ['uniq'], attrs: {} }], { y: ['y:0', 'DT_FLOAT'] });
    expect(() => lowerGraph(graph)).toThrow(FailedPreconditionError);
    expect(() => lowerGraph(graph)).toThrow(/test graph uses op the ONNX lowering cannot map: Unique — at uniq \(Unique\)/);
    const artifact = { kind: 'graph' as const, format: 'frozen_graph' as const, what: 'frozen graph m.pb', path: 'm.pb', graph };
    await expect(onnxEngine.load(artifact)).rejects.toThrow(/frozen graph m\.pb uses op the ONNX lowering cannot map: Unique — at uniq \(Unique\)/);
  });

  it('an attribute ONNX cannot express (MirrorPad SYMMETRIC), naming the node', () => {
    const graph = graphOf(
      [constant('p', i32([0, 0, 1, 1], [2, 2])), { name: 'pad', op: 'MirrorPad', inputs: ['x', 'p'], attrs: { mode: text('SYMMETRIC') } }],
      { y: ['pad:0', 'DT_FLOAT'] },
    );
    expect(() => lowerGraph(graph)).toThrow(/cannot lower pad \(MirrorPad\) to ONNX: mode SYMMETRIC/);
  });

  it('string inputs', () => {
    const graph = graphOf([{ name: 'y', op: 'Identity', inputs: ['x'], attrs: {} }], { y: ['y:0', 'DT_STRING'] }, 'DT_STRING');
    expect(() => lowerGraph(graph)).toThrow(/input 'x' is DT_STRING/);
  });

  it('TF.js folders: cannotLoad lets them through (they lower through their graphs)', () => {
    expect(onnxEngine.cannotLoad({ kind: 'tfjs', format: 'tfjs', what: 'm', path: 'm/model.json', modelJson: 'm/model.json' } as never)).toBeUndefined();
  });
});

describe('op semantics (values derived by hand from TensorFlow\'s definitions)', () => {
  const fused = (...ops: string[]): AttrValue => ({ kind: 'list', strings: ops.map((op) => new TextEncoder().encode(op)) });
  const conv = (op: string, inputs: string[], fusedOps: AttrValue, extra: Record<string, AttrValue> = {}): GraphNode => ({
    name: 'y',
    op,
    inputs,
    attrs: { T: type('DT_FLOAT'), strides: ints([1, 1, 1, 1]), dilations: ints([1, 1, 1, 1]), padding: text('VALID'), data_format: text('NHWC'), fused_ops: fusedOps, ...extra },
  });

  it("TF.js's FusedDepthwiseConv2dNative (BiasAdd, Relu): a 1×1 depthwise filter [2, 3] and bias [1, −20] on x[…, 0] = 1..4, x[…, 1] = 1..4 → [3, 0, 5, 0, 7, 0, 9, 0] (channel 1: 3·x − 20 < 0)", async () => {
    const graph = graphOf(
      [constant('w', f32([2, 3], [1, 1, 2, 1])), constant('b', f32([1, -20])), conv('FusedDepthwiseConv2dNative', ['x', 'w', 'b'], fused('BiasAdd', 'Relu'))],
      { y: ['y:0', 'DT_FLOAT'] },
    );
    const { y } = await run(graph, { x: f32([1, 1, 2, 2, 3, 3, 4, 4], [1, 2, 2, 2]) });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect(values(y)).toEqual([3, 0, 5, 0, 7, 0, 9, 0]);
  });

  it('_FusedConv2D (BiasAdd, Prelu): identity 1×1 filter, bias [−3, 1], α [0.5, 0.25] on [1, −2] → [−2, −1] → [−1, −0.25]', async () => {
    const graph = graphOf(
      [constant('w', f32([1, 0, 0, 1], [1, 1, 2, 2])), constant('b', f32([-3, 1])), constant('alpha', f32([0.5, 0.25])), conv('_FusedConv2D', ['x', 'w', 'b', 'alpha'], fused('BiasAdd', 'Prelu'), { num_args: int(2) })],
      { y: ['y:0', 'DT_FLOAT'] },
    );
    const { y } = await run(graph, { x: f32([1, -2], [1, 1, 1, 2]) });
    expect(values(y)).toEqual([-1, -0.25]);
  });

  it('_FusedConv2D (FusedBatchNorm, Relu): (x − mean)·scale/√(var + ε) + offset with scale [2, 1], offset [1, 0], mean [0, 1], var [3, 0], ε 1 on [1, −2] → [2, −3] → [2, 0]', async () => {
    const graph = graphOf(
      [
        constant('w', f32([1, 0, 0, 1], [1, 1, 2, 2])),
        ...(['scale', 'offset', 'mean', 'variance'] as const).map((name, i) => constant(name, f32([[2, 1], [1, 0], [0, 1], [3, 0]][i]))),
        conv('_FusedConv2D', ['x', 'w', 'scale', 'offset', 'mean', 'variance'], fused('FusedBatchNorm', 'Relu'), { num_args: int(4), epsilon: { kind: 'float', value: 1 } }),
      ],
      { y: ['y:0', 'DT_FLOAT'] },
    );
    const { y } = await run(graph, { x: f32([1, -2], [1, 1, 1, 2]) });
    expect(values(y)).toEqual([2, 0]);
  });

  it("TF.js's Prelu: x < 0 ? α·x : x, α broadcast over the last axis: [−2, 3, −4, 5] with α [0.5, 0.25] → [−1, 3, −2, 5]", async () => {
    const graph = graphOf([constant('alpha', f32([0.5, 0.25])), { name: 'y', op: 'Prelu', inputs: ['x', 'alpha'], attrs: { T: type('DT_FLOAT') } }], { y: ['y:0', 'DT_FLOAT'] });
    const { y } = await run(graph, { x: f32([-2, 3, -4, 5], [2, 2]) });
    expect(values(y)).toEqual([-1, 3, -2, 5]);
  });

  it('FloorDiv and FloorMod round toward −∞ on negative int32 and int64 (−7 // 2 = −4, −7 % 2 = 1, 7 // −2 = −4, 7 % −2 = −1)', async () => {
    for (const dtype of ['DT_INT32', 'DT_INT64'] as const) {
      const graph = graphOf(
        [
          { name: 'div', op: 'FloorDiv', inputs: ['a', 'b'], attrs: { T: type(dtype) } },
          { name: 'mod', op: 'FloorMod', inputs: ['a', 'b'], attrs: { T: type(dtype) } },
        ],
        { div: ['div:0', dtype], mod: ['mod:0', dtype] },
        dtype,
        { a: dtype, b: dtype },
      );
      const t = (v: number[]): HostTensor => (dtype === 'DT_INT64' ? { dtype, shape: [v.length], values: BigInt64Array.from(v, BigInt) } : i32(v));
      const out = await run(graph, { a: t([-7, 7, 7, -7, 6]), b: t([2, -2, 2, -2, 3]) });
      expect(values(out.div)).toEqual([-4, -4, 3, 3, 2]);
      expect(values(out.mod)).toEqual([1, -1, 1, -1, 0]);
      expect(out.div.dtype).toBe(dtype);
    }
  });

  it('StridedSlice masks on a [2, 3, 4] iota: x[1, ::-1, 1:3] (shrink, negative stride, begin/end masks) and x[..., tf.newaxis, 0]', async () => {
    const graph = graphOf(
      [
        constant('b1', i32([1, 0, 1])), constant('e1', i32([2, 0, 3])), constant('s1', i32([1, -1, 1])),
        { name: 'a', op: 'StridedSlice', inputs: ['x', 'b1', 'e1', 's1'], attrs: { begin_mask: int(2), end_mask: int(2), shrink_axis_mask: int(1), ellipsis_mask: int(0), new_axis_mask: int(0) } },
        constant('b2', i32([0, 0, 0])), constant('e2', i32([0, 0, 1])), constant('s2', i32([1, 1, 1])),
        { name: 'c', op: 'StridedSlice', inputs: ['x', 'b2', 'e2', 's2'], attrs: { begin_mask: int(0), end_mask: int(0), ellipsis_mask: int(1), new_axis_mask: int(2), shrink_axis_mask: int(4) } },
      ],
      { a: ['a:0', 'DT_FLOAT'], c: ['c:0', 'DT_FLOAT'] },
    );
    graph.nodes[0].attrs.shape = { kind: 'shape', value: [2, 3, 4] };
    const out = await run(graph, { x: f32(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]) });
    // x[1] rows 2, 1, 0, columns 1..2: [[21, 22], [17, 18], [13, 14]]
    expect(out.a.shape).toEqual([3, 2]);
    expect(values(out.a)).toEqual([21, 22, 17, 18, 13, 14]);
    // x[..., newaxis, 0]: [2, 3, 1] of every row's first element
    expect(out.c.shape).toEqual([2, 3, 1]);
    expect(values(out.c)).toEqual([0, 4, 8, 12, 16, 20]);
  });

  /** [[0, 1], [2, 3]] as 1×2×2×1 resized; expected values from TF's resize kernels' formulas. */
  it.each([
    // align_corners: in = out·(in−1)/(out−1)
    ['ResizeBilinear', { align_corners: true }, 3, [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]],
    // half_pixel_centers: in = (out + ½)·in/out − ½ (clamped): 1-D [0, .25, .75, 1]
    ['ResizeBilinear', { half_pixel_centers: true }, 4, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]],
    // legacy: in = out·in/out: 1-D [0, .5, 1, 1]
    ['ResizeBilinear', {}, 4, [0, 0.5, 1, 1, 1, 1.5, 2, 2, 2, 2.5, 3, 3, 2, 2.5, 3, 3]],
    // nearest, half_pixel_centers: ⌊(out + ½)·in/out⌋ = [0, 0, 1, 1]
    ['ResizeNearestNeighbor', { half_pixel_centers: true }, 4, [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]],
    // nearest, legacy: ⌊out·in/out⌋ = [0, 0, 1]
    ['ResizeNearestNeighbor', {}, 3, [0, 0, 1, 0, 0, 1, 2, 2, 3]],
    // nearest, align_corners: round(out·(in−1)/(out−1)) = round([0, .5, 1]) = [0, 1, 1]
    ['ResizeNearestNeighbor', { align_corners: true }, 3, [0, 1, 1, 2, 3, 3, 2, 3, 3]],
  ] as const)('%s %j to %i×%i', async (op, flags, size, expected) => {
    const attrs = Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, bool(v)]));
    const graph = graphOf([constant('size', i32([size, size])), { name: 'y', op, inputs: ['x', 'size'], attrs }], { y: ['y:0', 'DT_FLOAT'] });
    const out = await run(graph, { x: f32([0, 1, 2, 3], [1, 2, 2, 1]) });
    expect(out.y.shape).toEqual([1, size, size, 1]);
    expect(values(out.y)).toEqual(expected);
  });

  it('AvgPool 2×2/2 SAME on a 3×3 iota averages only the real values at the border: [3, 4.5, 7.5, 9]; MaxPool: [5, 6, 8, 9]', async () => {
    const pool = (name: string, op: string): GraphNode => ({ name, op, inputs: ['x'], attrs: { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: text('SAME'), data_format: text('NHWC') } });
    const graph = graphOf([pool('avg', 'AvgPool'), pool('max', 'MaxPool')], { avg: ['avg:0', 'DT_FLOAT'], max: ['max:0', 'DT_FLOAT'] });
    const out = await run(graph, { x: f32([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]) });
    expect(values(out.avg)).toEqual([3, 4.5, 7.5, 9]);
    expect(values(out.max)).toEqual([5, 6, 8, 9]);
  });

  it('Relu6 clips to [0, 6]; LeakyRelu uses TF\'s alpha (0.2 by default, not ONNX\'s 0.01); Selu and Elu', async () => {
    const graph = graphOf(
      [
        { name: 'relu6', op: 'Relu6', inputs: ['x'], attrs: {} },
        { name: 'leaky', op: 'LeakyRelu', inputs: ['x'], attrs: {} },
        { name: 'elu', op: 'Elu', inputs: ['x'], attrs: {} },
      ],
      { relu6: ['relu6:0', 'DT_FLOAT'], leaky: ['leaky:0', 'DT_FLOAT'], elu: ['elu:0', 'DT_FLOAT'] },
    );
    const out = await run(graph, { x: f32([-5, 3, 7]) });
    expect(values(out.relu6)).toEqual([0, 3, 6]);
    expect(values(out.leaky)).toEqual([Math.fround(-1), 3, 7]);
    expect(values(out.elu)[0]).toBeCloseTo(Math.expm1(-5), 6);
  });
});

/** Op types of a model's nodes. */
function opTypes(model: ModelProto): string[] {
  return model.graph.node.map((node) => node.op_type);
}

/** Transposes with a convolution upstream and another downstream: what must not be left. */
function transposesBetweenConvolutions(model: ModelProto): string[] {
  const producer = new Map(model.graph.node.flatMap((node) => node.output.map((output) => [output, node] as const)));
  const readers = new Map<string, typeof model.graph.node>();
  for (const node of model.graph.node) for (const input of node.input) readers.set(input, [...(readers.get(input) ?? []), node]);
  const reaches = (start: (typeof model.graph.node)[number], next: (node: (typeof model.graph.node)[number]) => (typeof model.graph.node)[number][]) => {
    const seen = new Set<unknown>();
    const stack = next(start);
    while (stack.length) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      if (node.op_type === 'Conv') return true;
      stack.push(...next(node));
    }
    return false;
  };
  const up = (node: (typeof model.graph.node)[number]) => node.input.flatMap((input) => (producer.get(input) ? [producer.get(input)!] : []));
  const down = (node: (typeof model.graph.node)[number]) => node.output.flatMap((output) => readers.get(output) ?? []);
  return model.graph.node.filter((node) => node.op_type === 'Transpose' && reaches(node, up) && reaches(node, down)).map((node) => node.name!);
}

describe.skipIf(!HAVE_FIXTURES)(`layouts of real convolutional nets${FIXTURES_NOTE}`, () => {
  it.each([
    // one Transpose into NCHW at the input; one back before Flatten's Reshape
    ['keras-savedmodel/arm-openmv-mobilenet-v1/model', 28, 2],
    ['frozen-graphdef/poets-mobilenet', 14, 1],
    ['tf-written/keras-mobilenetv2-a035/1', 52, 1],
    ['tf-written/keras-nasnet-reduced/1', 224, 1],
    ['tflite/tflite-support-mobilenet-v1-025', 28, 1],
  ])('%s: %i Conv nodes, %i Transpose(s), none between convolutions', async (dir, convs, transposes) => {
    const artifact = await readModelFolder(fixture(dir));
    const graph = artifact.kind === 'graph' ? artifact.graph : artifact.kind === 'keras' ? await artifact.toGraph() : undefined;
    const model = decodeModel(lowerToOnnx(graph!).get('serving_default')!);
    const ops = opTypes(model);
    expect(ops.filter((op) => op === 'Conv').length).toBe(convs);
    expect(transposesBetweenConvolutions(model)).toEqual([]);
    expect(ops.filter((op) => op === 'Transpose').length).toBe(transposes);
    // Batch norms were folded into the convolutions.
    expect(ops).not.toContain('BatchNormalization');
  });
});
