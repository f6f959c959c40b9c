/**
 * The layers of lib/, read from the sources: importers turn files into engine-neutral forms and
 * know nothing of engines or serving; engines load those forms and never call an importer (the
 * format registry in lib/formats does, lazily); the service layer knows no wire format, and
 * protocols reach models only through it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/serve-process.ts';

const LIB = path.join(REPO_ROOT, 'lib');

interface Import {
  /** The importing file, relative to lib/. */
  from: string;
  /** The imported module, relative to lib/ (`..` for outside it). */
  to: string;
  /** `import type`/`export type`: erased, so never evaluated. */
  typeOnly: boolean;
  /** `import('…')`: evaluated on first use, not when the importing module loads. */
  dynamic: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import, re-export and dynamic import in lib/ (comments skipped). */
function imports(): Import[] {
  const found: Import[] = [];
  for (const file of sources(LIB)) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const add = (specifier: string, typeOnly: boolean, dynamic: boolean) => {
      if (!specifier.startsWith('.')) return;
      found.push({ from: path.relative(LIB, file), to: path.relative(LIB, path.resolve(path.dirname(file), specifier)), typeOnly, dynamic });
    };
    for (const match of text.matchAll(/\b(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?'([^']+)'/g)) add(match[2], Boolean(match[1]), false);
    for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(match[1], false, true);
  }
  return found;
}

const ALL = imports();
const show = (list: Import[]) => list.map((i) => `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}${i.dynamic ? ' (dynamic)' : ''}`);
const inFolder = (file: string, ...folders: string[]) => folders.some((folder) => file === `${folder}.ts` || file.startsWith(`${folder}/`));

describe('lib/ layering', () => {
  it('finds the imports it checks (the scanner works)', () => {
    expect(ALL.some((i) => i.from === 'engine/load-model.ts' && i.to === 'formats/registry.ts')).toBe(true);
    expect(ALL.some((i) => i.from === 'formats/registry.ts' && i.to === 'importers/tflite/index.ts' && i.dynamic)).toBe(true);
    expect(ALL.some((i) => i.from === 'formats/registry.ts' && i.to === 'importers/tensorflow/frozen-graph.ts' && i.typeOnly)).toBe(true);
  });

  it('importers import no engine, format registry, service, HTTP, protocol or CLI module', () => {
    const wrong = ALL.filter((i) => inFolder(i.from, 'importers') && inFolder(i.to, 'engine', 'formats', 'service', 'http', 'protocols', 'cli'));
    expect(show(wrong)).toEqual([]);
  });

  it('engines import no importer (they load what lib/formats read), nor service, HTTP, protocol or CLI modules', () => {
    const wrong = ALL.filter((i) => inFolder(i.from, 'engine') && inFolder(i.to, 'importers', 'service', 'http', 'protocols', 'cli'));
    expect(show(wrong)).toEqual([]);
  });

  it('the format registry loads importers lazily (types aside) and imports no engine or serving module', () => {
    const eager = ALL.filter((i) => inFolder(i.from, 'formats') && inFolder(i.to, 'importers') && !i.typeOnly && !i.dynamic);
    expect(show(eager)).toEqual([]);
    const wrong = ALL.filter((i) => inFolder(i.from, 'formats') && inFolder(i.to, 'engine', 'service', 'http', 'protocols', 'cli'));
    expect(show(wrong)).toEqual([]);
  });

  it('the engine-neutral model forms (graph, tensors) import nothing above them', () => {
    const wrong = ALL.filter((i) => inFolder(i.from, 'graph', 'tensors') && !inFolder(i.to, 'graph', 'tensors', 'errors'));
    expect(show(wrong)).toEqual([]);
  });

  it('the service layer imports no protocol, HTTP or body-format code (the JSON value type aside)', () => {
    const FORMAT_CODECS = ['npy', 'npz', 'arrow', 'multipart', 'tensor-json', 'registry'].map((name) => `codecs/${name}`);
    const wrong = ALL.filter(
      (i) => inFolder(i.from, 'service') && (inFolder(i.to, 'protocols', 'http', 'observability') || (!i.typeOnly && FORMAT_CODECS.some((codec) => i.to.startsWith(codec)))),
    );
    expect(show(wrong)).toEqual([]);
  });

  it('protocols reach models only through the data plane (no engine, format or importer)', () => {
    const wrong = ALL.filter((i) => inFolder(i.from, 'protocols') && inFolder(i.to, 'engine', 'formats', 'importers', 'http'));
    expect(show(wrong)).toEqual([]);
  });
});
