/**
 * JSON as TF Serving speaks it: the literals `NaN`, `Infinity` and `-Infinity` are numbers, and
 * integers beyond 2^53 stay exact (as bigints) so DT_INT64/DT_UINT64 values survive a round trip.
 * `JSON.parse` can do neither, hence a parser of our own — as fast as JSON.parse on tensors:
 * numbers are read without substrings (json-number.ts), lists of numbers copied out of one
 * scratch list.
 * @module codecs/tensor-json
 */
import { InvalidArgumentError } from '../errors.ts';
import { decimalToDouble } from './decimal-double.ts';
import { EXACT_POWERS_OF_TEN, plainNumber, readPlainNumber, TWO_TO_53 } from './json-number.ts';

/** A parsed JSON value; integers outside the safe range arrive as `bigint`. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** Deepest nesting of lists and objects a body may have; deeper bodies are rejected, not recursed into. */
export const MAX_JSON_DEPTH = 512;

// Character codes the parser dispatches on.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const LOWER_E = 0x65;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const SIMPLE_ESCAPES: Record<number, string> = {
  [QUOTE]: '"',
  [BACKSLASH]: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

/**
 * Parses JSON text, accepting TF Serving's `NaN`, `Infinity` and `-Infinity`. Integer literals
 * outside ±(2^53 − 1) become bigints; every other number is a JS number. A key `__proto__` becomes
 * an ordinary own property.
 * @throws InvalidArgumentError naming the line, column and offset of the first problem.
 */
export function parseJson(text: string): JsonValue {
  return PARSER.parse(text);
}

/**
 * Parses the one JSON value that starts at `start` (after any whitespace) in `text`, as parseJson
 * would if it sat `depth` lists and objects deep; returns it and the offset just after it.
 * @throws InvalidArgumentError like parseJson (positions are offsets in the whole text).
 */
export function parseJsonValue(text: string, start: number, depth: number): { value: JsonValue; end: number } {
  return PARSER.parseAt(text, start, depth);
}

/**
 * One parser for every call (parsing is synchronous): optimized code depends on its object
 * shape, which a garbage collection may drop with the last parser — and the code with it — when
 * each call makes its own.
 */
class Parser {
  private text = '';
  private pos = 0;
  private depth = 0;
  /** Scratch for parseNumbers: a list of doubles (it only ever holds numbers, so it stays unboxed). */
  private readonly numbers: number[] = [0.5];

  parseAt(text: string, start: number, depth: number): { value: JsonValue; end: number } {
    this.text = text;
    this.pos = start;
    this.depth = depth;
    try {
      const value = this.parseValue();
      return { value, end: this.pos };
    } finally {
      this.text = '';
    }
  }

  parse(text: string): JsonValue {
    this.text = text;
    this.pos = 0;
    this.depth = 0;
    try {
      const value = this.parseValue();
      this.skipWhitespace();
      if (this.pos < text.length) {
        this.fail(`unexpected ${this.describeChar(this.pos)} after the JSON value`);
      }
      return value;
    } finally {
      this.text = '';
      if (this.numbers.length > 65536) this.numbers.length = 1;
    }
  }

