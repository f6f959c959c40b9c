/**
 * The multipart/form-data codec: bodies as curl and browsers write them (by hand, and from Node's
 * own FormData) decode into DT_STRING file tensors, JSON fields typed by the signature and
 * parameters; malformed bodies are refused with InvalidArgumentError and never hang.
 */
import { describe, expect, it } from 'vitest';
import type { DecodeContext } from '../../lib/codecs/codec.ts';
import { parseMediaType } from '../../lib/codecs/media-type.ts';
import { MAX_MULTIPART_PARTS, multipartCodec } from '../../lib/codecs/multipart.ts';
import { floatToHalf as halfBits } from '../../lib/tensors/float16.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import type { DType } from '../../lib/tensors/host-tensor.ts';
import type { TensorSpec } from '../../lib/tensors/signature.ts';

const CRLF = '\r\n';
const utf8 = (text: string) => new TextEncoder().encode(text);
const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

/** A JPEG-ish file holding the bytes a careless parser would trip on: NUL, 0xFF, CRLF and "--". */
const FILE_BYTES = new Uint8Array([0xff, 0xd8, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0x58, 0x2d, 0xff, 0xd9]);

function spec(dtype: DType): TensorSpec {
  return { tensorName: 'x:0', dtype, shape: null };
}

function contextFor(contentType: string, inputs: Record<string, DType> = {}): DecodeContext {
  return {
    mediaType: parseMediaType(contentType)!,
    inputs: Object.fromEntries(Object.entries(inputs).map(([name, dtype]) => [name, spec(dtype)])),
  };
}

/** A part as curl -F writes it. */
function part(headers: string[], content: Uint8Array | string): Uint8Array[] {
  return [utf8(headers.join(CRLF) + CRLF + CRLF), typeof content === 'string' ? utf8(content) : content];
}

/** A body of parts with CRLF delimiters and the closing boundary, as curl writes it. */
function multipartBody(boundary: string, parts: Uint8Array[][]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const pieces of parts) chunks.push(utf8(`--${boundary}${CRLF}`), ...pieces, utf8(CRLF));
  chunks.push(utf8(`--${boundary}--${CRLF}`));
  return new Uint8Array(Buffer.concat(chunks));
}

