/**
 * A reader for protobuf text format (what TF Serving's --model_config_file holds), into plain
 * objects: a field seen once is a value, a repeated one an array. No schema: the caller checks.
 * @module cli/text-proto
 */

export type TextProtoValue = string | number | boolean | TextProtoMessage | TextProtoValue[];
export interface TextProtoMessage {
  [field: string]: TextProtoValue;
}

export class TextProtoError extends Error {}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct';
  text: string;
  line: number;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '?': '?' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[\w.]/.test(text[i])) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), line });
    } else if (/[-+\d.]/.test(c)) {
      const match = /^[-+]?(?:0x[\da-f]+|\d*\.?\d+(?:e[-+]?\d+)?)/i.exec(text.slice(i));
      if (!match) throw new TextProtoError(`line ${line}: unexpected '${c}'`);
      tokens.push({ kind: 'number', text: match[0], line });
      i += match[0].length;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (text[i] !== c) {
        if (i >= text.length || text[i] === '\n') throw new TextProtoError(`line ${line}: unterminated string`);
        if (text[i] === '\\') {
          const next = text[i + 1];
          const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1));
          const hex = /^x([\da-fA-F]{1,2})/.exec(text.slice(i + 1));
          if (octal) {
            value += String.fromCharCode(parseInt(octal[0], 8));
            i += 1 + octal[0].length;
          } else if (hex) {
            value += String.fromCharCode(parseInt(hex[1], 16));
            i += 1 + hex[0].length;
          } else if (next in ESCAPES) {
            value += ESCAPES[next];
            i += 2;
          } else {
            throw new TextProtoError(`line ${line}: unknown escape \\${next}`);
          }
        } else {
          value += text[i++];
        }
      }
      i++;
      // Adjacent string literals concatenate, as in C.
      const previous = tokens[tokens.length - 1];
      if (previous?.kind === 'string') previous.text += value;
      else tokens.push({ kind: 'string', text: value, line });
    } else if ('{}<>:,;[]'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else {
      throw new TextProtoError(`line ${line}: unexpected '${c}'`);
    }
  }
  return tokens;
}

/** Parses a whole text-format message. */
export function parseTextProto(text: string): TextProtoMessage {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const lineOf = () => peek()?.line ?? tokens[tokens.length - 1]?.line ?? 1;

  function message(close: string | undefined): TextProtoMessage {
    const fields: TextProtoMessage = {};
    for (;;) {
      const token = peek();
      if (!token) {
        if (close) throw new TextProtoError(`line ${lineOf()}: missing '${close}'`);
        return fields;
      }
      if (token.kind === 'punct' && token.text === close) {
        at++;
        return fields;
      }
      if (token.kind !== 'ident') throw new TextProtoError(`line ${token.line}: expected a field name, got '${token.text}'`);
      at++;
      const name = token.text;
      let colon = false;
      if (peek()?.text === ':' && peek()?.kind === 'punct') {
        colon = true;
        at++;
      }
      const values = peek()?.kind === 'punct' && peek()?.text === '[' ? list() : [value(name, colon)];
      for (const v of values) add(fields, name, v);
      if (peek()?.kind === 'punct' && (peek()!.text === ',' || peek()!.text === ';')) at++;
    }
  }

  function list(): TextProtoValue[] {
    at++; // [
    const values: TextProtoValue[] = [];
    while (!(peek()?.kind === 'punct' && peek()!.text === ']')) {
      if (!peek()) throw new TextProtoError(`line ${lineOf()}: missing ']'`);
      values.push(value('list element', true));
      if (peek()?.text === ',') at++;
    }
    at++;
    return values;
  }

  function value(name: string, colon: boolean): TextProtoValue {
    const token = peek();
    if (!token) throw new TextProtoError(`line ${lineOf()}: missing value for ${name}`);
    at++;
    if (token.kind === 'punct' && (token.text === '{' || token.text === '<')) {
      return message(token.text === '{' ? '}' : '>');
    }
    if (!colon) throw new TextProtoError(`line ${token.line}: expected ':' or '{' after ${name}`);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'ident') return token.text === 'true' ? true : token.text === 'false' ? false : token.text;
    throw new TextProtoError(`line ${token.line}: unexpected '${token.text}' as the value of ${name}`);
  }

  return message(undefined);
}

function add(fields: TextProtoMessage, name: string, value: TextProtoValue): void {
  const existing = fields[name];
  if (existing === undefined) fields[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else fields[name] = [existing, value];
}
