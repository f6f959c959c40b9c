/**
 * NPZ bodies (`application/x-npz`): a zip of `<name>.npy` members, as `np.savez` (stored) and
 * `np.savez_compressed` (deflated) write them. Each member is one named tensor; responses are
 * written stored (no compression), one `.npy` per output.
 * @module codecs/npz
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { InvalidArgumentError, ServingError } from '../errors.ts';
import type { TensorMap } from '../tensors/host-tensor.ts';
import type { DecodeContext, DecodedBody, TensorCodec } from './codec.ts';
import { decodeNpy, encodeNpy } from './npy.ts';

/** The media type NPZ responses are written as. */
export const NPZ_MEDIA_TYPE = 'application/x-npz';

/**
 * The most bytes an NPZ body may inflate to, all members together (a deflated body of a few MB
 * can claim gigabytes). Checked against the sizes the zip declares before anything is inflated.
 */
export const MAX_NPZ_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024;

/**
 * Reads every `<name>.npy` member of an NPZ (zip) body into a tensor named `<name>`.
 * @throws InvalidArgumentError naming the member, or the zip's problem
 */
export function decodeNpz(body: Uint8Array): TensorMap {
  const seen = new Set<string>();
  let total = 0;
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(body, {
      filter: ({ name, originalSize, compression }) => {
        if (!name.endsWith('.npy')) {
          throw new InvalidArgumentError(`NPZ member '${name}' is not an .npy file; an NPZ body holds only <input name>.npy members`);
        }
        if (seen.has(name)) throw new InvalidArgumentError(`NPZ body has two members named '${name}'`);
        if (compression !== 0 && compression !== 8) {
          throw new InvalidArgumentError(`NPZ member '${name}' uses zip compression method ${compression}; only stored (0) and deflate (8) are read`);
        }
        seen.add(name);
        total += originalSize;
        if (total > MAX_NPZ_UNCOMPRESSED_BYTES) {
          throw new InvalidArgumentError(
            `NPZ body would inflate to more than ${MAX_NPZ_UNCOMPRESSED_BYTES} bytes (member '${name}' alone claims ${originalSize})`,
          );
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof ServingError) throw error;
    throw new InvalidArgumentError(
      `NPZ body (${body.length} bytes) is not a readable zip (cut short, or not a zip): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const inputs: TensorMap = {};
  for (const name of seen) {
    const member = members[name];
    if (!member) throw new InvalidArgumentError(`NPZ member '${name}' could not be read`);
    // defineProperty: a member named __proto__.npy is an input like any other
    Object.defineProperty(inputs, name.slice(0, -'.npy'.length), {
      value: decodeNpy(member, `NPZ member '${name}'`),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return inputs;
}

/** Writes one stored (uncompressed) `<name>.npy` member per tensor, in the map's order. */
export function encodeNpz(outputs: TensorMap): Uint8Array {
  const files: Zippable = Object.create(null) as Zippable;
  for (const [name, tensor] of Object.entries(outputs)) files[`${name}.npy`] = encodeNpy(tensor, name);
  return zipSync(files, { level: 0 });
}

/** The codec for `application/x-npz` (and `application/zip`): one array per input or output name. */
export const npzCodec: TensorCodec = {
  name: 'npz',
  mediaTypes: [NPZ_MEDIA_TYPE, 'application/zip'],

  decode(body: Uint8Array, _context: DecodeContext): DecodedBody {
    return { inputs: decodeNpz(body) };
  },

  encode(outputs: TensorMap): Uint8Array {
    return encodeNpz(outputs);
  },
};
