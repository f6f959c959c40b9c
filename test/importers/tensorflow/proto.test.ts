import { readTable, readVarint } from '../../../lib/importers/tensorflow/sstable.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { describe, expect, it } from 'vitest';
import { tensorflowProtoRoot, tensorflowProtoType } from '../../../lib/importers/tensorflow/proto-schema.ts';
import {
  ProtoDecodeError,
  decodeBundleEntry,
  decodeBundleHeader,
  decodeGraphDef,
  decodeSavedModel,
  decodeTensorProto,
  decodeTrackableObjectGraph,
  shapeDims,
  tensorProtoValues,
} from '../../../lib/importers/tensorflow/proto.ts';
import type { SignatureDefProto, TensorInfoProto, TensorProtoMsg } from '../../../lib/importers/tensorflow/proto.ts';
import { halfToFloat, halfsToFloats } from '../../../lib/tensors/float16.ts';

const fixtures = FIXTURES;
const haveFixtures = HAVE_FIXTURES;
const fixtureNote = FIXTURES_NOTE;

const fixture = (relative: string): Buffer => readFileSync(path.join(fixtures, relative));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

const HALF_PLUS_TWO = 'tf-serving/saved_model_half_plus_two_cpu/00000123';
const TIMES_THREE = 'tfjs-node/saved_model/times_three_float';
const KERAS_MLP = 'keras-savedmodel/scisharp-mnist-mlp/simple_model_from_auto_compile';

/** A TensorProto as bytes, built with the schema itself (protobufjs `fromObject` + `encode`). */
function encodeTensor(fields: Record<string, unknown>): Uint8Array {
  const type = tensorflowProtoType('TensorProto');
  return type.encode(type.fromObject(fields)).finish();
}

function tensor(fields: Record<string, unknown>): TensorProtoMsg {
  return decodeTensorProto(encodeTensor(fields));
}

const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size })) });

/** The checkpoint index as a table, read by the project's own table reader. */
function readIndex(file: Uint8Array): Map<string, Uint8Array> {
  return readTable(file, 'variables.index');
}

function toServingJson(signature: SignatureDefProto) {
  const info = (tensorInfo: TensorInfoProto) => ({
    dtype: tensorInfo.dtype,
    tensor_shape: {
      dim: tensorInfo.tensor_shape.dim.map((dim) => ({ size: String(dim.size), name: dim.name })),
      unknown_rank: tensorInfo.tensor_shape.unknown_rank,
    },
    name: tensorInfo.name,
  });
  const map = (tensors: Record<string, TensorInfoProto>) =>
    Object.fromEntries(Object.entries(tensors).map(([key, value]) => [key, info(value)]));
  return {
    inputs: map(signature.inputs),
    outputs: map(signature.outputs),
    method_name: signature.method_name,
    defaults: signature.defaults,
  };
}

describe('the TensorFlow proto schema', () => {
  it('parses once and resolves every type', () => {
    const root = tensorflowProtoRoot();
    expect(tensorflowProtoRoot()).toBe(root);
    expect(tensorflowProtoType('SavedModel').fieldsArray.map((f) => [f.name, f.id])).toEqual([
      ['saved_model_schema_version', 1],
      ['meta_graphs', 2],
    ]);
    const dataType = root.lookupEnum('tensorflow.DataType').values;
    expect(dataType.DT_INVALID).toBe(0);
    expect(dataType.DT_HALF).toBe(19);
    expect(dataType.DT_UINT64).toBe(23);
    expect(dataType.DT_FLOAT_REF).toBe(101);
    expect(dataType.DT_HALF_REF).toBe(119);
    expect(tensorflowProtoType('BundleEntryProto').fields.crc32c!.type).toBe('fixed32');
  });
});

