/**
 * The Arrow IPC stream codec: streams written by apache-arrow's own builders and writer decode
 * element for element into host tensors, our encoding reads back in apache-arrow, and malformed
 * or cut-short streams are refused with InvalidArgumentError only.
 */
import {
  Binary,
  Bool,
  Dictionary,
  Field,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeBinary,
  LargeUtf8,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  Utf8View,
  makeData,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowCodec } from '../../lib/codecs/arrow.ts';
import type { DecodeContext } from '../../lib/codecs/codec.ts';
import { InvalidArgumentError, NotAcceptableError } from '../../lib/errors.ts';
import type { HostTensor, TensorMap } from '../../lib/tensors/host-tensor.ts';
import { mulberry32 } from '../../scripts/mulberry32.ts';

const CONTEXT: DecodeContext = { mediaType: { essence: 'application/vnd.apache.arrow.stream', params: {} }, inputs: {} };

/** A one-batch table of the given columns, each field optionally with metadata. */
function tableOf(columns: Record<string, Vector>, metadata: Record<string, Record<string, string>> = {}): Table {
  return tableOfBatches([columns], metadata);
}

/** A table with one record batch per entry; every entry has the same columns. */
function tableOfBatches(batches: Record<string, Vector>[], metadata: Record<string, Record<string, string>> = {}): Table {
  const fields = Object.entries(batches[0]).map(
    ([name, vector]) => new Field(name, vector.type, true, new Map(Object.entries(metadata[name] ?? {}))),
  );
  const schema = new Schema(fields);
  const records = batches.map((columns) => {
    const children = Object.values(columns).map((vector) => vector.data[0]);
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: children[0].length, nullCount: 0, children }));
  });
  return new Table(schema, records);
}

function streamOf(columns: Record<string, Vector>, metadata?: Record<string, Record<string, string>>): Uint8Array {
  return tableToIPC(tableOf(columns, metadata), 'stream');
}

function fixedSizeList(size: number, item: DataType): FixedSizeList {
  return new FixedSizeList(size, new Field('item', item, false));
}

async function decode(body: Uint8Array): Promise<TensorMap> {
  return (await arrowCodec.decode(body, CONTEXT)).inputs;
}

