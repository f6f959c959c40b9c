/**
 * Folds inference-mode batch norm into the convolution before it — W' = W·γ/√(σ²+ε) per output
 * channel, b = β − μ·γ/√(σ²+ε) — leaving Conv2D/DepthwiseConv2dNative + BiasAdd, which
 * fuse-ops.ts then turns into one fused kernel. Two spellings: the FusedBatchNorm ops, and TF1's
 * unfused arithmetic, which after constant folding (fold-constants.ts) is conv·s + t with
 * per-channel constants s and t. Only where the convolution's weights and every batch-norm
 * parameter are constants and nothing else reads the convolution or the intermediate results.
 * @module engine/tfjs/fold-batch-norm
 */
import { numbersOf } from '../tensors/host-tensor.ts';
import { constantInput, constNode, parseInput, type GraphNode } from './graph.ts';

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
    if (!channelsLast(bn)) continue;
    const conv = byName.get(parseInput(bn.inputs[0]).node);
    if (!conv || !CONVOLUTIONS.has(conv.op) || pinned.has(conv.name) || readersOf(conv.name).length !== 1) continue;
    if ([1, 2, 3, 4, 5].some((output) => readersOf(bn.name, output).length > 0)) continue;
    const constant = (input: string | undefined) => {
      const tensor = constantInput(input, byName);
      return tensor && !Array.isArray(tensor.values) ? { shape: tensor.shape, values: numbersOf(tensor) } : undefined;
    };
    const [weights, gamma, beta, mean, variance] = [conv.inputs[1], ...bn.inputs.slice(1, 5)].map(constant);
    if (!weights || !gamma || !beta || !mean || !variance) continue;
    const epsilon = bn.attrs.epsilon?.kind === 'float' ? bn.attrs.epsilon.value : 0.0001;
    const channels = gamma.values.length;
    const factor = Float32Array.from({ length: channels }, (_, c) => Number(gamma.values[c]) / Math.sqrt(Number(variance.values[c]) + epsilon));
    if (weights.values.length % channels !== 0) continue;
    const bias = Float32Array.from({ length: channels }, (_, c) => Number(beta.values[c]) - Number(mean.values[c]) * factor[c]);
    foldIntoConv(replaced, conv, weights, factor, bias, bn.name);
    folded++;
  }
  return { nodes: nodes.flatMap((node) => replaced.get(node.name) ?? [node]), folded };
}

const ADDS = new Set(['Add', 'AddV2']);

/**
 * Folds conv·s + t (s, t per output channel or scalar constants; either operand order) into the
 * convolution's weights and a BiasAdd. The Add keeps its name, so its readers are unchanged.
 */
export function foldScaleShifts(nodes: GraphNode[], keep: string[]): { nodes: GraphNode[]; folded: number } {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const readers = new Map<string, number>();
  for (const node of nodes) for (const input of node.inputs) readers.set(parseInput(input).node, (readers.get(parseInput(input).node) ?? 0) + 1);
  const pinned = new Set(keep.map((name) => parseInput(name).node));
  const soleReader = (name: string) => readers.get(name) === 1 && !pinned.has(name);
  /** The operand that is a per-channel (or scalar) float constant, and the other one. */
  const split = (node: GraphNode) => {
    for (const [c, x] of [[1, 0], [0, 1]]) {
      const constant = constantInput(node.inputs[c], byName);
      if (constant?.dtype !== 'DT_FLOAT' || node.inputs.length !== 2) continue;
      // Broadcasting over N, H, W only: every dimension but the last is 1.
      if (constant.shape.slice(0, -1).every((d) => d === 1)) {
        return { constant, other: byName.get(parseInput(node.inputs[x]).node), otherInput: node.inputs[x] };
      }
    }
    return undefined;
  };

  const replaced = new Map<string, GraphNode[]>();
  const removed = new Set<string>();
  let folded = 0;
  for (const add of nodes) {
    if (!ADDS.has(add.op)) continue;
    const shift = split(add);
    const mul = shift?.other;
    if (!shift || mul?.op !== 'Mul' || parseInput(shift.otherInput).output !== 0 || !soleReader(mul.name)) continue;
    const scale = split(mul);
    const conv = scale?.other;
    if (!scale || !conv || !CONVOLUTIONS.has(conv.op) || parseInput(scale.otherInput).output !== 0 || !soleReader(conv.name)) continue;
    if (!channelsLast(conv)) continue;
    const weights = constantInput(conv.inputs[1], byName);
    if (weights?.dtype !== 'DT_FLOAT') continue;
    // Conv2D filters are [h, w, in, out]; depthwise [h, w, in, multiplier] with in·multiplier outputs.
    const channels = conv.op === 'Conv2D' ? weights.shape[3] : weights.shape[2] * weights.shape[3];
    const s = scale.constant.values as Float32Array;
    const t = shift.constant.values as Float32Array;
    if ((s.length !== 1 && s.length !== channels) || (t.length !== 1 && t.length !== channels)) continue;
    const perChannel = (values: Float32Array) => Float32Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]);
    foldIntoConv(replaced, conv, { shape: weights.shape, values: weights.values as Float32Array }, perChannel(s), perChannel(t), add.name);
    removed.add(mul.name);
    folded++;
  }
  return { nodes: nodes.filter((node) => !removed.has(node.name)).flatMap((node) => replaced.get(node.name) ?? [node]), folded };
}

/** NHWC, the default when the op does not say: channels are the last dimension. */
function channelsLast(node: GraphNode): boolean {
  const format = node.attrs.data_format;
  return format?.kind !== 'string' || new TextDecoder().decode(format.value) === 'NHWC';
}

/**
 * Records the fold of `output` = conv·factor + bias (per output channel): the convolution with its
 * filter scaled, and a BiasAdd taking `output`'s name, so every reader of it is unchanged.
 */
function foldIntoConv(replaced: Map<string, GraphNode[]>, conv: GraphNode, weights: { shape: number[]; values: ArrayLike<number> }, factor: Float32Array, bias: Float32Array, output: string): void {
  const channels = factor.length;
  // The output channel is the filter's fastest-varying index, for Conv2D and depthwise alike.
  const scaled = Float32Array.from(weights.values, (w, i) => w * factor[i % channels]);
  const weightsName = `${conv.name}/folded_weights`;
  const biasName = `${output}/folded_bias`;
  replaced.set(conv.name, [
    constNode(weightsName, { dtype: 'DT_FLOAT', shape: weights.shape, values: scaled }),
    { ...conv, inputs: [conv.inputs[0], weightsName, ...conv.inputs.slice(2)] },
  ]);
  replaced.set(output, [
    constNode(biasName, { dtype: 'DT_FLOAT', shape: [channels], values: bias }),
    { name: output, op: 'BiasAdd', inputs: [conv.name, biasName], attrs: { T: { kind: 'type', value: 'DT_FLOAT' }, data_format: { kind: 'string', value: new TextEncoder().encode('NHWC') } } },
  ]);
}
