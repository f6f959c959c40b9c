/**
 * Folds inference-mode batch norm into the convolution before it — W' = W·γ/√(σ²+ε) per output
 * channel, b = β − μ·γ/√(σ²+ε) — leaving Conv2D/DepthwiseConv2dNative + BiasAdd, which
 * fuse-ops.ts then turns into one fused kernel. Only where the convolution's weights and every
 * batch-norm parameter are constants and nothing else reads the convolution or the other
 * batch-norm outputs.
 * @module engine/tfjs/fold-batch-norm
 */
import type { HostTensor } from '../tensor.ts';
import { constantInput, parseInput, type GraphNode } from '../../importers/graph.ts';

const BATCH_NORMS = new Set(['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']);
const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2dNative']);

export function foldBatchNorms(nodes: GraphNode[], keep: string[]): { nodes: GraphNode[]; folded: number } {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const readers = new Map<string, string[]>();
  for (const node of nodes) for (const input of node.inputs) readers.set(input.replace(/^\^/, ''), [...(readers.get(input.replace(/^\^/, '')) ?? []), node.name]);
  const pinned = new Set(keep.map((name) => parseInput(name).node));
  const readersOf = (name: string, output = 0) => [...(readers.get(output ? `${name}:${output}` : name) ?? []), ...(output ? [] : readers.get(`${name}:0`) ?? [])];

  const replaced = new Map<string, GraphNode[]>();
  let folded = 0;
  for (const bn of nodes) {
    if (!BATCH_NORMS.has(bn.op) || bn.attrs.is_training?.kind !== 'bool' || bn.attrs.is_training.value) continue;
    if (bn.attrs.data_format?.kind === 'string' && new TextDecoder().decode(bn.attrs.data_format.value) !== 'NHWC') continue;
    const conv = byName.get(parseInput(bn.inputs[0]).node);
    if (!conv || !CONVOLUTIONS.has(conv.op) || pinned.has(conv.name) || readersOf(conv.name).length !== 1) continue;
    if ([1, 2, 3, 4, 5].some((output) => readersOf(bn.name, output).length > 0)) continue;
    const constant = (input: string | undefined) => {
      const tensor = constantInput(input, byName);
      return tensor && !Array.isArray(tensor.values) ? tensor : undefined;
    };
    const [weights, gamma, beta, mean, variance] = [conv.inputs[1], ...bn.inputs.slice(1, 5)].map(constant);
    if (!weights || !gamma || !beta || !mean || !variance) continue;
    const epsilon = bn.attrs.epsilon?.kind === 'float' ? bn.attrs.epsilon.value : 0.0001;
    const channels = gamma.values.length;
    const factor = Float32Array.from({ length: channels }, (_, c) => Number(gamma.values[c]) / Math.sqrt(Number(variance.values[c]) + epsilon));
    const scaled = Float32Array.from(weights.values as Float32Array);
    if (scaled.length % channels !== 0) continue;
    for (let i = 0; i < scaled.length; i++) scaled[i] *= factor[i % channels];
    const bias = Float32Array.from({ length: channels }, (_, c) => Number(beta.values[c]) - Number(mean.values[c]) * factor[c]);
    const weightsName = `${conv.name}/folded_weights`;
    const biasName = `${bn.name}/folded_bias`;
    replaced.set(conv.name, [
      constNode(weightsName, { dtype: 'DT_FLOAT', shape: weights.shape, values: scaled }),
      { ...conv, inputs: [conv.inputs[0], weightsName, ...conv.inputs.slice(2)] },
    ]);
    replaced.set(bn.name, [
      constNode(biasName, { dtype: 'DT_FLOAT', shape: [channels], values: bias }),
      { name: bn.name, op: 'BiasAdd', inputs: [conv.name, biasName], attrs: { T: { kind: 'type', value: 'DT_FLOAT' }, data_format: { kind: 'string', value: new TextEncoder().encode('NHWC') } } },
    ]);
    folded++;
  }
  return { nodes: nodes.flatMap((node) => replaced.get(node.name) ?? [node]), folded };
}

function constNode(name: string, tensor: HostTensor): GraphNode {
  return { name, op: 'Const', inputs: [], attrs: { dtype: { kind: 'type', value: tensor.dtype }, value: { kind: 'tensor', value: tensor } } };
}
