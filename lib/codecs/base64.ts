/**
 * Standard base64 as TF Serving's JSON (`{"b64": ...}`) and the Lambda events (`isBase64Encoded`)
 * use it.
 * @module codecs/base64
 */
import { InvalidArgumentError } from '../errors.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True for standard-alphabet base64 with or without `=` padding (no whitespace, no URL-safe alphabet). */
export function isBase64(text: string): boolean {
  if (!BASE64.test(text)) return false;
  const padded = text.endsWith('=');
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

/** Decodes standard base64 (padding optional) into bytes. */
export function decodeBase64(text: string): Uint8Array {
  if (!isBase64(text)) throw new InvalidArgumentError('Invalid base64 text');
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
}

/** Encodes bytes as standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
