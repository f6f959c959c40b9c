/**
 * Parses TF Serving's REST paths:
 * `/v1/models/<name>[/versions/<v> | /labels/<l>][/metadata | :predict | :classify | :regress]`.
 * @module http/model-path
 */
import { InvalidArgumentError, NotFoundError } from '../../errors.ts';

export type ModelAction = 'status' | 'metadata' | 'predict' | 'classify' | 'regress';

export interface ModelPath {
  name: string;
  version?: number;
  label?: string;
  action: ModelAction;
}

const PREFIX = /^\/v1\/models\//i;
const VERBS = new Set(['predict', 'classify', 'regress']);

/** Returns the parsed path, or undefined when it is not under `/v1/models/`. */
export function parseModelPath(pathname: string): ModelPath | undefined {
  if (!PREFIX.test(pathname)) return undefined;
  let rest = pathname.replace(PREFIX, '');
  let action: ModelAction = 'status';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const verb = rest.slice(colon + 1).toLowerCase();
    if (!VERBS.has(verb)) {
      throw new NotFoundError(`Unknown method ':${rest.slice(colon + 1)}' in ${pathname}; expected :predict, :classify or :regress`);
    }
    action = verb as ModelAction;
    rest = rest.slice(0, colon);
  }
  const segments = rest.split('/');
  const name = decodeSegment(segments[0], 'model name');
  if (!name) throw new NotFoundError(`Missing model name in ${pathname}`);
  const parsed: ModelPath = { name, action };
  for (let i = 1; i < segments.length; i++) {
    const key = segments[i].toLowerCase();
    if (key === 'metadata' && i === segments.length - 1 && action === 'status') {
      parsed.action = 'metadata';
    } else if (key === 'versions' && i + 1 < segments.length) {
      const text = segments[++i];
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        throw new InvalidArgumentError(`Version must be a non-negative integer, got '${decodeSegment(text, 'version')}'`);
      }
      parsed.version = Number(text);
    } else if (key === 'labels' && i + 1 < segments.length && segments[i + 1]) {
      parsed.label = decodeSegment(segments[++i], 'label');
    } else {
      throw new NotFoundError(`Malformed request path ${pathname}`);
    }
  }
  if (parsed.version !== undefined && parsed.label !== undefined) {
    throw new InvalidArgumentError('A request may name a version or a label, not both');
  }
  return parsed;
}

function decodeSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidArgumentError(`Malformed percent-encoding in ${what} '${segment}'`);
  }
}
