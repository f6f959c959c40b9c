/**
 * tf-written/<case>/reference.json (../shared/fixtures/tf-written/README.md): the inputs and the
 * outputs TensorFlow computed from the saved files, as host tensors, with each call's tolerance.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { numbersOf, type DType, type HostTensor, type TensorMap } from '../../../lib/tensors/host-tensor.ts';

interface JsonTensor {
  dtype: string;
  shape: number[];
  values?: unknown;
}

interface JsonCall {
  signature_name: string;
  inputs: Record<string, JsonTensor>;
  outputs: Record<string, JsonTensor>;
  tolerance: { atol: number; rtol: number };
}

export interface ReferenceCall {
  signature: string;
  inputs: TensorMap;
  outputs: TensorMap;
  tolerance: { atol: number; rtol: number };
}

const DTYPES: Record<string, DType> = {
  float32: 'DT_FLOAT',
  float64: 'DT_DOUBLE',
  int8: 'DT_INT8',
  int16: 'DT_INT16',
  int32: 'DT_INT32',
  int64: 'DT_INT64',
  uint8: 'DT_UINT8',
  bool: 'DT_BOOL',
};

function hostTensor(json: JsonTensor): HostTensor {
  const dtype = DTYPES[json.dtype];
  if (!dtype) throw new Error(`reference dtype ${json.dtype} is not read here`);
  const flat = [json.values].flat(Infinity) as (number | boolean)[];
  const numbers = flat.map(Number);
  const values =
    dtype === 'DT_FLOAT' ? Float32Array.from(numbers)
    : dtype === 'DT_DOUBLE' ? Float64Array.from(numbers)
    : dtype === 'DT_INT64' ? BigInt64Array.from(numbers, BigInt)
    : dtype === 'DT_INT8' ? Int8Array.from(numbers)
    : dtype === 'DT_INT16' ? Int16Array.from(numbers)
    : dtype === 'DT_INT32' ? Int32Array.from(numbers)
    : Uint8Array.from(numbers);
  return { dtype, shape: json.shape, values } as HostTensor;
}

/** Every call of a case: the main one, then `more`. */
export async function readReference(caseDir: string): Promise<ReferenceCall[]> {
  const json = JSON.parse(await readFile(path.join(caseDir, 'reference.json'), 'utf8')) as JsonCall & { more?: JsonCall[] };
  return [json, ...(json.more ?? [])].map((call) => ({
    signature: call.signature_name,
    inputs: Object.fromEntries(Object.entries(call.inputs).map(([name, t]) => [name, hostTensor(t)])),
    outputs: Object.fromEntries(Object.entries(call.outputs).map(([name, t]) => [name, hostTensor(t)])),
    tolerance: call.tolerance,
  }));
}

/** The largest |got − want| − rtol·|want| over the elements (≤ atol passes). */
export function worstExcess(got: HostTensor, want: HostTensor, rtol: number): number {
  const a = numbersOf(got);
  const b = numbersOf(want);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) - rtol * Math.abs(b[i]));
  return worst;
}

/** `got` equals `want`: same dtype and shape; values within atol + rtol·|want| (exact for integers when atol is 0). */
export function expectClose(got: HostTensor, want: HostTensor, tolerance: { atol: number; rtol: number }, label: string): void {
  expect(got.dtype, `${label} dtype`).toBe(want.dtype);
  expect(got.shape, `${label} shape`).toEqual(want.shape);
  if (want.values instanceof BigInt64Array) {
    if (tolerance.atol === 0) {
      expect(Array.from(got.values as BigInt64Array), label).toEqual(Array.from(want.values));
      return;
    }
  }
  const excess = worstExcess(got, want, tolerance.rtol);
  expect(Number.isNaN(excess) ? Infinity : excess, `${label}: worst |got − want| − rtol·|want| (atol ${tolerance.atol})`).toBeLessThanOrEqual(tolerance.atol);
}
