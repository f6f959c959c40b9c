/**
 * TF Serving's predict bodies: row and columnar requests into typed tensors, and output tensors
 * into `predictions` / `outputs`, with the errors TF Serving gives for bodies that do not fit.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../lib/errors.ts';
import type { Signature, TensorSpec } from '../../../lib/tensors/signature.ts';
import type { DType, HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { halfToFloat } from '../../../lib/tensors/float16.ts';
import { decodeBase64, encodeBase64, isBase64 } from '../../../lib/codecs/base64.ts';
import {
  decodePredictInputs,
  decodePredictJson,
  encodePredictResponse,
  readPredictBody,
  type PredictFormat,
} from '../../../lib/protocols/tf-serving/predict-json.ts';
import { parseJson } from '../../../lib/codecs/tensor-json.ts';

function spec(dtype: DType, shape: number[] | null = null): TensorSpec {
  return { tensorName: 'unused:0', dtype, shape };
}

function signature(inputs: Record<string, TensorSpec>): Signature {
  return { methodName: 'tensorflow/serving/predict', inputs, outputs: { y: spec('DT_FLOAT') } };
}

/** half_plus_two: x DT_FLOAT [-1, 1] → y. */
const halfPlusTwo = signature({ x: spec('DT_FLOAT', [-1, 1]) });
const twoInputs = signature({ a: spec('DT_FLOAT', [-1, 2]), b: spec('DT_INT32', [-1]) });

/**
 * Parses a whole predict body text and decodes its inputs — and checks that decodePredictJson,
 * reading the text straight into tensors, gives the same tensors or the same error.
 */
function decode(text: string, sig: Signature = halfPlusTwo) {
  const general = outcome(() => {
    const { payload, format } = readPredictBody(parseJson(text));
    return decodePredictInputs(payload, format, sig);
  });
  expect(outcome(() => decodePredictJson(text, () => sig).inputs), `decodePredictJson(${text})`).toEqual(general);
  if ('error' in general) throw general.error;
  return general.inputs;
}

/** What running `run` gives: its result, or the error it throws. */
function outcome<T>(run: () => T): { inputs: T } | { error: Error } {
  try {
    return { inputs: run() };
  } catch (error) {
    return { error: error as Error };
  }
}