describe(`decoding real TensorFlow files${fixtureNote}`, () => {
  describe.skipIf(!haveFixtures)('fixtures', () => {
    it('half_plus_two (TF1 SavedModel): meta graph, signatures, variables', () => {
      const model = decodeSavedModel(fixture(`${HALF_PLUS_TWO}/saved_model.pb`));
      expect(model.saved_model_schema_version).toBe(1);
      expect(model.meta_graphs).toHaveLength(1);
      const metaGraph = model.meta_graphs[0]!;
      expect(metaGraph.meta_info_def.tags).toEqual(['serve']);
      expect(metaGraph.meta_info_def.tensorflow_version).toBe('1.14.0');

      const signatures = metaGraph.signature_def;
      expect(Object.keys(signatures).sort()).toEqual(
        ['classify_x_to_y', 'regress_x2_to_y3', 'regress_x_to_y', 'regress_x_to_y2', 'serving_default'].sort(),
      );
      const x = signatures.serving_default!.inputs.x!;
      expect(x.encoding).toBe('name');
      expect(x.name).toBe('x:0');
      expect(x.dtype).toBe('DT_FLOAT');
      expect(shapeDims(x.tensor_shape)).toEqual([-1, 1]);
      expect(signatures.serving_default!.outputs.y!.name).toBe('y:0');
      expect(signatures.serving_default!.method_name).toBe('tensorflow/serving/predict');
      const classifyInput = signatures.classify_x_to_y!.inputs.inputs!;
      expect(classifyInput.dtype).toBe('DT_STRING');
      expect(classifyInput.tensor_shape).toEqual({ dim: [], unknown_rank: true });
      expect(shapeDims(classifyInput.tensor_shape)).toBeNull();
      expect(classifyInput.name).toBe('tf_example:0');

      const nodes = new Map(metaGraph.graph_def.node.map((node) => [node.name, node]));
      for (const name of ['a', 'b']) {
        expect(['VariableV2', 'VarHandleOp']).toContain(nodes.get(name)?.op);
      }
      expect(nodes.get('a')!.attr.dtype).toEqual({ kind: 'type', type: 'DT_FLOAT' });
      // The initial values are float Consts: a = 0.5, b = 2.
      const initial = (name: string) => {
        const value = nodes.get(`${name}/initial_value`)!.attr.value!;
        if (value.kind !== 'tensor') throw new Error(`${name}/initial_value has no tensor`);
        return tensorProtoValues(value.tensor);
      };
      expect(initial('a')).toEqual({ dtype: 'DT_FLOAT', shape: [], values: new Float32Array([0.5]) });
      expect(initial('b').values).toEqual(new Float32Array([2]));

      expect(metaGraph.saver_def.restore_op_name).toBe('save/restore_all');
      expect(metaGraph.saver_def.version).toBe('V2');
      expect(metaGraph.collection_def.saved_model_main_op).toMatchObject({ kind: 'node_list', node_list: ['group_deps'] });
      // A TF1 SavedModel has no object graph or function library; both come back empty.
      expect(metaGraph.object_graph_def).toEqual({ nodes: [], concrete_functions: {} });
      expect(metaGraph.graph_def.library.function).toEqual([]);
    });

    it('half_plus_two signatures match TF Serving\'s metadata JSON for the same model', () => {
      const expected = JSON.parse(readFileSync(path.join(fixtures, 'tf-serving/half_plus_two_model_metadata.json'), 'utf8'))
        .metadata.signature_def.signature_def as Record<string, unknown>;
      const signatures = decodeSavedModel(fixture(`${HALF_PLUS_TWO}/saved_model.pb`)).meta_graphs[0]!.signature_def;
      expect(Object.keys(signatures).sort()).toEqual(Object.keys(expected).sort());
      for (const [key, signature] of Object.entries(signatures)) {
        expect(toServingJson(signature), key).toEqual(expected[key]);
      }
    });

    it('half_plus_two checkpoint index: header, entries and the tensor bytes they point to', () => {
      const index = readIndex(fixture(`${HALF_PLUS_TWO}/variables/variables.index`));
      const header = decodeBundleHeader(index.get('')!);
      expect(header).toMatchObject({ num_shards: 1, endianness: 'LITTLE' });
      expect(header.version.producer).toBe(1);
      expect([...index.keys()].filter((key) => key !== '').sort()).toEqual(['a', 'a2', 'b', 'c', 'c2']);
      const data = fixture(`${HALF_PLUS_TWO}/variables/variables.data-00000-of-00001`);
      for (const [key, value] of [['a', 0.5], ['b', 2]] as const) {
        const entry = decodeBundleEntry(index.get(key)!);
        expect(entry).toMatchObject({ dtype: 'DT_FLOAT', shape: { dim: [], unknown_rank: false }, shard_id: 0, size: 4, slices: [] });
        expect(entry.crc32c).toBeGreaterThan(0);
        expect(data.readFloatLE(entry.offset)).toBe(value);
      }
    });

    it('times_three_float (TF2 SavedModel): signature, function library, object graph', () => {
      const model = decodeSavedModel(fixture(`${TIMES_THREE}/saved_model.pb`));
      const metaGraph = model.meta_graphs[0]!;
      expect(metaGraph.meta_info_def.tags).toEqual(['serve']);
      const signature = metaGraph.signature_def.serving_default!;
      expect(signature.inputs.x).toMatchObject({ name: 'serving_default_x:0', dtype: 'DT_FLOAT' });
      expect(signature.outputs.output_0).toMatchObject({ name: 'StatefulPartitionedCall:0', dtype: 'DT_FLOAT' });
      // The writer (TF 2.0.0-beta1) recorded an explicit scalar shape here, although TF.js feeds [1,2,3].
      expect(signature.inputs.x!.tensor_shape).toEqual({ dim: [], unknown_rank: false });

      const library = metaGraph.graph_def.library.function;
      expect(library.length).toBeGreaterThan(0);
      const call = metaGraph.graph_def.node.find((node) => node.name === 'StatefulPartitionedCall')!;
      expect(call.op).toBe('StatefulPartitionedCall');
      const f = call.attr.f!;
      if (f.kind !== 'func') throw new Error('StatefulPartitionedCall has no function attr');
      const callee = library.find((fn) => fn.signature.name === f.func.name);
      expect(callee, f.func.name).toBeDefined();
      expect(Object.keys(callee!.ret).length).toBe(1);
      expect(metaGraph.graph_def.node.find((node) => node.name === 'Variable')!.op).toBe('VarHandleOp');

      const objects = metaGraph.object_graph_def;
      expect(objects.nodes.length).toBeGreaterThan(0);
      expect(objects.nodes[0]!.kind).toBe('user_object');
      const variable = objects.nodes.find((node) => node.kind === 'variable');
      if (variable?.kind !== 'variable') throw new Error('no variable in the object graph');
      expect(variable.variable).toMatchObject({ dtype: 'DT_FLOAT', name: 'Variable', trainable: true });
      expect(Object.keys(objects.concrete_functions).length).toBeGreaterThan(0);
      for (const node of objects.nodes) {
        if (node.kind === 'function') {
          for (const name of node.function.concrete_functions) expect(objects.concrete_functions[name], name).toBeDefined();
        }
      }
    });

    it('lenet_frozen.pb (frozen GraphDef): nodes and Const tensors', () => {
      const graph = decodeGraphDef(fixture('frozen-graphdef/dl4j-lenet/lenet_frozen.pb'));
      const nodes = new Map(graph.node.map((node) => [node.name, node]));
      expect(nodes.get('input')!.op).toBe('Placeholder');
      expect(nodes.get('output')!.op).toBe('ArgMax');
      expect(nodes.get('output')!.input).toEqual(['Lenet/fc9_1/Relu', 'output/dimension']);
      expect(nodes.get('output')!.attr.output_type).toEqual({ kind: 'type', type: 'DT_INT64' });
      const strides = nodes.get('Lenet/conv1_1/Conv2D')!.attr.strides!;
      expect(strides.kind === 'list' && strides.list.i).toEqual([1n, 1n, 1n, 1n]);
      expect(nodes.get('Lenet/conv1_1/Conv2D')!.attr.padding).toEqual({ kind: 's', s: new TextEncoder().encode('SAME') });

      let consts = 0;
      for (const node of graph.node.filter((n) => n.op === 'Const')) {
        const value = node.attr.value!;
        if (value.kind !== 'tensor') throw new Error(`${node.name} has no tensor`);
        const decoded = tensorProtoValues(value.tensor, node.name);
        const count = decoded.shape.reduce((a, b) => a * b, 1);
        expect(decoded.values.length, node.name).toBe(count);
        consts++;
      }
      expect(consts).toBeGreaterThan(10);
      const weights = nodes.get('Lenet/conv1/weights')!.attr.value!;
      if (weights.kind !== 'tensor') throw new Error('no weights');
      const decoded = tensorProtoValues(weights.tensor);
      expect(decoded.dtype).toBe('DT_FLOAT');
      expect(decoded.shape).toEqual([5, 5, 1, 6]);
      expect(decoded.values).toBeInstanceOf(Float32Array);
      expect(decoded.values.length).toBe(150);
      expect([...(decoded.values as Float32Array)].every(Number.isFinite)).toBe(true);
      const reshape = nodes.get('Reshape/shape')!.attr.value!;
      if (reshape.kind !== 'tensor') throw new Error('no shape');
      expect(tensorProtoValues(reshape.tensor).values).toEqual(new Int32Array([-1, 28, 28, 1]));
    });

    it('Keras MNIST MLP (TF 2.11): versions, stripped op list, signature', () => {
      const metaGraph = decodeSavedModel(fixture(`${KERAS_MLP}/saved_model.pb`)).meta_graphs[0]!;
      // tensorflow_version is tf.__version__ ('2.11.0'); the 'v2.11…' string is the git version.
      expect(metaGraph.meta_info_def.tensorflow_version).toBe('2.11.0');
      expect(metaGraph.meta_info_def.tensorflow_git_version.startsWith('v2.11')).toBe(true);
      expect(metaGraph.graph_def.versions.producer).toBe(1286);
      const ops = metaGraph.meta_info_def.stripped_op_list.op.map((op) => op.name);
      expect(ops).toContain('MatMul');
      expect(ops).toContain('BiasAdd');
      const matMul = metaGraph.meta_info_def.stripped_op_list.op.find((op) => op.name === 'MatMul')!;
      expect(matMul.input_arg.map((arg) => [arg.name, arg.type_attr])).toEqual([['a', 'T'], ['b', 'T']]);
      expect(matMul.attr.find((attr) => attr.name === 'transpose_a')!.default_value).toEqual({ kind: 'b', b: false });
      expect(matMul.attr.find((attr) => attr.name === 'T')!.default_value).toBeNull();
      const signature = metaGraph.signature_def.serving_default!;
      expect(signature.inputs.input_1).toMatchObject({ name: 'serving_default_input_1:0', dtype: 'DT_FLOAT' });
      expect(shapeDims(signature.inputs.input_1!.tensor_shape)).toEqual([-1, 28, 28, 1]);
      expect(shapeDims(signature.outputs.softmax!.tensor_shape)).toEqual([-1, 10]);
      const functionOps = new Set(metaGraph.graph_def.library.function.flatMap((fn) => fn.node_def.map((node) => node.op)));
      for (const op of ['MatMul', 'BiasAdd', 'Relu', 'Softmax', 'ReadVariableOp']) expect(functionOps).toContain(op);
    });

    it('Keras MNIST MLP checkpoint: the TrackableObjectGraph names the layer weights', () => {
      const index = readIndex(fixture(`${KERAS_MLP}/variables/variables.index`));
      const data = fixture(`${KERAS_MLP}/variables/variables.data-00000-of-00001`);
      const graphEntry = decodeBundleEntry(index.get('_CHECKPOINTABLE_OBJECT_GRAPH')!);
      expect(graphEntry.dtype).toBe('DT_STRING');
      // A scalar string in the bundle data: varint64 length, a 4-byte checksum of the lengths, the bytes.
      const stored = data.subarray(graphEntry.offset, graphEntry.offset + graphEntry.size);
      const { value: length, next: start } = readVarint(stored, 0)!;
      const objectGraph = decodeTrackableObjectGraph(stored.subarray(start + 4, start + 4 + length));
      expect(objectGraph.nodes.length).toBeGreaterThan(5);
      const keys = objectGraph.nodes.flatMap((node) => node.attributes.map((attribute) => attribute.checkpoint_key));
      expect(keys).toContain('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE');
      expect(keys).toContain('layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE');
      for (const key of keys) expect(index.has(key), key).toBe(true);
      const root = objectGraph.nodes[0]!;
      expect(root.children.map((child) => child.local_name)).toContain('layer_with_weights-0');

      const kernel = decodeBundleEntry(index.get('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE')!);
      expect(kernel).toMatchObject({ dtype: 'DT_FLOAT', shard_id: 0, size: 784 * 100 * 4 });
      expect(shapeDims(kernel.shape)).toEqual([784, 100]);
    });

    it('throws ProtoDecodeError naming the file for a truncated saved_model.pb', () => {
      const truncated = fixture(`${HALF_PLUS_TWO}/saved_model.pb`).subarray(0, 100);
      expect(() => decodeSavedModel(truncated)).toThrow(ProtoDecodeError);
      expect(() => decodeSavedModel(truncated)).toThrow(
        /^saved_model\.pb is not a valid SavedModel protobuf: index out of range.* \(at byte \d+ of 100\)$/,
      );
      const graph = fixture('frozen-graphdef/dl4j-lenet/lenet_frozen.pb');
      expect(() => decodeGraphDef(graph.subarray(0, graph.length - 7), 'lenet_frozen.pb')).toThrow(
        /^lenet_frozen\.pb is not a valid GraphDef protobuf: index out of range/,
      );
    });
  });
});