async function decodeError(body: Uint8Array): Promise<Error> {
  try {
    await arrowCodec.decode(body, CONTEXT);
  } catch (error) {
    return error as Error;
  }
  throw new Error('decode accepted the body');
}

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('arrow codec: decoding primitive columns', () => {
  it.each([
    ['Float32', new Float32(), [1.5, -0.25, 3.4028234663852886e38], 'DT_FLOAT', new Float32Array([1.5, -0.25, 3.4028234663852886e38])],
    ['Float64', new Float64(), [0.1, -1e300, Number.MIN_VALUE], 'DT_DOUBLE', new Float64Array([0.1, -1e300, Number.MIN_VALUE])],
    // Half floats stay binary16 bits: 1.5 = 0x3e00, -2 = 0xc000, 0.25 = 0x3400.
    ['Float16', new Float16(), [1.5, -2, 0.25], 'DT_HALF', new Uint16Array([0x3e00, 0xc000, 0x3400])],
    ['Int8', new Int8(), [-128, 0, 127], 'DT_INT8', new Int8Array([-128, 0, 127])],
    ['Int16', new Int16(), [-32768, 1, 32767], 'DT_INT16', new Int16Array([-32768, 1, 32767])],
    ['Int32', new Int32(), [-2147483648, 7, 2147483647], 'DT_INT32', new Int32Array([-2147483648, 7, 2147483647])],
    [
      'Int64',
      new Int64(),
      [-9223372036854775808n, -9007199254740993n, 9223372036854775807n],
      'DT_INT64',
      new BigInt64Array([-9223372036854775808n, -9007199254740993n, 9223372036854775807n]),
    ],
    ['Uint8', new Uint8(), [0, 128, 255], 'DT_UINT8', new Uint8Array([0, 128, 255])],
    ['Uint16', new Uint16(), [0, 40000, 65535], 'DT_UINT16', new Uint16Array([0, 40000, 65535])],
    ['Uint32', new Uint32(), [0, 3000000000, 4294967295], 'DT_UINT32', new Uint32Array([0, 3000000000, 4294967295])],
    [
      'Uint64',
      new Uint64(),
      [0n, 9007199254740993n, 18446744073709551615n],
      'DT_UINT64',
      new BigUint64Array([0n, 9007199254740993n, 18446744073709551615n]),
    ],
  ])('reads a %s column as a [rows] tensor of the matching dtype and storage', async (_, type, values, dtype, expected) => {
    // Prepare
    const body = streamOf({ x: vectorFromArray(values as unknown[], type) });

    // Act
    const { x } = await decode(body);

    // Assess
    expect(x.dtype).toBe(dtype);
    expect(x.shape).toEqual([3]);
    expect(x.values).toBeInstanceOf(expected.constructor);
    expect(x.values).toEqual(expected);
  });

  it('unpacks a Bool column across byte boundaries into 0/1 bytes', async () => {
    // Prepare
    const bits = [true, false, true, true, false, false, false, true, true, false, true];
    const body = streamOf({ flag: vectorFromArray(bits, new Bool()) });

    // Act
    const { flag } = await decode(body);

    // Assess
    expect(flag).toEqual({ dtype: 'DT_BOOL', shape: [11], values: new Uint8Array([1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1]) });
  });

  it('returns a single batch of numbers as a view of the body, without copying', async () => {
    // Prepare
    const body = streamOf({ x: vectorFromArray([1, 2, 3, 4], new Float32()) });

    // Act
    const { x } = await decode(body);

    // Assess
    expect(x.values).toEqual(new Float32Array([1, 2, 3, 4]));
    expect((x.values as Float32Array).buffer).toBe(body.buffer);
  });

  it('names each tensor by its column and keeps every column', async () => {
    // Prepare
    const body = streamOf({
      images: vectorFromArray([0.5, 1], new Float32()),
      ids: vectorFromArray([7, 8], new Int32()),
    });

    // Act
    const inputs = await decode(body);

    // Assess
    expect(Object.keys(inputs)).toEqual(['images', 'ids']);
    expect(inputs.images.values).toEqual(new Float32Array([0.5, 1]));
    expect(inputs.ids.values).toEqual(new Int32Array([7, 8]));
  });
});

describe('arrow codec: column names', () => {
  it('keeps a column named "__proto__" as an own entry without touching any prototype', async () => {
    // Prepare
    const body = streamOf(Object.fromEntries([['__proto__', vectorFromArray([1, 2], new Float32())]]));

    // Act
    const inputs = await decode(body);

    // Assess
    expect(Object.getPrototypeOf(inputs)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(inputs, '__proto__')!.value).toEqual({
      dtype: 'DT_FLOAT',
      shape: [2],
      values: new Float32Array([1, 2]),
    });
  });
});

