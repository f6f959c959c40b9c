/**
 * Checks named input tensors against a signature before any engine sees them, so a wrong request
 * gets a 400 naming the input instead of an engine error (or, worse, a silent broadcast).
 * @module service/validate-inputs
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Signature } from '../tensors/signature.ts';
import { sizeOf, type TensorMap } from '../tensors/host-tensor.ts';

export function validateInputs(inputs: TensorMap, signature: Signature, signatureName: string): void {
  const expected = Object.keys(signature.inputs);
  const missing = expected.filter((name) => !Object.hasOwn(inputs, name));
  if (missing.length) {
    throw new InvalidArgumentError(
      `Missing input${missing.length > 1 ? 's' : ''} ${missing.map(quote).join(', ')} for signature '${signatureName}' (expects ${expected.map(quote).join(', ')})`,
    );
  }
  const unknown = Object.keys(inputs).filter((name) => !Object.hasOwn(signature.inputs, name));
  if (unknown.length) {
    throw new InvalidArgumentError(
      `Unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map(quote).join(', ')} for signature '${signatureName}' (expects ${expected.map(quote).join(', ')})`,
    );
  }
  for (const [name, spec] of Object.entries(signature.inputs)) {
    const tensor = inputs[name];
    if (tensor.dtype !== spec.dtype) {
      throw new InvalidArgumentError(`Input '${name}' must be ${spec.dtype}, got ${tensor.dtype}`);
    }
    if (tensor.values.length !== sizeOf(tensor.shape)) {
      throw new InvalidArgumentError(
        `Input '${name}' has ${tensor.values.length} values, but its shape [${tensor.shape}] holds ${sizeOf(tensor.shape)}`,
      );
    }
    const expected = spec.feedShape !== undefined ? spec.feedShape : spec.shape;
    if (expected && !shapeFits(tensor.shape, expected)) {
      throw new InvalidArgumentError(
        `Input '${name}' must have shape [${expected}] (-1: any size), got [${tensor.shape}]`,
      );
    }
  }
}

function shapeFits(actual: number[], expected: number[]): boolean {
  return actual.length === expected.length && expected.every((dim, i) => dim < 0 || dim === actual[i]);
}

function quote(name: string): string {
  return `'${name}'`;
}
