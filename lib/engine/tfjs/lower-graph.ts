/**
 * Lowers the engine-neutral graph to TF.js GraphModel artifacts: the GraphDef as JSON (what
 * tensorflowjs_converter writes) with every Const's tensor moved into the weights.
 * @module engine/tfjs/lower-graph
 */
import type { io } from '@tensorflow/tfjs-core';
import type { AttrValue, Graph, GraphNode } from '../../graph/graph.ts';
import type { HostTensor } from '../../tensors/host-tensor.ts';
import { halfsToFloats } from '../../tensors/float16.ts';
import { FailedPreconditionError } from '../../errors.ts';
import { dropControlDependencies, pruneTo } from '../../graph/graph.ts';
import { foldBatchNorms, foldScaleShifts } from '../../graph/fold-batch-norm.ts';
import { foldConstants } from '../../graph/fold-constants.ts';
import { shareConstants } from '../../graph/share-constants.ts';
import { concatenate } from './file-io.ts';
import { fuseOps } from './fuse-ops.ts';

type WeightDtype = 'float32' | 'int32' | 'bool' | 'string';

export interface LowerOptions {
  /**
   * Fold constant arithmetic, inference batch norm into convolutions, then BiasAdd and activations
   * into TF.js's fused MatMul/Conv2D kernels. @default true
   */
  fuse?: boolean;
}

/**
 * The load-time graph rewrites, in order; each keeps `keep` addressable and the answers unchanged.
 * Control edges that order nothing go first (they would keep unfolded weights reachable and stop
 * folding); identical constants, e.g. one per signature that inlined the same function, are
 * stored once at the end.
 */
export function optimizeGraph(graph: Pick<Graph, 'nodes'>, keep: string[]): GraphNode[] {
  let nodes = dropControlDependencies(graph.nodes);
  nodes = foldConstants(nodes, keep).nodes;
  nodes = foldBatchNorms(nodes, keep).nodes;
  nodes = foldScaleShifts(nodes, keep).nodes;
  nodes = fuseOps(nodes, keep).nodes;
  nodes = shareConstants(nodes, keep).nodes;
  // Folding and sharing leave the original weights unread: drop them rather than ship them as weights.
  return pruneTo(nodes, keep);
}

export function lowerToGraphModel(graph: Graph, options: LowerOptions = {}): io.ModelArtifacts {
  assertNoFunctionCalls(graph);
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  const keep = addressable(graph);
  const nodes = options.fuse === false ? graph.nodes : optimizeGraph(graph, keep);
  const node = nodes.map((n) => {
    const attr: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(n.attrs)) {
      if (n.op === 'Const' && name === 'value' && value.kind === 'tensor') {
        const { dtype, bytes } = weightBytes(value.value);
        weightSpecs.push({ name: n.name, shape: value.value.shape, dtype });
        chunks.push(bytes);
        attr.value = { tensor: { dtype: value.value.dtype, tensorShape: shapeJson(value.value.shape) } };
      } else {
        attr[name] = attrJson(value);
      }
    }
    return { name: n.name, op: n.op, input: n.inputs, attr };
  });
  return {
    format: 'graph-model',
    generatedBy: graph.source,
    convertedBy: 'lambda-serving',
    modelTopology: { node, library: {}, versions: {} },
    weightSpecs,
    weightData: concatenate(chunks),
  };
}

/**
 * The lowered graph carries no function library (calls were inlined at import), so ops that still
 * call functions — TF2 control flow (`If`, `While` and their Stateless forms), or a call left
 * uninlined — would fail at request time: refuse them now, naming them.
 */
function assertNoFunctionCalls(graph: Graph): void {
  const calling = graph.nodes.filter((node) => Object.values(node.attrs).some((attr) => attr.kind === 'func'));
  if (!calling.length) return;
  const ops = [...new Set(calling.map((node) => node.op))].sort();
  const shown = calling.slice(0, 10).map((node) => `${node.name} (${node.op})`).join(', ');
  throw new FailedPreconditionError(
    `${graph.source} graph uses ${ops.length > 1 ? 'ops' : 'an op'} that call${ops.length > 1 ? '' : 's'} functions, which this engine cannot run: ${ops.join(', ')} — at ${shown}${calling.length > 10 ? `, and ${calling.length - 10} more` : ''}`,
  );
}

