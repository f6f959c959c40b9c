/**
 * The bodies clients send for one input tensor, built once for the benches that compare them:
 * TF Serving JSON (`instances`), NPY (the project's own encoder) and KServe V2 binary tensor data.
 */
import { encodeNpy } from '../lib/codecs/npy.ts';
import type { HostTensor } from '../lib/tensors/host-tensor.ts';

export interface RequestBodies {
  json: string;
  npy: Uint8Array<ArrayBuffer>;
  /** V2 body: the JSON header, then the raw tensor; send `v2HeaderLength` as Inference-Header-Content-Length. */
  v2: Uint8Array<ArrayBuffer>;
  v2HeaderLength: number;
}

/** `input` (a float32 batch) as each body; `outputName` is asked for as binary data in the V2 body. */
export function requestBodies(input: HostTensor, inputName: string, outputName: string): RequestBodies {
  const values = input.values as Float32Array;
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: inputName, shape: input.shape, datatype: 'FP32', parameters: { binary_data_size: values.byteLength } }],
      outputs: [{ name: outputName, parameters: { binary_data: true } }],
    }),
  );
  return {
    json: JSON.stringify({ instances: nested(values, input.shape) }),
    npy: encodeNpy(input, inputName) as Uint8Array<ArrayBuffer>,
    v2: new Uint8Array(Buffer.concat([header, Buffer.from(values.buffer, values.byteOffset, values.byteLength)])),
    v2HeaderLength: header.length,
  };
}

/** Flat row-major values as nested lists of `shape`. */
function nested(values: Float32Array, shape: number[], offset = 0): unknown {
  if (shape.length === 0) return values[offset];
  const stride = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nested(values, shape.slice(1), offset + i * stride));
}
