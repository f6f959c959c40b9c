/**
 * The tensor-aware JSON reader/writer: TF Serving's non-finite literals, exact 64-bit integers,
 * shortest float32 text, and malformed or hostile bodies rejected with a position.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/errors.ts';
import {
  MAX_JSON_DEPTH,
  formatFloat32,
  formatFloat64,
  parseJson,
  stringifyJson,
} from '../../lib/codecs/tensor-json.ts';
import { mulberry32 } from '../../scripts/mulberry32.ts';

function parseError(text: string): InvalidArgumentError {
  try {
    parseJson(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error(`parseJson accepted ${JSON.stringify(text)}`);
}

describe('parseJson', () => {
  it('reads ordinary JSON like JSON.parse', () => {
    const text = '{"a": [1, -2.5, 3e2, 0, -0.0, true, false, null], "b": {"c": "d"}, "e": []}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('reads NaN, Infinity and -Infinity as numbers', () => {
    const value = parseJson('[NaN, Infinity, -Infinity, 1]') as number[];
    expect(value[0]).toBeNaN();
    expect(value[1]).toBe(Infinity);
    expect(value[2]).toBe(-Infinity);
    expect(value[3]).toBe(1);
  });

  it('keeps integers beyond 2^53 exact as bigints and leaves safe integers as numbers', () => {
    expect(parseJson('[9007199254740991, -9007199254740991]')).toEqual([9007199254740991, -9007199254740991]);
    expect(parseJson('9007199254740992')).toBe(9007199254740992n);
    expect(parseJson('9007199254740993')).toBe(9007199254740993n);
    expect(parseJson('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseJson('18446744073709551615')).toBe(18446744073709551615n);
  });

  it('reads numbers with a fraction or exponent as doubles, however large', () => {
    expect(parseJson('9007199254740993.0')).toBe(9007199254740992);
    expect(parseJson('1e300')).toBe(1e300);
    expect(parseJson('-1.5E-3')).toBe(-0.0015);
  });

  it('decodes every string escape, including surrogate pairs', () => {
    expect(parseJson(String.raw`"\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00"`)).toBe('"\\/\b\f\n\r\tAé😀');
    expect(parseJson('"plain ünïcode 😀"')).toBe('plain ünïcode 😀');
  });

  it('makes a __proto__ key an own property without touching any prototype', () => {
    const value = parseJson('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.__proto__).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each([
    ['', /end of input/],
    ['   ', /end of input/],
    ['[1, 2,]', /trailing comma/],
    ['{"a": 1,}', /trailing comma/],
    ['{a: 1}', /double-quoted key/],
    ["{'a': 1}", /double-quoted key/],
    ['01', /leading zeros/],
    ['[-01]', /leading zeros/],
    ['[1 2]', /expected ',' or '\]'/],
    ['{"a" 1}', /expected ':'/],
    ['{"a": 1 "b": 2}', /expected ',' or '\}'/],
    ['[1, 2', /expected ',' or '\]', got end of input/],
    ['{"a": 1} x', /after the JSON value/],
    ['[1] [2]', /after the JSON value/],
    ['"abc', /unterminated string/],
    ['"a\u0001b"', /control character U\+0001/],
    ['"tab\there"', /control character U\+0009/],
    ['"\\x"', /invalid escape/],
    ['"\\u12G4"', /four hex digits/],
    ['-', /digit after '-'/],
    ['-a', /digit after '-'/],
    ['1.', /digit after '\.'/],
    ['.5', /unexpected '\.'/],
    ['1e', /exponent/],
    ['1e+', /exponent/],
    ['+1', /unexpected '\+'/],
    ['tru', /expected 'true'/],
    ['nan', /expected 'null'/],
    ['Inf', /expected 'Infinity'/],
    ['-Inf', /digit after '-'/],
    ['undefined', /unexpected 'u'/],
  ])('rejects %j with a positioned InvalidArgumentError', (text, problem) => {
    const error = parseError(text);
    expect(error.message).toMatch(/^Malformed JSON at line \d+, column \d+ \(offset \d+\): /);
    expect(error.message).toMatch(problem);
  });

  it('reports the line, column and offset of the problem', () => {
    const text = '{\n  "a": [1, 2],\n  "b": [3 4]\n}';
    expect(parseError(text).message).toBe(
      "Malformed JSON at line 3, column 11 (offset 27): expected ',' or ']', got '4'",
    );
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and rejects one more`, () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(() => parseJson(ok)).not.toThrow();
    const tooDeep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(parseError(tooDeep).message).toMatch(/nest deeper than 512/);
    const objects = '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1);
    expect(parseError(objects).message).toMatch(/nest deeper/);
  });

  it('rejects a hostile, very deep body without overflowing the stack', () => {
    expect(parseError('['.repeat(1_000_000)).message).toMatch(/nest deeper/);
  });
});

describe('stringifyJson', () => {
  it('writes compact JSON like JSON.stringify for ordinary values', () => {
    const value = { a: [1, -2.5, 'x', true, null], b: { c: 'd' }, e: [] as unknown[], f: 1e21, g: 1.5e-7 };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it('writes NaN, Infinity and -Infinity as literals', () => {
    expect(stringifyJson([NaN, Infinity, -Infinity])).toBe('[NaN,Infinity,-Infinity]');
  });

  it('writes bigints with all their digits', () => {
    expect(stringifyJson({ big: 9007199254740993n, min: -9223372036854775808n, max: 18446744073709551615n })).toBe(
      '{"big":9007199254740993,"min":-9223372036854775808,"max":18446744073709551615}',
    );
  });

  it('writes plain integral numbers without a decimal point', () => {
    expect(stringifyJson([3, 0, -7])).toBe('[3,0,-7]');
  });

  it('skips undefined members and writes undefined list items as null', () => {
    expect(stringifyJson({ a: undefined, b: 1, c: () => 0 })).toBe('{"b":1}');
    expect(stringifyJson([undefined, 1])).toBe('[null,1]');
    expect(stringifyJson({ a: { toJSON: () => undefined }, b: 2 })).toBe('{"b":2}');
    expect(stringifyJson({ a: undefined })).toBe('{}');
  });

  it('escapes strings and keys', () => {
    const text = 'quote " backslash \\ newline \n control \u0001 unicode é 😀';
    expect(stringifyJson({ [text]: text })).toBe(JSON.stringify({ [text]: text }));
    expect(JSON.parse(stringifyJson(text))).toBe(text);
  });

  it('honours toJSON', () => {
    expect(stringifyJson({ when: new Date(0) })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
  });

  it('rejects circular structures', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => stringifyJson(loop)).toThrow(TypeError);
  });

  it('round-trips values that plain JSON loses, through parseJson', () => {
    const text = '{"ids":[9007199254740993,-9223372036854775808,18446744073709551615],"x":[NaN,Infinity,-Infinity,0.5]}';
    expect(stringifyJson(parseJson(text))).toBe(text);
  });
});

describe('formatFloat32', () => {
  it('writes the shortest decimal that reads back as the same float32', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(3.5))).toBe('3.5');
    expect(formatFloat32(Math.fround(-2.7))).toBe('-2.7');
    expect(formatFloat32(Math.fround(123456789))).toBe('123456790.0');
  });

  it('gives integral values a trailing .0', () => {
    expect(formatFloat32(3)).toBe('3.0');
    expect(formatFloat32(-4)).toBe('-4.0');
    expect(formatFloat32(0)).toBe('0.0');
    expect(formatFloat32(-0)).toBe('-0.0');
    expect(formatFloat32(100)).toBe('100.0');
  });

  it('uses exponent form for very large and very small magnitudes', () => {
    expect(formatFloat32(Math.fround(1e30))).toBe('1e+30');
    expect(formatFloat32(Math.fround(1.5e-7))).toBe('1.5e-7');
    expect(formatFloat32(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(formatFloat32(1.401298464324817e-45)).toBe('1e-45');
  });

  it('writes non-finite values as TF Serving does', () => {
    expect(formatFloat32(NaN)).toBe('NaN');
    expect(formatFloat32(Infinity)).toBe('Infinity');
    expect(formatFloat32(-Infinity)).toBe('-Infinity');
  });

  it('rounds a double to float32 first', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(1 / 3)).toBe('0.33333334');
  });

  it('round-trips 10,000 random float32 bit patterns as valid, short JSON numbers', () => {
    const next = mulberry32(20240601);
    const view = new DataView(new ArrayBuffer(4));
    const jsonNumber = /^-?(0|[1-9]\d*)(\.\d+)?(e[+-]\d+)?$|^-?Infinity$/;
    let checked = 0;
    while (checked < 10_000) {
      view.setUint32(0, next());
      const x = view.getFloat32(0);
      if (Number.isNaN(x)) continue;
      checked++;
      const text = formatFloat32(x);
      expect(text, `bits 0x${view.getUint32(0).toString(16)}`).toMatch(jsonNumber);
      expect(Object.is(Math.fround(Number(text)), x), `${text} for ${x}`).toBe(true);
      const digits = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
      expect(digits.replace(/0+$/, '').length).toBeLessThanOrEqual(9);
      if (Number.isFinite(x)) expect(Object.is(Math.fround(parseJson(text) as number), x)).toBe(true);
    }
  });
});

describe('formatFloat64', () => {
  it('writes the shortest round-trip decimal, forcing a decimal point only when asked', () => {
    expect(formatFloat64(0.1)).toBe('0.1');
    expect(formatFloat64(3)).toBe('3');
    expect(formatFloat64(3, true)).toBe('3.0');
    expect(formatFloat64(2.5, true)).toBe('2.5');
    expect(formatFloat64(1e21, true)).toBe('1e+21');
    expect(formatFloat64(-0, true)).toBe('-0.0');
    expect(formatFloat64(NaN, true)).toBe('NaN');
    expect(formatFloat64(-Infinity)).toBe('-Infinity');
  });
});
