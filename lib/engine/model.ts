/**
 * What every engine gives the service layer: a loaded model with TF Serving signatures that runs
 * on host tensors. Engines keep their own tensors and memory to themselves.
 * @module engine/model
 */
import type { SignatureMap } from '../tensors/signature.ts';
import type { TensorMap } from '../tensors/host-tensor.ts';

export interface LoadedModel {
  /** What was loaded, e.g. `tfjs-layers-model`, `tfjs-graph-model`. */
  readonly format: string;
  readonly signatures: SignatureMap;
  /**
   * Runs one signature. `inputs` are keyed by the signature's input aliases and already checked
   * against it; the result holds every output alias of the signature (or only `outputNames`).
   */
  run(signatureName: string, inputs: TensorMap, outputNames?: string[]): Promise<TensorMap>;
  /** Releases the model's weights. */
  dispose(): void;
}

/** Loads the model stored in one version folder. */
export type ModelLoader = (versionDir: string) => Promise<LoadedModel>;
