/** @module codecs */
export {
  MAX_JSON_DEPTH,
  formatFloat32,
  formatFloat64,
  parseJson,
  stringifyJson,
  type JsonValue,
} from './tensor-json.ts';
export {
  decodeBase64,
  decodePredictInputs,
  encodeBase64,
  encodePredictResponse,
  isBase64,
  readPredictBody,
  type DecodedPredictRequest,
  type PredictFormat,
} from './predict-json.ts';
export * from './tf-example.ts';
export * from './classify-regress-json.ts';
