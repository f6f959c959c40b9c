/**
 * JSON values as tensors of a known dtype, for every body that carries tensors as JSON without
 * dtypes (TF Serving's `instances`/`inputs`, multipart form fields): the nesting gives the shape,
 * ragged lists and elements that do not fit the dtype are refused naming the JSON path, strings
 * are UTF-8 or `{"b64": ...}`, integers beyond 2^53 arrive exact as bigints.
 * @module codecs/json-tensor
 */
import { InternalError, InvalidArgumentError } from '../errors.ts';
import { floatToHalf } from '../tensors/float16.ts';
import { INTEGER_RANGE, allocateValues, sizeOf, type DType, type HostTensor, type TensorValues } from '../tensors/host-tensor.ts';
import { decodeBase64, isBase64 } from './base64.ts';
import { formatFloat64, type JsonValue } from './tensor-json.ts';

type JsonObject = { [key: string]: JsonValue };

/** One value per instance (row format), all of one shape, stacked along a new 0-th dimension. */
export function stackedJsonTensor(name: string, dtype: DType, instances: JsonValue[], where: (i: number) => string): HostTensor {
  const instanceShape = nestingShape(instances[0]);
  for (let i = 1; i < instances.length; i++) {
    const shape = nestingShape(instances[i]);
    if (!sameShape(shape, instanceShape)) {
      throw new InvalidArgumentError(
        `Input ${quote(name)}: ${where(i)} has shape [${shape}], but ${where(0)} has shape [${instanceShape}]; every instance must have the same shape`,
      );
    }
  }
  const values = allocateValues(dtype, instances.length * sizeOf(instanceShape));
  FILLER.begin(name, dtype, values, instanceShape);
  try {
    for (let i = 0; i < instances.length; i++) FILLER.fill(instances[i], where(i));
  } finally {
    FILLER.end();
  }
  return { dtype, shape: [instances.length, ...instanceShape], values };
}

/** One JSON value as a tensor of `dtype`: its nesting is the shape (`where` names it in errors). */
export function jsonTensor(name: string, dtype: DType, value: JsonValue, where: string): HostTensor {
  const shape = nestingShape(value);
  const values = allocateValues(dtype, sizeOf(shape));
  FILLER.begin(name, dtype, values, shape);
  try {
    FILLER.fill(value, where);
  } finally {
    FILLER.end();
  }
  return { dtype, shape, values };
}

/**
 * Numbers read straight from JSON text (a NumberBlock's, row-major) stored as `dtype`: the values
 * jsonTensor gives for the same lists, or undefined when one does not fit the dtype or the dtype
 * takes no numbers this way (jsonTensor then says what is wrong).
 */
export function blockValues(dtype: DType, numbers: Float64Array): TensorValues | undefined {
  const size = numbers.length;
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_DOUBLE': {
      const values = allocateValues(dtype, size);
      values.set(numbers); // rounds to float32 as storing each number does
      return values;
    }
    case 'DT_HALF': {
      const values = allocateValues(dtype, size);
      for (let i = 0; i < size; i++) values[i] = floatToHalf(numbers[i]);
      return values;
    }
    case 'DT_INT64':
    case 'DT_UINT64': {
      const [min, max] = dtype === 'DT_INT64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
      const values = allocateValues(dtype, size);
      for (let i = 0; i < size; i++) {
        const v = numbers[i];
        if (!Number.isInteger(v)) return undefined;
        const n = BigInt(v);
        if (n < min || n > max) return undefined;
        values[i] = n;
      }
      return values;
    }
  }
  const range = INTEGER_RANGE[dtype];
  if (range) {
    const [min, max] = range;
    const values = allocateValues(dtype, size) as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    for (let i = 0; i < size; i++) {
      const v = numbers[i];
      if (!(v >= min && v <= max) || Math.floor(v) !== v) return undefined;
      values[i] = v;
    }
    return values;
  }
  return undefined;
}

/** The shape a nested list claims, read along its first elements: a scalar is [], `[[1, 2]]` is [1, 2]. */
function nestingShape(value: JsonValue): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

