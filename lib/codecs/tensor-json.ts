/**
 * JSON as TF Serving speaks it: the literals `NaN`, `Infinity` and `-Infinity` are numbers, and
 * integers beyond 2^53 stay exact (as bigints) so DT_INT64/DT_UINT64 values survive a round trip.
 * `JSON.parse` can do neither, hence a small parser of our own.
 * @module codecs/tensor-json
 */
import { InvalidArgumentError } from '../errors.ts';

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
  return new Parser(text).parseDocument();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      this.fail(`unexpected ${this.describeChar(this.pos)} after the JSON value`);
    }
    return value;
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
    let pos = start;
    if (text.charCodeAt(pos) === MINUS) {
      pos++;
      if (text.startsWith('Infinity', pos)) {
        this.pos = pos + 8;
        return -Infinity;
      }
    }
    let c = text.charCodeAt(pos);
    if (c === ZERO) {
      pos++;
      c = text.charCodeAt(pos);
      if (c >= ZERO && c <= NINE) this.failAt(start, 'leading zeros are not allowed in numbers');
    } else if (c > ZERO && c <= NINE) {
      do c = text.charCodeAt(++pos);
      while (c >= ZERO && c <= NINE);
    } else {
      this.failAt(pos, `expected a digit after '-', got ${this.describeChar(pos)}`);
    }
    let integral = true;
    if (c === DOT) {
      integral = false;
      c = text.charCodeAt(++pos);
      if (!(c >= ZERO && c <= NINE)) this.failAt(pos, `expected a digit after '.', got ${this.describeChar(pos)}`);
      do c = text.charCodeAt(++pos);
      while (c >= ZERO && c <= NINE);
    }
    if (c === LOWER_E || c === UPPER_E) {
      integral = false;
      c = text.charCodeAt(++pos);
      if (c === PLUS || c === MINUS) c = text.charCodeAt(++pos);
      if (!(c >= ZERO && c <= NINE)) this.failAt(pos, `expected a digit in the exponent, got ${this.describeChar(pos)}`);
      do c = text.charCodeAt(++pos);
      while (c >= ZERO && c <= NINE);
    }
    this.pos = pos;
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
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      this.depth--;
      return items;
    }
    for (;;) {
      items.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.skipWhitespace();
        if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) this.fail("trailing comma before ']'");
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

const FLOAT32_EXACT_INTEGER_LIMIT = 2 ** 24;

/**
 * The shortest decimal that reads back as the same float32 (`Math.fround(Number(s)) === x`), so
 * `Math.fround(0.1)` writes as `0.1`, not `0.10000000149011612`. Integral values get `.0`
 * (`3` → `3.0`); very large or small magnitudes use exponent form (`1e+30`, `1.5e-7`). `x` is
 * rounded to float32 first.
 */
export function formatFloat32(x: number): string {
  x = Math.fround(x);
  if (!Number.isFinite(x)) return nonFinite(x);
  if (x === 0) return 1 / x < 0 ? '-0.0' : '0.0';
  // Below 2^24 float32 holds every integer exactly and nothing shorter names it.
  if (Number.isInteger(x) && Math.abs(x) < FLOAT32_EXACT_INTEGER_LIMIT) return `${x}.0`;
  // The fewest significant digits that read back as x. Reading back is monotone in the number
  // of digits (a correctly rounded longer decimal is never farther from x), so search by halves:
  // about 3 toPrecision calls per value instead of up to 9. Nine digits always identify a float32.
  let low = 1;
  let high = 9;
  let best = Number(x.toPrecision(9));
  while (low < high) {
    const precision = (low + high) >> 1;
    const candidate = Number(x.toPrecision(precision));
    if (Math.fround(candidate) === x) {
      best = candidate;
      high = precision;
    } else {
      low = precision + 1;
    }
  }
  if (low === 9) best = Number(x.toPrecision(9));
  // String() of the shorter double writes the same digits in JS's usual fixed/exponent form.
  return withDecimalPoint(String(best));
}
