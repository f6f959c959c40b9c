/** @module codecs — body formats by media type (NPY, NPZ, Arrow, multipart load on first use), media types, TF Serving's JSON text. */
export {
  MAX_JSON_DEPTH,
  formatFloat32,
  formatFloat64,
  parseJson,
  stringifyJson,
  type JsonValue,
} from './tensor-json.ts';
export { decodeBase64, encodeBase64, isBase64 } from './base64.ts';
export type { BodyPart, DecodeContext, DecodedBody, MediaType, TensorCodec } from './codec.ts';
export { parseMediaType, parseAccept } from './media-type.ts';
export { codecFor, negotiate, registerCodec, registeredMediaTypes, requireCodec } from './registry.ts';
