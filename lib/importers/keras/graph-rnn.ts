/**
 * Keras recurrent layers (SimpleRNN, LSTM, GRU) unrolled over their static number of time steps,
 * as tensorflowjs_converter would see them traced with `unroll=True` (inference only).
 *
 * Weights as Keras stores them: kernel [in, k·units], recurrent_kernel [units, k·units], bias
 * [k·units] with gates in Keras's order — LSTM i, f, c, o; GRU z, r, h; SimpleRNN one — and a GRU
 * with reset_after=True bias [2, 3·units] (input bias, recurrent bias). Per step (σ the recurrent
 * activation, g the activation):
 *   SimpleRNN  h' = g(x·W + b + h·U)
 *   LSTM       i, f, o = σ(x·W + b + h·U), c' = f⊙c + i⊙g(x·Wc + bc + h·Uc), h' = o⊙g(c')
 *   GRU        z, r = σ(x·W + b + h·U), then reset_after=False: h̃ = g(x·Wh + bh + (r⊙h)·Uh),
 *              reset_after=True: h̃ = g(x·Wh + bh + r⊙(h·Uh + b'h)); h' = z⊙h + (1 − z)⊙h̃.
 * The input projections of all steps are computed up front (one MatMul on [batch·steps, in] per
 * group of gates sharing an activation: LSTM's i, f, o apart from c, GRU's z, r apart from h), then
 * unstacked into steps. The state starts at zeros (no op is spent on it) or at the layer's
 * `initial_state` inputs. A masked input (Embedding mask_zero, Masking) carries the state through
 * masked steps and repeats the previous output there, as Keras's `backend.rnn` does (zeros with
 * `zero_output_for_mask`). `go_backwards` walks the steps in reverse and, as Keras does, returns
 * the sequence in that (reversed) order.
 * @module importers/keras/graph-rnn
 */
import type { HostTensor } from '../../tensors/host-tensor.ts';
import { activate } from './graph-activations.ts';
import { binary, bool, type Emitter, I32, int, int32s, type LayerCall, NHWC, scalar, type Sym, T } from './graph-emit.ts';

type Kind = 'SimpleRNN' | 'LSTM' | 'GRU';

/** Per kind: gate count, state count, and the groups of gates projected together. */
const CELLS: Record<Kind, { gates: number; states: number; groups: number[][] }> = {
  SimpleRNN: { gates: 1, states: 1, groups: [[0]] },
  // σ over i, f, o at once; g over c.
  LSTM: { gates: 4, states: 2, groups: [[0, 1, 3], [2]] },
  // σ over z, r at once; the candidate h apart (its recurrent term depends on r).
  GRU: { gates: 3, states: 1, groups: [[0, 1], [2]] },
};

