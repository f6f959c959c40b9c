/**
 * How fast does each body format carry a tensor? A float32 [1000, 1000] tensor (4 MB of data) is
 * encoded and decoded by each entry of CODECS — interleaved, one round of every codec after
 * another, so drift hits all alike — and the median of ROUNDS=15 rounds (after 2 warm-up rounds)
 * is reported as MB/s of tensor data (1 MB = 10^6 bytes), with the body size on the wire.
 *
 * Encode ends at the body's bytes, decode starts from them: for TF Serving JSON that includes
 * UTF-8 encoding/decoding, parseJson and decodePredictInputs. NPY decode returns a view of the
 * body (no copy), so its rate is bounded by header parsing alone.
 *
 * Multipart has no encoder (it only comes in): its "encode" column is building the form body as a
 * client would (the tensor as a JSON field), not our code.
 *
 * Run: npm run bench:codecs  (ROUNDS=n). Writes bench/results/codecs.json.
 * To add a format, add one entry to CODECS (a TensorCodec goes in through fromCodec).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TensorCodec } from '../lib/codecs/codec.ts';
import { arrowCodec } from '../lib/codecs/arrow.ts';
import { multipartCodec } from '../lib/codecs/multipart.ts';
import { npyCodec } from '../lib/codecs/npy.ts';
import { npzCodec } from '../lib/codecs/npz.ts';
import { parseJson } from '../lib/codecs/tensor-json.ts';
import { decodePredictInputs, encodePredictResponse, readPredictBody } from '../lib/protocols/tf-serving/predict-json.ts';
import { tensorDataJson, tensorFromBinary, tensorFromJson, tensorToBinary } from '../lib/protocols/v2/tensors.ts';
import type { TensorMap } from '../lib/tensors/host-tensor.ts';
import type { Signature } from '../lib/tensors/signature.ts';
import { mulberry32 } from '../scripts/mulberry32.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const WARM_UP = 2;
const SHAPE = [1000, 1000];
const INPUT = 'x';

const SIGNATURE: Signature = {
  methodName: 'tensorflow/serving/predict',
  inputs: { [INPUT]: { tensorName: 'x:0', dtype: 'DT_FLOAT', shape: SHAPE } },
  outputs: { [INPUT]: { tensorName: 'y:0', dtype: 'DT_FLOAT', shape: SHAPE } },
};

/** One body format: tensors to body bytes and back. */
interface BenchCodec {
  name: string;
  encode(tensors: TensorMap): Uint8Array;
  decode(body: Uint8Array): TensorMap | Promise<TensorMap>;
}

