/**
 * What a model version folder holds, decided once for serving, `show` and `convert` alike.
 * @module importers/model-folder
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.ts';

export type ModelFolder =
  | { kind: 'tfjs'; modelJson: string }
  | { kind: 'saved_model'; dir: string }
  /** One frozen GraphDef, with an optional `frozen_graph.yaml|yml|json` naming its inputs and outputs. */
  | { kind: 'frozen_graph'; file: string; namesFile?: string };

export async function detectModelFolder(dir: string): Promise<ModelFolder> {
  const files = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new FailedPreconditionError(`Cannot read model folder ${dir}: ${error.code ?? error.message}`);
  });
  if (files.includes('model.json')) return { kind: 'tfjs', modelJson: path.join(dir, 'model.json') };
  if (files.includes('saved_model.pb')) return { kind: 'saved_model', dir };
  const frozen = files.filter((file) => file.endsWith('.pb'));
  if (frozen.length === 1) {
    const namesFile = files.find((file) => /^frozen_graph\.(ya?ml|json)$/.test(file));
    return { kind: 'frozen_graph', file: path.join(dir, frozen[0]), ...(namesFile ? { namesFile: path.join(dir, namesFile) } : {}) };
  }
  throw new FailedPreconditionError(
    `No model found in ${dir}: expected a TF.js model.json, a saved_model.pb or one frozen-graph .pb (found ${listed(files)})`,
  );
}

function listed(files: string[]): string {
  if (!files.length) return 'nothing';
  return files.length > 8 ? `${files.slice(0, 8).join(', ')} and ${files.length - 8} more` : files.join(', ');
}
