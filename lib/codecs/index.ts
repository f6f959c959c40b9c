/** @module codecs */
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
export { codecFor, negotiate, registerCodec, requireCodec } from './registry.ts';
export {
  decodePredictInputs,
  encodePredictResponse,
  readPredictBody,
  type DecodedPredictRequest,
  type PredictFormat,
} from '../protocols/tf-serving/predict-json.ts';
export * from '../tf-example/features.ts';
export * from '../protocols/tf-serving/classify-regress-json.ts';
