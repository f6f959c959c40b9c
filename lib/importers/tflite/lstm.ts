/**
 * UNIDIRECTIONAL_SEQUENCE_LSTM unrolled over its static time dimension into TensorFlow ops.
 * Inputs (TFLite's 24-input layout, `lstm_shared.h`): 0 input; 1–4 input→{input,forget,cell,
 * output} weights [cell, in]; 5–8 recurrent→… [cell, out]; 9–11 peephole cell→{input,forget,
 * output} [cell]; 12–15 gate biases; 16–17 projection weights [out, cell] and bias; 18–19 output
 * and cell state (variables); 20–23 layer-norm coefficients. No input gate (1, 5 omitted) = CIFG.
 *
 * Per step, as TFLite's kernel computes it (σ = sigmoid, g = the fused activation, usually tanh):
 *   i = σ(Wi·x + Ri·h + pi⊙c + bi)   (CIFG: i = 1 − f)
 *   f = σ(Wf·x + Rf·h + pf⊙c + bf)
 *   c' = clip(f⊙c + i⊙g(Wc·x + Rc·h + bc))
 *   o = σ(Wo·x + Ro·h + po⊙c' + bo)
 *   h' = o⊙g(c'), then h' = clip(P·h' + pb) with projection.
 * With layer norm, each gate's pre-activation (without bias) is normalized, scaled by its
 * coefficients, and the bias added after. The input projection of all steps is one MatMul.
 * The state starts at the state tensors' values: zero for variable tensors (the state is not
 * carried from one request to the next).
 * @module importers/tflite/lstm
 */
import type { HostTensor } from '../../tensors/host-tensor.ts';
import type { AttrValue } from '../../graph/graph.ts';
import type { OpContext } from './context.ts';

const float: AttrValue = { kind: 'type', value: 'DT_FLOAT' };
const GATES = ['input', 'forget', 'cell', 'output'] as const;
type Gate = (typeof GATES)[number];

