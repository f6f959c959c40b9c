/**
 * The ONNX schema we write: a hand-built model ONNX Runtime loads and runs, and that reads back.
 */
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, ONNX_DTYPE, ONNX_IR_VERSION, ONNX_OPSET, ATTRIBUTE_TYPE, type ModelProto } from '../../../lib/engine/onnx/onnx-proto.ts';

/** y = x·0.5 + 2 over float32 (half_plus_two), with a named, typed, [-1]-shaped input and output. */
function halfPlusTwo(): ModelProto {
  const scalar = (name: string, value: number) => ({ name, dims: [], data_type: ONNX_DTYPE.FLOAT, raw_data: new Uint8Array(new Float32Array([value]).buffer) });
  const floatVector = (name: string) => ({ name, type: { tensor_type: { elem_type: ONNX_DTYPE.FLOAT, shape: { dim: [{ dim_param: 'batch' }] } } } });
  return {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'test',
    graph: {
      name: 'half_plus_two',
      node: [
        { op_type: 'Mul', input: ['x', 'a'], output: ['ax'], name: 'mul' },
        { op_type: 'Add', input: ['ax', 'b'], output: ['y'], name: 'add' },
        { op_type: 'Identity', input: ['y'], output: ['y_copy'], name: 'copy', attribute: [] },
      ],
      initializer: [scalar('a', 0.5), scalar('b', 2)],
      input: [floatVector('x')],
      output: [floatVector('y'), floatVector('y_copy')],
    },
  };
}

describe('onnx-proto', () => {
  it('writes a model ONNX Runtime runs: half_plus_two [2,3,4] → [3,3.5,4] (0.5·x + 2)', async () => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(encodeModel(halfPlusTwo()));
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y', 'y_copy']);
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([2, 3, 4]), [3]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([3, 3.5, 4]);
    expect(Array.from(out.y_copy.data as Float32Array)).toEqual([3, 3.5, 4]);
    await session.release();
  });

  it('reads back what it wrote: opset, nodes, attributes, initializers', () => {
    const model = halfPlusTwo();
    model.graph.node[0].attribute = [{ name: 'perm', type: ATTRIBUTE_TYPE.INTS, ints: [0, 3, 1, 2] }];
    const read = decodeModel(encodeModel(model));
    expect(read.ir_version).toBe(8);
    expect(read.opset_import).toEqual([{ domain: '', version: 18 }]);
    expect(read.graph.node.map((n) => n.op_type)).toEqual(['Mul', 'Add', 'Identity']);
    expect(read.graph.node[0].attribute).toMatchObject([{ name: 'perm', type: ATTRIBUTE_TYPE.INTS, ints: [0, 3, 1, 2] }]);
    expect(read.graph.initializer.map((t) => t.name)).toEqual(['a', 'b']);
    expect(Array.from(new Float32Array(Uint8Array.from(read.graph.initializer[0].raw_data!).buffer))).toEqual([0.5]);
  });
});
