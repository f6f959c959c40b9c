/**
 * The fast paths of TF Serving's predict JSON must not be observable: decodePredictJson (text
 * straight into typed arrays) gives what readPredictBody + parseJson + decodePredictInputs give —
 * the same tensors or the same error — and encodePredictResponse writes float32s exactly as the
 * toPrecision reference formats them.
 */
import { describe, expect, it } from 'vitest';
import { formatFloat32Reference } from '../../../lib/codecs/float32-text.ts';
import { parseJson } from '../../../lib/codecs/tensor-json.ts';
import {
  decodePredictInputs,
  decodePredictJson,
  encodePredictResponse,
  readPredictBody,
  type DecodedPredictRequest,
} from '../../../lib/protocols/tf-serving/predict-json.ts';
import type { DType, HostTensor } from '../../../lib/tensors/host-tensor.ts';
import type { Signature } from '../../../lib/tensors/signature.ts';
import { mulberry32 } from '../../../scripts/mulberry32.ts';

function signature(inputs: Record<string, DType>): Signature {
  const specs = Object.fromEntries(Object.entries(inputs).map(([name, dtype]) => [name, { tensorName: `${name}:0`, dtype, shape: null }]));
  return { methodName: 'tensorflow/serving/predict', inputs: specs, outputs: {} };
}

/** The general path, as the routes ran it before decodePredictJson. */
function general(text: string, signatureFor: (name: string | undefined) => Signature): DecodedPredictRequest {
  const { signatureName, format, payload } = readPredictBody(parseJson(text));
  const inputs = decodePredictInputs(payload, format, signatureFor(signatureName));
  return signatureName === undefined ? { format, inputs } : { signatureName, format, inputs };
}

function outcome(run: () => DecodedPredictRequest): { result: DecodedPredictRequest } | { error: Error } {
  try {
    return { result: run() };
  } catch (error) {
    return { error: error as Error };
  }
}

/** Checks decodePredictJson against the general path, signatureFor calls included; returns the outcome. */
function expectSame(text: string, signatures: Record<string, Signature>) {
  const asked: Array<string | undefined> = [];
  const signatureFor = (name: string | undefined) => {
    asked.push(name);
    const found = signatures[name ?? 'serving_default'];
    if (!found) throw new Error(`no signature ${name}`);
    return found;
  };
  const expected = outcome(() => general(text, signatureFor));
  const expectedAsked = asked.splice(0);
  const actual = outcome(() => decodePredictJson(text, signatureFor));
  expect(actual, text).toEqual(expected);
  expect(asked, `${text}: signatureFor calls`).toEqual(expectedAsked);
  return actual;
}

const one = (dtype: DType) => ({ serving_default: signature({ x: dtype }) });
const two = { serving_default: signature({ a: 'DT_FLOAT', b: 'DT_INT32' }), other: signature({ x: 'DT_DOUBLE' }) };

