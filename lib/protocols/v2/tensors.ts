/**
 * Tensors in the Open Inference Protocol (KServe V2): datatypes, the JSON `data` of request
 * inputs and response outputs, and the binary tensor data extension's raw little-endian layout
 * (BYTES as 4-byte length-prefixed elements, BOOL as one byte each).
 * @module protocols/v2/tensors
 */
import { elementWriter } from '../../codecs/json-tensor.ts';
import { formatFloat32, formatFloat64, type JsonValue } from '../../codecs/tensor-json.ts';
import { InvalidArgumentError } from '../../errors.ts';
import { halfToFloat } from '../../tensors/float16.ts';
import { allocateValues, sizeOf, STORAGE, type DType, type HostTensor, type NumericDType } from '../../tensors/host-tensor.ts';

const V2_DATATYPES = {
  BOOL: 'DT_BOOL',
  UINT8: 'DT_UINT8',
  UINT16: 'DT_UINT16',
  UINT32: 'DT_UINT32',
  UINT64: 'DT_UINT64',
  INT8: 'DT_INT8',
  INT16: 'DT_INT16',
  INT32: 'DT_INT32',
  INT64: 'DT_INT64',
  FP16: 'DT_HALF',
  FP32: 'DT_FLOAT',
  FP64: 'DT_DOUBLE',
  BYTES: 'DT_STRING',
} as const satisfies Record<string, DType>;

export type V2Datatype = keyof typeof V2_DATATYPES;

const BY_DTYPE = Object.fromEntries(Object.entries(V2_DATATYPES).map(([v2, dtype]) => [dtype, v2])) as Record<DType, V2Datatype>;

export function v2Datatype(dtype: DType): V2Datatype {
  return BY_DTYPE[dtype];
}

export function dtypeOf(datatype: unknown, where: string): DType {
  if (typeof datatype === 'string' && Object.hasOwn(V2_DATATYPES, datatype)) return V2_DATATYPES[datatype as V2Datatype];
  throw new InvalidArgumentError(`${where}: unsupported datatype ${JSON.stringify(datatype)}; expected one of ${Object.keys(V2_DATATYPES).join(', ')}`);
}

/** A request input's `shape`: non-negative integers. */
export function shapeOf(value: JsonValue | undefined, where: string): number[] {
  if (!Array.isArray(value) || !value.every((dim) => typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InvalidArgumentError(`${where}: 'shape' must be a list of non-negative integers`);
  }
  return value as number[];
}

/** A request input's JSON `data` (nested or flat, row-major) as a tensor of `dtype` and `shape`. */
export function tensorFromJson(data: JsonValue | undefined, dtype: DType, shape: number[], where: string): HostTensor {
  const flat: JsonValue[] = [];
  flatten(data, flat, 0, where);
  const size = sizeOf(shape);
  if (flat.length !== size) {
    throw new InvalidArgumentError(`${where}: 'data' has ${flat.length} elements, but shape [${shape}] holds ${size}`);
  }
  const values = allocateValues(dtype, size);
  // The same element rules, and texts, as TF Serving's JSON bodies.
  const write = elementWriter(dtype, values);
  for (let i = 0; i < size; i++) {
    const problem = write(i, flat[i]);
    if (problem !== undefined) throw new InvalidArgumentError(`${where} expects ${dtype}, got ${problem} at data[${i}]`);
  }
  return { dtype, shape, values };
}

function flatten(value: JsonValue | undefined, out: JsonValue[], depth: number, where: string): void {
  if (!Array.isArray(value)) {
    if (depth === 0) throw new InvalidArgumentError(`${where}: 'data' must be a list`);
    out.push(value as JsonValue);
    return;
  }
  if (depth > 64) throw new InvalidArgumentError(`${where}: 'data' is nested too deeply`);
  for (const item of value) flatten(item, out, depth + 1, where);
}

/** A response output's flat JSON `data`, written as text (exact int64, shortest float32). */
export function tensorDataJson(tensor: HostTensor): string {
  const { values } = tensor;
  const items = new Array<string>(values.length);
  switch (tensor.dtype) {
    case 'DT_STRING': {
      const decoder = new TextDecoder();
      (values as Uint8Array[]).forEach((bytes, i) => (items[i] = JSON.stringify(decoder.decode(bytes))));
      break;
    }
    case 'DT_BOOL':
      for (let i = 0; i < values.length; i++) items[i] = values[i] ? 'true' : 'false';
      break;
    case 'DT_FLOAT':
      for (let i = 0; i < values.length; i++) items[i] = formatFloat32(values[i] as number);
      break;
    case 'DT_HALF':
      for (let i = 0; i < values.length; i++) items[i] = formatFloat32(halfToFloat(values[i] as number));
      break;
    case 'DT_DOUBLE':
      for (let i = 0; i < values.length; i++) items[i] = formatFloat64(values[i] as number, true);
      break;
    default:
      for (let i = 0; i < values.length; i++) items[i] = String(values[i]);
  }
  return `[${items.join(',')}]`;
}

/** A tensor's bytes in the binary extension's layout. */
export function tensorToBinary(tensor: HostTensor): Uint8Array {
  const { values } = tensor;
  if (tensor.dtype !== 'DT_STRING') {
    const view = values as Exclude<HostTensor['values'], Uint8Array[]>;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  const strings = values as Uint8Array[];
  const total = strings.reduce((sum, bytes) => sum + 4 + bytes.length, 0);
  const out = new Uint8Array(total);
  const lengths = new DataView(out.buffer);
  let at = 0;
  for (const bytes of strings) {
    lengths.setUint32(at, bytes.length, true);
    out.set(bytes, at + 4);
    at += 4 + bytes.length;
  }
  return out;
}

/** A tensor read from the binary extension's bytes (copied, so it is aligned and owned). */
export function tensorFromBinary(bytes: Uint8Array, dtype: DType, shape: number[], where: string): HostTensor {
  const size = sizeOf(shape);
  if (dtype === 'DT_STRING') {
    const values = new Array<Uint8Array>(size);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    for (let i = 0; i < size; i++) {
      if (at + 4 > bytes.length) throw new InvalidArgumentError(`${where}: binary data ends inside element ${i}'s length prefix`);
      const length = view.getUint32(at, true);
      if (at + 4 + length > bytes.length) {
        throw new InvalidArgumentError(`${where}: binary element ${i} claims ${length} bytes, but only ${bytes.length - at - 4} remain`);
      }
      values[i] = bytes.slice(at + 4, at + 4 + length);
      at += 4 + length;
    }
    if (at !== bytes.length) throw new InvalidArgumentError(`${where}: ${bytes.length - at} bytes of binary data left after ${size} elements`);
    return { dtype, shape, values };
  }
  const Storage = STORAGE[dtype as NumericDType] as unknown as { new (buffer: ArrayBuffer): HostTensor['values']; BYTES_PER_ELEMENT: number };
  const expected = size * Storage.BYTES_PER_ELEMENT;
  if (bytes.length !== expected) {
    throw new InvalidArgumentError(`${where}: binary_data_size is ${bytes.length} bytes, but shape [${shape}] of ${v2Datatype(dtype)} needs ${expected}`);
  }
  return { dtype, shape, values: new Storage(bytes.slice().buffer) };
}