/** A registry codec as a bench entry, decoding against SIGNATURE's inputs. */
function fromCodec(codec: TensorCodec): BenchCodec {
  const context = { mediaType: { essence: codec.mediaTypes[0], params: {} }, inputs: SIGNATURE.inputs };
  return {
    name: codec.name,
    encode: (tensors) => codec.encode!(tensors),
    decode: async (body) => (await codec.decode(body, context)).inputs,
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const CODECS: BenchCodec[] = [
  fromCodec(npyCodec),
  fromCodec(npzCodec),
  fromCodec(arrowCodec),
  {
    // KServe V2's binary tensor data extension: the raw little-endian bytes after the JSON header.
    name: 'v2 binary',
    encode: (tensors) => tensorToBinary(tensors[INPUT]),
    decode: (body) => ({ [INPUT]: tensorFromBinary(body, 'DT_FLOAT', SHAPE, INPUT) }),
  },
  {
    // KServe V2 JSON: `data` as one flat list.
    name: 'v2 json',
    encode: (tensors) => utf8Encoder.encode(tensorDataJson(tensors[INPUT])),
    decode: (body) => ({ [INPUT]: tensorFromJson(parseJson(utf8Decoder.decode(body)), 'DT_FLOAT', SHAPE, INPUT) }),
  },
  {
    name: 'multipart (JSON field)',
    encode: (tensors) => multipartBody(utf8Decoder.decode(utf8Encoder.encode(encodePredictResponse(tensors, 'columnar'))).slice('{"outputs":'.length, -1)),
    decode: async (body) => (await multipartCodec.decode(body, { mediaType: { essence: 'multipart/form-data', params: { boundary: BOUNDARY } }, inputs: SIGNATURE.inputs })).inputs,
  },
  {
    // TF Serving's columnar JSON: the response writer for encode, a request body for decode
    name: 'tf-serving json (columnar)',
    encode: (tensors) => utf8Encoder.encode(encodePredictResponse(tensors, 'columnar')),
    decode: (body) => {
      const { format, payload } = readPredictBody(parseJson(utf8Decoder.decode(body)));
      return decodePredictInputs(payload, format, SIGNATURE);
    },
  },
];

const BOUNDARY = 'lambda-serving-bench';

/** A form with the tensor as the JSON field `x`, as `curl -F x=…` writes it. */
function multipartBody(json: string): Uint8Array {
  return utf8Encoder.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${INPUT}"\r\n\r\n${json}\r\n--${BOUNDARY}--\r\n`);
}

/** The JSON bench decodes requests; its encoder writes responses. `{"outputs":` → `{"inputs":`. */
function asRequest(codec: BenchCodec, body: Uint8Array): Uint8Array {
  if (!codec.name.startsWith('tf-serving json')) return body;
  const text = utf8Decoder.decode(body);
  return utf8Encoder.encode(`{"inputs":${text.slice('{"outputs":'.length)}`);
}

/** float32 [1000, 1000] through every codec, interleaved; median of `rounds` after WARM_UP rounds. */
export async function measureCodecs(rounds = ROUNDS) {
  const random = mulberry32(42);
  const values = Float32Array.from({ length: SHAPE[0] * SHAPE[1] }, () => (random() / 2 ** 32) * 2 - 1);
  const tensors: TensorMap = { [INPUT]: { dtype: 'DT_FLOAT', shape: SHAPE, values } };
  const dataBytes = values.byteLength;

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const samples = CODECS.map(() => ({ encode: [] as number[], decode: [] as number[], wireBytes: 0 }));

  for (let round = 0; round < WARM_UP + rounds; round++) {
    for (const [i, codec] of CODECS.entries()) {
      let start = performance.now();
      const body = codec.encode(tensors);
      const encodeMs = performance.now() - start;
      const request = asRequest(codec, body);
      start = performance.now();
      const decoded = await codec.decode(request);
      const decodeMs = performance.now() - start;
      if (round === 0) check(codec.name, decoded);
      if (round < WARM_UP) continue;
      samples[i].encode.push(encodeMs);
      samples[i].decode.push(decodeMs);
      samples[i].wireBytes = body.length;
    }
  }

  function check(name: string, decoded: TensorMap): void {
    const got = decoded[INPUT]?.values as Float32Array | undefined;
    const same = got instanceof Float32Array && got.length === values.length && got.every((v, j) => Object.is(v, values[j]));
    if (!same) throw new Error(`${name} did not read back the tensor it wrote`);
  }

  const mbps = (ms: number) => +(dataBytes / 1e6 / (ms / 1e3)).toFixed(1);
  const results = CODECS.map((codec, i) => {
    const encodeMs = median(samples[i].encode);
    const decodeMs = median(samples[i].decode);
    return {
      codec: codec.name,
      wire_mb: +(samples[i].wireBytes / 1e6).toFixed(2),
      encode_ms: +encodeMs.toFixed(3),
      decode_ms: +decodeMs.toFixed(3),
      encode_mb_per_s: mbps(encodeMs),
      decode_mb_per_s: mbps(decodeMs),
    };
  });
  return { node: process.version, rounds, tensor: { dtype: 'DT_FLOAT' as const, shape: SHAPE, data_mb: dataBytes / 1e6 }, results };
}

// Run directly (npm run bench:codecs), not when bench/run-all.ts imports measureCodecs.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await measureCodecs();
  const { results } = report;
  const output = path.resolve(import.meta.dirname, 'results/codecs.json');
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, JSON.stringify(report, null, 2));
  console.log(`float32 [${SHAPE.join(', ')}] (${report.tensor.data_mb} MB of data), median of ${report.rounds} interleaved rounds; MB/s of tensor data`);
  console.table(results);
  console.log(`written to ${path.relative(process.cwd(), output)}`);
}
