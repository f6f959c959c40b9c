/**
 * Writes an ONNX model folder (the layout formats/onnx-folder.ts reads): one `<signature>.onnx`
 * per lowered signature and `lambda-serving-onnx.json` with every signature and the alias → ONNX
 * name maps. What `convert --output_format onnx` and packaging write, so a Lambda loads the ONNX
 * files at cold start instead of importing and lowering the original model.
 * @module engine/onnx/write-folder
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OnnxSignatureFile } from '../../formats/artifact.ts';
import { ONNX_FOLDER_FORMAT, ONNX_FOLDER_VERSION, ONNX_MANIFEST, type OnnxManifest } from '../../formats/onnx-folder.ts';
import type { SignatureMap } from '../../tensors/signature.ts';
import { signaturesToJson } from '../../tensors/signature-json.ts';
import type { LoweredSignature } from './lower/lower-graph.ts';

/**
 * Writes `lowered` (lowerGraph's result) and `signatures` (all of them, the unservable too) into
 * `dir` (created if needed). Returns the absolute paths written, the manifest first, and their size.
 */
export async function writeOnnxFolder(
  dir: string,
  lowered: ReadonlyMap<string, LoweredSignature>,
  signatures: SignatureMap,
  source?: string,
): Promise<{ files: string[]; bytes: number }> {
  const models: Record<string, OnnxSignatureFile> = {};
  const taken = new Set<string>([ONNX_MANIFEST.toLowerCase()]);
  for (const [name, signature] of lowered) {
    models[name] = { file: fileName(name, taken), inputs: signature.inputs, outputs: signature.outputs };
  }
  const manifest: OnnxManifest = {
    format: ONNX_FOLDER_FORMAT,
    version: ONNX_FOLDER_VERSION,
    ...(source ? { source } : {}),
    models,
    signatures: signaturesToJson(signatures),
  };
  const json = JSON.stringify(manifest, null, 1);
  await mkdir(dir, { recursive: true });
  const files = [path.resolve(dir, ONNX_MANIFEST)];
  let bytes = Buffer.byteLength(json);
  for (const [name, signature] of lowered) {
    const file = path.resolve(dir, models[name].file);
    await writeFile(file, signature.bytes);
    files.push(file);
    bytes += signature.bytes.byteLength;
  }
  // The manifest last: a folder is only detected as ONNX once every file it names is there.
  await writeFile(files[0], json);
  return { files, bytes };
}

/** A file name for signature `name`: its safe characters, made unique (case-insensitively) in `taken`. */
function fileName(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_') || 'signature';
  let file = `${base}.onnx`;
  for (let i = 2; taken.has(file.toLowerCase()); i++) file = `${base}_${i}.onnx`;
  taken.add(file.toLowerCase());
  return file;
}
