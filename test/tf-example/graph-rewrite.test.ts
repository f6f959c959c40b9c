/**
 * tf.Example parsing replaced before the graph, for both parser ops TF writes: ParseExample (TF1
 * estimators) and ParseExampleV2 (`tf.io.parse_example` in TF2). Hand-built graphs with the ops'
 * input and output layouts as TensorFlow's op definitions give them, served through
 * TF Serving's regress API (JSON examples) through the app.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.ts';
import { REGRESS_METHOD, type SignatureMap } from '../../lib/tensors/signature.ts';
import type { HostTensor } from '../../lib/tensors/host-tensor.ts';
import { loadImportedGraph } from '../../lib/engine/tfjs/load-graph.ts';
import type { AttrValue, GraphNode } from '../../lib/graph/graph.ts';
import { replaceExampleParsers } from '../../lib/tf-example/graph-rewrite.ts';
import { createApp } from '../../lib/http/app.ts';
import { ModelService } from '../../lib/service/model-service.ts';

const encode = (text: string) => new TextEncoder().encode(text);
const constant = (name: string, value: HostTensor): GraphNode => ({ name, op: 'Const', inputs: [], attrs: { dtype: { kind: 'type', value: value.dtype }, value: { kind: 'tensor', value } } });
const strings = (name: string, values: string[]) => constant(name, { dtype: 'DT_STRING', shape: [values.length], values: values.map(encode) });
const floats = (name: string, values: number[]) => constant(name, { dtype: 'DT_FLOAT', shape: [values.length], values: Float32Array.from(values) });
const typeList = (types: string[]): AttrValue => ({ kind: 'list', types });
const shapeList = (shapes: number[][]): AttrValue => ({ kind: 'list', shapes });

/** y = x + z over parsed features x (required) and z (default 7); `parser` builds the parse node. */
function graph(parser: GraphNode, extra: GraphNode[]): { nodes: GraphNode[]; signatures: SignatureMap } {
  const nodes: GraphNode[] = [
    { name: 'serialized', op: 'Placeholder', inputs: [], attrs: { dtype: { kind: 'type', value: 'DT_STRING' } } },
    strings('names', []),
    floats('x_default', []),
    floats('z_default', [7]),
    ...extra,
    parser,
    { name: 'y', op: 'AddV2', inputs: ['parse', 'parse:1'], attrs: { T: { kind: 'type', value: 'DT_FLOAT' } } },
  ];
  const signatures: SignatureMap = {
    regress: {
      methodName: REGRESS_METHOD,
      inputs: { inputs: { tensorName: 'serialized:0', dtype: 'DT_STRING', shape: [-1] } },
      outputs: { outputs: { tensorName: 'y:0', dtype: 'DT_FLOAT', shape: [-1, 1] } },
    },
  };
  return { nodes, signatures };
}

function parseExampleV2(numSparse = 0, raggedTypes: string[] = []): ReturnType<typeof graph> {
  return graph(
    {
      name: 'parse',
      op: 'ParseExampleV2',
      inputs: ['serialized', 'names', 'sparse_keys', 'dense_keys', 'ragged_keys', 'x_default', 'z_default'],
      attrs: {
        Tdense: typeList(['DT_FLOAT', 'DT_FLOAT']),
        num_sparse: { kind: 'int', value: numSparse },
        sparse_types: typeList(numSparse ? ['DT_INT64'] : []),
        ragged_value_types: typeList(raggedTypes),
        ragged_split_types: typeList(raggedTypes.map(() => 'DT_INT64')),
        dense_shapes: shapeList([[1], [1]]),
      },
    },
    [strings('sparse_keys', numSparse ? ['s'] : []), strings('dense_keys', ['x', 'z']), strings('ragged_keys', raggedTypes.map((_, i) => `r${i}`))],
  );
}

function parseExampleV1(): ReturnType<typeof graph> {
  return graph(
    {
      name: 'parse',
      op: 'ParseExample',
      inputs: ['serialized', 'names', 'key_x', 'key_z', 'x_default', 'z_default'],
      attrs: { Nsparse: { kind: 'int', value: 0 }, Ndense: { kind: 'int', value: 2 }, Tdense: typeList(['DT_FLOAT', 'DT_FLOAT']), dense_shapes: shapeList([[1], [1]]), sparse_types: typeList([]) },
    },
    [strings('key_x', ['x']), strings('key_z', ['z'])],
  );
}

let base: string;

beforeAll(async () => {
  await initBackend(process.env.LAMBDA_SERVING_BACKEND ?? 'wasm', () => {});
  base = await mkdtemp(path.join(os.tmpdir(), 'example-parsing-'));
  await mkdir(path.join(base, '1'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('tf.Example parsers replaced before the graph', () => {
  for (const [op, build] of [['ParseExampleV2', parseExampleV2], ['ParseExample', parseExampleV1]] as const) {
    it(`${op}: regress takes JSON examples, applies the defaults and refuses a missing required feature`, async () => {
      const { nodes, signatures } = build();
      const replaced = replaceExampleParsers(nodes, signatures);
      expect(signatures.regress.unavailable).toBeUndefined();
      expect(signatures.regress.examples!.features.map((f) => [f.key, f.shape, f.defaultValue && Array.from(f.defaultValue.values as Float32Array)])).toEqual([
        ['x', [1], null],
        ['z', [1], [7]],
      ]);
      const service = new ModelService({ name: 'm', basePath: base, loader: () => loadImportedGraph({ source: 'test', nodes: replaced, signatures }, 'm') });
      const app = createApp([service]);
      const regress = async (body: unknown) => {
        const response = await app.fetch(new Request('http://localhost/v1/models/m:regress', { method: 'POST', body: JSON.stringify(body) }));
        return { status: response.status, text: await response.text() };
      };
      expect(await regress({ signature_name: 'regress', examples: [{ x: 2.0 }, { x: 1.0, z: 0.5 }] })).toEqual({ status: 200, text: '{"results":[9.0,1.5]}' });
      const missing = await regress({ signature_name: 'regress', examples: [{ z: 1.0 }] });
      expect(missing.status).toBe(400);
      expect(missing.text).toMatch(/'x'/);
    });
  }

  it('ParseExampleV2 with sparse or ragged features leaves the signature listed but unavailable, saying why', () => {
    const sparse = parseExampleV2(1);
    replaceExampleParsers(sparse.nodes, sparse.signatures);
    expect(sparse.signatures.regress.unavailable).toBe('its graph parses tf.Example protos with sparse features (at parse), which are not supported yet');
    const ragged = parseExampleV2(0, ['DT_FLOAT']);
    replaceExampleParsers(ragged.nodes, ragged.signatures);
    expect(ragged.signatures.regress.unavailable).toBe('its graph parses tf.Example protos with ragged features (at parse), which are not supported yet');
  });
});
