/**
 * The one interface every body format implements: bytes of a media type ↔ named host tensors.
 * Protocols pick a codec from the registry by `Content-Type` (requests) and `Accept` (responses);
 * nothing else in the data plane knows a wire format.
 * @module codecs/codec
 */
import type { TensorMap } from '../tensors/host-tensor.ts';
import type { TensorSpec } from '../tensors/signature.ts';
import type { JsonValue } from './tensor-json.ts';

/** A parsed media type: `type/subtype` in lower case, and its parameters (`boundary`, `charset`, …). */
export interface MediaType {
  essence: string;
  params: Record<string, string>;
}

/** One part of a multipart body, kept as sent for hooks that want it. */
export interface BodyPart {
  /** The form field name. */
  name: string;
  /** Set for file parts. */
  filename?: string;
  /** The part's own Content-Type, when it has one. */
  mediaType?: string;
  data: Uint8Array;
}

/** What a codec may use while decoding. */
export interface DecodeContext {
  mediaType: MediaType;
  /**
   * The signature's inputs by alias: which input a lone unnamed tensor is (NPY, one Arrow column
   * without a name match), and the dtype of values whose format carries none (JSON fields).
   */
  inputs: Readonly<Record<string, TensorSpec>>;
}

/** A decoded request body. */
export interface DecodedBody {
  /** Named tensors; checking them against the signature is the data plane's job. */
  inputs: TensorMap;
  /** Values the body carried that are not tensors (e.g. a multipart `signature_name` field). */
  parameters?: Record<string, JsonValue>;
  /** Multipart bodies: every part as sent. */
  parts?: BodyPart[];
}

/** A body format. Decoding and encoding read and write typed arrays without per-element JS numbers. */
export interface TensorCodec {
  /** Short name for messages and logs: `npy`, `npz`, `arrow`, `multipart`. */
  readonly name: string;
  /** Media types it reads (the first is what it writes). */
  readonly mediaTypes: readonly string[];
  /** @throws InvalidArgumentError naming what is wrong with the body. */
  decode(body: Uint8Array, context: DecodeContext): DecodedBody | Promise<DecodedBody>;
  /** Absent for formats that only come in (multipart). @throws NotAcceptableError if it cannot carry these outputs. */
  encode?(outputs: TensorMap): Uint8Array;
}
