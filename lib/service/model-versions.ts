/**
 * TF Serving's on-disk layout: `<basePath>/<version>/` with numeric folder names, narrowed by a
 * version policy, with labels naming versions.
 * @module service/model-versions
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError, UnavailableError } from '../errors.ts';
import type { VersionPolicy } from './model-config.ts';

/** The numeric version folders under `basePath`, ascending ("00000123" is version 123). */
export async function discoverVersions(basePath: string): Promise<Map<number, string>> {
  const entries = await readdir(basePath, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UnavailableError(`Cannot read model base path ${basePath}: ${error.code ?? error.message}`);
  });
  const versions = new Map<number, string>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    // Version folders may be symlinks (a common way to pin or roll back a version).
    const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path.join(basePath, entry.name)).catch(() => null))?.isDirectory());
    if (!isFolder) continue;
    const version = Number(entry.name);
    if (Number.isSafeInteger(version)) versions.set(version, entry.name);
  }
  return new Map([...versions].sort(([a], [b]) => a - b));
}

/** The versions a policy serves out of those on disk, ascending. */
export function applyVersionPolicy(available: number[], policy: VersionPolicy): number[] {
  const ascending = [...available].sort((a, b) => a - b);
  switch (policy.kind) {
    case 'all':
      return ascending;
    case 'latest':
      return ascending.slice(-Math.max(1, policy.numVersions));
    case 'specific':
      return ascending.filter((version) => policy.versions.includes(version));
  }
}

/** Checks that every label names a served version (TF Serving refuses labels on others). */
export function checkLabels(modelName: string, labels: Record<string, number>, served: number[]): void {
  for (const [label, version] of Object.entries(labels)) {
    if (!served.includes(version)) {
      throw new FailedPreconditionError(
        `Model ${modelName}: label '${label}' points to version ${version}, which is not served (served: ${served.join(', ') || 'none'})`,
      );
    }
  }
}