describe('arrow codec: decoding lists and strings', () => {
  it('reads a FixedSizeList column as a [rows, listSize] tensor', async () => {
    // Prepare
    const body = streamOf({
      x: vectorFromArray([[1, 2, 3], [4, 5, 6]], fixedSizeList(3, new Float32())),
    });

    // Act
    const { x } = await decode(body);

    // Assess
    expect(x).toEqual({ dtype: 'DT_FLOAT', shape: [2, 3], values: new Float32Array([1, 2, 3, 4, 5, 6]) });
  });

  it('reads a FixedSizeList of FixedSizeLists as a [rows, outer, inner] tensor', async () => {
    // Prepare
    const type = fixedSizeList(2, fixedSizeList(3, new Int16()));
    const rows = [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [-1, -2, -3],
        [-4, -5, -6],
      ],
    ];
    const body = streamOf({ x: vectorFromArray(rows, type) });

    // Act
    const { x } = await decode(body);

    // Assess
    expect(x).toEqual({
      dtype: 'DT_INT16',
      shape: [2, 2, 3],
      values: new Int16Array([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]),
    });
  });

  it('reshapes a flat FixedSizeList by its field metadata "shape"', async () => {
    // Prepare
    const values = Array.from({ length: 2 }, (_, row) => Array.from({ length: 6 }, (_, i) => row * 10 + i));
    const body = streamOf({ x: vectorFromArray(values, fixedSizeList(6, new Uint8())) }, { x: { shape: '[2,3]' } });

    // Act
    const { x } = await decode(body);

    // Assess
    expect(x).toEqual({
      dtype: 'DT_UINT8',
      shape: [2, 2, 3],
      values: new Uint8Array([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]),
    });
  });

  it('reads a FixedSizeList of Bools as a [rows, listSize] DT_BOOL tensor', async () => {
    // Prepare
    const body = streamOf({
      mask: vectorFromArray([[true, false, true], [false, false, true]], fixedSizeList(3, new Bool())),
    });

    // Act
    const { mask } = await decode(body);

    // Assess
    expect(mask).toEqual({ dtype: 'DT_BOOL', shape: [2, 3], values: new Uint8Array([1, 0, 1, 0, 0, 1]) });
  });

  it.each([
    ['Utf8', new Utf8()],
    ['LargeUtf8', new LargeUtf8()],
  ])('reads a %s column as a DT_STRING tensor of UTF-8 bytes', async (_, type) => {
    // Prepare
    const body = streamOf({ text: vectorFromArray(['héllo', '', '😀 ok'], type) });

    // Act
    const { text } = await decode(body);

    // Assess
    expect(text).toEqual({ dtype: 'DT_STRING', shape: [3], values: [utf8('héllo'), utf8(''), utf8('😀 ok')] });
  });

  it.each([
    ['Binary', new Binary()],
    ['LargeBinary', new LargeBinary()],
  ])('reads a %s column as a DT_STRING tensor of its exact bytes', async (_, type) => {
    // Prepare
    const blobs = [new Uint8Array([0x00, 0xff, 0x0d, 0x0a]), new Uint8Array([]), new Uint8Array([0x89, 0x50, 0x4e, 0x47])];
    const body = streamOf({ blob: vectorFromArray(blobs, type) });

    // Act
    const { blob } = await decode(body);

    // Assess
    expect(blob).toEqual({ dtype: 'DT_STRING', shape: [3], values: blobs });
  });

  it('reads a FixedSizeList of Utf8 as a [rows, listSize] DT_STRING tensor', async () => {
    // Prepare
    const body = streamOf({ words: vectorFromArray([['a', 'bc'], ['def', 'g']], fixedSizeList(2, new Utf8())) });

    // Act
    const { words } = await decode(body);

    // Assess
    expect(words).toEqual({ dtype: 'DT_STRING', shape: [2, 2], values: ['a', 'bc', 'def', 'g'].map(utf8) });
  });

  it('concatenates several record batches in order', async () => {
    // Prepare
    const table = tableOfBatches([
      {
        x: vectorFromArray([[1, 2], [3, 4]], fixedSizeList(2, new Float64())),
        ok: vectorFromArray([true, false], new Bool()),
        name: vectorFromArray(['a', 'b'], new Utf8()),
      },
      {
        x: vectorFromArray([[5, 6]], fixedSizeList(2, new Float64())),
        ok: vectorFromArray([true], new Bool()),
        name: vectorFromArray(['c'], new Utf8()),
      },
      {
        x: vectorFromArray([[7, 8], [9, 10], [11, 12]], fixedSizeList(2, new Float64())),
        ok: vectorFromArray([false, false, true], new Bool()),
        name: vectorFromArray(['d', 'e', 'f'], new Utf8()),
      },
    ]);
    const body = tableToIPC(table, 'stream');

    // Act
    const inputs = await decode(body);

    // Assess
    expect(inputs.x).toEqual({
      dtype: 'DT_DOUBLE',
      shape: [6, 2],
      values: new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    });
    expect(inputs.ok).toEqual({ dtype: 'DT_BOOL', shape: [6], values: new Uint8Array([1, 0, 1, 0, 0, 1]) });
    expect(inputs.name).toEqual({ dtype: 'DT_STRING', shape: [6], values: ['a', 'b', 'c', 'd', 'e', 'f'].map(utf8) });
  });

  it('reads a table sliced at a non-zero offset as exactly the sliced rows', async () => {
    // Prepare
    const table = tableOf({
      x: vectorFromArray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], new Float32()),
      flag: vectorFromArray([true, true, true, false, true, false, false, true, true, false], new Bool()),
      text: vectorFromArray(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], new Utf8()),
      pair: vectorFromArray(
        Array.from({ length: 10 }, (_, i) => [i, -i]),
        fixedSizeList(2, new Int32()),
      ),
    }).slice(3, 8);
    expect(table.getChildAt(0)!.data[0].offset).toBe(3);
    const body = tableToIPC(table, 'stream');

    // Act
    const inputs = await decode(body);

    // Assess
    expect(inputs.x).toEqual({ dtype: 'DT_FLOAT', shape: [5], values: new Float32Array([3, 4, 5, 6, 7]) });
    expect(inputs.flag).toEqual({ dtype: 'DT_BOOL', shape: [5], values: new Uint8Array([0, 1, 0, 0, 1]) });
    expect(inputs.text).toEqual({ dtype: 'DT_STRING', shape: [5], values: ['d', 'e', 'f', 'g', 'h'].map(utf8) });
    expect(inputs.pair).toEqual({
      dtype: 'DT_INT32',
      shape: [5, 2],
      values: new Int32Array([3, -3, 4, -4, 5, -5, 6, -6, 7, -7]),
    });
  });

  it('reads a stream with a schema and no record batches as tensors of zero rows', async () => {
    // Prepare
    const x = new Field('x', fixedSizeList(4, new Float32()), false, new Map([['shape', '[2,2]']]));
    const body = tableToIPC(new Table(new Schema([x]), []), 'stream');

    // Act
    const inputs = await decode(body);

    // Assess
    expect(inputs.x).toEqual({ dtype: 'DT_FLOAT', shape: [0, 2, 2], values: new Float32Array(0) });
  });
});

