/**
 * Signatures in TF Serving's terms: what a model accepts and returns, independent of the engine.
 * @module engine/signature
 */
import type { DType, HostTensor } from './host-tensor.ts';

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
  /**
   * The shape requests are checked against, when it differs from the declared one. Imported
   * TensorFlow graphs set `null`: TF Serving feeds whatever arrives and lets the graph's ops
   * decide (half_plus_two declares x as [-1,1] yet answers [2.0, 3.0, 4.0]).
   */
  feedShape?: number[] | null;
}

/** A SignatureDef: inputs and outputs keyed by their alias (the names clients use). */
export interface Signature {
  methodName: string;
  /** Why this signature is listed (metadata) but cannot run here; unset when it can. */
  unavailable?: string;
  /**
   * Set when the graph parses serialized tf.Example protos (classify/regress signatures): the
   * parsing is done before the graph, and each dense feature is fed at `tensorName`.
   */
  examples?: { features: ExampleFeatureSpec[] };
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

export type SignatureMap = Record<string, Signature>;

/** One dense feature a graph's ParseExample reads. */
export interface ExampleFeatureSpec {
  /** The feature's key in tf.Example. */
  key: string;
  dtype: DType;
  /** Per-example shape (without the batch dimension). */
  shape: number[];
  /** Used when an example lacks the feature; `null` makes the feature required. */
  defaultValue: HostTensor | null;
  /** Where the dense feature is fed into the graph. */
  tensorName: string;
}
