/**
 * ONNX model folders: what `lambda-serving convert --output_format onnx` and packaging write — one
 * `.onnx` file per runnable signature beside a manifest, `lambda-serving-onnx.json`:
 *
 * ```json
 * { "format": "lambda-serving-onnx", "version": 1, "source": "SavedModel (TF1) …",
 *   "models": { "serving_default": { "file": "serving_default.onnx",
 *                                    "inputs": { "x": "x" }, "outputs": { "y": "y" } } },
 *   "signatures": { "serving_default": { "methodName": "tensorflow/serving/predict", … } } }
 * ```
 *
 * `models` maps each signature's input and output aliases (tf.Example feature keys for
 * classify/regress signatures) to the ONNX graph's names; `signatures` holds every TF Serving
 * signature as imported (tf.Example feature specs included, typed arrays as in a converted TF.js
 * model.json), also those listed but not servable, which have no file. A bare `.onnx` (e.g. from
 * tf2onnx) is served as `serving_default`, its graph inputs and outputs under their own names.
 * Reading needs neither ONNX Runtime nor the lowering: nothing is lowered at cold start.
 * @module formats/onnx-folder
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.ts';
import { DEFAULT_SIGNATURE, PREDICT_METHOD, type SignatureMap } from '../tensors/signature.ts';
import { signaturesFromJson } from '../tensors/signature-json.ts';
import type { OnnxArtifact, OnnxSignatureFile } from './artifact.ts';

/** The manifest's file name. */
export const ONNX_MANIFEST = 'lambda-serving-onnx.json';
/** The manifest's `format` and `version`. */
export const ONNX_FOLDER_FORMAT = 'lambda-serving-onnx';
export const ONNX_FOLDER_VERSION = 1;

/** The manifest as stored (file names relative to the folder). */
export interface OnnxManifest {
  format: typeof ONNX_FOLDER_FORMAT;
  version: number;
  /** Where the model came from, e.g. `SavedModel (TF1)`. */
  source?: string;
  models: Record<string, OnnxSignatureFile>;
  /** `signaturesToJson` of every signature. */
  signatures: unknown;
}

/** Reads an ONNX folder's manifest (`file`) or a bare `.onnx` file into an artifact. */
export async function readOnnx(file: string): Promise<OnnxArtifact> {
  return file.endsWith('.onnx') ? readBareOnnx(file) : readManifest(file);
}

async function readManifest(file: string): Promise<OnnxArtifact> {
  const dir = path.dirname(file);
  const what = `ONNX model ${dir}`;
  let manifest: OnnxManifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as OnnxManifest;
  } catch (error) {
    throw new FailedPreconditionError(`${file} is not a readable ${ONNX_MANIFEST}: ${(error as Error).message}`);
  }
  if (manifest.format !== ONNX_FOLDER_FORMAT || typeof manifest.models !== 'object' || manifest.models === null) {
    throw new FailedPreconditionError(`${file} is not a ${ONNX_FOLDER_FORMAT} manifest (format '${String(manifest.format)}')`);
  }
  if (manifest.version > ONNX_FOLDER_VERSION) {
    throw new FailedPreconditionError(`${file} is version ${manifest.version} of the ONNX folder format; this lambda-serving reads up to ${ONNX_FOLDER_VERSION}`);
  }
  let signatures: SignatureMap;
  try {
    signatures = signaturesFromJson(manifest.signatures, `${file}: signatures`);
  } catch (error) {
    throw new FailedPreconditionError((error as Error).message);
  }
  const models: Record<string, OnnxSignatureFile> = {};
  for (const [name, entry] of Object.entries(manifest.models)) {
    if (!signatures[name]) throw new FailedPreconditionError(`${file}: models['${name}'] has no signature`);
    const file_ = typeof entry?.file === 'string' ? path.resolve(dir, entry.file) : '';
    if (!file_ || path.relative(dir, file_).startsWith('..')) throw new FailedPreconditionError(`${file}: models['${name}'] needs a file inside the folder`);
    models[name] = { file: file_, inputs: { ...entry.inputs }, outputs: { ...entry.outputs } };
  }
  return { kind: 'onnx', format: 'onnx', what, path: dir, signatures, models, ...(manifest.source ? { source: manifest.source } : {}) };
}

/** A bare `.onnx`: `serving_default` from its graph's inputs (initializers left out) and outputs. */
async function readBareOnnx(file: string): Promise<OnnxArtifact> {
  const { readOnnxModelIo } = await import('../importers/onnx/model-io.ts');
  const { producer, inputs, outputs } = readOnnxModelIo(await readFile(file), file);
  const byName = (specs: Record<string, unknown>) => Object.fromEntries(Object.keys(specs).map((name) => [name, name]));
  return {
    kind: 'onnx',
    format: 'onnx',
    what: `ONNX model ${file}`,
    path: file,
    source: producer || 'ONNX',
    signatures: { [DEFAULT_SIGNATURE]: { methodName: PREDICT_METHOD, inputs, outputs } },
    models: { [DEFAULT_SIGNATURE]: { file, inputs: byName(inputs), outputs: byName(outputs) } },
  };
}
