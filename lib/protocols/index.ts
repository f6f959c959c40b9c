/** @module protocols — TF Serving's REST API and KServe V2 as Hono sub-apps over the data plane, and TF Serving's JSON bodies. */
export { tfServingRoutes, type TfServingOptions } from './tf-serving/routes.ts';
export { v2Routes } from './v2/routes.ts';
export {
  decodePredictInputs,
  decodePredictJson,
  encodePredictResponse,
  readPredictBody,
  type DecodedPredictRequest,
  type PredictFormat,
} from './tf-serving/predict-json.ts';
export * from './tf-serving/classify-regress-json.ts';
