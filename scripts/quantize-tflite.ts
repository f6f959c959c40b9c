/**
 * Writes a weight-quantized copy of a float `.tflite` model, laid out as TFLite's dynamic-range
 * ("weight-only") conversion lays it out: each CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
 * float weight tensor becomes an int8 constant quantized per output channel (symmetric, zero
 * point 0, scale = max|w|/127 along `quantized_dimension`: 0 for conv and fully-connected
 * [out, …], 3 for depthwise [1, h, w, in·mult]), read through a DEQUANTIZE op (placed at the start
 * of the operator list) whose float output feeds the original op. Biases stay float.
 *
 * There is no quantized fixture; the tests derive one with this into a temp dir.
 * Run: npx tsx scripts/quantize-tflite.ts in.tflite out.tflite
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readTflite, writeTflite, type TfliteModel, type TfliteTensor } from '../lib/importers/tflite/index.ts';
import { BUILTIN_OPERATORS, OPTION_TYPE, TENSOR_TYPES } from '../lib/importers/tflite/schema.ts';

/** Weight input and its output-channel dimension, per quantized op. */
const WEIGHTS: Record<string, { input: number; channelDim: number }> = {
  CONV_2D: { input: 1, channelDim: 0 },
  DEPTHWISE_CONV_2D: { input: 1, channelDim: 3 },
  FULLY_CONNECTED: { input: 1, channelDim: 0 },
};

export interface QuantizeReport {
  /** Weight tensors quantized. */
  tensors: number;
  floatBytes: number;
  int8Bytes: number;
}

/** A copy of `model` with its conv/depthwise/fully-connected weights int8 per channel behind DEQUANTIZE ops. */
export function quantizeWeights(source: TfliteModel): { model: TfliteModel; report: QuantizeReport } {
  const model = structuredClone(source);
  const report: QuantizeReport = { tensors: 0, floatBytes: 0, int8Bytes: 0 };
  let dequantizeCode = model.operatorCodes.findIndex((code) => code.builtinCode === BUILTIN_OPERATORS.indexOf('DEQUANTIZE'));
  if (dequantizeCode < 0) {
    dequantizeCode = model.operatorCodes.length;
    model.operatorCodes.push({ builtinCode: BUILTIN_OPERATORS.indexOf('DEQUANTIZE'), version: 4 });
  }
  const FLOAT32 = TENSOR_TYPES.indexOf('FLOAT32');
  const INT8 = TENSOR_TYPES.indexOf('INT8');
  for (const subgraph of model.subgraphs) {
    const dequantizeOps: TfliteModel['subgraphs'][number]['operators'] = [];
    const done = new Map<number, number>(); // weight tensor → its dequantized float tensor
    for (const op of subgraph.operators) {
      const which = WEIGHTS[BUILTIN_OPERATORS[model.operatorCodes[op.opcodeIndex].builtinCode]];
      const index = which && op.inputs[which.input];
      if (which === undefined || index === undefined || index < 0) continue;
      const weights = subgraph.tensors[index];
      const data = model.buffers[weights.buffer].data;
      if (weights.type !== FLOAT32 || !data.byteLength) continue;
      if (!done.has(index)) {
        const { int8, scale } = quantizePerChannel(new Float32Array(new Uint8Array(data).buffer), weights.shape, which.channelDim);
        report.tensors++;
        report.floatBytes += data.byteLength;
        report.int8Bytes += int8.byteLength;
        // The weight tensor becomes the int8 constant; a new float tensor carries its dequantized value.
        model.buffers[weights.buffer] = { data: new Uint8Array(int8.buffer) };
        Object.assign(weights, {
          type: INT8,
          quantization: { scale, zeroPoint: scale.map(() => 0), quantizedDimension: which.channelDim },
        } satisfies Partial<TfliteTensor>);
        const floatTensor = subgraph.tensors.length;
        model.buffers.push({ data: new Uint8Array(0) });
        subgraph.tensors.push({
          name: `${weights.name}/dequantize`,
          shape: [...weights.shape],
          shapeSignature: weights.shapeSignature && [...weights.shapeSignature],
          hasRank: true,
          type: FLOAT32,
          buffer: model.buffers.length - 1,
          isVariable: false,
          sparse: false,
        });
        dequantizeOps.push({ opcodeIndex: dequantizeCode, inputs: [index], outputs: [floatTensor], optionsType: OPTION_TYPE.DequantizeOptions, options: {}, intermediates: [] });
        done.set(index, floatTensor);
      }
      op.inputs[which.input] = done.get(index)!;
    }
    subgraph.operators.unshift(...dequantizeOps);
  }
  model.description = `${source.description ?? ''} + lambda-serving scripts/quantize-tflite.ts (int8 per-channel weights)`.trim();
  return { model, report };
}

/** Symmetric int8, one scale per index of dimension `channelDim`. */
export function quantizePerChannel(values: Float32Array, shape: number[], channelDim: number): { int8: Int8Array; scale: number[] } {
  const channels = shape[channelDim];
  const inner = shape.slice(channelDim + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float64Array(channels);
  values.forEach((v, i) => {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(v));
  });
  const scale = Array.from(maxAbs, (m) => Math.fround(m > 0 ? m / 127 : 1));
  const int8 = Int8Array.from(values, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scale[channelOf(i)]))));
  return { int8, scale };
}

export async function quantizeTfliteFile(input: string, output: string): Promise<QuantizeReport> {
  const { model, report } = quantizeWeights(readTflite(await readFile(input), input));
  await writeFile(output, writeTflite(model));
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: npx tsx scripts/quantize-tflite.ts in.tflite out.tflite');
    process.exit(2);
  }
  const report = await quantizeTfliteFile(input, output);
  console.log(`${output}: ${report.tensors} weight tensors int8 per channel (${report.floatBytes} → ${report.int8Bytes} bytes)`);
}
