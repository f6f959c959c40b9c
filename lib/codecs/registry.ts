/**
 * The codec registry: which module reads and writes each media type. Codecs load on first use,
 * so a Lambda whose clients only send JSON never evaluates Arrow or busboy at cold start.
 * @module codecs/registry
 */
import { UnsupportedMediaTypeError } from '../errors.ts';
import type { TensorCodec } from './codec.ts';
import { acceptMatches, parseAccept } from './media-type.ts';

interface CodecEntry {
  name: string;
  mediaTypes: readonly string[];
  load: () => Promise<TensorCodec>;
  codec?: Promise<TensorCodec>;
}

const ENTRIES: CodecEntry[] = [
  { name: 'npy', mediaTypes: ['application/x-npy', 'application/npy'], load: async () => (await import('./npy.ts')).npyCodec },
  { name: 'npz', mediaTypes: ['application/x-npz', 'application/zip'], load: async () => (await import('./npz.ts')).npzCodec },
  { name: 'arrow', mediaTypes: ['application/vnd.apache.arrow.stream'], load: async () => (await import('./arrow.ts')).arrowCodec },
  { name: 'multipart', mediaTypes: ['multipart/form-data'], load: async () => (await import('./multipart.ts')).multipartCodec },
];

/** Adds (or replaces) a codec for its media types; later registrations win. */
export function registerCodec(codec: TensorCodec): void {
  ENTRIES.unshift({ name: codec.name, mediaTypes: codec.mediaTypes, load: async () => codec });
}

/** Media types the registry reads, for messages. */
export function registeredMediaTypes(): string[] {
  return [...new Set(ENTRIES.flatMap((entry) => entry.mediaTypes))];
}

function entryFor(essence: string): CodecEntry | undefined {
  return ENTRIES.find((entry) => entry.mediaTypes.includes(essence));
}

function loaded(entry: CodecEntry): Promise<TensorCodec> {
  entry.codec ??= entry.load().catch((error: unknown) => {
    entry.codec = undefined;
    throw error;
  });
  return entry.codec;
}

/** The codec for a request's media type essence, or undefined when none reads it. */
export async function codecFor(essence: string): Promise<TensorCodec | undefined> {
  const entry = entryFor(essence);
  return entry ? loaded(entry) : undefined;
}

/** Like codecFor, but a 415 naming what is accepted when no codec reads `essence`. */
export async function requireCodec(essence: string, alsoAccepted: readonly string[] = []): Promise<TensorCodec> {
  const codec = await codecFor(essence);
  if (!codec) {
    throw new UnsupportedMediaTypeError(
      `Content-Type ${essence} is not supported; send one of ${[...alsoAccepted, ...registeredMediaTypes()].join(', ')}`,
    );
  }
  return codec;
}

/**
 * The response format an `Accept` header asks for: `default` (the protocol's own JSON) when the
 * header allows it first — or allows nothing we write, since TF Serving's clients never had to
 * send a useful Accept — else the first codec that can encode.
 * @param defaults media types the protocol writes itself (e.g. `application/json`)
 */
export async function negotiate(accept: string | undefined | null, defaults: readonly string[]): Promise<TensorCodec | 'default'> {
  for (const { essence } of parseAccept(accept)) {
    if (defaults.some((media) => acceptMatches(essence, media))) return 'default';
    const entry = ENTRIES.find((candidate) => candidate.mediaTypes.some((media) => acceptMatches(essence, media)));
    if (entry) {
      const codec = await loaded(entry);
      if (codec.encode) return codec;
    }
  }
  return 'default';
}