describe('decode errors', () => {
  it('a garbage varint throws ProtoDecodeError with the reason', () => {
    // Field 1 (varint) followed by eleven continuation bytes: longer than any varint can be.
    const garbage = new Uint8Array([0x08, ...new Array(11).fill(0xff)]);
    let error: unknown;
    try {
      decodeSavedModel(garbage);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtoDecodeError);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ProtoDecodeError');
    expect((error as Error).message).toMatch(
      /^saved_model\.pb is not a valid SavedModel protobuf: invalid varint encoding \(at byte \d+ of 12\)$/,
    );
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('an invalid wire type and a length past the end both throw', () => {
    // Field 15 (not declared, so it is skipped) with wire type 7, which does not exist.
    expect(() => decodeBundleHeader(new Uint8Array([0x7f, 0x01]))).toThrow(
      /^checkpoint index header is not a valid BundleHeaderProto protobuf: invalid wire type 7/,
    );
    expect(() => decodeBundleEntry(new Uint8Array([0x12, 0x40, 0x08]), 'variables.index entry "a"')).toThrow(
      /^variables\.index entry "a" is not a valid BundleEntryProto protobuf: index out of range/,
    );
    expect(() => decodeTrackableObjectGraph(new Uint8Array([0x0a, 0x05, 0x0a]))).toThrow(ProtoDecodeError);
    expect(() => decodeGraphDef('not bytes' as unknown as Uint8Array)).toThrow(/expected a Uint8Array/);
  });

  it('empty input decodes to the empty message with every default filled', () => {
    expect(decodeSavedModel(new Uint8Array(0))).toEqual({ saved_model_schema_version: 0, meta_graphs: [] });
    expect(decodeGraphDef(new Uint8Array(0))).toEqual({
      node: [],
      versions: { producer: 0, min_consumer: 0, bad_consumers: [] },
      version: 0,
      library: { function: [], gradient: [] },
    });
  });
});

describe('decoded field conversions', () => {
  it('AttrValue: int64 as bigint, enums as names, oneof kinds', () => {
    const type = tensorflowProtoType('NodeDef');
    const bytes = type
      .encode(
        type.fromObject({
          name: 'n',
          op: 'Foo',
          input: ['x', '^y'],
          attr: {
            big: { i: '-9223372036854775808' },
            types: { list: { type: ['DT_FLOAT', 'DT_INT64'] } },
            shape: { shape: { unknown_rank: true } },
            fn: { func: { name: 'f', attr: { T: { type: 'DT_HALF' } } } },
            ph: { placeholder: 'T' },
            empty: {},
          },
        }),
      )
      .finish();
    const graph = decodeGraphDef(tensorflowProtoType('GraphDef').encode({ node: [type.decode(bytes)] }).finish());
    const node = graph.node[0]!;
    expect(node.input).toEqual(['x', '^y']);
    expect(node.attr.big).toEqual({ kind: 'i', i: -9223372036854775808n });
    expect(node.attr.types).toMatchObject({ kind: 'list', list: { type: ['DT_FLOAT', 'DT_INT64'], i: [] } });
    expect(node.attr.shape).toEqual({ kind: 'shape', shape: { dim: [], unknown_rank: true } });
    expect(node.attr.fn).toEqual({ kind: 'func', func: { name: 'f', attr: { T: { kind: 'type', type: 'DT_HALF' } } } });
    expect(node.attr.ph).toEqual({ kind: 'placeholder', placeholder: 'T' });
    expect(node.attr.empty).toEqual({ kind: 'none' });
  });

  it('BundleEntry: offsets as numbers, crc32c unsigned, slices with -1 for a missing length', () => {
    const type = tensorflowProtoType('BundleEntryProto');
    const bytes = type
      .encode(
        type.fromObject({
          dtype: 'DT_INT64',
          shape: dims(3, 4),
          shard_id: 2,
          offset: '6000000000',
          size: 96,
          crc32c: 0xfedcba98,
          slices: [{ extent: [{ start: 0, length: 2 }, { start: 1 }] }],
        }),
      )
      .finish();
    expect(decodeBundleEntry(bytes)).toEqual({
      dtype: 'DT_INT64',
      shape: { dim: [{ size: 3, name: '' }, { size: 4, name: '' }], unknown_rank: false },
      shard_id: 2,
      offset: 6_000_000_000,
      size: 96,
      crc32c: 0xfedcba98,
      slices: [{ extent: [{ start: 0, length: 2 }, { start: 1, length: -1 }] }],
    });
  });

  it('an enum number the schema does not know is kept visible', () => {
    const bytes = new Uint8Array([0x08, 0x63]); // dtype = 99
    expect(decodeBundleEntry(bytes).dtype).toBe('DataType(99)');
  });
});

describe('tensorProtoValues', () => {
  it('decodes float tensor_content (little-endian, any byte offset)', () => {
    const values = new Float32Array([1.5, -2, 3.25, 1e-30, Number.POSITIVE_INFINITY, 0]);
    const t = tensor({ dtype: 'DT_FLOAT', tensor_shape: dims(2, 3), tensor_content: new Uint8Array(values.buffer) });
    const decoded = tensorProtoValues(t);
    expect(decoded).toEqual({ dtype: 'DT_FLOAT', shape: [2, 3], values });
    expect(decoded.values).toBeInstanceOf(Float32Array);
  });

  it('broadcasts a single float_val over shape [2,3], and repeats the last of several', () => {
    expect(tensorProtoValues(tensor({ dtype: 'DT_FLOAT', tensor_shape: dims(2, 3), float_val: [7] })).values).toEqual(
      new Float32Array([7, 7, 7, 7, 7, 7]),
    );
    expect(tensorProtoValues(tensor({ dtype: 'DT_FLOAT', tensor_shape: dims(4), float_val: [1, 2] })).values).toEqual(
      new Float32Array([1, 2, 2, 2]),
    );
    expect(tensorProtoValues(tensor({ dtype: 'DT_INT32', tensor_shape: dims(3), int_val: [-4] })).values).toEqual(
      new Int32Array([-4, -4, -4]),
    );
    // No values at all: zeros, as TensorFlow does.
    expect(tensorProtoValues(tensor({ dtype: 'DT_DOUBLE', tensor_shape: dims(2) })).values).toEqual(new Float64Array(2));
    // A scalar.
    expect(tensorProtoValues(tensor({ dtype: 'DT_DOUBLE', double_val: [0.1] }))).toEqual({
      dtype: 'DT_DOUBLE',
      shape: [],
      values: new Float64Array([0.1]),
    });
  });

  it('keeps int64 values beyond 2^53 exact, from int64_val and from tensor_content', () => {
    const big = 2n ** 53n + 1n;
    const fromVal = tensorProtoValues(
      tensor({ dtype: 'DT_INT64', tensor_shape: dims(3), int64_val: [big.toString(), '-9223372036854775808', '-1'] }),
    );
    expect(fromVal.values).toEqual(new BigInt64Array([big, -(2n ** 63n), -1n]));
    const raw = new BigInt64Array([big, 2n ** 63n - 1n]);
    const fromContent = tensorProtoValues(
      tensor({ dtype: 'DT_INT64', tensor_shape: dims(2), tensor_content: new Uint8Array(raw.buffer) }),
    );
    expect(fromContent.values).toEqual(raw);
    const broadcast = tensorProtoValues(tensor({ dtype: 'DT_INT64', tensor_shape: dims(2), int64_val: [big.toString()] }));
    expect(broadcast.values).toEqual(new BigInt64Array([big, big]));
    const unsigned = tensorProtoValues(tensor({ dtype: 'DT_UINT64', uint64_val: ['18446744073709551615'] }));
    expect(unsigned.values).toEqual(new BigUint64Array([2n ** 64n - 1n]));
  });

  it('decodes strings from string_val and from a length-prefixed tensor_content', () => {
    const encoder = new TextEncoder();
    const fromVal = tensorProtoValues(
      tensor({ dtype: 'DT_STRING', tensor_shape: dims(3), string_val: [encoder.encode('héllo'), new Uint8Array(0), encoder.encode('x')] }),
    );
    expect((fromVal.values as Uint8Array[]).map(text)).toEqual(['héllo', '', 'x']);
    const broadcast = tensorProtoValues(tensor({ dtype: 'DT_STRING', tensor_shape: dims(2), string_val: [encoder.encode('ab')] }));
    expect((broadcast.values as Uint8Array[]).map(text)).toEqual(['ab', 'ab']);
    const long = 'z'.repeat(200);
    const content = new Uint8Array([2, 0xc8, 0x01, ...encoder.encode('hi'), ...encoder.encode(long)]);
    const fromContent = tensorProtoValues(tensor({ dtype: 'DT_STRING', tensor_shape: dims(2), tensor_content: content }));
    expect((fromContent.values as Uint8Array[]).map(text)).toEqual(['hi', long]);
    expect(() =>
      tensorProtoValues(tensor({ dtype: 'DT_STRING', tensor_shape: dims(2), tensor_content: new Uint8Array([2, 9, 0x61]) })),
    ).toThrow(ProtoDecodeError);
  });

  it('keeps DT_HALF bit patterns, which convert to float32 (half_val and tensor_content)', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
    const fromVal = tensorProtoValues(tensor({ dtype: 'DT_HALF', tensor_shape: dims(4), half_val: [0x3c00, 0xc000, 0x3555, 0x3800] }));
    expect(fromVal.values).toEqual(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x3800]));
    expect([...halfsToFloats(fromVal.values as Uint16Array)]).toEqual([1, -2, Math.fround(0.333251953125), 0.5]);
    const content = new Uint8Array(new Uint16Array([0x3c00, 0x4200]).buffer);
    const fromContent = tensorProtoValues(tensor({ dtype: 'DT_HALF', tensor_shape: dims(2), tensor_content: content }));
    expect(fromContent.values).toEqual(new Uint16Array([0x3c00, 0x4200]));
    expect(halfsToFloats(fromContent.values as Uint16Array)).toEqual(new Float32Array([1, 3]));
    const bf16 = tensorProtoValues(tensor({ dtype: 'DT_BFLOAT16', tensor_shape: dims(2), half_val: [0x3f80] }));
    expect(bf16.values).toEqual(new Float32Array([1, 1]));
  });

  it('decodes small integer and bool types', () => {
    const int8 = tensorProtoValues(
      tensor({ dtype: 'DT_INT8', tensor_shape: dims(3), tensor_content: new Uint8Array([0xff, 0x7f, 0x80]) }),
    );
    expect(int8.values).toEqual(new Int8Array([-1, 127, -128]));
    const uint8 = tensorProtoValues(tensor({ dtype: 'DT_UINT8', tensor_shape: dims(2), int_val: [255, 3] }));
    expect(uint8.values).toEqual(new Uint8Array([255, 3]));
    const int16 = tensorProtoValues(
      tensor({ dtype: 'DT_INT16', tensor_shape: dims(1), tensor_content: new Uint8Array([0x00, 0x80]) }),
    );
    expect(int16.values).toEqual(new Int16Array([-32768]));
    const uint16 = tensorProtoValues(tensor({ dtype: 'DT_UINT16', tensor_shape: dims(2), int_val: [65535, 7] }));
    expect(uint16.values).toEqual(new Uint16Array([65535, 7]));
    const int8Val = tensorProtoValues(tensor({ dtype: 'DT_INT8', tensor_shape: dims(2), int_val: [-128] }));
    expect(int8Val.values).toEqual(new Int8Array([-128, -128]));
    const bools = tensorProtoValues(tensor({ dtype: 'DT_BOOL', tensor_shape: dims(3), bool_val: [true, false] }));
    expect(bools.values).toEqual(new Uint8Array([1, 0, 0]));
    const boolContent = tensorProtoValues(
      tensor({ dtype: 'DT_BOOL', tensor_shape: dims(2), tensor_content: new Uint8Array([1, 0]) }),
    );
    expect(boolContent.values).toEqual(new Uint8Array([1, 0]));
    const complex = tensorProtoValues(tensor({ dtype: 'DT_COMPLEX64', tensor_shape: dims(2), scomplex_val: [1, -1] }));
    expect(complex.values).toEqual(new Float32Array([1, -1, 1, -1]));
  });

  it('rejects contents that do not fit the shape, unknown shapes and unsupported dtypes', () => {
    expect(() =>
      tensorProtoValues(tensor({ dtype: 'DT_FLOAT', tensor_shape: dims(3), tensor_content: new Uint8Array(8) }), 'w'),
    ).toThrow(/^w: DT_FLOAT tensor_content has 8 bytes, shape \[3\] needs 12$/);
    expect(() => tensorProtoValues(tensor({ dtype: 'DT_FLOAT', tensor_shape: dims(-1), float_val: [1] }))).toThrow(
      ProtoDecodeError,
    );
    expect(() => tensorProtoValues(tensor({ dtype: 'DT_FLOAT', tensor_shape: { unknown_rank: true } }))).toThrow(
      /unknown rank/,
    );
    expect(() => tensorProtoValues(tensor({ dtype: 'DT_RESOURCE' }))).toThrow(/DT_RESOURCE tensor values is not supported/);
  });
});