  private parseValue(): JsonValue {
    this.skipWhitespace();
    const text = this.text;
    if (this.pos >= text.length) this.fail('unexpected end of input; expected a value');
    const c = text.charCodeAt(this.pos);
    switch (c) {
      case OPEN_BRACKET:
        return this.parseArray();
      case OPEN_BRACE:
        return this.parseObject();
      case QUOTE:
        return this.parseString();
      case 0x74: // t
        this.expectWord('true');
        return true;
      case 0x66: // f
        this.expectWord('false');
        return false;
      case 0x6e: // n
        this.expectWord('null');
        return null;
      case 0x4e: // N
        this.expectWord('NaN');
        return NaN;
      case 0x49: // I
        this.expectWord('Infinity');
        return Infinity;
      default:
        if (c === MINUS || (c >= ZERO && c <= NINE)) return this.parseNumber();
        return this.fail(`unexpected ${this.describeChar(this.pos)}; expected a value`);
    }
  }

  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    const plainEnd = readPlainNumber(text, start);
    if (plainEnd >= 0) {
      this.pos = plainEnd;
      return plainNumber[0];
    }
    // Exponents, long digits, integers from 2^53 on, -Infinity, and the errors.
    let pos = start;
    let c = text.charCodeAt(pos);
    let negative = false;
    if (c === MINUS) {
      pos++;
      if (text.startsWith('Infinity', pos)) {
        this.pos = pos + 8;
        return -Infinity;
      }
      negative = true;
      c = text.charCodeAt(pos);
    }
    // Significant digits are gathered as they are checked, in two int32s: the first nine in
    // `high`, the next nine in `low`; more than 18 leave the number to Number()/BigInt().
    let high = 0;
    let low = 0;
    let lowDigits = 0;
    let digits = 0;
    let exponent = 0;
    let integral = true;
    if (c === ZERO) {
      c = text.charCodeAt(++pos);
      if (c >= ZERO && c <= NINE) this.failAt(start, 'leading zeros are not allowed in numbers');
    } else if (c > ZERO && c <= NINE) {
      do {
        if (digits < 9) high = high * 10 + (c - ZERO);
        else if (digits < 18) {
          low = low * 10 + (c - ZERO);
          lowDigits++;
        } else exponent++;
        digits++;
        c = text.charCodeAt(++pos);
      } while (c >= ZERO && c <= NINE);
    } else {
      this.failAt(pos, `expected a digit after '-', got ${this.describeChar(pos)}`);
    }
    if (c === DOT) {
      integral = false;
      c = text.charCodeAt(++pos);
      if (!(c >= ZERO && c <= NINE)) this.failAt(pos, `expected a digit after '.', got ${this.describeChar(pos)}`);
      do {
        if (digits < 9) {
          high = high * 10 + (c - ZERO);
          exponent--;
          // Leading zeros (0.001) are not significant.
          if (high !== 0) digits++;
        } else if (digits < 18) {
          low = low * 10 + (c - ZERO);
          lowDigits++;
          exponent--;
          digits++;
        } else digits++;
        c = text.charCodeAt(++pos);
      } while (c >= ZERO && c <= NINE);
    }
    if (c === LOWER_E || c === UPPER_E) {
      integral = false;
      c = text.charCodeAt(++pos);
      let exponentNegative = false;
      if (c === PLUS || c === MINUS) {
        exponentNegative = c === MINUS;
        c = text.charCodeAt(++pos);
      }
      if (!(c >= ZERO && c <= NINE)) this.failAt(pos, `expected a digit in the exponent, got ${this.describeChar(pos)}`);
      let written = 0;
      do {
        if (written < 100000) written = written * 10 + (c - ZERO);
        c = text.charCodeAt(++pos);
      } while (c >= ZERO && c <= NINE);
      exponent += exponentNegative ? -written : written;
    }
    this.pos = pos;
    if (digits <= 18) {
      if (integral) {
        // Exact below 2^53 (and at or above it when rounded): past it, keep the integer exact.
        const value = lowDigits === 0 ? high : high * EXACT_POWERS_OF_TEN[lowDigits] + low;
        if (value < TWO_TO_53) return negative ? -value : value;
      } else {
        const value = decimalToDouble(high, low, lowDigits, exponent);
        if (value === value) return negative ? -value : value;
      }
    }
    const literal = text.slice(start, pos);
    const value = Number(literal);
    // Integers past 2^53 would silently round as doubles; keep them exact.
    if (integral && !Number.isSafeInteger(value)) return BigInt(literal);
    return value;
  }

  private parseString(): string {
    const text = this.text;
    let pos = this.pos + 1;
    let chunkStart = pos;
    let parts: string[] | undefined;
    for (;;) {
      if (pos >= text.length) this.failAt(this.pos, 'unterminated string');
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        const last = text.slice(chunkStart, pos);
        this.pos = pos + 1;
        if (!parts) return last;
        parts.push(last);
        return parts.join('');
      }
      if (c === BACKSLASH) {
        parts ??= [];
        parts.push(text.slice(chunkStart, pos));
        const e = text.charCodeAt(pos + 1);
        const simple = SIMPLE_ESCAPES[e];
        if (simple !== undefined) {
          parts.push(simple);
          pos += 2;
        } else if (e === 0x75) {
          // \uXXXX: one UTF-16 code unit; a surrogate pair is two escapes, which join naturally.
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.failAt(pos, 'expected four hex digits after \\u');
          parts.push(String.fromCharCode(parseInt(hex, 16)));
          pos += 6;
        } else if (pos + 1 >= text.length) {
          this.failAt(this.pos, 'unterminated string');
        } else {
          this.failAt(pos, `invalid escape '\\${text[pos + 1]}' in string`);
        }
        chunkStart = pos;
        continue;
      }
      if (c < SPACE) this.failAt(pos, `unescaped control character U+${hex4(c)} in string`);
      pos++;
    }
  }

  private parseArray(): JsonValue[] {
    this.enter();
    this.pos++; // [
    this.skipWhitespace();
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === CLOSE_BRACKET) {
      this.pos++;
      this.depth--;
      return [];
    }
    if ((c >= ZERO && c <= NINE) || c === MINUS) return this.parseNumbers();
    return this.parseItems([], true);
  }

  /**
   * The rest of a list whose first item is a number — usually a tensor's innermost list, all
   * numbers. Plain numbers are read by readPlainNumber, the rest by parseNumber; they are gathered
   * in a scratch list of doubles and copied out once, exactly sized and unboxed, as JSON.parse
   * makes them. Anything but a number hands the list over to parseItems.
   */
  private parseNumbers(): JsonValue[] {
    const text = this.text;
    const scratch = this.numbers;
    let count = 0;
    let pos = this.pos;
    for (;;) {
      let value: number;
      const end = readPlainNumber(text, pos);
      if (end >= 0) {
        value = plainNumber[0];
        pos = end;
      } else {
        // Anything else (exponents, long or big numbers, Infinity, errors) as parseNumber reads it.
        this.pos = pos;
        const read = this.parseNumber();
        pos = this.pos;
        if (typeof read !== 'number') {
          const items: JsonValue[] = scratch.slice(0, count);
          items.push(read);
          return this.parseItems(items, false);
        }
        value = read;
      }
      if (count < scratch.length) scratch[count] = value;
      else scratch.push(value);
      count++;
      let c = text.charCodeAt(pos);
      if (c <= SPACE) {
        this.pos = pos;
        this.skipWhitespace();
        pos = this.pos;
        c = text.charCodeAt(pos);
      }
      if (c === COMMA) {
        c = text.charCodeAt(++pos);
        if (c <= SPACE) {
          this.pos = pos;
          this.skipWhitespace();
          pos = this.pos;
          c = text.charCodeAt(pos);
        }
        if (c === CLOSE_BRACKET) {
          this.pos = pos;
          this.fail("trailing comma before ']'");
        }
        if (!((c >= ZERO && c <= NINE) || c === MINUS)) {
          this.pos = pos;
          return this.parseItems(scratch.slice(0, count), true);
        }
      } else if (c === CLOSE_BRACKET) {
        this.pos = pos + 1;
        this.depth--;
        return scratch.slice(0, count);
      } else {
        this.pos = pos;
        this.fail(`expected ',' or ']', got ${this.describeChar(pos)}`);
      }
    }
  }

  /** The rest of a list, from its next item (`atItem`) or from the separator after the last one. */
  private parseItems(items: JsonValue[], atItem: boolean): JsonValue[] {
    const text = this.text;
    for (;;) {
      let c: number;
      if (atItem) {
        // Numbers and lists, the bulk of a tensor, skip parseValue's dispatch.
        c = text.charCodeAt(this.pos);
        if ((c >= ZERO && c <= NINE) || c === MINUS) items.push(this.parseNumber());
        else if (c === OPEN_BRACKET) items.push(this.parseArray());
        else items.push(this.parseValue());
      }
      atItem = true;
      c = text.charCodeAt(this.pos);
      if (c <= SPACE) {
        this.skipWhitespace();
        c = text.charCodeAt(this.pos);
      }
      if (c === COMMA) {
        c = text.charCodeAt(++this.pos);
        if (c <= SPACE) {
          this.skipWhitespace();
          c = text.charCodeAt(this.pos);
        }
        if (c === CLOSE_BRACKET) this.fail("trailing comma before ']'");
      } else if (c === CLOSE_BRACKET) {
        this.pos++;
        this.depth--;
        return items;
      } else {
        this.fail(`expected ',' or ']', got ${this.describeChar(this.pos)}`);
      }
    }
  }

  private parseObject(): { [key: string]: JsonValue } {
    this.enter();
    this.pos++; // {
    const object: { [key: string]: JsonValue } = {};
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      this.depth--;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== QUOTE) {
        this.fail(`expected a double-quoted key, got ${this.describeChar(this.pos)}`);
      }
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== COLON) {
        this.fail(`expected ':' after key ${JSON.stringify(key)}, got ${this.describeChar(this.pos)}`);
      }
      this.pos++;
      const value = this.parseValue();
      if (key === '__proto__') {
        // Plain assignment would replace the prototype; define an ordinary own property instead.
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        object[key] = value;
      }
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.skipWhitespace();
        if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) this.fail("trailing comma before '}'");
      } else if (c === CLOSE_BRACE) {
        this.pos++;
        this.depth--;
        return object;
      } else {
        this.fail(`expected ',' or '}', got ${this.describeChar(this.pos)}`);
      }
    }
  }

  private enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) this.fail(`lists and objects nest deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private expectWord(word: string): void {
    if (!this.text.startsWith(word, this.pos)) {
      this.fail(`invalid literal; expected '${word}'`);
    }
    this.pos += word.length;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
      else break;
    }
    this.pos = pos;
  }

  private describeChar(pos: number): string {
    if (pos >= this.text.length) return 'end of input';
    const c = this.text.charCodeAt(pos);
    if (c < SPACE || c === 0x7f) return `character U+${hex4(c)}`;
    return `'${String.fromCodePoint(this.text.codePointAt(pos)!)}'`;
  }

  private fail(problem: string): never {
    return this.failAt(this.pos, problem);
  }

  private failAt(offset: number, problem: string): never {
    const text = this.text;
    const end = Math.min(offset, text.length);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < end; i++) {
      if (text.charCodeAt(i) === LF) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new InvalidArgumentError(
      `Malformed JSON at line ${line}, column ${end - lineStart + 1} (offset ${end}): ${problem}`,
    );
  }
}

const PARSER = new Parser();

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Writes compact JSON the way TF Serving does: non-finite numbers as `NaN`, `Infinity` and
 * `-Infinity`, bigints as their exact digits. Like `JSON.stringify`, object members that are
 * `undefined` (or functions or symbols) are skipped, such list items become `null`, and
 * `toJSON()` is honoured. Typed arrays of numbers are written as lists.
 * @throws TypeError on a circular structure.
 */
export function stringifyJson(value: unknown): string {
  const parts: string[] = [];
  writeValue(parts, value, new Set());
  return parts.join('');
}

function writeValue(parts: string[], value: unknown, ancestors: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
      parts.push(JSON.stringify(value));
      return true;
    case 'number':
      parts.push(formatFloat64(value));
      return true;
    case 'bigint':
      parts.push(value.toString());
      return true;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return true;
    case 'undefined':
    case 'function':
    case 'symbol':
      return false;
  }
  if (value === null) {
    parts.push('null');
    return true;
  }
  const object = value as object;
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
    return writeValue(parts, (object as { toJSON: () => unknown }).toJSON(), ancestors);
  }
  if (ancestors.has(object)) throw new TypeError('stringifyJson: cannot write a circular structure');
  ancestors.add(object);
  if (Array.isArray(object) || ArrayBuffer.isView(object)) {
    const items = object as ArrayLike<unknown>;
    parts.push('[');
    for (let i = 0; i < items.length; i++) {
      if (i > 0) parts.push(',');
      if (!writeValue(parts, items[i], ancestors)) parts.push('null');
    }
    parts.push(']');
  } else {
    parts.push('{');
    let first = true;
    for (const key of Object.keys(object)) {
      const mark = parts.length;
      parts.push(first ? JSON.stringify(key) : `,${JSON.stringify(key)}`, ':');
      // A member with nothing to write (undefined, a function, …) is left out, key and all.
      if (writeValue(parts, (object as Record<string, unknown>)[key], ancestors)) first = false;
      else parts.length = mark;
    }
    parts.push('}');
  }
  ancestors.delete(object);
  return true;
}

/** `NaN`, `Infinity` or `-Infinity` for a non-finite number. */
function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** Appends `.0` to a plain integer literal so it reads as a float (`3` → `3.0`; `1e+30` stays). */
function withDecimalPoint(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT || c === LOWER_E || c === UPPER_E) return s;
  }
  return `${s}.0`;
}

/**
 * The shortest decimal that reads back as the same float64, e.g. `0.1`; `NaN`, `Infinity` and
 * `-Infinity` for non-finite values, `-0` for negative zero.
 * @param forceDecimalPoint write integral values with `.0` (`3` → `3.0`), as TF Serving writes floats.
 */
export function formatFloat64(x: number, forceDecimalPoint = false): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const s = x === 0 && 1 / x < 0 ? '-0' : String(x);
  return forceDecimalPoint ? withDecimalPoint(s) : s;
}

// Float32 text (TF Serving's shortest-decimal `3.0` style) lives with its fast writer.
export { formatFloat32 } from './float32-text.ts';
