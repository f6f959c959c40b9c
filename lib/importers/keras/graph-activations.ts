/**
 * Keras activations (strings and layers) as TensorFlow ops, per Keras version where they differ.
 * @module importers/keras/graph-activations
 */
import {
  binary,
  I32,
  int32s,
  type LayerCall,
  normalizeAxis,
  scalar,
  type Sym,
  T,
  unary,
} from './graph-emit.ts';

/** Applies a Keras activation (by its serialized name) to `x`. */
export function activate(c: LayerCall, x: Sym, activation: unknown, axis = -1): Sym {
  const name = activationName(c, activation);
  const ref = activationRef(c, x, name, axis);
  return ref === x.ref ? x : { ...x, ref };
}

export function activationName(c: LayerCall, activation: unknown): string {
  if (activation === undefined || activation === null) return 'linear';
  if (typeof activation === 'string') return activation;
  const object = activation as { class_name?: unknown; config?: unknown };
  // Keras 3 may serialize a built-in activation as { class_name: 'function', config: 'relu' }.
  if (typeof object.config === 'string') return object.config;
  if (typeof object.class_name === 'string' && object.class_name !== 'function') return object.class_name;
  return c.fail(`activation ${JSON.stringify(activation).slice(0, 80)} is not a built-in activation`);
}

export function activationRef(c: LayerCall, x: Sym, name: string, axis: number): string {
  const r = x.ref;
  switch (name) {
    case 'linear':
      return r;
    case 'relu':
      return unary(c, 'Relu', r);
    case 'relu6':
      return unary(c, 'Relu6', r);
    case 'sigmoid':
      return unary(c, 'Sigmoid', r);
    case 'tanh':
      return unary(c, 'Tanh', r);
    case 'elu':
      return unary(c, 'Elu', r);
    case 'selu':
      return unary(c, 'Selu', r);
    case 'softplus':
      return unary(c, 'Softplus', r);
    case 'exponential':
      return unary(c, 'Exp', r);
    case 'softsign':
      return binary(c, 'RealDiv', r, binary(c, 'AddV2', unary(c, 'Abs', r), scalar(c, 'one', 1)));
    case 'swish':
    case 'silu':
      return binary(c, 'Mul', r, unary(c, 'Sigmoid', r));
    case 'mish':
      return binary(c, 'Mul', r, unary(c, 'Tanh', unary(c, 'Softplus', r)));
    case 'hard_sigmoid':
      // Keras 2: clip(0.2·x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
      if (c.kerasMajor >= 3) return binary(c, 'Mul', unary(c, 'Relu6', binary(c, 'AddV2', r, scalar(c, 'three', 3))), scalar(c, 'sixth', 1 / 6));
      return c.op('ClipByValue', [binary(c, 'AddV2', binary(c, 'Mul', r, scalar(c, 'slope', 0.2)), scalar(c, 'half', 0.5)), scalar(c, 'zero', 0), scalar(c, 'one', 1)], { T });
    case 'hard_silu':
    case 'hard_swish':
      return binary(c, 'Mul', r, binary(c, 'Mul', unary(c, 'Relu6', binary(c, 'AddV2', r, scalar(c, 'three', 3))), scalar(c, 'sixth', 1 / 6)));
    case 'leaky_relu':
      return c.op('LeakyRelu', [r], { T, alpha: { kind: 'float', value: 0.2 } });
    case 'gelu': {
      // x·Φ(x) = 0.5·x·(1 + erf(x/√2)), Keras's default (approximate=False).
      const erf = unary(c, 'Erf', binary(c, 'Mul', r, scalar(c, 'rsqrt2', Math.SQRT1_2)));
      return binary(c, 'Mul', binary(c, 'Mul', r, scalar(c, 'half', 0.5)), binary(c, 'AddV2', erf, scalar(c, 'one', 1)));
    }
    case 'softmax':
    case 'log_softmax':
      return softmaxRef(c, x, axis, name === 'softmax' ? 'Softmax' : 'LogSoftmax');
    default:
      return c.fail(`activation '${name}' is not supported`);
  }
}

/** Softmax along `axis`: TensorFlow's op works on the last one, so other axes are moved there and back. */
export function softmaxRef(c: LayerCall, x: Sym, axis: number, op: string): string {
  const rank = x.shape.length;
  const k = normalizeAxis(c, axis, rank);
  if (k === rank - 1) return unary(c, op, x.ref);
  const perm = [...Array(rank).keys()].filter((d) => d !== k).concat(k);
  const inverse = perm.map((_, d) => perm.indexOf(d));
  const moved = c.op('Transpose', [x.ref, int32s(c, 'perm', perm)], { T, Tperm: I32 });
  return c.op('Transpose', [unary(c, op, moved), int32s(c, 'inverse_perm', inverse)], { T, Tperm: I32 });
}
