/**
 * Per-stage timings of one request (`decode`, `preprocess`, `inference`, `postprocess`, `encode`).
 * @module service/timings
 */

/** Runs `work` and records how long it took, in milliseconds, under `stage` — even if it throws. */
export async function timeStage<T>(timings: Record<string, number>, stage: string, work: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] = performance.now() - start;
  }
}
