/**
 * Lowering stores each weight once: SavedModels lowered to TF.js artifacts carry no more weight
 * bytes than their checkpoint's variables (times a small factor), however many signatures call the
 * model, with no NoOp or control edge left that only kept unfolded weights reachable — and every
 * signature answers as the graph run without any rewrite does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/engine/backend.ts';
import { loadImportedGraph } from '../../../lib/engine/tfjs/load-graph.ts';
import { lowerToGraphModel } from '../../../lib/engine/tfjs/lower-graph.ts';
import { dropControlDependencies, type Graph, type GraphNode } from '../../../lib/graph/graph.ts';
import { importSavedModel } from '../../../lib/importers/tensorflow/saved-model.ts';
import { fixture, FIXTURES_NOTE, HAVE_FIXTURES } from '../../support/fixtures.ts';
import { artifactWeightBytes, variableBytes, withSecondSignature } from './saved-model-weights.ts';

/**
 * Lowered weights ≤ FACTOR × the variables + SLACK. Folding a batch norm replaces the kernel and
 * its four per-channel vectors by a kernel and one bias, so folding only shrinks the weights; 10%
 * leaves room for a fold that must keep the original too (a kernel also read unfolded). SLACK is
 * the graph's own constants that are not variables (shapes, axes, slice bounds, scalars).
 */
const FACTOR = 1.1;
const SLACK = 1024;

const SAVED_MODELS = [
  'tf-serving/saved_model_half_plus_two_cpu/00000123',
  'keras-savedmodel/arm-openmv-mobilenet-v1/model',
  'tf-written/tf1-parse-example-classify/1',
  'tf-written/tf2-int64-float64/1',
  'tfjs-node/saved_model/module_with_multiple_signatures',
  'tfjs-node/saved_model/model_multi_output',
];

type LoweredNode = Pick<GraphNode, 'name' | 'op'> & { input: string[] };

function loweredNodes(graph: Graph): { nodes: LoweredNode[]; weightBytes: number; digests: string[] } {
  const artifacts = lowerToGraphModel(graph);
  const nodes = (artifacts.modelTopology as { node: LoweredNode[] }).node;
  const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
  const digests: string[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs ?? []) {
    const size = spec.shape.reduce((n, d) => n * d, 1) * (spec.dtype === 'bool' ? 1 : 4);
    digests.push(`${spec.dtype}[${spec.shape}]${createHash('sha256').update(data.subarray(offset, offset + size)).digest('hex')}`);
    offset += size;
  }
  return { nodes, weightBytes: artifactWeightBytes(artifacts), digests };
}

/** Control edges a frozen inference graph does not need: dropControlDependencies would remove them. */
function needlessControlEdges(nodes: LoweredNode[]): string[] {
  const asGraph = nodes.map((node) => ({ name: node.name, op: node.op, inputs: node.input, attrs: {} }));
  const kept = new Map(dropControlDependencies(asGraph).map((node) => [node.name, node.inputs]));
  return nodes.flatMap((node) => node.input.filter((input) => input.startsWith('^') && !kept.get(node.name)!.includes(input)).map((input) => `${input} → ${node.name}`));
}

describe.skipIf(!HAVE_FIXTURES)(`lowerToGraphModel stores each weight once${FIXTURES_NOTE}`, () => {
  it.each(SAVED_MODELS)('%s: weights ≤ 1.1 × its variables + 1 KiB, no NoOp, no needless control edge', async (name) => {
    const dir = fixture(name);
    const { nodes, weightBytes, digests } = loweredNodes(await importSavedModel(dir));
    const variables = await variableBytes(dir);
    console.log(`${name}: ${weightBytes} weight bytes, variables ${variables}`);
    expect(weightBytes).toBeLessThanOrEqual(FACTOR * variables + SLACK);
    expect(nodes.filter((node) => node.op === 'NoOp').map((node) => node.name)).toEqual([]);
    expect(needlessControlEdges(nodes)).toEqual([]);
    // Constants left with the same bytes are the ones a control edge pins into a TF1 loop's frame.
    const pinnedInFrames = nodes.filter((node) => node.op === 'Const' && node.input.length).length;
    expect(digests.length - new Set(digests).size).toBeLessThanOrEqual(pinnedInFrames);
  });

  it('keeps the control edges of a TF1 while loop (constants in the loop frame)', async () => {
    const { nodes } = loweredNodes(await importSavedModel(fixture('tf-written/tf1-parse-example-classify/1')));
    const inLoop = nodes.filter((node) => node.op === 'Const' && node.input.length);
    expect(inLoop.length).toBeGreaterThan(0);
    for (const node of inLoop) expect(node.input).toEqual(['^map/while/Identity']);
  });

  describe('a SavedModel whose two signatures call the same model', () => {
    let tmp: string;
    let one: Graph;
    let two: Graph;

    beforeAll(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'two-signatures-'));
      const src = fixture('keras-savedmodel/arm-openmv-mobilenet-v1/model');
      await withSecondSignature(src, tmp);
      one = await importSavedModel(src);
      two = await importSavedModel(tmp);
    });

    afterAll(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('carries the weights of one: the same bytes as the one-signature model, under its variables', async () => {
      expect(Object.keys(two.signatures).sort()).toEqual(['second', 'serving_default']);
      // Each inlined call reads every weight through its own Identity (a frozen ReadVariableOp),
      // which constant folding turns into a Const of its own, folded again per copy…
      const reads = (graph: Graph) => {
        const consts = new Set(graph.nodes.filter((node) => node.op === 'Const').map((node) => node.name));
        return graph.nodes.filter((node) => node.op === 'Identity' && consts.has(node.inputs[0])).length;
      };
      expect(reads(one)).toBeGreaterThan(100);
      expect(reads(two)).toBe(2 * reads(one));
      // …and lowered, each weight is stored once.
      const a = loweredNodes(one);
      const b = loweredNodes(two);
      expect(b.weightBytes).toBe(a.weightBytes);
      expect(new Set(b.digests).size).toBe(b.digests.length);
      expect(b.weightBytes).toBeLessThanOrEqual(await variableBytes(fixture('keras-savedmodel/arm-openmv-mobilenet-v1/model')));
      expect(b.nodes.filter((node) => node.input.some((input) => input.startsWith('^')))).toEqual([]);
      console.log(`OpenMV MobileNetV1 with 2 signatures: ${b.weightBytes} weight bytes (1 signature: ${a.weightBytes})`);
    });

    it('answers on both signatures as the graph run without any rewrite', async () => {
      await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
      const image = Float32Array.from({ length: 160 * 120 }, (_, i) => (i * 7) % 256);
      const input = { sequential_input: { dtype: 'DT_FLOAT' as const, shape: [1, 160, 120, 1], values: image } };
      const [plain, lowered] = await Promise.all([loadImportedGraph(two, 'two signatures', { fuse: false }), loadImportedGraph(two, 'two signatures')]);
      try {
        const reference = Object.values(await plain.run('serving_default', input))[0].values as Float32Array;
        expect(reference).toHaveLength(5);
        for (const signature of ['serving_default', 'second']) {
          expect(Object.values(await plain.run(signature, input))[0].values).toEqual(reference);
          const got = Object.values(await lowered.run(signature, input))[0].values as Float32Array;
          Array.from(reference).forEach((v, i) => expect(Math.abs(v - got[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
        }
      } finally {
        plain.dispose();
        lowered.dispose();
      }
    });
  });
});
