/**
 * Reading a model file for an importer: a missing or unreadable file is the model's fault
 * (FailedPrecondition, so serving answers 503 for that model and keeps the others), named.
 * @module importers/read-model-file
 */
import { open, readFile } from 'node:fs/promises';
import { FailedPreconditionError } from '../errors.ts';

/** The whole file; `what` says what it should be, e.g. `TFLite model`. */
export async function readModelFile(file: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw unreadable(file, what, error);
  }
}

/** The first `count` bytes (fewer if the file is shorter), to tell formats apart without reading it all. */
export async function readModelFileStart(file: string, what: string, count: number): Promise<Uint8Array> {
  try {
    const handle = await open(file);
    try {
      const { buffer, bytesRead } = await handle.read(new Uint8Array(count), 0, count, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(file, what, error);
  }
}

function unreadable(file: string, what: string, error: unknown): FailedPreconditionError {
  return new FailedPreconditionError(`Cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}