describe('arrow codec: encoding', () => {
  const outputs: TensorMap = {
    float: { dtype: 'DT_FLOAT', shape: [2], values: new Float32Array([0.5, -1.25]) },
    double: { dtype: 'DT_DOUBLE', shape: [2, 2], values: new Float64Array([0.1, 0.2, 0.3, 0.4]) },
    half: { dtype: 'DT_HALF', shape: [2], values: new Uint16Array([0x3c00, 0xfc00]) },
    int8: { dtype: 'DT_INT8', shape: [2], values: new Int8Array([-128, 127]) },
    int16: { dtype: 'DT_INT16', shape: [2], values: new Int16Array([-32768, 32767]) },
    int32: { dtype: 'DT_INT32', shape: [2, 1], values: new Int32Array([-5, 5]) },
    int64: { dtype: 'DT_INT64', shape: [2], values: new BigInt64Array([-9223372036854775808n, 9007199254740993n]) },
    uint8: { dtype: 'DT_UINT8', shape: [2], values: new Uint8Array([0, 255]) },
    uint16: { dtype: 'DT_UINT16', shape: [2], values: new Uint16Array([1, 65535]) },
    uint32: { dtype: 'DT_UINT32', shape: [2], values: new Uint32Array([0, 4294967295]) },
    uint64: { dtype: 'DT_UINT64', shape: [2], values: new BigUint64Array([0n, 18446744073709551615n]) },
    bool: { dtype: 'DT_BOOL', shape: [2, 5], values: new Uint8Array([1, 0, 0, 1, 1, 0, 1, 1, 0, 1]) },
    bytes: { dtype: 'DT_STRING', shape: [2], values: [new Uint8Array([0, 255, 13, 10]), utf8('é')] },
    image: {
      dtype: 'DT_FLOAT',
      shape: [2, 2, 3, 1],
      values: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    },
  } as TensorMap;

  it('round-trips every dtype and rank through encode and decode', async () => {
    // Act
    const decoded = await decode(arrowCodec.encode!(outputs));

    // Assess
    expect(Object.keys(decoded)).toEqual(Object.keys(outputs));
    for (const [name, tensor] of Object.entries(outputs)) expect(decoded[name], name).toEqual(tensor);
  });

  it('writes a stream apache-arrow reads back: primitive, FixedSizeList with "shape" metadata, Binary', () => {
    // Act
    const table = tableFromIPC(arrowCodec.encode!(outputs));

    // Assess
    expect(table.numRows).toBe(2);
    const field = (name: string) => table.schema.fields.find((candidate) => candidate.name === name)!;
    expect(String(field('float').type)).toBe('Float32');
    expect(field('float').metadata.has('shape')).toBe(false);
    expect([...table.getChild('float')!]).toEqual([0.5, -1.25]);
    expect(String(field('image').type)).toBe('FixedSizeList[6]<Float32>');
    expect(field('image').metadata.get('shape')).toBe('[2,3,1]');
    expect([...table.getChild('image')!.get(1)!]).toEqual([7, 8, 9, 10, 11, 12]);
    expect(String(field('half').type)).toBe('Float16');
    expect([...table.getChild('half')!]).toEqual([1, -Infinity]);
    expect(String(field('int64').type)).toBe('Int64');
    expect([...table.getChild('int64')!]).toEqual([-9223372036854775808n, 9007199254740993n]);
    expect(String(field('bool').type)).toBe('FixedSizeList[5]<Bool>');
    expect([...table.getChild('bool')!.get(0)!]).toEqual([true, false, false, true, true]);
    expect(String(field('bytes').type)).toBe('Binary');
    expect([...table.getChild('bytes')!]).toEqual([new Uint8Array([0, 255, 13, 10]), utf8('é')]);
    expect(table.schema.fields.every((candidate) => !candidate.nullable)).toBe(true);
  });

  it('writes outputs with zero rows', async () => {
    // Prepare
    const empty: TensorMap = { x: { dtype: 'DT_FLOAT', shape: [0, 3], values: new Float32Array(0) } };

    // Act
    const decoded = await decode(arrowCodec.encode!(empty));

    // Assess
    expect(decoded.x).toEqual({ dtype: 'DT_FLOAT', shape: [0, 3], values: new Float32Array(0) });
  });

  it('refuses with NotAcceptableError outputs whose first dimensions differ, naming them', () => {
    // Prepare
    const mismatched: TensorMap = {
      scores: { dtype: 'DT_FLOAT', shape: [3], values: new Float32Array(3) },
      labels: { dtype: 'DT_INT32', shape: [2], values: new Int32Array(2) } as HostTensor,
    };

    // Act
    const act = () => arrowCodec.encode!(mismatched);

    // Assess
    expect(act).toThrow(NotAcceptableError);
    expect(act).toThrow(/"scores" 3, "labels" 2/);
  });

  it('refuses with NotAcceptableError a scalar output, which has no rows', () => {
    // Prepare
    const scalar: TensorMap = { total: { dtype: 'DT_FLOAT', shape: [], values: new Float32Array([1]) } };

    // Act
    const act = () => arrowCodec.encode!(scalar);

    // Assess
    expect(act).toThrow(NotAcceptableError);
    expect(act).toThrow(/"total" is a scalar/);
  });
});