describe('decodePredictJson', () => {
  it('reads plain tensors the way the general path does', () => {
    const bodies = [
      '{"instances": [1, 2, 3]}',
      '{"instances": [[1.5, -2], [3, 4e-3]], "signature_name": "serving_default"}',
      ' { "signature_name" : "serving_default" , "inputs" : [ [ [0.1] ] , [ [ NaN ] ] ] } \n',
      '{"inputs": 3.5}',
      '{"inputs": []}',
      '{"inputs": [[], []]}',
      '{"inputs": [-0.0, 1e400, -Infinity, 9007199254740993.5]}',
    ];
    for (const text of bodies) {
      for (const dtype of ['DT_FLOAT', 'DT_DOUBLE', 'DT_HALF', 'DT_INT8', 'DT_UINT32', 'DT_INT64', 'DT_UINT64', 'DT_BOOL', 'DT_STRING'] as DType[]) {
        expectSame(text, one(dtype));
      }
    }
    const read = expectSame('{"instances": [[1, 2], [3, 4]]}', one('DT_FLOAT'));
    expect(read).toEqual({ result: { format: 'row', inputs: { x: { dtype: 'DT_FLOAT', shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) } } } });
  });

  it('reads named inputs, blocks and other values mixed, in the signature order', () => {
    for (const text of [
      '{"inputs": {"b": [1, 2], "a": [[0.5]]}}',
      '{"inputs": {"a": [[0.5]], "b": [1, 2.5]}}',
      '{"inputs": {"a": [[0.5]], "b": [1, "2"]}}',
      '{"inputs": {"a": [[0.5]], "b": [1, 2], "c": [3]}}',
      '{"inputs": {"a": [[0.5]]}}',
      '{"inputs": {"a": [[0.5]], "a": [[1]], "b": [1]}}',
      '{"inputs": {"a": [[0.5], [1, 2]], "b": [1]}}',
      '{"inputs": {"a": [[0.5]], "b": [{"b64": "AA=="}]}}',
      '{"inputs": {"__proto__": [1], "a": [[0.5]], "b": [1]}}',
      '{"inputs": {"b64": "AA==", "a": [1]}}',
      '{"inputs": {}}',
      '{"inputs": {"a": [1], "b": [2]}, "signature_name": "other"}',
      '{"signature_name": "other", "inputs": [1, 2]}',
      '{"instances": [{"a": [1], "b": 2}, {"a": [3], "b": 4}]}',
      '{"instances": [[1], [2]]}',
    ]) {
      expectSame(text, two);
    }
  });

  it('gives the general path\'s errors, in its order', () => {
    for (const text of [
      '',
      '{"instances": [1, 2,]}',
      '{"instances": [1, 2]',
      '{"instances": [1, 2]} x',
      '{"instances": [], "inputs": [1]}',
      '{"instances": [1], "instances": [2]}',
      '{"instances": []}',
      '{"instances": {"a": 1}}',
      '{"signature_name": 3, "instances": [1]}',
      '{"signature_name": "nope", "instances": [1]}',
      '{"signature_name": "other", "signature_name": "serving_default", "instances": [1]}',
      '{"instances": [1], "extra": true}',
      '{"instances": [[1, 2], [3]]}',
      '{"instances": [9007199254740993]}',
      '{"instances": [1.5]}',
      '{"instances": [300]}',
      '{"instances": [true]}',
      '[1, 2]',
      '{"instances": [1] /* no */}',
      `{"instances": ${'['.repeat(511)}1${']'.repeat(511)}}`,
      `{"instances": ${'['.repeat(510)}1${']'.repeat(510)}}`,
      `{"instances": ${'['.repeat(512)}1${']'.repeat(512)}}`,
    ]) {
      for (const dtype of ['DT_FLOAT', 'DT_INT8', 'DT_INT64', 'DT_BOOL'] as DType[]) expectSame(text, one(dtype));
      expectSame(text, two);
    }
  });

  it('agrees with the general path on 3,000 random bodies', () => {
    const next = mulberry32(4242);
    const below = (n: number) => next() % n;
    const scalars = ['1', '-2', '0.5', '-0.0', '1e2', 'NaN', '-Infinity', '255', '256', '-129', '3.25', '9007199254740993', 'true', '"s"', 'null', '{"b64": "aGk="}'];
    const nest = (shape: number[], depth: number): string => {
      if (depth === shape.length) return scalars[below(100) < 90 ? below(9) : below(scalars.length)];
      const length = below(20) === 0 ? shape[depth] + 1 : shape[depth];
      return `[${Array.from({ length }, () => nest(shape, depth + 1)).join(below(2) ? ',' : ' , ')}]`;
    };
    const tensorText = () => nest(Array.from({ length: below(4) }, () => below(3) + (below(3) ? 1 : 0)), 0);
    const dtypes: DType[] = ['DT_FLOAT', 'DT_DOUBLE', 'DT_HALF', 'DT_INT8', 'DT_UINT8', 'DT_INT32', 'DT_INT64', 'DT_BOOL', 'DT_STRING'];
    for (let i = 0; i < 3000; i++) {
      const named = below(3) === 0;
      const payload = named ? `{"a": ${tensorText()}, "b": ${tensorText()}}` : tensorText();
      const key = below(2) ? 'instances' : 'inputs';
      const members = [`"${key}": ${payload}`];
      if (below(3) === 0) members.push(`"signature_name": "${below(2) ? 'serving_default' : 'two'}"`);
      if (below(2)) members.reverse();
      const text = `{${members.join(', ')}}`;
      const signatures = { serving_default: signature({ x: dtypes[below(dtypes.length)] }), two: signature({ a: dtypes[below(dtypes.length)], b: dtypes[below(dtypes.length)] }) };
      expectSame(text, signatures);
    }
  });
});

describe('encodePredictResponse float32 text', () => {
  /** The response as written value by value with the reference formatter. */
  function reference(tensor: HostTensor, format: 'row' | 'columnar'): string {
    const values = tensor.values as Float32Array;
    const write = (dim: number, offset: number): string => {
      if (dim === tensor.shape.length) return formatFloat32Reference(values[offset]);
      const stride = tensor.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return `[${Array.from({ length: tensor.shape[dim] }, (_, k) => write(dim + 1, offset + k * stride)).join(',')}]`;
    };
    if (format === 'columnar') return `{"outputs":${write(0, 0)}}`;
    const stride = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
    return `{"predictions":[${Array.from({ length: tensor.shape[0] }, (_, b) => write(1, b * stride)).join(',')}]}`;
  }

  it('writes random float32 tensors byte for byte as the reference does', () => {
    const next = mulberry32(31337);
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 300; i++) {
      const shape = Array.from({ length: 1 + (next() % 3) }, () => next() % 6);
      const size = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      for (let k = 0; k < size; k++) {
        view.setUint32(0, next());
        values[k] = next() % 3 === 0 ? view.getFloat32(0) : Math.fround((next() / 2 ** 32 - 0.5) * 10 ** ((next() % 12) - 8));
      }
      const tensor: HostTensor = { dtype: 'DT_FLOAT', shape, values };
      for (const format of ['row', 'columnar'] as const) {
        expect(encodePredictResponse({ y: tensor }, format)).toBe(reference(tensor, format));
      }
    }
  });
});