/** Tensors the signatures read or feed: fusion must not fold them away. */
function addressable(graph: Graph): string[] {
  return Object.values(graph.signatures).flatMap((signature) => [
    ...Object.values(signature.inputs).map((spec) => spec.tensorName),
    ...Object.values(signature.outputs).map((spec) => spec.tensorName),
    ...(signature.examples?.features.map((feature) => feature.tensorName) ?? []),
  ]);
}

function attrJson(value: AttrValue): unknown {
  switch (value.kind) {
    case 'int':
      return { i: String(value.value) };
    case 'float':
      return { f: value.value };
    case 'bool':
      return { b: value.value };
    case 'string':
      // Proto JSON carries bytes as base64; the converter decodes them so.
      return { s: Buffer.from(value.value).toString('base64') };
    case 'type':
      return { type: value.value };
    case 'shape':
      return { shape: value.value ? shapeJson(value.value) : { unknownRank: true } };
    case 'tensor':
      return { tensor: { dtype: value.value.dtype, tensorShape: shapeJson(value.value.shape) } };
    case 'func':
      return { func: { name: value.name } };
    case 'list':
      return {
        list: {
          ...(value.ints ? { i: value.ints.map(String) } : {}),
          ...(value.floats ? { f: value.floats } : {}),
          ...(value.bools ? { b: value.bools } : {}),
          ...(value.strings ? { s: value.strings.map((s) => Buffer.from(s).toString('base64')) } : {}),
          ...(value.types ? { type: value.types } : {}),
          ...(value.shapes ? { shape: value.shapes.map((s) => (s ? shapeJson(s) : { unknownRank: true })) } : {}),
        },
      };
    case 'none':
      return {};
  }
}

function shapeJson(shape: number[]) {
  return { dim: shape.map((size) => ({ size: String(size) })) };
}

/** TF.js weights are float32, int32, bool or string; wider TF types are narrowed as the converter does. */
function weightBytes(tensor: HostTensor): { dtype: WeightDtype; bytes: Uint8Array } {
  const { values } = tensor;
  if (Array.isArray(values)) {
    // Strings: each element as a 4-byte little-endian length, then its bytes.
    const total = values.reduce((sum, v) => sum + 4 + v.byteLength, 0);
    const bytes = new Uint8Array(total);
    const view = new DataView(bytes.buffer);
    let offset = 0;
    for (const v of values) {
      view.setUint32(offset, v.byteLength, true);
      bytes.set(v, offset + 4);
      offset += 4 + v.byteLength;
    }
    return { dtype: 'string', bytes };
  }
  switch (tensor.dtype) {
    case 'DT_HALF':
      return { dtype: 'float32', bytes: asBytes(halfsToFloats(values as Uint16Array)) };
    case 'DT_FLOAT':
    case 'DT_DOUBLE':
      return { dtype: 'float32', bytes: asBytes(Float32Array.from(values as ArrayLike<number>)) };
    case 'DT_BOOL':
      return { dtype: 'bool', bytes: Uint8Array.from(values as ArrayLike<number>) };
    default: {
      // TF.js computes integers in int32. Clamp rather than wrap: int64 constants beyond that range
      // are almost always "to the end" sentinels (slice limits), which clamping keeps meaning.
      const ints = values instanceof BigInt64Array || values instanceof BigUint64Array
        ? Int32Array.from(values, (v) => Number(v > 2147483647n ? 2147483647n : v < -2147483648n ? -2147483648n : v))
        : Int32Array.from(values as ArrayLike<number>);
      return { dtype: 'int32', bytes: asBytes(ints) };
    }
  }
}

function asBytes(array: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