const NO_VALUES = new Float32Array(0);
const NO_WRITER: ElementWriter = () => undefined;

// Which innermost lists Filler.writeList stores in one loop: numbers into float or small-integer storage.
const NO_LISTS = 0;
const FLOAT_LISTS = 1;
const INTEGER_LISTS = 2;

/**
 * Writes nested-list values into flat row-major storage, checking that every list at a depth has
 * the expected length (no ragged lists) and that every element fits the dtype.
 *
 * One Filler serves every tensor (filling is synchronous), between begin() and end(): optimized
 * code for a Filler made per tensor is dropped by a garbage collection along with it.
 */
class Filler {
  private name = '';
  private dtype: DType = 'DT_FLOAT';
  private values: TensorValues = NO_VALUES;
  private shape: number[] = [];
  private cursor = 0;
  private readonly indices: number[] = [];
  private where = '';
  private write: ElementWriter = NO_WRITER;
  private listKind = NO_LISTS;
  private min = 0;
  private max = 0;

  /** Starts filling `values`, a tensor of `shape` (or one instance's shape per fill()). */
  begin(name: string, dtype: DType, values: TensorValues, shape: number[]): void {
    this.name = name;
    this.dtype = dtype;
    this.values = values;
    this.shape = shape;
    this.cursor = 0;
    this.write = elementWriter(dtype, values);
    const range = INTEGER_RANGE[dtype];
    this.listKind = dtype === 'DT_FLOAT' || dtype === 'DT_DOUBLE' ? FLOAT_LISTS : range ? INTEGER_LISTS : NO_LISTS;
    this.min = range ? range[0] : 0;
    this.max = range ? range[1] : 0;
  }

  /** Lets go of the tensor. */
  end(): void {
    this.values = NO_VALUES;
    this.shape = [];
    this.write = NO_WRITER;
  }

  /** Fills the next `sizeOf(shape)` elements from `value`, found at JSON path `where`. */
  fill(value: JsonValue, where: string): void {
    this.where = where;
    this.walk(value, 0);
  }

  private walk(value: JsonValue, depth: number): void {
    const shape = this.shape;
    if (depth === shape.length) {
      if (Array.isArray(value)) {
        this.ragged(depth, `expected a scalar like its siblings, got a list of length ${value.length}`);
      }
      const problem = this.write(this.cursor, value);
      if (problem !== undefined) {
        throw new InvalidArgumentError(
          `Input ${quote(this.name)} expects ${this.dtype}, got ${problem} at ${this.path(depth)}`,
        );
      }
      this.cursor++;
      return;
    }
    const length = shape[depth];
    if (!Array.isArray(value)) {
      this.ragged(depth, `expected a list of length ${length} like its siblings, got ${describeJson(value)}`);
    }
    if (value.length !== length) {
      this.ragged(depth, `expected a list of length ${length} like its siblings, got length ${value.length}`);
    }
    // An innermost list of plain elements in one tight loop; any other goes element by element.
    if (depth === shape.length - 1 && this.listKind !== NO_LISTS && this.writeList(value)) {
      this.cursor += length;
      return;
    }
    const indices = this.indices;
    for (let k = 0; k < length; k++) {
      indices[depth] = k;
      this.walk(value[k], depth + 1);
    }
  }

  /**
   * Stores a list of plain numbers at the cursor in one tight loop, or returns false at the first
   * element it does not take as is (the caller then goes element by element, for the error).
   */
  private writeList(list: JsonValue[]): boolean {
    const start = this.cursor;
    if (this.listKind === FLOAT_LISTS) {
      const out = this.values as Float32Array | Float64Array;
      for (let k = 0; k < list.length; k++) {
        const v = list[k];
        if (typeof v !== 'number') return false;
        out[start + k] = v;
      }
      return true;
    }
    const out = this.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    const { min, max } = this;
    for (let k = 0; k < list.length; k++) {
      const v = list[k];
      if (typeof v !== 'number' || !(v >= min && v <= max) || Math.floor(v) !== v) return false;
      out[start + k] = v;
    }
    return true;
  }

