/**
 * The shared real-model fixtures (`../shared/fixtures` beside the repo). Tests that need them skip
 * with this note when the folder is absent; nothing is ever faked in their place.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './serve-process.ts';

export const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures');
export const HAVE_FIXTURES = existsSync(FIXTURES);
export const FIXTURES_NOTE = HAVE_FIXTURES ? '' : ` (skipped: ${FIXTURES} is absent)`;

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}
