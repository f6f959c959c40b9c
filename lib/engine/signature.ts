/**
 * Signatures in TF Serving's terms: what a model accepts and returns, independent of the engine.
 * @module engine/signature
 */
import type { DType } from './tensor.ts';

/** TF Serving's default signature key. */
export const DEFAULT_SIGNATURE = 'serving_default';

export const PREDICT_METHOD = 'tensorflow/serving/predict';
export const CLASSIFY_METHOD = 'tensorflow/serving/classify';
export const REGRESS_METHOD = 'tensorflow/serving/regress';

/** One input or output of a signature. */
export interface TensorSpec {
  /** The tensor's name inside the graph, e.g. `serving_default_x:0`. */
  tensorName: string;
  dtype: DType;
  /** Dimensions, -1 where unknown; `null` when even the rank is unknown. */
  shape: number[] | null;
}

/** A SignatureDef: inputs and outputs keyed by their alias (the names clients use). */
export interface Signature {
  methodName: string;
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

export type SignatureMap = Record<string, Signature>;