export function recurrent(kind: Kind): Emitter {
  return (call) => {
    const c: LayerCall = sharingConstants(call);
    const cell = CELLS[kind];
    const config = c.config;
    if (config.stateful === true) c.fail('stateful=True is not supported (each request starts from a zero state)');
    if (config.time_major === true) c.fail('time_major=True is not supported');
    if (c.inputs.length === 0) c.fail('has no input');
    const [x, ...initial] = c.inputs as Sym[];
    if (initial.length && initial.length !== cell.states) c.fail(`expects ${cell.states} initial state${cell.states > 1 ? 's' : ''}, got ${initial.length}`);
    if (x.shape.length !== 3) c.fail(`expects a [batch, steps, features] input, got shape [${x.shape.map((d) => d ?? 'None')}]`);
    const [batch, steps, features] = x.shape;
    if (steps === null) c.fail('the number of time steps is unknown (None): the layer is unrolled over a static time dimension');
    if (steps < 1) c.fail(`has ${steps} time steps`);

    // Weights.
    const kernel = c.weight('kernel');
    const recurrentKernel = c.weight('recurrent_kernel');
    const [inputs, width] = kernel.shape;
    const units = recurrentKernel.shape[0];
    if (config.units !== undefined && Number(config.units) !== units) c.fail(`recurrent_kernel [${recurrentKernel.shape}] does not fit units=${String(config.units)}`);
    if (kernel.shape.length !== 2 || width !== cell.gates * units || (features !== null && features !== inputs)) {
      c.fail(`kernel [${kernel.shape}] does not fit ${cell.gates}·${units} units on input shape [${x.shape.map((d) => d ?? 'None')}]`);
    }
    if (recurrentKernel.shape.join() !== `${units},${width}`) c.fail(`recurrent_kernel [${recurrentKernel.shape}] is not [${units}, ${width}]`);
    const bias = config.use_bias === false ? undefined : c.weight('bias');
    const biasValues = bias?.values as Float32Array | undefined;
    // reset_after: as configured, else as the bias is shaped (Keras 2.0 GRUs predate the option).
    const resetAfter = kind === 'GRU' && (config.reset_after === undefined ? bias?.shape.length === 2 : config.reset_after === true);
    if (bias && bias.values.length !== (resetAfter ? 2 : 1) * width) {
      c.fail(`bias [${bias.shape}] does not fit ${width} gate units${kind === 'GRU' ? ` with reset_after=${resetAfter ? 'True' : 'False'}` : ''}`);
    }
    const columns = (values: Float32Array, rows: number, gates: number[], offset = 0) => gateColumns(values, rows, width, units, gates, offset);
    const inputBias = (gates: number[]): Float32Array | undefined => {
      if (!biasValues) return undefined;
      const b = columns(biasValues, 1, gates);
      // reset_after: the recurrent bias of z and r adds like the input bias (only h's sits inside r⊙…).
      if (resetAfter && gates[0] !== 2) columns(biasValues, 1, gates, width).forEach((v, k) => (b[k] += v));
      return b;
    };
    const recurrentBiasH = resetAfter && biasValues ? columns(biasValues, 1, [2], width) : undefined;

    const activation = config.activation === undefined ? 'tanh' : config.activation;
    const recurrentActivation = config.recurrent_activation === undefined ? 'sigmoid' : config.recurrent_activation;
    const goBackwards = config.go_backwards === true;
    const returnSequences = config.return_sequences === true;
    const returnState = config.return_state === true;
    const zeroOutputForMask = config.zero_output_for_mask === true;

    // Helpers.
    const float = (suffix: string, shape: number[], values: Float32Array) => c.constant(suffix, { dtype: 'DT_FLOAT', shape, values } satisfies HostTensor);
    const add = (a: string, b: string) => binary(c, 'AddV2', a, b);
    const sub = (a: string, b: string) => binary(c, 'Sub', a, b);
    const mul = (a: string, b: string) => binary(c, 'Mul', a, b);
    const matmul = (a: string, b: string) => c.op('MatMul', [a, b], { T, transpose_a: bool(false), transpose_b: bool(false) });
    const act = (ref: string, name: unknown) => activate(c, { ref, shape: [batch, null], dtype: 'DT_FLOAT' }, name).ref;
    const part = (ref: string, k: number) => (k ? `${ref}:${k}` : ref);
    const unstack = (ref: string) => c.op('Unpack', [ref], { T, num: int(steps), axis: int(1) });
    const splitAxis = int32s(c, 'split_axis', [1], []);
    const split = (ref: string, n: number) => {
      const node = c.op('Split', [splitAxis, ref], { T, num_split: int(n) });
      return Array.from({ length: n }, (_, k) => part(node, k));
    };

    // Every step's input projection at once, per group: [batch·steps, in] · [in, group] (+ bias).
    let input = x.ref;
    if (x.dtype !== 'DT_FLOAT') input = c.op('Cast', [input], { SrcT: { kind: 'type', value: x.dtype }, DstT: T, Truncate: bool(false) });
    const rows = c.op('Reshape', [input, int32s(c, 'rows_shape', [-1, inputs])], { T, Tshape: I32 });
    const projected = cell.groups.map((gates, g) => {
      const size = gates.length * units;
      let y = matmul(rows, float(`kernel_${g}`, [inputs, size], columns(kernel.values as Float32Array, inputs, gates)));
      const b = inputBias(gates);
      if (b) y = c.op('BiasAdd', [y, float(`bias_${g}`, [size], b)], { T, data_format: NHWC });
      return unstack(c.op('Reshape', [y, int32s(c, `steps_shape_${g}`, [-1, steps, size])], { T, Tshape: I32 }));
    });
    const recurrentWeights = cell.groups.map((gates, g) => float(`recurrent_kernel_${g}`, [units, gates.length * units], columns(recurrentKernel.values as Float32Array, units, gates)));
    const hBias = recurrentBiasH && float('recurrent_bias_h', [units], recurrentBiasH);
    /** A group's pre-activation: x·W (+ b) + h·U, or x·W alone while the state is zero. */
    const preActivation = (xt: string[], g: number, h: string | undefined) => (h ? add(xt[g], matmul(h, recurrentWeights[g])) : xt[g]);

    /** One step: the new states (the first is the output) from the step's projections and the states (undefined: zeros). */
    const step = (xt: string[], states: (string | undefined)[]): string[] => {
      const [h, cState] = states;
      if (kind === 'SimpleRNN') return [act(preActivation(xt, 0, h), activation)];
      if (kind === 'LSTM') {
        const [i, f, o] = split(act(preActivation(xt, 0, h), recurrentActivation), 3);
        const candidate = act(preActivation(xt, 1, h), activation);
        const kept = mul(i, candidate);
        const next = cState ? add(mul(f, cState), kept) : kept;
        return [mul(o, act(next, activation)), next];
      }
      const [z, r] = split(act(preActivation(xt, 0, h), recurrentActivation), 2);
      let candidate: string;
      if (resetAfter) {
        // r ⊙ (h·Uh + b'h); h·Uh is zero while the state is.
        let inner = h ? matmul(h, recurrentWeights[1]) : undefined;
        if (hBias) inner = inner ? c.op('BiasAdd', [inner, hBias], { T, data_format: NHWC }) : hBias;
        candidate = act(inner ? add(xt[1], mul(r, inner)) : xt[1], activation);
      } else {
        candidate = act(h ? add(xt[1], matmul(mul(r, h), recurrentWeights[1])) : xt[1], activation);
      }
      // z⊙h + (1 − z)⊙h̃ = h̃ + z⊙(h − h̃).
      return [h ? add(candidate, mul(z, sub(h, candidate))) : sub(candidate, mul(z, candidate))];
    };

    // The mask as [batch, 1] floats per step (kept, and 1 − kept).
    let mask: { kept: string; dropped: string } | undefined;
    if (x.masked) {
      if (!x.mask || x.mask.steps !== steps) c.fail('a masked input whose mask is not an Embedding(mask_zero=True) or Masking mask of its steps is not supported');
      const kept = c.op('Reshape', [c.op('Cast', [x.mask.ref], { SrcT: { kind: 'type', value: 'DT_BOOL' }, DstT: T, Truncate: bool(false) }), int32s(c, 'mask_shape', [-1, steps, 1])], { T, Tshape: I32 });
      mask = { kept: unstack(kept), dropped: unstack(sub(scalar(c, 'one', 1), kept)) };
    }

    let states: (string | undefined)[] = initial.length ? initial.map((s) => s.ref) : Array<undefined>(cell.states).fill(undefined);
    const outputs: string[] = [];
    for (let n = 0; n < steps; n++) {
      const t = goBackwards ? steps - 1 - n : n;
      const fresh = step(projected.map((p) => part(p, t)), states);
      if (!mask) {
        states = fresh;
        outputs.push(fresh[0]);
        continue;
      }
      // Keras: state = where(mask, new, old); output = where(mask, new, previous output or zeros).
      const [kept, dropped] = [part(mask.kept, t), part(mask.dropped, t)];
      const previous = states;
      states = fresh.map((s, k) => (previous[k] ? add(mul(kept, s), mul(dropped, previous[k])) : mul(kept, s)));
      outputs.push(zeroOutputForMask ? mul(kept, fresh[0]) : states[0]!);
    }

    const state = (ref: string | undefined): Sym => ({ ref: ref!, shape: [batch, units], dtype: 'DT_FLOAT' });
    const output: Sym = returnSequences
      ? { ref: c.op('Pack', outputs, { T, N: int(steps), axis: int(1) }), shape: [batch, steps, units], dtype: 'DT_FLOAT', masked: x.masked, mask: x.mask }
      : { ...state(outputs[steps - 1]), masked: false };
    return returnState ? [output, ...states.map(state)] : output;
  };
}

/** The columns of `gates` (each `units` wide) of a row-major [rows, ·] matrix, side by side; `offset` skips leading values. */
function gateColumns(values: Float32Array, rows: number, width: number, units: number, gates: number[], offset = 0): Float32Array {
  const out = new Float32Array(rows * gates.length * units);
  for (let r = 0; r < rows; r++) {
    gates.forEach((gate, k) => {
      const start = offset + r * width + gate * units;
      out.set(values.subarray(start, start + units), (r * gates.length + k) * units);
    });
  }
  return out;
}

/** `c` with small constants (scalars, shapes, axes) emitted once per call however often asked for. */
function sharingConstants(c: LayerCall): LayerCall {
  const made = new Map<string, string>();
  return {
    ...c,
    constant: (suffix, tensor) => {
      if (tensor.values.length > 16) return c.constant(suffix, tensor);
      const key = `${suffix}|${tensor.dtype}|${tensor.shape.join()}|${Array.from(tensor.values as ArrayLike<number>).join()}`;
      let name = made.get(key);
      if (!name) made.set(key, (name = c.constant(suffix, tensor)));
      return name;
    },
  };
}