describe('arrow codec: malformed bodies', () => {
  const valid = tableToIPC(
    tableOfBatches([
      {
        x: vectorFromArray([[1, 2], [3, 4]], fixedSizeList(2, new Float32())),
        s: vectorFromArray(['ab', 'c'], new Utf8()),
      },
      {
        x: vectorFromArray([[5, 6]], fixedSizeList(2, new Float32())),
        s: vectorFromArray(['d'], new Utf8()),
      },
    ]),
    'stream',
  );

  it('refuses random bytes with InvalidArgumentError', async () => {
    // Prepare
    const random = mulberry32(7);
    for (const length of [0, 1, 7, 8, 64, 1000]) {
      const body = Uint8Array.from({ length }, () => random() & 0xff);

      // Act
      const error = await decodeError(body);

      // Assess
      expect(error, `${length} random bytes`).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('refuses the stream cut short at every byte with InvalidArgumentError', async () => {
    for (let cut = 0; cut < valid.length; cut++) {
      // Act
      const error = await decodeError(valid.subarray(0, cut));

      // Assess
      expect(error, `cut at ${cut} of ${valid.length}`).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('says a stream cut right after a message (before its end-of-stream marker) is cut short', async () => {
    // Prepare
    const withoutEos = valid.subarray(0, valid.length - 8);

    // Act
    const error = await decodeError(withoutEos);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/cut short.*end-of-stream marker/);
  });

  it('refuses corrupted streams with InvalidArgumentError and nothing else', async () => {
    // Prepare
    const random = mulberry32(11);
    for (let trial = 0; trial < 300; trial++) {
      const body = valid.slice();
      for (let flips = 1 + (random() % 4); flips > 0; flips--) body[random() % body.length] = random() & 0xff;

      // Act
      let error: unknown;
      try {
        await arrowCodec.decode(body, CONTEXT);
      } catch (caught) {
        error = caught;
      }

      // Assess: a flip may land in padding and leave a valid stream; otherwise only InvalidArgumentError.
      if (error !== undefined) expect(error, `trial ${trial}`).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('refuses, without looping over it, a record batch whose metadata claims 2^31 - 1 field nodes', async () => {
    // Prepare: the first batch's nodes vector is [3][x: 2 rows][x's items: 4][s: 2 rows], 16 bytes a node.
    const node = (length: number) => [length, 0, 0, 0, 0, 0, 0, 0, ...new Array(8).fill(0)];
    const nodes = [3, 0, 0, 0, ...node(2), ...node(4), ...node(2)];
    const at = Buffer.from(valid).indexOf(Buffer.from(nodes));
    expect(at).toBeGreaterThan(0);
    const body = valid.slice();
    new DataView(body.buffer).setUint32(at, 0x7fffffff, true);

    // Act
    const started = performance.now();
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/metadata of message 1 .* is corrupt: a vector of 2147483647 elements/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses bytes after the end-of-stream marker', async () => {
    // Prepare
    const body = new Uint8Array([...valid, 1, 2, 3]);

    // Act
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/3 bytes after its end-of-stream marker/);
  });

  it('refuses the Arrow file format, pointing to the stream format', async () => {
    // Prepare
    const body = tableToIPC(tableOf({ x: vectorFromArray([1], new Float32()) }), 'file');

    // Act
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/file format.*application\/vnd\.apache\.arrow\.stream/);
  });

  it('refuses a column with nulls, naming it', async () => {
    // Prepare
    const body = streamOf({ scores: vectorFromArray([1, null, 3], new Float32()) });

    // Act
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/"scores" has 1 null value/);
  });

  it('refuses nulls inside and among FixedSizeLists, naming the column', async () => {
    // Prepare
    const inner = streamOf({ x: vectorFromArray([[1, null], [3, 4]], new FixedSizeList(2, new Field('item', new Float32(), true))) });
    const outer = streamOf({ y: vectorFromArray([[1, 2], null], fixedSizeList(2, new Float32())) });

    // Act
    const innerError = await decodeError(inner);
    const outerError = await decodeError(outer);

    // Assess
    expect(innerError).toBeInstanceOf(InvalidArgumentError);
    expect(innerError.message).toMatch(/"x" has 1 null value inside its lists/);
    expect(outerError).toBeInstanceOf(InvalidArgumentError);
    expect(outerError.message).toMatch(/"y" has 1 null value/);
  });

  it.each([
    ['Struct', vectorFromArray([{ a: 1 }, { a: 2 }]), /"col" has type Struct/],
    ['Dictionary', vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32())), /"col" has type Dictionary/],
    ['Utf8View', vectorFromArray(['a', 'b'], new Utf8View()), /"col" has type Utf8View/],
    ['FixedSizeList of Struct', vectorFromArray([[{ a: 1 }]], fixedSizeList(1, new Struct([new Field('a', new Float64())]))), /"col" has type FixedSizeList/],
  ])('refuses a %s column as not a tensor, naming it', async (_, vector, message) => {
    // Prepare
    const body = streamOf({ col: vector as Vector });

    // Act
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['a product different from the list size', '[2,2]', /"x": field metadata "shape" \[2,2\] holds 4 values per row, but the column's lists hold 6/],
    ['not JSON', '[2,3', /"x": field metadata "shape" is not JSON/],
    ['not a list of dims', '{"dims":[2,3]}', /"x": field metadata "shape" must be a JSON list of non-negative integers/],
    ['negative dims', '[-2,-3]', /must be a JSON list of non-negative integers/],
  ])('refuses "shape" metadata with %s', async (_, shape, message) => {
    // Prepare
    const body = streamOf({ x: vectorFromArray([[1, 2, 3, 4, 5, 6]], fixedSizeList(6, new Float32())) }, { x: { shape } });

    // Act
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(message);
  });

  it('refuses two columns of the same name', async () => {
    // Prepare
    const fields = [new Field('x', new Float32()), new Field('x', new Float32())];
    const children = [vectorFromArray([1], new Float32()).data[0], vectorFromArray([2], new Float32()).data[0]];
    const schema = new Schema(fields);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }));
    const body = tableToIPC(new Table(schema, [batch]), 'stream');

    // Act
    const error = await decodeError(body);

    // Assess
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/more than one column named "x"/);
  });
});
