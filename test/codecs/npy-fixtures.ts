/**
 * The numpy-written files under test/fixtures/npy/ (scripts/fixtures/write-npy-fixtures.py says
 * what each holds), and a host-tensor literal for expectations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HostTensor, TensorValues } from '../../lib/tensors/host-tensor.ts';

export const NPY_DIR = path.resolve(import.meta.dirname, '../fixtures/npy');
export const utf8 = new TextEncoder();

export function npyFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(NPY_DIR, name)));
}

/** A host tensor literal; `values` is taken as given (each test states the exact storage). */
export function tensor(dtype: HostTensor['dtype'], shape: number[], values: unknown): HostTensor {
  return { dtype, shape, values: values as TensorValues };
}
