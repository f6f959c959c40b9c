/**
 * `Content-Type` and `Accept` headers, parsed as RFC 9110 writes them.
 * @module codecs/media-type
 */
import type { MediaType } from './codec.ts';

/** Parses `type/subtype; name=value; …` (quoted values allowed). Undefined for an empty header. */
export function parseMediaType(header: string | undefined | null): MediaType | undefined {
  if (!header?.trim()) return undefined;
  const [essence, ...rest] = splitOutsideQuotes(header, ';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (name && !Object.hasOwn(params, name)) params[name] = value;
  }
  return { essence: essence.trim().toLowerCase(), params };
}

/** One entry of an `Accept` header. */
export interface AcceptEntry {
  essence: string;
  q: number;
}

/** The entries of an `Accept` header, most preferred first (q, then order); `*\/*` when absent. */
export function parseAccept(header: string | undefined | null): AcceptEntry[] {
  if (!header?.trim()) return [{ essence: '*/*', q: 1 }];
  const entries = splitOutsideQuotes(header, ',')
    .map((item, order) => {
      const media = parseMediaType(item);
      const q = media?.params.q === undefined ? 1 : Number(media.params.q);
      return { essence: media?.essence ?? '', q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((entry) => entry.essence && entry.q > 0);
  return entries.sort((a, b) => b.q - a.q || a.order - b.order).map(({ essence, q }) => ({ essence, q }));
}

/** True if an Accept entry (possibly `type/*` or `*\/*`) covers `essence`. */
export function acceptMatches(entry: string, essence: string): boolean {
  if (entry === '*/*' || entry === essence) return true;
  return entry.endsWith('/*') && essence.startsWith(entry.slice(0, -1));
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const items: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items;
}