export function convertLstm(ctx: OpContext): void {
  const o = ctx.options;
  const timeMajor = o.time_major === true;
  const activation = Number(o.fused_activation_function ?? 0);
  const cellClip = Number(o.cell_clip ?? 0);
  const projClip = Number(o.proj_clip ?? 0);
  if (o.diagonal_recurrent_tensors === true) ctx.fail('diagonal recurrent weights are not supported');
  const inShape = ctx.shape(0);
  if (inShape.length !== 3) ctx.fail(`input has shape [${inShape}], expected rank 3`);
  const steps = inShape[timeMajor ? 0 : 1];
  const nInput = inShape[2];
  if (!(steps > 0)) ctx.fail(`the time dimension must be static (input shape [${inShape}])`);

  const constant = (i: number, what: string): HostTensor => {
    const value = ctx.constant(i);
    if (!value || !(value.values instanceof Float32Array)) ctx.fail(`${what} (input ${i}) must be a float constant`);
    return value;
  };
  const optional = (i: number, what: string) => (ctx.has(i) ? constant(i, what) : undefined);
  const cifg = !ctx.has(1);
  const gates: Gate[] = cifg ? ['forget', 'cell', 'output'] : [...GATES];
  const slot = (gate: Gate) => GATES.indexOf(gate);
  const inputWeights = gates.map((g) => constant(1 + slot(g), `input-to-${g} weights`));
  const recurrentWeights = gates.map((g) => constant(5 + slot(g), `recurrent-to-${g} weights`));
  const biases = gates.map((g) => optional(12 + slot(g), `${g} gate bias`));
  const layerNorm = gates.map((g) => optional(20 + slot(g), `${g} layer norm coefficients`));
  const useLayerNorm = layerNorm.some(Boolean);
  const peephole = { input: optional(9, 'cell-to-input weights'), forget: optional(10, 'cell-to-forget weights'), output: optional(11, 'cell-to-output weights') };
  const projection = optional(16, 'projection weights');
  const projectionBias = optional(17, 'projection bias');
  const nCell = inputWeights[0].shape[0];
  const nOutput = recurrentWeights[0].shape[1];
  for (const [k, w] of inputWeights.entries()) {
    if (w.shape.join() !== `${nCell},${nInput}`) ctx.fail(`input-to-${gates[k]} weights have shape [${w.shape}], expected [${nCell},${nInput}]`);
  }
  for (const [k, w] of recurrentWeights.entries()) {
    if (w.shape.join() !== `${nCell},${nOutput}`) ctx.fail(`recurrent-to-${gates[k]} weights have shape [${w.shape}], expected [${nCell},${nOutput}]`);
  }
  if (!projection && nOutput !== nCell) ctx.fail(`output size ${nOutput} differs from cell size ${nCell} without projection weights`);

  if (timeMajor) ctx.fixBatch('is time-major');
  else ctx.setCarries(ctx.carries(0));

  const G = gates.length;
  const width = G * nCell;
  const op = (suffix: string, tfOp: string, inputs: string[], attrs: Record<string, AttrValue> = {}) =>
    ctx.node(ctx.name(suffix), tfOp, inputs, { T: float, ...attrs });
  const constNode = (suffix: string, shape: number[], values: Float32Array) => ctx.constNode(ctx.name(suffix), { dtype: 'DT_FLOAT', shape, values });

  // All steps' input projections at once: [steps·batch, in] × [in, G·cell] (+ biases unless layer norm).
  const flat = op('input_rows', 'Reshape', [ctx.input(0), ctx.int32s('input_rows_shape', [-1, nInput])]);
  let projected = op('input_projection', 'MatMul', [flat, constNode('input_weights', [nInput, width], stackTransposed(inputWeights))], { transpose_a: bool(false), transpose_b: bool(false) });
  if (!useLayerNorm && biases.some(Boolean)) {
    const bias = new Float32Array(width);
    biases.forEach((b, k) => b && bias.set(b.values as Float32Array, k * nCell));
    projected = op('input_projection_bias', 'BiasAdd', [projected, constNode('gate_bias', [width], bias)], { data_format: { kind: 'string', value: new TextEncoder().encode('NHWC') } });
  }
  const bySteps = op('input_steps', 'Reshape', [projected, ctx.int32s('input_steps_shape', timeMajor ? [steps, -1, width] : [-1, steps, width])]);
  const recurrent = constNode('recurrent_weights', [nOutput, width], stackTransposed(recurrentWeights));
  const projectionWeights = projection && constNode('projection_weights', [nCell, nOutput], transposed2d(projection));
  const peepholeNodes = Object.fromEntries(Object.entries(peephole).flatMap(([g, w]) => (w ? [[g, constNode(`peephole_${g}`, w.shape, w.values as Float32Array)]] : []))) as Partial<Record<Gate, string>>;

  const normNodes = layerNorm.map((w, k) => w && constNode(`${gates[k]}_norm_coefficients`, [nCell], w.values as Float32Array));
  const normBiasNodes = useLayerNorm ? biases.map((b, k) => b && constNode(`${gates[k]}_bias`, [nCell], b.values as Float32Array)) : [];
  const projectionBiasNode = projectionBias && constNode('projection_bias', [nOutput], projectionBias.values as Float32Array);

  // Shared by every step.
  const strides = ctx.int32s('step_strides', [1, 1, 1]);
  const splitAxis = ctx.int32s('split_axis', [1], []);
  const one = cifg ? ctx.scalar('one', 1) : '';
  const cellBounds = cellClip > 0 ? [ctx.scalar('cell_min', -cellClip), ctx.scalar('cell_max', cellClip)] : [];
  const projBounds = projClip > 0 ? [ctx.scalar('proj_min', -projClip), ctx.scalar('proj_max', projClip)] : [];
  const normAxis = useLayerNorm ? ctx.int32s('norm_axis', [1]) : '';
  const epsilon = useLayerNorm ? ctx.scalar('norm_epsilon', 1e-8) : '';

  let h = initialState(ctx, 18, 'output_state');
  let c = initialState(ctx, 19, 'cell_state');
  const outputs: string[] = [];
  for (let t = 0; t < steps; t++) {
    const s = `step${t}`;
    const timeAxis = timeMajor ? 0 : 1;
    const begin = [0, 0, 0];
    const end = [0, 0, 0];
    begin[timeAxis] = t;
    end[timeAxis] = t + 1;
    const otherDims = 0b111 & ~(1 << timeAxis);
    let pre = op(`${s}/x`, 'StridedSlice', [bySteps, ctx.int32s(`${s}/begin`, begin), ctx.int32s(`${s}/end`, end), strides], {
      Index: { kind: 'type', value: 'DT_INT32' },
      begin_mask: int(otherDims), end_mask: int(otherDims), ellipsis_mask: int(0), new_axis_mask: int(0), shrink_axis_mask: int(1 << timeAxis),
    });
    if (h) pre = op(`${s}/pre`, 'AddV2', [pre, op(`${s}/recurrent`, 'MatMul', [h, recurrent], { transpose_a: bool(false), transpose_b: bool(false) })]);
    const split = op(`${s}/split`, 'Split', [splitAxis, pre], { num_split: int(G) });
    const part = (gate: Gate) => {
      const k = gates.indexOf(gate);
      return k ? `${split}:${k}` : split;
    };
    /** A gate's pre-activation: peephole, then layer norm and bias (bias already added without layer norm). */
    const gateInput = (gate: Gate, cell: string | undefined): string => {
      const k = gates.indexOf(gate);
      let z = part(gate);
      const p = peepholeNodes[gate];
      if (p && cell) z = op(`${s}/${gate}_peephole`, 'AddV2', [z, op(`${s}/${gate}_peephole_mul`, 'Mul', [cell, p])]);
      if (useLayerNorm) {
        z = normalize(`${s}/${gate}_norm`, z);
        const coefficients = normNodes[k];
        if (coefficients) z = op(`${s}/${gate}_scaled`, 'Mul', [z, coefficients]);
        const bias = normBiasNodes[k];
        if (bias) z = op(`${s}/${gate}_biased`, 'AddV2', [z, bias]);
      }
      return z;
    };
    const normalize = (name: string, z: string) => {
      const axis = normAxis;
      const mean = op(`${name}/mean`, 'Mean', [z, axis], { keep_dims: bool(true) });
      const centered = op(`${name}/centered`, 'Sub', [z, mean]);
      const variance = op(`${name}/variance`, 'Mean', [op(`${name}/square`, 'Square', [centered]), axis], { keep_dims: bool(true) });
      const rstd = op(`${name}/rstd`, 'Rsqrt', [op(`${name}/var_eps`, 'AddV2', [variance, epsilon])]);
      return op(`${name}/normalized`, 'Mul', [centered, rstd]);
    };
    const forget = op(`${s}/forget`, 'Sigmoid', [gateInput('forget', c)]);
    const input = cifg
      ? op(`${s}/input`, 'Sub', [one, forget])
      : op(`${s}/input`, 'Sigmoid', [gateInput('input', c)]);
    const candidate = ctx.activate(gateInput('cell', c), activation, ctx.name(`${s}/candidate`));
    const added = op(`${s}/cell_in`, 'Mul', [input, candidate]);
    let cell = c ? op(`${s}/cell`, 'AddV2', [op(`${s}/cell_kept`, 'Mul', [forget, c]), added]) : added;
    if (cellClip > 0) cell = op(`${s}/cell_clipped`, 'ClipByValue', [cell, ...cellBounds]);
    const output = op(`${s}/output`, 'Sigmoid', [gateInput('output', cell)]);
    let hidden = op(`${s}/hidden`, 'Mul', [output, ctx.activate(cell, activation, ctx.name(`${s}/cell_activation`))]);
    if (projectionWeights) {
      hidden = op(`${s}/projected`, 'MatMul', [hidden, projectionWeights], { transpose_a: bool(false), transpose_b: bool(false) });
      if (projectionBiasNode) hidden = op(`${s}/projected_bias`, 'BiasAdd', [hidden, projectionBiasNode]);
      if (projClip > 0) hidden = op(`${s}/projected_clipped`, 'ClipByValue', [hidden, ...projBounds]);
    }
    outputs.push(hidden);
    h = hidden;
    c = cell;
  }
  ctx.node(ctx.out(0), 'Pack', outputs, { T: float, N: int(steps), axis: int(timeMajor ? 0 : 1) });
}

/** The state tensor's initial value as a Const, or undefined for zeros (the common case: a variable). */
function initialState(ctx: OpContext, i: number, what: string): string | undefined {
  const value = ctx.constant(i);
  if (!value || !(value.values instanceof Float32Array) || value.values.every((v) => v === 0)) return undefined;
  return ctx.constNode(ctx.name(what), value);
}

/** [cell, k] matrices, one per gate → one [k, gates·cell] matrix (gate-major columns). */
function stackTransposed(weights: HostTensor[]): Float32Array {
  const [rows, cols] = weights[0].shape;
  const width = weights.length * rows;
  const out = new Float32Array(cols * width);
  weights.forEach((w, g) => {
    const values = w.values as Float32Array;
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * width + g * rows + r] = values[r * cols + k];
  });
  return out;
}

function transposed2d(w: HostTensor): Float32Array {
  return stackTransposed([w]);
}

function int(value: number): AttrValue {
  return { kind: 'int', value };
}

function bool(value: boolean): AttrValue {
  return { kind: 'bool', value };
}