  private ragged(depth: number, problem: string): never {
    throw new InvalidArgumentError(`Input ${quote(this.name)} is ragged at ${this.path(depth)}: ${problem}`);
  }

  private path(depth: number): string {
    let path = this.where;
    for (let d = 0; d < depth; d++) path += `[${this.indices[d]}]`;
    return path;
  }
}

/** Stores one JSON element at an index; returns what was wrong with it (for "got …"), or undefined. */
export type ElementWriter = (index: number, value: JsonValue) => string | undefined;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

export function elementWriter(dtype: DType, values: TensorValues): ElementWriter {
  switch (dtype) {
    case 'DT_FLOAT':
    case 'DT_DOUBLE': {
      const out = values as Float32Array | Float64Array;
      return (i, v) => {
        if (typeof v === 'number') out[i] = v;
        else if (typeof v === 'bigint') out[i] = Number(v);
        else return describeJson(v);
        return undefined;
      };
    }
    case 'DT_HALF': {
      // Rounded once, from the JSON number to the nearest binary16.
      const out = values as Uint16Array;
      return (i, v) => {
        if (typeof v === 'number') out[i] = floatToHalf(v);
        else if (typeof v === 'bigint') out[i] = floatToHalf(Number(v));
        else return describeJson(v);
        return undefined;
      };
    }
    case 'DT_INT64':
    case 'DT_UINT64': {
      const out = values as BigInt64Array | BigUint64Array;
      const [min, max] = dtype === 'DT_INT64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
      const range = `${min} to ${max}`;
      return (i, v) => {
        let n: bigint;
        if (typeof v === 'bigint') n = v;
        else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
        else return describeJson(v);
        if (n < min || n > max) return `${n}, outside its range ${range},`;
        out[i] = n;
        return undefined;
      };
    }
    case 'DT_BOOL': {
      const out = values as Uint8Array;
      return (i, v) => {
        if (typeof v !== 'boolean') return describeJson(v);
        out[i] = v ? 1 : 0;
        return undefined;
      };
    }
    case 'DT_STRING': {
      const out = values as Uint8Array[];
      const encoder = new TextEncoder();
      return (i, v) => {
        if (typeof v === 'string') {
          out[i] = encoder.encode(v);
          return undefined;
        }
        if (!isObject(v) || !Object.hasOwn(v, 'b64')) return describeJson(v);
        const keys = Object.keys(v);
        if (keys.length !== 1) {
          return `a {"b64": ...} object with other keys (${keys.filter((key) => key !== 'b64').map(quote).join(', ')}); 'b64' must be its only key,`;
        }
        const text = v.b64;
        if (typeof text !== 'string') return `a {"b64": ...} object whose value is ${describeJson(text)}, not a string,`;
        if (!isBase64(text)) return 'a {"b64": ...} object whose value is not valid base64,';
        out[i] = decodeBase64(text);
        return undefined;
      };
    }
    default: {
      const range = INTEGER_RANGE[dtype];
      if (!range) throw new InternalError(`No JSON decoding for ${dtype}`);
      const [min, max] = range;
      const out = values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
      return (i, v) => {
        let n: number;
        if (typeof v === 'number' && Number.isInteger(v)) n = v;
        else if (typeof v === 'bigint') n = Number(v);
        else return describeJson(v);
        if (n < min || n > max) return `${typeof v === 'bigint' ? v : n}, outside its range ${min} to ${max},`;
        out[i] = n;
        return undefined;
      };
    }
  }
}

/** How an unexpected JSON value reads in an error: `a string`, `1.5`, `a list`, … */
export function describeJson(value: JsonValue | undefined): string {
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return formatFloat64(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return `a boolean (${value})`;
    case 'undefined':
      return 'nothing';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return Object.hasOwn(value, 'b64') ? 'a {"b64": ...} object' : 'an object';
}


function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(name: string): string {
  return `'${name}'`;
}

const FILLER = new Filler();
