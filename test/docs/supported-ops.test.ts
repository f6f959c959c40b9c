/**
 * docs/supported-ops.md is generated from the tables the code runs on; it must not drift from them.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_OPS_FILE, supportedOpsMarkdown } from '../../scripts/gen-supported-ops.ts';

describe('docs/supported-ops.md', () => {
  it('matches the op and layer tables (regenerate: npx tsx scripts/gen-supported-ops.ts)', async () => {
    const markdown = supportedOpsMarkdown();
    expect(markdown).toContain('| CONV_2D | convolution |');
    expect(await readFile(SUPPORTED_OPS_FILE, 'utf8')).toBe(markdown);
  });
});
