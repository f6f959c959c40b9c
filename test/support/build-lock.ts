/**
 * The e2e suites that build into `.build/` (`npm run package` rewrites the zips that
 * serverless-offline reads in `npm run dev`) take turns: vitest may run their files at the same
 * time in its two forks. The lock is a folder (mkdir is atomic); one left by a killed run is taken
 * over after STALE_MS.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './serve-process.ts';

const LOCK = path.join(REPO_ROOT, '.build', '.e2e-build-lock');
const STALE_MS = 15 * 60_000;

/** Waits for the lock; resolves to its release. */
export async function acquireBuildLock(): Promise<() => Promise<void>> {
  await mkdir(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      return () => rm(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(LOCK).then((info) => Date.now() - info.mtimeMs, () => 0);
      if (since > STALE_MS) await rm(LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
