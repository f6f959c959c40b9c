import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // In-process handlers stay quiet; the packaged-zip tests set their own Lambda environment
    // and assert on the Powertools output.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    // Model loads and HTTP round trips on a 2-core machine: generous, not tight.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file loads TF.js and models; run files in separate forks, two at a time.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
