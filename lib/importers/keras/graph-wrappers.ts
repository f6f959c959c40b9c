/**
 * Keras wrapper layers on the graph path: Bidirectional around SimpleRNN, LSTM or GRU, and
 * TimeDistributed around a per-sample layer.
 *
 * Bidirectional (keras/layers/wrappers.py, tf.keras and Keras 2.2): a forward copy of the wrapped
 * layer (`forward_<name>`) and a backward one (`backward_<name>`: the same config with
 * `go_backwards` flipped, or the `backward_layer` config when one was given) both read the input;
 * with return_sequences the backward output is reversed back to input order; then merge_mode
 * 'concat' (default), 'sum', 'mul', 'ave', or None (two outputs). return_state appends the forward
 * states, then the backward ones; initial states are split the same way (first half forward).
 * Weights are the wrapper's `<wrapper>/forward_<name>/kernel`… as the importer names them. Each
 * direction is unrolled by the recurrent emitter (graph-rnn.ts).
 *
 * TimeDistributed: the time axis is folded into the batch (`[batch·steps, …]`), the wrapped layer's
 * emitter runs on that, and the result is shaped back to `[batch, steps, …]`. Its weights are the
 * wrapper's (`time_distributed/kernel`, or `time_distributed/<inner>/kernel`).
 * @module importers/keras/graph-wrappers
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { KerasObject } from '../../graph/keras-model.ts';
import { binary, type Emitter, I32, int, int32s, type LayerCall, reshape, scalar, shapeOperand, type Sym, T } from './graph-emit.ts';
import { recurrent } from './graph-rnn.ts';

const RECURRENT = ['SimpleRNN', 'LSTM', 'GRU'] as const;
type RecurrentKind = (typeof RECURRENT)[number];
const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'];

/** The `{ class_name, config }` a wrapper holds under `key`. */
function wrapped(c: LayerCall, key: string): KerasObject {
  const layer = c.config[key] as KerasObject | undefined;
  if (typeof layer !== 'object' || layer === null || typeof layer.class_name !== 'string' || typeof layer.config !== 'object' || layer.config === null) {
    return c.fail(`its ${key} is not a { class_name, config } layer`);
  }
  return layer;
}

/** `c` as the call of a layer it wraps: that layer's class, config and inputs, its constants and failures named after it. */
function innerCall(c: LayerCall, inner: { className: string; name: string; config: Record<string, unknown> }, inputs: Sym[], weight: (name: string) => ReturnType<LayerCall['weight']>): LayerCall {
  return {
    ...c,
    className: inner.className,
    config: inner.config,
    inputs,
    constant: (suffix, tensor) => c.constant(`${inner.name}/${suffix}`, tensor),
    weight,
    fail: (message) => c.fail(`${inner.name} (${inner.className}): ${message}`),
  };
}

export const bidirectional: Emitter = (c: LayerCall) => {
  const layer = wrapped(c, 'layer');
  const kind = layer.class_name as RecurrentKind;
  if (!RECURRENT.includes(kind)) c.fail(`wraps a ${layer.class_name}; only SimpleRNN, LSTM and GRU are supported`);
  const mergeMode = c.config.merge_mode === undefined ? 'concat' : c.config.merge_mode;
  if (mergeMode !== null && !MERGE_MODES.includes(mergeMode as string)) c.fail(`merge_mode=${JSON.stringify(mergeMode)} is not one of concat, sum, mul, ave, None`);
  if (c.config.num_constants) c.fail('constants are not supported');
  const [x, ...initial] = c.inputs;
  if (!x) c.fail('has no input');
  if (initial.length % 2) c.fail(`expects as many forward as backward initial states, got ${initial.length} in all`);

  // The two directions as Keras builds them: tf.keras and Keras 2 prefix the wrapped layer's name
  // (also a given backward_layer's); Keras 3 configs already hold the prefixed names.
  const prefixed = (prefix: string, name: string) => (c.kerasMajor >= 3 && name.startsWith(prefix) ? name : prefix + name);
  const innerName = String(layer.config.name ?? layer.class_name.toLowerCase());
  const backwardLayer = c.config.backward_layer === undefined || c.config.backward_layer === null ? undefined : wrapped(c, 'backward_layer');
  if (backwardLayer && backwardLayer.class_name !== layer.class_name) c.fail(`backward_layer is a ${backwardLayer.class_name}, the forward layer a ${layer.class_name}`);
  const directions = [
    { name: prefixed('forward_', innerName), config: layer.config },
    backwardLayer
      ? { name: prefixed('backward_', String(backwardLayer.config.name)), config: backwardLayer.config }
      : { name: prefixed('backward_', c.kerasMajor >= 3 ? innerName.replace(/^forward_/, '') : innerName), config: { ...layer.config, go_backwards: layer.config.go_backwards !== true } },
  ];
  const returnSequences = directions[0].config.return_sequences === true;
  const returnState = directions[0].config.return_state === true;
  for (const key of ['return_sequences', 'return_state', 'stateful'] as const) {
    if ((directions[1].config[key] === true) !== (directions[0].config[key] === true)) c.fail(`the backward layer's ${key} differs from the forward layer's`);
  }
  if ((directions[1].config.go_backwards === true) === (directions[0].config.go_backwards === true)) c.fail('the forward and backward layers have the same go_backwards');
  // tf.keras 2 and Keras 3 make masked steps of returned sequences zeros in both directions
  // (force_zero_output_for_mask); standalone Keras 2.2's wrappers.py does not. halfPixelBilinear is
  // false exactly for standalone Keras before 2.3 (LayerCall carries no finer version).
  // Standalone Keras 2.3 is taken to behave as tf.keras, unverified.
  const forceZeroOutput = c.kerasMajor >= 3 || c.halfPixelBilinear;

  const half = initial.length / 2;
  const results = directions.map(({ name, config }, k) => {
    const call = innerCall(c, { className: kind, name, config: forceZeroOutput ? { ...config, zero_output_for_mask: returnSequences } : config }, [x, ...initial.slice(k * half, (k + 1) * half)], (weight) =>
      c.weight(`${name}/${weight}`),
    );
    const result = recurrent(kind)(call);
    return Array.isArray(result) ? result : [result];
  });
  const [[y, ...forwardStates], [reversed, ...backwardStates]] = results;
  let yRev = reversed;
  if (returnSequences) yRev = { ...reversed, ref: c.op('ReverseV2', [reversed.ref, int32s(c, 'reverse_axis', [1])], { T, Tidx: I32 }) };

  let outputs: Sym[];
  if (mergeMode === null) outputs = [y, yRev];
  else if (mergeMode === 'concat') {
    const rank = y.shape.length;
    const last = y.shape[rank - 1];
    const ref = c.op('ConcatV2', [y.ref, yRev.ref, int32s(c, 'concat_axis', [rank - 1], [])], { T, N: int(2), Tidx: I32 });
    outputs = [{ ...y, ref, shape: [...y.shape.slice(0, -1), last === null ? null : 2 * last] }];
  } else {
    const sum = binary(c, mergeMode === 'mul' ? 'Mul' : 'AddV2', y.ref, yRev.ref);
    outputs = [{ ...y, ref: mergeMode === 'ave' ? binary(c, 'Mul', sum, scalar(c, 'half', 0.5)) : sum }];
  }
  return returnState ? [...outputs, ...forwardStates, ...backwardStates] : outputs.length === 1 ? outputs[0] : outputs;
};

