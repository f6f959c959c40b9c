/**
 * Builds small TFLite models in tests (structs written with lib/importers/tflite/writer.ts), for
 * ops and cases no fixture covers.
 */
import type { TfliteModel, TfliteQuantization } from '../../../lib/importers/tflite/reader.ts';
import { OP_SPECS } from '../../../lib/importers/tflite/ops.ts';
import { BUILTIN_OPERATORS, OPTION_TYPE, TENSOR_TYPES, type TensorTypeName } from '../../../lib/importers/tflite/schema.ts';
import { writeTflite, type WriteOptions } from '../../../lib/importers/tflite/writer.ts';

export interface TensorOptions {
  type?: TensorTypeName;
  /** Constant data (typed per `type`). */
  data?: ArrayLike<number>;
  quantization?: TfliteQuantization;
  shapeSignature?: number[];
  variable?: boolean;
}

export class ModelBuilder {
  readonly model: TfliteModel = {
    version: 3,
    description: 'lambda-serving test model',
    operatorCodes: [],
    subgraphs: [{ name: 'main', tensors: [], inputs: [], outputs: [], operators: [] }],
    buffers: [{ data: new Uint8Array(0) }],
    metadata: [],
    signatureDefs: [],
  };

  private subgraph = 0;

  /** Starts another subgraph; later calls add to it. */
  addSubgraph(name: string): number {
    this.model.subgraphs.push({ name, tensors: [], inputs: [], outputs: [], operators: [] });
    return (this.subgraph = this.model.subgraphs.length - 1);
  }

  tensor(name: string, shape: number[], options: TensorOptions = {}): number {
    const type = options.type ?? 'FLOAT32';
    let buffer = 0;
    if (options.data) {
      this.model.buffers.push({ data: encode(type, options.data) });
      buffer = this.model.buffers.length - 1;
    }
    const tensors = this.model.subgraphs[this.subgraph].tensors;
    tensors.push({
      name,
      shape,
      shapeSignature: options.shapeSignature,
      hasRank: true,
      type: TENSOR_TYPES.indexOf(type),
      buffer,
      quantization: options.quantization,
      isVariable: options.variable ?? false,
      sparse: false,
    });
    return tensors.length - 1;
  }

  input(name: string, shape: number[], options: TensorOptions = {}): number {
    const index = this.tensor(name, shape, options);
    this.model.subgraphs[this.subgraph].inputs.push(index);
    return index;
  }

  output(index: number): number {
    this.model.subgraphs[this.subgraph].outputs.push(index);
    return index;
  }

  /** Adds an operator; options go into the op's table from ops.ts (or `optionsTable`). */
  op(builtin: string, inputs: number[], outputs: number[], options: Record<string, number | boolean | number[]> = {}, optionsTable?: string, customCode?: string): void {
    const code = BUILTIN_OPERATORS.indexOf(builtin);
    if (code < 0) throw new Error(`no builtin ${builtin}`);
    let opcodeIndex = this.model.operatorCodes.findIndex((c) => c.builtinCode === code && c.customCode === customCode);
    if (opcodeIndex < 0) {
      this.model.operatorCodes.push({ builtinCode: code, version: 1, ...(customCode !== undefined ? { customCode } : {}) });
      opcodeIndex = this.model.operatorCodes.length - 1;
    }
    const table = optionsTable ?? OP_SPECS.get(builtin)?.options;
    this.model.subgraphs[this.subgraph].operators.push({
      opcodeIndex,
      inputs,
      outputs,
      optionsType: table ? OPTION_TYPE[table] : 0,
      options,
      intermediates: [],
    });
  }

  signature(key: string, inputs: Record<string, number>, outputs: Record<string, number>): void {
    const maps = (record: Record<string, number>) => Object.entries(record).map(([name, tensorIndex]) => ({ name, tensorIndex }));
    this.model.signatureDefs.push({ key, subgraphIndex: this.subgraph, inputs: maps(inputs), outputs: maps(outputs) });
  }

  bytes(options?: WriteOptions): Uint8Array {
    return writeTflite(this.model, options);
  }
}

export function encode(type: TensorTypeName, values: ArrayLike<number>): Uint8Array {
  const view = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  switch (type) {
    case 'FLOAT32':
      return view(Float32Array.from(values));
    case 'FLOAT16':
      return view(Uint16Array.from(values, floatToHalf));
    case 'INT32':
      return view(Int32Array.from(values));
    case 'INT8':
      return view(Int8Array.from(values));
    case 'UINT8':
      return view(Uint8Array.from(values));
    case 'INT64':
      return view(BigInt64Array.from(Array.from(values), (v) => BigInt(v)));
    default:
      throw new Error(`encode: ${type} not handled`);
  }
}

/** number → IEEE binary16 bits (round to nearest; normal range only, enough for test data). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (value === 0) return sign;
  if (exponent <= 0 || exponent >= 31) throw new Error(`floatToHalf: ${value} out of range`);
  const rounded = Math.round(mantissa / 0x2000);
  return sign | ((exponent << 10) + rounded);
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randoms(count: number, seed = 1): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}
