/**
 * readNumberBlock reads a regular nest of numbers straight from the text: whatever it accepts
 * must equal parseJson + jsonTensor (the same shape, the same doubles), and whatever those reject
 * or read as something else it must leave alone.
 */
import { describe, expect, it } from 'vitest';
import { numberBlockEnd, readNumberBlock } from '../../lib/codecs/json-block.ts';
import { jsonTensor } from '../../lib/codecs/json-tensor.ts';
import { parseJson, type JsonValue } from '../../lib/codecs/tensor-json.ts';
import { mulberry32 } from '../../scripts/mulberry32.ts';

const next = mulberry32(99);
const below = (n: number) => next() % n;

/** The general reading: shape and values as DT_DOUBLE, or undefined when it fails or is not all numbers. */
function general(text: string): { shape: number[]; values: number[] } | undefined {
  let value: JsonValue;
  try {
    value = parseJson(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  try {
    const tensor = jsonTensor('x', 'DT_DOUBLE', value, 'x');
    if (JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? 'big' : v)).includes('"big"')) return undefined;
    return { shape: tensor.shape, values: Array.from(tensor.values as Float64Array) };
  } catch {
    return undefined;
  }
}

const numbers = ['0', '-0', '1', '-2.5', '0.1', '1e3', '-1.5E-7', 'NaN', 'Infinity', '-Infinity', '0.30000000000000004', '123456789.987654321', '9007199254740991'];
const others = ['"a"', 'true', 'null', '{}', '9007199254740993', '{"b64": "AA=="}'];

/** Random nests: regular ones, and ones with one thing wrong. */
function nest(shape: number[], depth = 0, spoil = false): string {
  const space = () => [' ', '', '\n', '\t'][below(4)].repeat(below(2));
  if (depth === shape.length) {
    if (spoil && below(8) === 0) return others[below(others.length)];
    return numbers[below(numbers.length)];
  }
  let length = shape[depth];
  if (spoil && below(10) === 0) length = Math.max(0, length + (below(2) ? 1 : -1));
  const items = Array.from({ length }, () => nest(shape, depth + 1, spoil));
  if (spoil && below(30) === 0) items.push('');
  return `[${space()}${items.join(`${space()},${space()}`)}${space()}]`;
}

describe('readNumberBlock', () => {
  it('equals parseJson + jsonTensor on regular nests, and leaves every other one', () => {
    let read = 0;
    for (let i = 0; i < 3000; i++) {
      const rank = 1 + below(4);
      const shape = Array.from({ length: rank }, () => below(4));
      const text = nest(shape, 0, i % 2 === 1);
      const expected = general(text);
      const block = readNumberBlock(text, 0, 512);
      if (!block) {
        // Declined: only what the general path rejects or reads as something but numbers.
        expect(expected, text).toBeUndefined();
        continue;
      }
      read++;
      expect(expected, text).toBeDefined();
      expect(block.shape, text).toEqual(expected!.shape);
      expect(Array.from(block.values), text).toEqual(expected!.values);
      expect(numberBlockEnd(), text).toBe(text.length);
    }
    expect(read).toBeGreaterThan(1000);
  });

  it('reads a 224×224×3 image as one Float64Array', () => {
    const rows = Array.from({ length: 224 }, (_, i) => `[${Array.from({ length: 224 }, (_, j) => `[${i},${j},${(i * j) / 7}]`).join(',')}]`);
    const text = `[${rows.join(',')}]`;
    const block = readNumberBlock(text, 0, 512)!;
    expect(block.shape).toEqual([224, 224, 3]);
    expect(block.values.length).toBe(224 * 224 * 3);
    expect(block.values[3 * (224 * 5 + 9) + 2]).toBe((5 * 9) / 7);
  });

  it('leaves ragged, mixed, malformed and too deep lists to the general reader', () => {
    for (const text of ['[[1, 2], [3]]', '[[1], 2]', '[1, [2]]', '[[], [1]]', '[1, "a"]', '[1, 2,]', '[1 2]', '[[1]', '[1e]', '[01]', '[9007199254740993]', '{"a": 1}', '[-]']) {
      expect(readNumberBlock(text, 0, 512), text).toBeUndefined();
    }
    expect(readNumberBlock('[[[1]]]', 0, 2)).toBeUndefined();
    expect(readNumberBlock('[[[1]]]', 0, 3)?.shape).toEqual([1, 1, 1]);
    expect(readNumberBlock('[[], []]', 0, 512)?.shape).toEqual([2, 0]);
    expect(readNumberBlock('[]', 0, 512)?.shape).toEqual([0]);
  });

  it('starts at an offset and stops after the list and its trailing whitespace', () => {
    const text = '{"inputs": [1, 2.5] , "x": 1}';
    const block = readNumberBlock(text, 11, 512)!;
    expect(Array.from(block.values)).toEqual([1, 2.5]);
    expect(text.slice(numberBlockEnd())).toBe(', "x": 1}');
  });
});