function decodeError(text: string, sig: Signature = halfPlusTwo): string {
  try {
    decode(text, sig);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`decoding ${text} did not fail`);
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('readPredictBody', () => {
  it('recognises the row format and the signature name', () => {
    expect(readPredictBody(parseJson('{"signature_name": "sig", "instances": [1]}'))).toEqual({
      signatureName: 'sig',
      format: 'row',
      payload: [1],
    });
  });

  it('recognises the columnar format and leaves the signature name out when absent', () => {
    const read = readPredictBody(parseJson('{"inputs": {"x": [1]}}'));
    expect(read).toEqual({ format: 'columnar', payload: { x: [1] } });
    expect('signatureName' in read).toBe(false);
  });

  it.each([
    ['[1, 2]', /must be a JSON object, got a list/],
    ['"instances"', /must be a JSON object/],
    ['null', /must be a JSON object, got null/],
    ['{"instances": [1], "inputs": [1]}', /both 'instances'.*and 'inputs'/],
    ['{}', /Missing 'instances' or 'inputs' key/],
    ['{"signature_name": "serving_default"}', /Missing 'instances' or 'inputs' key/],
    ['{"instances": [1], "signature_name": 7}', /'signature_name' must be a string, got 7/],
    ['{"instances": [1], "instance": [2]}', /Unknown key 'instance'/],
  ])('rejects %s', (text, message) => {
    expect(() => readPredictBody(parseJson(text))).toThrow(InvalidArgumentError);
    expect(() => readPredictBody(parseJson(text))).toThrow(message);
  });
});

describe('decodePredictInputs: row format', () => {
  it('stacks scalar instances of a single input into a batch', () => {
    expect(decode('{"instances": [2.0, 3.0, 4.0]}')).toEqual({
      x: { dtype: 'DT_FLOAT', shape: [3], values: new Float32Array([2, 3, 4]) },
    });
  });

  it('stacks list instances along a new 0-th dimension', () => {
    expect(decode('{"instances": [[1.0], [2.5], [-3]]}').x).toEqual({
      dtype: 'DT_FLOAT',
      shape: [3, 1],
      values: new Float32Array([1, 2.5, -3]),
    });
    const image = decode('{"instances": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}').x;
    expect(image.shape).toEqual([2, 2, 2]);
    expect(Array.from(image.values as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('accepts objects naming the single input', () => {
    expect(decode('{"instances": [{"x": [1.0]}, {"x": [2.0]}]}').x).toEqual({
      dtype: 'DT_FLOAT',
      shape: [2, 1],
      values: new Float32Array([1, 2]),
    });
  });

  it('splits objects with several named inputs into one tensor per input', () => {
    const inputs = decode('{"instances": [{"a": [1, 2], "b": 3}, {"b": 4, "a": [5, 6]}]}', twoInputs);
    expect(inputs).toEqual({
      a: { dtype: 'DT_FLOAT', shape: [2, 2], values: new Float32Array([1, 2, 5, 6]) },
      b: { dtype: 'DT_INT32', shape: [2], values: new Int32Array([3, 4]) },
    });
  });

  it('rejects an empty or non-list instances', () => {
    expect(decodeError('{"instances": []}')).toMatch(/non-empty list/);
    expect(decodeError('{"instances": 1.0}')).toMatch(/'instances' must be a list, got 1/);
  });

  it('rejects a mix of plain values and objects', () => {
    expect(decodeError('{"instances": [[1.0], {"x": [2.0]}]}')).toMatch(
      /instances\[1\] is an object keyed by input name, but instances\[0\] is a plain value/,
    );
    expect(decodeError('{"instances": [{"x": [2.0]}, [1.0]]}')).toMatch(
      /instances\[1\] is a plain value, but instances\[0\] is an object/,
    );
  });

  it('rejects plain values when the signature has several inputs', () => {
    expect(decodeError('{"instances": [[1, 2]]}', twoInputs)).toMatch(
      /instances\[0\] must be an object keyed by input name: the signature has 2 inputs \('a', 'b'\)/,
    );
  });

  it('rejects instances whose shapes differ, naming both', () => {
    expect(decodeError('{"instances": [[1.0], [1.0, 2.0]]}')).toBe(
      "Input 'x': instances[1] has shape [2], but instances[0] has shape [1]; every instance must have the same shape",
    );
    expect(decodeError('{"instances": [{"a": [1, 2], "b": 1}, {"a": [1], "b": 2}]}', twoInputs)).toMatch(
      /Input 'a': instances\[1\]\.a has shape \[1\], but instances\[0\]\.a has shape \[2\]/,
    );
  });

  it('rejects a ragged list inside an instance, with its path', () => {
    expect(decodeError('{"instances": [[[1, 2], [3, 4]], [[1, 2], [3]]]}')).toBe(
      "Input 'x' is ragged at instances[1][1]: expected a list of length 2 like its siblings, got length 1",
    );
    expect(decodeError('{"instances": [[[1, 2], 3]]}')).toMatch(/ragged at instances\[0\]\[1\]: expected a list of length 2.*got 3/);
    expect(decodeError('{"instances": [[1, [2]]]}')).toMatch(/ragged at instances\[0\]\[1\]: expected a scalar/);
  });

  it('rejects a missing named input', () => {
    expect(decodeError('{"instances": [{"a": [1, 2], "b": 1}, {"a": [1, 2]}]}', twoInputs)).toBe(
      "Missing input 'b' in instances[1] (the signature's inputs: 'a', 'b')",
    );
  });

  it('rejects an unknown named input', () => {
    expect(decodeError('{"instances": [{"a": [1, 2], "b": 1, "c": 2}]}', twoInputs)).toBe(
      "Unknown input 'c' in instances[0] (the signature's inputs: 'a', 'b')",
    );
    expect(decodeError('{"instances": [{"z": [1.0]}]}')).toMatch(/Missing input 'x' in instances\[0\]/);
    expect(decodeError('{"instances": [{"x": [1.0], "z": [1.0]}]}')).toMatch(/Unknown input 'z'/);
  });

  it('does not mistake inherited property names for inputs', () => {
    expect(decodeError('{"instances": [{"constructor": [1.0]}]}')).toMatch(/Missing input 'x'/);
  });
});

describe('decodePredictInputs: columnar format', () => {
  it('takes a bare value for a single-input signature', () => {
    expect(decode('{"inputs": [2.0, 3.0, 4.0]}')).toEqual({
      x: { dtype: 'DT_FLOAT', shape: [3], values: new Float32Array([2, 3, 4]) },
    });
  });

  it('reads a scalar as a rank-0 tensor', () => {
    expect(decode('{"inputs": 5}').x).toEqual({ dtype: 'DT_FLOAT', shape: [], values: new Float32Array([5]) });
  });

  it('takes named inputs that may differ in their 0-th dimension', () => {
    expect(decode('{"inputs": {"a": [[1, 2], [3, 4], [5, 6]], "b": [7]}}', twoInputs)).toEqual({
      a: { dtype: 'DT_FLOAT', shape: [3, 2], values: new Float32Array([1, 2, 3, 4, 5, 6]) },
      b: { dtype: 'DT_INT32', shape: [1], values: new Int32Array([7]) },
    });
  });

  it('reads an empty list as a zero-size tensor', () => {
    expect(decode('{"inputs": [[], []]}').x).toEqual({ dtype: 'DT_FLOAT', shape: [2, 0], values: new Float32Array(0) });
  });

  it('rejects a bare value for a multi-input signature', () => {
    expect(decodeError('{"inputs": [1, 2]}', twoInputs)).toMatch(/'inputs' must be an object keyed by input name/);
  });

  it('rejects missing and unknown named inputs', () => {
    expect(decodeError('{"inputs": {"a": [[1, 2]]}}', twoInputs)).toMatch(/Missing input 'b' in 'inputs'/);
    expect(decodeError('{"inputs": {"a": [[1, 2]], "b": [1], "c": 1}}', twoInputs)).toMatch(/Unknown input 'c' in 'inputs'/);
  });

  it('rejects ragged lists with their path', () => {
    expect(decodeError('{"inputs": {"a": [[1, 2], [3]], "b": [1]}}', twoInputs)).toBe(
      "Input 'a' is ragged at inputs.a[1]: expected a list of length 2 like its siblings, got length 1",
    );
    expect(decodeError('{"inputs": [[], [1]]}')).toMatch(/ragged at inputs\[1\]/);
  });
});

describe('decodePredictInputs: dtypes', () => {
  const one = (dtype: DType) => signature({ v: spec(dtype) });

  it('accepts NaN, Infinity and bigints for floats', () => {
    const values = decode('{"inputs": [NaN, Infinity, -Infinity, 9007199254740993]}', one('DT_DOUBLE')).v.values;
    expect(values).toBeInstanceOf(Float64Array);
    expect(Array.from(values as Float64Array)).toEqual([NaN, Infinity, -Infinity, 9007199254740992]);
    // DT_HALF holds binary16 bits: 0.1 rounds to the nearest half, 0x2e66 = 0.0999755859375.
    const half = decode('{"inputs": [0.1]}', one('DT_HALF')).v.values;
    expect(half).toEqual(new Uint16Array([0x2e66]));
    expect(halfToFloat((half as Uint16Array)[0])).toBe(0.0999755859375);
  });

  it('rejects a non-number for a float input, naming input, dtype, value and path', () => {
    expect(decodeError('{"instances": ["one"]}')).toBe("Input 'x' expects DT_FLOAT, got a string at instances[0]");
    expect(decodeError('{"instances": [[1.0], [null]]}')).toBe("Input 'x' expects DT_FLOAT, got null at instances[1][0]");
    expect(decodeError('{"instances": [{"x": [true]}]}')).toMatch(/expects DT_FLOAT, got a boolean \(true\) at instances\[0\]\.x\[0\]/);
  });

  it('stores small integer dtypes and checks their range', () => {
    expect(decode('{"inputs": [-128, 127]}', one('DT_INT8')).v.values).toEqual(new Int8Array([-128, 127]));
    expect(decode('{"inputs": [4294967295]}', one('DT_UINT32')).v.values).toEqual(new Uint32Array([4294967295]));
    expect(decodeError('{"inputs": [1, 300]}', one('DT_INT8'))).toMatch(
      /Input 'v' expects DT_INT8, got 300, outside its range -128 to 127, at inputs\[1\]/,
    );
    expect(decodeError('{"inputs": [-1]}', one('DT_UINT8'))).toMatch(/got -1, outside its range 0 to 255/);
    expect(decodeError('{"inputs": [2147483648]}', one('DT_INT32'))).toMatch(/outside its range/);
    expect(decodeError('{"inputs": [9007199254740993]}', one('DT_INT32'))).toMatch(/got 9007199254740993, outside/);
  });

  it('rejects a fractional value for an integer dtype', () => {
    expect(decodeError('{"instances": [1, 1.5]}', one('DT_INT32'))).toBe(
      "Input 'v' expects DT_INT32, got 1.5 at instances[1]",
    );
    expect(decodeError('{"instances": [NaN]}', one('DT_INT64'))).toMatch(/expects DT_INT64, got NaN/);
  });

  it('keeps int64 and uint64 values beyond 2^53 exact', () => {
    const int64 = decode('{"inputs": [9007199254740993, -9223372036854775808, 9223372036854775807, 5]}', one('DT_INT64')).v;
    expect(int64.values).toBeInstanceOf(BigInt64Array);
    expect(Array.from(int64.values as BigInt64Array)).toEqual([
      9007199254740993n,
      -9223372036854775808n,
      9223372036854775807n,
      5n,
    ]);
    const uint64 = decode('{"inputs": [18446744073709551615, 0]}', one('DT_UINT64')).v;
    expect(uint64.values).toBeInstanceOf(BigUint64Array);
    expect(Array.from(uint64.values as BigUint64Array)).toEqual([18446744073709551615n, 0n]);
  });

  it('rejects int64 and uint64 values out of range', () => {
    expect(decodeError('{"inputs": [9223372036854775808]}', one('DT_INT64'))).toMatch(/got 9223372036854775808, outside/);
    expect(decodeError('{"inputs": [-1]}', one('DT_UINT64'))).toMatch(/expects DT_UINT64, got -1, outside/);
    expect(decodeError('{"inputs": [18446744073709551616]}', one('DT_UINT64'))).toMatch(/outside/);
  });

  it('accepts only true and false for booleans', () => {
    expect(decode('{"inputs": [[true, false]]}', one('DT_BOOL')).v).toEqual({
      dtype: 'DT_BOOL',
      shape: [1, 2],
      values: new Uint8Array([1, 0]),
    });
    expect(decodeError('{"inputs": [1]}', one('DT_BOOL'))).toBe("Input 'v' expects DT_BOOL, got 1 at inputs[0]");
  });

  it('encodes strings as UTF-8 bytes', () => {
    expect(decode('{"instances": ["héllo", ""]}', one('DT_STRING')).v).toEqual({
      dtype: 'DT_STRING',
      shape: [2],
      values: [bytes('héllo'), new Uint8Array(0)],
    });
    expect(decodeError('{"inputs": [1]}', one('DT_STRING'))).toBe("Input 'v' expects DT_STRING, got 1 at inputs[0]");
  });

  it('decodes {"b64": ...} objects into bytes, padded or not', () => {
    const decoded = decode('{"instances": [{"b64": "AAH/"}, {"b64": "aGk="}, {"b64": "aGk"}]}', one('DT_STRING')).v;
    expect(decoded.shape).toEqual([3]);
    expect(decoded.values).toEqual([new Uint8Array([0, 1, 255]), bytes('hi'), bytes('hi')]);
  });

  it('takes b64 objects by name in multi-input instances', () => {
    const sig = signature({ image_bytes: spec('DT_STRING'), k: spec('DT_INT32') });
    const decoded = decode('{"instances": [{"image_bytes": {"b64": "AQID"}, "k": 1}]}', sig);
    expect(decoded.image_bytes.values).toEqual([new Uint8Array([1, 2, 3])]);
  });

  it('rejects a b64 object with another key', () => {
    expect(decodeError('{"instances": [{"b64": "AQID", "extra": 1}]}', one('DT_STRING'))).toMatch(
      /Input 'v' expects DT_STRING, got a \{"b64": \.\.\.\} object with other keys \('extra'\); 'b64' must be its only key, at instances\[0\]/,
    );
  });

  it('rejects invalid base64', () => {
    for (const text of ['AQ!D', 'A', 'AQID=', 'AQ=D', 'AQ ID', 'AQ-_']) {
      expect(decodeError(`{"inputs": [{"b64": "${text}"}]}`, one('DT_STRING'))).toMatch(
        /expects DT_STRING, got a \{"b64": \.\.\.\} object whose value is not valid base64, at inputs\[0\]/,
      );
    }
    expect(decodeError('{"inputs": {"b64": 5}}', one('DT_STRING'))).toMatch(/whose value is 5, not a string/);
  });

  it('rejects a b64 object for a non-string input', () => {
    expect(decodeError('{"instances": [{"b64": "AQID"}]}')).toBe(
      'Input \'x\' expects DT_FLOAT, got a {"b64": ...} object at instances[0]',
    );
  });
});

describe('base64 helpers', () => {
  it('validates, decodes and encodes standard base64', () => {
    expect(isBase64('')).toBe(true);
    expect(isBase64('aGk=')).toBe(true);
    expect(isBase64('aGk')).toBe(true);
    expect(isBase64('aG=k')).toBe(false);
    expect(isBase64('aGk==')).toBe(false);
    expect(decodeBase64('aGk')).toEqual(bytes('hi'));
    expect(() => decodeBase64('a')).toThrow(InvalidArgumentError);
    expect(encodeBase64(new Uint8Array([0, 1, 255]))).toBe('AAH/');
  });
});

describe('encodePredictResponse', () => {
  const f32 = (shape: number[], values: number[]): HostTensor => ({
    dtype: 'DT_FLOAT',
    shape,
    values: new Float32Array(values),
  });

  it('writes one output in row format as a bare list of instances', () => {
    expect(encodePredictResponse({ y: f32([3], [3, 3.5, 4]) }, 'row')).toBe('{"predictions":[3.0,3.5,4.0]}');
    expect(encodePredictResponse({ y: f32([2, 2], [0.1, 0.2, 0.3, 0.4]) }, 'row')).toBe(
      '{"predictions":[[0.1,0.2],[0.3,0.4]]}',
    );
  });

  it('writes several outputs in row format as one object per instance', () => {
    const outputs = {
      scores: f32([2, 2], [0.25, 0.75, 1, 0]),
      classes: { dtype: 'DT_INT64', shape: [2], values: new BigInt64Array([1n, 9007199254740993n]) } as HostTensor,
    };
    expect(encodePredictResponse(outputs, 'row')).toBe(
      '{"predictions":[{"scores":[0.25,0.75],"classes":1},{"scores":[1.0,0.0],"classes":9007199254740993}]}',
    );
  });

  it('writes one output in columnar format as a bare value', () => {
    expect(encodePredictResponse({ y: f32([3], [3, 3.5, 4]) }, 'columnar')).toBe('{"outputs":[3.0,3.5,4.0]}');
    expect(encodePredictResponse({ y: f32([], [2]) }, 'columnar')).toBe('{"outputs":2.0}');
  });

  it('writes several outputs in columnar format keyed by name, whatever their 0-th dimensions', () => {
    const outputs = { a: f32([1, 2], [1, 2]), b: f32([3], [4, 5, 6]) };
    expect(encodePredictResponse(outputs, 'columnar')).toBe('{"outputs":{"a":[[1.0,2.0]],"b":[4.0,5.0,6.0]}}');
  });

  it('rejects row format for outputs with different 0-th dimensions', () => {
    const outputs = { a: f32([2], [1, 2]), b: f32([3], [4, 5, 6]) };
    expect(() => encodePredictResponse(outputs, 'row')).toThrow(InvalidArgumentError);
    expect(() => encodePredictResponse(outputs, 'row')).toThrow(/Output 'b' has 3 in its 0-th dimension, but output 'a' has 2/);
  });

  it('rejects row format for a scalar output', () => {
    expect(() => encodePredictResponse({ y: f32([], [1]) }, 'row')).toThrow(InvalidArgumentError);
    expect(() => encodePredictResponse({ y: f32([], [1]) }, 'row')).toThrow(/scalar/);
  });

  it('writes each dtype as TF Serving does', () => {
    const outputs: Record<string, HostTensor> = {
      f: f32([1, 4], [NaN, Infinity, -Infinity, 0.1]),
      h: { dtype: 'DT_HALF', shape: [1], values: new Uint16Array([0x3800]) }, // 0.5
      d: { dtype: 'DT_DOUBLE', shape: [1, 2], values: new Float64Array([3, 0.1]) },
      i: { dtype: 'DT_INT32', shape: [1, 2], values: new Int32Array([-7, 3]) },
      u: { dtype: 'DT_UINT64', shape: [1], values: new BigUint64Array([18446744073709551615n]) },
      b: { dtype: 'DT_BOOL', shape: [1, 2], values: new Uint8Array([1, 0]) },
      s: { dtype: 'DT_STRING', shape: [1], values: [bytes('héllo "q"')] },
    };
    const format: PredictFormat = 'row';
    expect(encodePredictResponse(outputs, format)).toBe(
      '{"predictions":[{"f":[NaN,Infinity,-Infinity,0.1],"h":0.5,"d":[3.0,0.1],"i":[-7,3],"u":18446744073709551615,"b":[true,false],"s":"héllo \\"q\\""}]}',
    );
  });

  it('writes DT_STRING outputs named *_bytes as {"b64": ...}', () => {
    const outputs: Record<string, HostTensor> = {
      image_bytes: { dtype: 'DT_STRING', shape: [2], values: [new Uint8Array([0, 1, 255]), bytes('hi')] },
    };
    expect(encodePredictResponse(outputs, 'row')).toBe('{"predictions":[{"b64":"AAH/"},{"b64":"aGk="}]}');
    expect(encodePredictResponse(outputs, 'columnar')).toBe('{"outputs":[{"b64":"AAH/"},{"b64":"aGk="}]}');
  });

  it('writes zero-size outputs as empty lists', () => {
    expect(encodePredictResponse({ y: f32([0], []) }, 'row')).toBe('{"predictions":[]}');
    expect(encodePredictResponse({ y: f32([2, 0], []) }, 'columnar')).toBe('{"outputs":[[],[]]}');
  });

  it('produces text that parseJson reads back', () => {
    const text = encodePredictResponse({ y: f32([2, 3], [1, 2, 3, 4, 5, 6]) }, 'row');
    expect(parseJson(text)).toEqual({ predictions: [[1, 2, 3], [4, 5, 6]] });
  });

  it('round-trips a decoded request back to the same values', () => {
    const inputs = decode('{"inputs": {"a": [[0.1, 2.5]], "b": [9]}}', twoInputs);
    expect(encodePredictResponse(inputs, 'columnar')).toBe('{"outputs":{"a":[[0.1,2.5]],"b":[9]}}');
  });
});

describe('predict JSON round trip per dtype', () => {
  /** Decodes `{"inputs": json}` as `dtype`, checks the storage, writes it back and decodes that again. */
  function roundTrip(dtype: DType, json: string, storage: new (length: number) => ArrayBufferView) {
    const sig = signature({ v: spec(dtype) });
    const tensor = decode(`{"inputs": ${json}}`, sig).v;
    expect(tensor.values).toBeInstanceOf(storage);
    const written = encodePredictResponse({ v: tensor }, 'columnar');
    const again = decode(written.replace('"outputs"', '"inputs"'), sig).v;
    expect(again).toEqual(tensor);
    return { tensor, written };
  }
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('DT_INT8: every value from -128 to 127 exact', () => {
    const { tensor, written } = roundTrip('DT_INT8', JSON.stringify(range(-128, 127)), Int8Array);
    expect(Array.from(tensor.values as Int8Array)).toEqual(range(-128, 127));
    expect(written).toBe(`{"outputs":[${range(-128, 127).join(',')}]}`);
  });

  it('DT_UINT8, DT_INT16, DT_UINT16: their extremes exact', () => {
    expect(roundTrip('DT_UINT8', '[0, 1, 254, 255]', Uint8Array).written).toBe('{"outputs":[0,1,254,255]}');
    expect(roundTrip('DT_INT16', '[-32768, -1, 0, 32767]', Int16Array).written).toBe('{"outputs":[-32768,-1,0,32767]}');
    expect(roundTrip('DT_UINT16', '[0, 65535]', Uint16Array).written).toBe('{"outputs":[0,65535]}');
  });

  it('DT_INT32, DT_UINT32: 4294967295 stays 4294967295, not -1', () => {
    expect(roundTrip('DT_INT32', '[-2147483648, 2147483647]', Int32Array).written).toBe('{"outputs":[-2147483648,2147483647]}');
    const { tensor, written } = roundTrip('DT_UINT32', '[0, 2147483648, 4294967295]', Uint32Array);
    expect(Array.from(tensor.values as Uint32Array)).toEqual([0, 2147483648, 4294967295]);
    expect(written).toBe('{"outputs":[0,2147483648,4294967295]}');
  });

  it('DT_INT64, DT_UINT64: beyond 2^53 exact', () => {
    expect(roundTrip('DT_INT64', '[-9223372036854775808, 9223372036854775807]', BigInt64Array).written).toBe(
      '{"outputs":[-9223372036854775808,9223372036854775807]}',
    );
    expect(roundTrip('DT_UINT64', '[18446744073709551615]', BigUint64Array).written).toBe('{"outputs":[18446744073709551615]}');
  });

  it('DT_HALF: 0.1 becomes the nearest binary16, 0.0999755859375, and stays it', () => {
    const { tensor, written } = roundTrip('DT_HALF', '[0.1, 1, -2, 65504, 70000, 5.960464477539063e-8, -0.0]', Uint16Array);
    expect(Array.from(tensor.values as Uint16Array, halfToFloat)).toEqual([0.0999755859375, 1, -2, 65504, Infinity, 2 ** -24, -0]);
    expect(written).toBe('{"outputs":[0.099975586,1.0,-2.0,65504.0,Infinity,5.9604645e-8,-0.0]}');
  });

  it('DT_FLOAT, DT_DOUBLE, DT_BOOL: as before', () => {
    expect(roundTrip('DT_FLOAT', '[0.1, -3.5]', Float32Array).written).toBe('{"outputs":[0.1,-3.5]}');
    expect(roundTrip('DT_DOUBLE', '[0.1, 1e300]', Float64Array).written).toBe('{"outputs":[0.1,1e+300]}');
    expect(roundTrip('DT_BOOL', '[true, false]', Uint8Array).written).toBe('{"outputs":[true,false]}');
  });
});
