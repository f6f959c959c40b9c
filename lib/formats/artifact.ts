/**
 * What reading a model gives an engine: an engine-neutral artifact, whatever the file format.
 * @module formats/artifact
 */
import type { Graph } from '../graph/graph.ts';
import type { KerasModel } from '../graph/keras-model.ts';
import type { SignatureMap } from '../tensors/signature.ts';
import type { FormatKind } from './detect.ts';

interface ArtifactBase {
  /** The format it was read from. */
  format: FormatKind;
  /** Names it in errors and logs, e.g. `SavedModel models/m/1`, `Keras model models/m/1/m.h5`. */
  what: string;
  /** The file or folder read (the SavedModel folder, the `.pb`, `.tflite`, Keras file or `model.json`). */
  path: string;
}

/** A TensorFlow graph (SavedModels, frozen graphs and TFLite flatbuffers are all mapped onto it). */
export interface GraphArtifact extends ArtifactBase {
  kind: 'graph';
  graph: Graph;
}

/** A Keras model, as its file holds it (architecture + weights). */
export interface KerasArtifact extends ArtifactBase {
  kind: 'keras';
  model: KerasModel;
  /**
   * The same model mapped onto TensorFlow ops, for engines (or output formats) that need a graph;
   * throws a FailedPreconditionError naming the layers it cannot map. The mapper loads on first call.
   */
  toGraph(): Promise<Graph>;
}

/** A TF.js model folder (`model.json` + weight shards), already in the form the TF.js engine loads. */
export interface TfjsArtifact extends ArtifactBase {
  kind: 'tfjs';
  modelJson: string;
  /**
   * The same model as a TensorFlow graph, for engines other than TF.js: a graph model's GraphDef
   * with its weights as Consts, a layers model through the Keras graph mapper. Read on first call.
   */
  toGraph(): Promise<Graph>;
}

/** One signature's ONNX model in an ONNX folder. */
export interface OnnxSignatureFile {
  /** The `.onnx` file (absolute once read; relative to the folder in the manifest). */
  file: string;
  /** Signature input alias (tf.Example feature key for classify/regress) → ONNX graph input name. */
  inputs: Record<string, string>;
  /** Signature output alias → ONNX graph output name. */
  outputs: Record<string, string>;
}

/**
 * An ONNX model folder (one `.onnx` per signature and `lambda-serving-onnx.json`, see
 * formats/onnx-folder.ts) or a bare `.onnx`: already lowered, loaded as it is by ONNX Runtime.
 */
export interface OnnxArtifact extends ArtifactBase {
  kind: 'onnx';
  /** Every TF Serving signature, also those listed but not servable (which have no file). */
  signatures: SignatureMap;
  /** Each runnable signature's ONNX model. */
  models: Record<string, OnnxSignatureFile>;
  /** Where the model came from, e.g. `SavedModel (TF1)`, `tf2onnx 1.16`. */
  source?: string;
}

export type ModelArtifact = GraphArtifact | KerasArtifact | TfjsArtifact | OnnxArtifact;