/** Real bytes and Content-Type from Node's own FormData encoder. */
async function encodeForm(form: FormData): Promise<{ body: Uint8Array; contentType: string }> {
  const response = new Response(form);
  return { body: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type')! };
}

async function decodeError(body: Uint8Array, context: DecodeContext): Promise<Error> {
  try {
    await multipartCodec.decode(body, context);
  } catch (error) {
    return error as Error;
  }
  throw new Error('decode accepted the body');
}

describe('multipart codec: bodies as curl writes them', () => {
  const boundary = '------------------------X-BOUNDARY-42';
  const body = multipartBody(boundary, [
    part(['Content-Disposition: form-data; name="image"; filename="cat.jpg"', 'Content-Type: image/jpeg'], FILE_BYTES),
    part(['Content-Disposition: form-data; name="scale"'], '[[0.5, 2], [NaN, -Infinity]]'),
    part(['Content-Disposition: form-data; name="signature_name"'], 'serving_default'),
  ]);
  const context = contextFor(`multipart/form-data; boundary=${boundary}`, { image: 'DT_STRING', scale: 'DT_FLOAT' });

  it('reads a file part as a DT_STRING [1] tensor of its exact bytes', async () => {
    // Act
    const { inputs } = await multipartCodec.decode(body, context);

    // Assess
    expect(inputs.image).toEqual({ dtype: 'DT_STRING', shape: [1], values: [FILE_BYTES] });
  });

  it('reads a field named like an input as JSON typed by the signature, NaN and Infinity included', async () => {
    // Act
    const { inputs } = await multipartCodec.decode(body, context);

    // Assess
    expect(inputs.scale).toEqual({ dtype: 'DT_FLOAT', shape: [2, 2], values: new Float32Array([0.5, 2, NaN, -Infinity]) });
  });

  it('puts a field that is no input into the parameters, as its text when it is not JSON', async () => {
    // Act
    const { inputs, parameters } = await multipartCodec.decode(body, context);

    // Assess
    expect(parameters).toEqual({ signature_name: 'serving_default' });
    expect(Object.keys(inputs)).toEqual(['image', 'scale']);
  });

  it('keeps every part as sent: name, filename, media type and bytes', async () => {
    // Act
    const { parts } = await multipartCodec.decode(body, context);

    // Assess
    expect(parts).toEqual([
      { name: 'image', filename: 'cat.jpg', mediaType: 'image/jpeg', data: FILE_BYTES },
      { name: 'scale', mediaType: 'text/plain', data: utf8('[[0.5, 2], [NaN, -Infinity]]') },
      { name: 'signature_name', mediaType: 'text/plain', data: utf8('serving_default') },
    ]);
  });

  it('reads a boundary given quoted in the Content-Type, with characters that need the quotes', async () => {
    // Prepare
    const quoted = "gc0p4Jq0M2Yt08j34c0p (a:b=c?)";
    const quotedBody = multipartBody(quoted, [
      part(['Content-Disposition: form-data; name="file"; filename="x.bin"', 'Content-Type: application/octet-stream'], FILE_BYTES),
    ]);

    // Act
    const { inputs } = await multipartCodec.decode(quotedBody, contextFor(`multipart/form-data; boundary="${quoted}"`));

    // Assess
    expect(inputs.file).toEqual({ dtype: 'DT_STRING', shape: [1], values: [FILE_BYTES] });
  });

  it('reads a part that is application/octet-stream without a filename as a file', async () => {
    // Prepare
    const octets = multipartBody(boundary, [part(['Content-Disposition: form-data; name="raw"', 'Content-Type: application/octet-stream'], FILE_BYTES)]);

    // Act
    const { inputs, parts } = await multipartCodec.decode(octets, contextFor(`multipart/form-data; boundary=${boundary}`));

    // Assess
    expect(inputs.raw).toEqual({ dtype: 'DT_STRING', shape: [1], values: [FILE_BYTES] });
    expect(parts).toEqual([{ name: 'raw', mediaType: 'application/octet-stream', data: FILE_BYTES }]);
  });

  it('ignores a preamble before the first boundary and an epilogue after the last', async () => {
    // Prepare
    const framed = new Uint8Array([...utf8(`This is a preamble.${CRLF}`), ...body, ...utf8('epilogue')]);

    // Act
    const { inputs } = await multipartCodec.decode(framed, context);

    // Assess
    expect(inputs.image.values).toEqual([FILE_BYTES]);
  });
});

describe('multipart codec: bodies from FormData (browsers, fetch)', () => {
  it('stacks repeated file fields into one DT_STRING [n] tensor in order, ModelArts-style', async () => {
    // Prepare
    const a = new Uint8Array([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
    const b = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const c = new Uint8Array([]);
    const form = new FormData();
    form.append('images', new Blob([a], { type: 'image/jpeg' }), 'a.jpg');
    form.append('images', new Blob([b], { type: 'image/png' }), 'b.png');
    form.append('images', new Blob([c]), 'c.bin');
    form.append('signature_name', 'classify');
    const { body, contentType } = await encodeForm(form);

    // Act
    const decoded = await multipartCodec.decode(body, contextFor(contentType, { images: 'DT_STRING' }));

    // Assess
    expect(decoded.inputs).toEqual({ images: { dtype: 'DT_STRING', shape: [3], values: [a, b, c] } });
    expect(decoded.parameters).toEqual({ signature_name: 'classify' });
    expect(decoded.parts!.map(({ name, filename, mediaType }) => [name, filename, mediaType])).toEqual([
      ['images', 'a.jpg', 'image/jpeg'],
      ['images', 'b.png', 'image/png'],
      ['images', 'c.bin', 'application/octet-stream'],
      ['signature_name', undefined, 'text/plain'],
    ]);
  });

  it('reads file parts whether or not the field name is a signature input', async () => {
    // Prepare
    const form = new FormData();
    form.append('attachment', new Blob([FILE_BYTES]), 'f.bin');
    const { body, contentType } = await encodeForm(form);

    // Act
    const { inputs } = await multipartCodec.decode(body, contextFor(contentType));

    // Assess
    expect(inputs).toEqual({ attachment: { dtype: 'DT_STRING', shape: [1], values: [FILE_BYTES] } });
  });

  it('reads a large binary file exactly', async () => {
    // Prepare
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24);
    const form = new FormData();
    form.append('blob', new Blob([big]), 'big.bin');
    const { body, contentType } = await encodeForm(form);

    // Act
    const { inputs } = await multipartCodec.decode(body, contextFor(contentType));

    // Assess
    expect(inputs.blob.shape).toEqual([1]);
    expect(Buffer.compare((inputs.blob.values as Uint8Array[])[0], big)).toBe(0);
  });
});

describe('multipart codec: names', () => {
  it('keeps parts named "__proto__" as own entries without touching any prototype', async () => {
    // Prepare
    const form = new FormData();
    form.append('__proto__', new Blob([FILE_BYTES]), 'a.bin');
    form.append('constructor', '{"polluted": true}');
    const { body, contentType } = await encodeForm(form);

    // Act
    const { inputs, parameters } = await multipartCodec.decode(body, contextFor(contentType));

    // Assess
    expect(Object.getPrototypeOf(inputs)).toBe(Object.prototype);
    expect(Object.hasOwn(inputs, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(inputs, '__proto__')!.value).toEqual({ dtype: 'DT_STRING', shape: [1], values: [FILE_BYTES] });
    expect(Object.hasOwn(parameters!, 'constructor')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('multipart codec: JSON fields typed by the signature', () => {
  async function decodeField(dtype: DType, text: string) {
    const form = new FormData();
    form.append('x', text);
    const { body, contentType } = await encodeForm(form);
    return (await multipartCodec.decode(body, contextFor(contentType, { x: dtype }))).inputs.x;
  }

  it.each([
    ['DT_DOUBLE', '[0.1, -1e300]', [2], new Float64Array([0.1, -1e300])],
    ['DT_HALF', '[1.5, 0.1, 65504, 1e9]', [4], new Uint16Array([0x3e00, 0x2e66, 0x7bff, 0x7c00])],
    ['DT_INT8', '[[-128], [127]]', [2, 1], new Int8Array([-128, 127])],
    ['DT_INT16', '[-32768, 32767]', [2], new Int16Array([-32768, 32767])],
    ['DT_INT32', '7', [], new Int32Array([7])],
    ['DT_INT64', '[9007199254740993, -9223372036854775808]', [2], new BigInt64Array([9007199254740993n, -9223372036854775808n])],
    ['DT_UINT8', '[0, 255]', [2], new Uint8Array([0, 255])],
    ['DT_UINT16', '[65535]', [1], new Uint16Array([65535])],
    ['DT_UINT32', '[4294967295]', [1], new Uint32Array([4294967295])],
    ['DT_UINT64', '[18446744073709551615]', [1], new BigUint64Array([18446744073709551615n])],
    ['DT_BOOL', '[[true, false, true]]', [1, 3], new Uint8Array([1, 0, 1])],
  ])('reads %s from %s', async (dtype, text, shape, values) => {
    // Act
    const tensor = await decodeField(dtype as DType, text);

    // Assess
    expect(tensor).toEqual({ dtype, shape, values });
  });

  it('reads DT_STRING lists, {"b64": ...} values, plain text and text that looks like a number', async () => {
    // Act
    const list = await decodeField('DT_STRING', '["héllo", {"b64": "AP8NCg=="}]');
    const plain = await decodeField('DT_STRING', 'a cat on a mat');
    const quoted = await decodeField('DT_STRING', '"quoted"');
    const number = await decodeField('DT_STRING', '123');

    // Assess
    expect(list).toEqual({ dtype: 'DT_STRING', shape: [2], values: [utf8('héllo'), new Uint8Array([0, 255, 13, 10])] });
    expect(plain).toEqual({ dtype: 'DT_STRING', shape: [], values: [utf8('a cat on a mat')] });
    expect(quoted).toEqual({ dtype: 'DT_STRING', shape: [], values: [utf8('quoted')] });
    expect(number).toEqual({ dtype: 'DT_STRING', shape: [], values: [utf8('123')] });
  });

  it('keeps parameters as parsed JSON, big integers exact', async () => {
    // Prepare
    const form = new FormData();
    form.append('options', '{"top_k": 5, "seed": 9007199254740993, "labels": ["a", "b"]}');
    form.append('name', '"quoted"');
    const { body, contentType } = await encodeForm(form);

    // Act
    const { parameters } = await multipartCodec.decode(body, contextFor(contentType));

    // Assess
    expect(parameters).toEqual({ options: { top_k: 5, seed: 9007199254740993n, labels: ['a', 'b'] }, name: 'quoted' });
  });

  it.each([
    // The same messages as TF Serving's JSON bodies (lib/codecs/json-tensor.ts), located in the form field.
    ['DT_FLOAT', 'not json', /Input 'x' expects DT_FLOAT, got a string at form field "x"/],
    ['DT_INT8', '[1, 300]', /Input 'x' expects DT_INT8, got 300, outside its range -128 to 127, at form field "x"\[1\]/],
    ['DT_INT32', '[1.5]', /expects DT_INT32, got 1.5 at form field "x"\[0\]/],
    ['DT_BOOL', '[1, 0]', /expects DT_BOOL, got 1 at form field "x"\[0\]/],
    ['DT_FLOAT', '[[1, 2], [3]]', /Input 'x' is ragged at form field "x"\[1\]: expected a list of length 2/],
    ['DT_FLOAT', '[[1, 2], 3]', /Input 'x' is ragged at form field "x"\[1\]/],
    ['DT_FLOAT', '[1, [2]]', /Input 'x' is ragged at form field "x"\[1\]: expected a scalar like its siblings, got a list of length 1/],
    ['DT_STRING', '[1]', /expects DT_STRING, got 1 at form field "x"\[0\]/],
  ])('refuses a %s field %s, naming the input and where', async (dtype, text, message) => {
    // Act
    const error = await decodeField(dtype as DType, text).then(
      () => new Error('accepted'),
      (caught: Error) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(message);
  });
});

describe('multipart codec: malformed bodies', () => {
  const boundary = 'simple-boundary';
  const body = multipartBody(boundary, [
    part(['Content-Disposition: form-data; name="image"; filename="a.jpg"', 'Content-Type: image/jpeg'], FILE_BYTES),
    part(['Content-Disposition: form-data; name="x"'], '[1, 2]'),
  ]);
  const context = contextFor(`multipart/form-data; boundary=${boundary}`, { x: 'DT_FLOAT' });

  it('refuses a Content-Type without a boundary parameter', async () => {
    // Act
    const error = await decodeError(body, contextFor('multipart/form-data'));

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('multipart/form-data body without a boundary parameter');
  });

  it('refuses a body written with another boundary than the header names', async () => {
    // Act
    const error = await decodeError(body, contextFor('multipart/form-data; boundary=other-boundary'));

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/does not contain its boundary "--other-boundary"/);
  });

  it('refuses a body whose header boundary is only a prefix of the one it was written with', async () => {
    // Act
    const error = await decodeError(body, contextFor('multipart/form-data; boundary=simple'));

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('multipart body ends before its closing boundary');
  });

  it('refuses the body cut short at every byte before its closing boundary ends', async () => {
    // Prepare: the body is complete once the closing "--boundary--" is in (the final CRLF is optional).
    const complete = body.length - CRLF.length;

    for (let cut = 0; cut < complete; cut++) {
      // Act
      const error = await decodeError(body.subarray(0, cut), context);

      // Assess
      expect(error, `cut at ${cut} of ${body.length}`).toBeInstanceOf(InvalidArgumentError);
      expect(error.message, `cut at ${cut}`).toMatch(/ends before its closing boundary|does not contain its boundary/);
    }
    expect((await multipartCodec.decode(body.subarray(0, complete), context)).inputs.x.values).toEqual(new Float32Array([1, 2]));
  });

  it('refuses a body without its closing boundary with the exact message', async () => {
    // Prepare
    const open = latin1(`--${boundary}${CRLF}Content-Disposition: form-data; name="x"${CRLF}${CRLF}[1]${CRLF}`);

    // Act
    const error = await decodeError(open, context);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('multipart body ends before its closing boundary');
  });

  it('refuses a part header that never ends', async () => {
    // Prepare
    const broken = latin1(`--${boundary}${CRLF}Content-Disposition form-data${CRLF}--${boundary}--${CRLF}`);

    // Act
    const error = await decodeError(broken, context);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('multipart body has a malformed part header');
  });

  it(`accepts ${MAX_MULTIPART_PARTS} parts and refuses one more`, async () => {
    // Prepare
    const fields = (count: number) =>
      multipartBody(
        boundary,
        Array.from({ length: count }, (_, i) => part([`Content-Disposition: form-data; name="p${i}"`], `${i}`)),
      );

    // Act
    const atLimit = await multipartCodec.decode(fields(MAX_MULTIPART_PARTS), context);
    const error = await decodeError(fields(MAX_MULTIPART_PARTS + 1), context);

    // Assess
    expect(Object.keys(atLimit.parameters!)).toHaveLength(MAX_MULTIPART_PARTS);
    expect(atLimit.parameters!.p999).toBe(999);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(`multipart body has more than ${MAX_MULTIPART_PARTS} parts`);
  });

  it('refuses a part without a name', async () => {
    // Prepare
    const nameless = multipartBody(boundary, [part(['Content-Disposition: form-data; filename="a.bin"'], FILE_BYTES)]);

    // Act
    const error = await decodeError(nameless, context);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/part 1 has no name/);
  });

  it('refuses a field sent twice, and a field sharing its name with a file', async () => {
    // Prepare
    const twice = multipartBody(boundary, [
      part(['Content-Disposition: form-data; name="x"'], '[1]'),
      part(['Content-Disposition: form-data; name="x"'], '[2]'),
    ]);
    const mixed = multipartBody(boundary, [
      part(['Content-Disposition: form-data; name="x"; filename="x.bin"'], FILE_BYTES),
      part(['Content-Disposition: form-data; name="x"'], '[2]'),
    ]);

    // Act
    const twiceError = await decodeError(twice, context);
    const mixedError = await decodeError(mixed, context);

    // Assess
    expect(twiceError).toBeInstanceOf(InvalidArgumentError);
    expect(twiceError.message).toMatch(/field "x" appears more than once/);
    expect(mixedError).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('floatToHalf, as multipart fields use it', () => {
  it('rounds to the nearest binary16, ties to even, with subnormals, infinities, NaN and -0', () => {
    // Prepare
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // a tie, to even
      [3 * 2 ** -25, 0x0002], // a tie, to even
      [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00], // a tie, to even
      [1 + 3 * 2 ** -11, 0x3c02], // a tie, to even
      [-0, 0x8000],
      [NaN, 0x7e00],
    ];

    // Act
    const bits = cases.map(([x]) => halfBits(x));

    // Assess
    expect(bits).toEqual(cases.map(([, expected]) => expected));
  });
});

