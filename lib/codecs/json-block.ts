/**
 * A tensor's JSON read straight from the text: a regular nest of lists of numbers becomes one
 * flat Float64Array and its shape, without a JavaScript array per list. Only the common case is
 * taken — anything else (a string, `true`, an object, an integer from 2^53 on, a ragged or
 * malformed nest) returns undefined, and the caller reads the text the general way
 * (parseJson + jsonTensor), which also writes the errors.
 *
 * The numbers are the ones parseJson gives (the same doubles, NaN and ±Infinity included) and the
 * shape is the one jsonTensor gives, so filling a tensor from a block equals filling it from the
 * parsed lists.
 * @module codecs/json-block
 */
import { plainNumber, readPlainNumber } from './json-number.ts';
import { parseJsonValue } from './tensor-json.ts';

/** A regular nest of lists of numbers: `values` in row-major order. */
export interface NumberBlock {
  shape: number[];
  values: Float64Array;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Scratch for the numbers, grown as needed (reading is synchronous). */
let scratch = new Float64Array(1 << 16);

/** Where the last successful readNumberBlock ended. */
let blockEnd = 0;

/** The position after the block last read by readNumberBlock. */
export function numberBlockEnd(): number {
  return blockEnd;
}

/**
 * Reads the list starting at `start` (the offset of its `[`) as a NumberBlock, or returns
 * undefined (see the module notes). `depthLeft` is how many more levels of nesting the document
 * may have there; deeper lists are left to the general reader.
 */
export function readNumberBlock(text: string, start: number, depthLeft: number): NumberBlock | undefined {
  if (text.charCodeAt(start) !== OPEN_BRACKET) return undefined;
  // shape[d]: the length of the lists at depth d, fixed by the first one to close (−1 before);
  // rank: the depth of the lists holding numbers plus one, fixed by the first number or empty list.
  const shape: number[] = [];
  const counts: number[] = [];
  let rank = -1;
  let depth = 0; // lists open
  let count = 0; // numbers read
  let pos = start;
  let values = scratch;
  // At a '[': open a list.
  for (;;) {
    if (depth >= depthLeft || (rank >= 0 && depth >= rank)) return undefined;
    if (depth === shape.length) shape.push(-1);
    counts[depth++] = 0;
    pos = skipWhitespace(text, pos + 1);
    let c = text.charCodeAt(pos);
    if (c === CLOSE_BRACKET) {
      // An empty list holds no lists: it is innermost.
      if (rank < 0) rank = depth;
      else if (rank !== depth) return undefined;
    } else if (c !== OPEN_BRACKET) {
      // A list of numbers.
      const d = depth - 1;
      if (rank < 0) rank = depth;
      else if (rank !== depth) return undefined;
      let n = 0;
      for (;;) {
        let end = readPlainNumber(text, pos);
        let value: number;
        if (end >= 0) {
          value = plainNumber[0];
        } else {
          // NaN, Infinity, exponents, long digits: parseJson's reading, numbers only.
          const read = readOtherNumber(text, pos);
          if (read === undefined) return undefined;
          value = read;
          end = otherEnd;
        }
        if (count === values.length) {
          const grown = new Float64Array(values.length * 2);
          grown.set(values);
          values = grown;
          scratch = grown;
        }
        values[count++] = value;
        n++;
        pos = end;
        c = text.charCodeAt(pos);
        if (c <= SPACE) {
          pos = skipWhitespace(text, pos);
          c = text.charCodeAt(pos);
        }
        if (c === COMMA) {
          pos = skipWhitespace(text, pos + 1);
          continue;
        }
        if (c === CLOSE_BRACKET) break;
        return undefined;
      }
      counts[d] = n;
    } else {
      continue; // a nested list: open it
    }
    // At a ']': close lists while their parents end too.
    for (;;) {
      const d = depth - 1;
      const length = counts[d];
      if (shape[d] < 0) shape[d] = length;
      else if (shape[d] !== length) return undefined;
      depth--;
      pos = skipWhitespace(text, pos + 1);
      if (depth === 0) {
        blockEnd = pos;
        return { shape, values: values.slice(0, count) };
      }
      counts[depth - 1]++;
      c = text.charCodeAt(pos);
      if (c === CLOSE_BRACKET) continue;
      if (c !== COMMA) return undefined;
      pos = skipWhitespace(text, pos + 1);
      if (text.charCodeAt(pos) !== OPEN_BRACKET) return undefined;
      break;
    }
  }
}

let otherEnd = 0;

/** A number that readPlainNumber leaves (NaN, Infinity, 1e-3, long digits), read by parseJson's rules. */
function readOtherNumber(text: string, pos: number): number | undefined {
  const c = text.charCodeAt(pos);
  // Only what may start a number or a non-finite literal; the rest is not a number.
  if (!(c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x4e || c === 0x49)) return undefined;
  try {
    const { value, end } = parseJsonValue(text, pos, 0);
    if (typeof value !== 'number') return undefined;
    otherEnd = end;
    return value;
  } catch {
    return undefined;
  }
}

function skipWhitespace(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
    else return pos;
  }
}
