/**
 * ONNX Runtime sessions: exact host dtypes in and out, the thread setting, and memory staying flat
 * over many requests.
 */
import { describe, expect, it } from 'vitest';
import { createOnnxModel, intraOpThreads, lowerGraph, onnxEngine } from '../../../lib/engine/onnx/engine.ts';
import { readModelFolder } from '../../../lib/formats/registry.ts';
import type { Graph, GraphNode } from '../../../lib/graph/graph.ts';
import type { DType, HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';

/** Every numeric dtype, with values only that dtype holds exactly. */
const SAMPLES: Record<string, HostTensor> = {
  DT_FLOAT: { dtype: 'DT_FLOAT', shape: [2], values: Float32Array.of(0.1, -3.5e38) },
  DT_DOUBLE: { dtype: 'DT_DOUBLE', shape: [2], values: Float64Array.of(0.1, 1e300) },
  DT_HALF: { dtype: 'DT_HALF', shape: [2], values: Uint16Array.of(0x3c00, 0x7bff) },
  DT_INT8: { dtype: 'DT_INT8', shape: [2], values: Int8Array.of(-128, 127) },
  DT_INT16: { dtype: 'DT_INT16', shape: [2], values: Int16Array.of(-32768, 32767) },
  DT_INT32: { dtype: 'DT_INT32', shape: [2], values: Int32Array.of(-2147483648, 2147483647) },
  DT_INT64: { dtype: 'DT_INT64', shape: [2], values: BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n) },
  DT_UINT8: { dtype: 'DT_UINT8', shape: [2], values: Uint8Array.of(0, 255) },
  DT_UINT16: { dtype: 'DT_UINT16', shape: [2], values: Uint16Array.of(0, 65535) },
  DT_UINT32: { dtype: 'DT_UINT32', shape: [2], values: Uint32Array.of(0, 4294967295) },
  DT_UINT64: { dtype: 'DT_UINT64', shape: [2], values: BigUint64Array.of(0n, 2n ** 64n - 1n) },
  DT_BOOL: { dtype: 'DT_BOOL', shape: [2], values: Uint8Array.of(1, 0) },
};

function identities(): Graph {
  const nodes: GraphNode[] = [];
  for (const dtype of Object.keys(SAMPLES)) {
    nodes.push({ name: dtype, op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: dtype } } });
    nodes.push({ name: `${dtype}_out`, op: 'Identity', inputs: [dtype], attrs: {} });
  }
  const spec = (name: string, dtype: string) => ({ tensorName: `${name}:0`, dtype: dtype as DType, shape: null });
  return {
    source: 'identities',
    nodes,
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: Object.fromEntries(Object.keys(SAMPLES).map((d) => [d.toLowerCase(), spec(d, d)])),
        outputs: Object.fromEntries(Object.keys(SAMPLES).map((d) => [`${d.toLowerCase()}_out`, spec(`${d}_out`, d)])),
      },
    },
  };
}

describe('ONNX Runtime sessions', () => {
  it('take and give back every numeric dtype exactly, in its own storage (float16 as bits, int64 as bigints, bool as 0/1)', async () => {
    const graph = identities();
    const model = await createOnnxModel(lowerGraph(graph), graph.signatures, 'identities');
    const inputs = Object.fromEntries(Object.entries(SAMPLES).map(([d, t]) => [d.toLowerCase(), t]));
    const out = await model.run('serving_default', inputs);
    for (const [dtype, tensor] of Object.entries(SAMPLES)) {
      const got = out[`${dtype.toLowerCase()}_out`];
      expect(got.dtype).toBe(dtype);
      expect(got.shape).toEqual([2]);
      expect(got.values.constructor).toBe(tensor.values.constructor);
      expect(Array.from(got.values as ArrayLike<unknown>)).toEqual(Array.from(tensor.values as ArrayLike<unknown>));
    }
    model.dispose();
  });

  it('intra-op threads: LAMBDA_SERVING_ORT_THREADS, else the available CPUs up to 6', () => {
    expect(intraOpThreads({ LAMBDA_SERVING_ORT_THREADS: '3' })).toBe(3);
    expect(intraOpThreads({})).toBeGreaterThanOrEqual(1);
    expect(intraOpThreads({})).toBeLessThanOrEqual(6);
    expect(() => intraOpThreads({ LAMBDA_SERVING_ORT_THREADS: 'two' })).toThrow(/LAMBDA_SERVING_ORT_THREADS is 'two'/);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`memory${FIXTURES_NOTE}`, () => {
  it('process RSS grows by less than 20 MB over 2,000 runs of an MNIST MLP (after 200 warm-up runs)', async () => {
    const model = await onnxEngine.load(await readModelFolder(fixture('keras-savedmodel/scisharp-mnist-mlp/simple_model_from_auto_compile')));
    const [[alias, spec]] = Object.entries(model.signatures.serving_default.inputs);
    const size = spec.shape!.slice(1).reduce((a, b) => a * Math.max(b, 1), 1);
    const input = { [alias]: { dtype: 'DT_FLOAT' as const, shape: [4, ...spec.shape!.slice(1)], values: Float32Array.from({ length: 4 * size }, (_, i) => (i % 255) / 255) } };
    for (let i = 0; i < 200; i++) await model.run('serving_default', input);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) await model.run('serving_default', input);
    const growth = (process.memoryUsage().rss - before) / 2 ** 20;
    console.log(`ONNX Runtime: RSS growth over 2,000 runs: ${growth.toFixed(1)} MB`);
    expect(growth).toBeLessThan(20);
    model.dispose();
  });
});