/** Classes TimeDistributed does not map: ones that are not per-sample functions of one tensor. */
const NOT_PER_STEP = new Set(['InputLayer', 'Masking', 'Bidirectional', 'TimeDistributed']);

/** TimeDistributed over the layers `emitterOf` knows (graph-layers.ts passes its table). */
export function timeDistributed(emitterOf: (className: string) => Emitter | undefined): Emitter {
  return (c: LayerCall) => {
    const layer = wrapped(c, 'layer');
    const emitter = NOT_PER_STEP.has(layer.class_name) ? undefined : emitterOf(layer.class_name);
    if (!emitter) c.fail(`wraps a ${layer.class_name}, which is not supported inside TimeDistributed`);
    if (c.inputs.length !== 1) c.fail(`expects one input, got ${c.inputs.length}`);
    const x = c.inputs[0];
    if (x.shape.length < 3) c.fail(`expects an input of rank 3 or more ([batch, steps, …]), got shape [${x.shape.map((d) => d ?? 'None')}]`);
    const [batch, steps, ...rest] = x.shape;

    // [batch, steps, …] → [batch·steps, …]
    const folded: Sym = { ...reshape(c, x, [-1, ...rest.map((d, k) => d ?? { axis: k + 2 })], [null, ...rest]), masked: false, mask: undefined };
    const innerName = String(layer.config.name ?? layer.class_name);
    const weight = (name: string) => {
      try {
        return c.weight(name);
      } catch (error) {
        // Stored under the wrapped layer's scope (`time_distributed/dense/kernel`)?
        if (!(error instanceof FailedPreconditionError)) throw error;
        try {
          return c.weight(`${innerName}/${name}`);
        } catch {
          throw error;
        }
      }
    };
    const result = emitter(innerCall(c, { className: layer.class_name, name: innerName, config: layer.config }, [folded], weight));
    if (Array.isArray(result)) c.fail(`its ${layer.class_name} returns ${result.length} tensors`);
    const y = result;
    const [, ...outRest] = y.shape;

    // [batch·steps, …] → [batch, steps, …]: the batch and steps from x, the rest from y.
    let target: string;
    if (outRest.every((d) => d !== null)) target = shapeOperand(c, x, [{ axis: 0 }, { axis: 1 }, ...(outRest as number[])]);
    else if (steps !== null) target = shapeOperand(c, y, [-1, steps, ...outRest.map((d, k) => d ?? { axis: k + 1 })]);
    else return c.fail(`the output of its ${layer.class_name} has unknown dimensions [${y.shape.map((d) => d ?? 'None')}] and the number of steps is unknown`);
    const ref = c.op('Reshape', [y.ref, target], { T: { kind: 'type', value: y.dtype }, Tshape: I32 });
    return { ref, shape: [batch, steps, ...outRest], dtype: y.dtype, masked: x.masked || y.masked, mask: y.masked ? undefined : x.mask };
  };
}
