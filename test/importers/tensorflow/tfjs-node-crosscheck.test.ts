/**
 * Where `@tensorflow/tfjs-node` loads natively (libtensorflow present, e.g. a container image),
 * every SavedModel fixture must give the same outputs through our pure-TypeScript importer as
 * through TensorFlow itself (`tf.node.loadSavedModel`). Elsewhere this says why it is skipped.
 */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../lib/engine/load-model.ts';
import type { HostTensor } from '../../../lib/tensors/host-tensor.ts';
import { fixture, HAVE_FIXTURES } from '../../support/fixtures.ts';

type TfNode = {
  node: { loadSavedModel(dir: string, tags: string[], signature: string): Promise<{ predict(inputs: Record<string, unknown>): unknown; dispose(): void }> };
  tensor(values: number[], shape: number[], dtype: string): { dataSync(): ArrayLike<number> };
};

const tfNode = await import('@tensorflow/tfjs-node' as string).then(
  (module: unknown) => ((module as { default?: TfNode }).default ?? module) as TfNode,
  (error: Error) => error,
);
const reason = !HAVE_FIXTURES
  ? '../shared/fixtures is absent'
  : tfNode instanceof Error
    ? `@tensorflow/tfjs-node does not load here (${tfNode.message.split('\n')[0]}); its native libtensorflow cannot be installed`
    : '';

/** Fixture, input name, dtype, shape, values — one float or int input per model. */
const CASES: [string, string, 'DT_FLOAT' | 'DT_INT32', number[], number[]][] = [
  ['tfjs-node/saved_model/times_three_float', 'x', 'DT_FLOAT', [3], [1, 2, 3]],
  ['tfjs-node/saved_model/times_two_int', 'x', 'DT_INT32', [3], [1, 2, 3]],
  ['keras-savedmodel/cppflow-keras/load_model/model', 'input_1', 'DT_FLOAT', [2, 5], [1, 1, 1, 1, 1, 0.5, -1, 2, 0, 3]],
  ['keras-savedmodel/scisharp-mnist-mlp/simple_model_from_auto_compile', 'input_1', 'DT_FLOAT', [1, 28, 28, 1], Array.from({ length: 784 }, (_, i) => (i % 29) / 29)],
];

if (reason) console.log(`tfjs-node cross-check skipped: ${reason}`);

describe.skipIf(reason !== '')(`outputs equal TensorFlow's own${reason ? ` (skipped: ${reason})` : ''}`, () => {
  for (const [relative, input, dtype, shape, values] of CASES) {
    it(relative, async () => {
      const tf = tfNode as TfNode;
      const reference = await tf.node.loadSavedModel(fixture(relative), ['serve'], 'serving_default');
      type Tensor = { dataSync(): ArrayLike<number> };
      const expected = reference.predict({ [input]: tf.tensor(values, shape, dtype === 'DT_FLOAT' ? 'float32' : 'int32') }) as Tensor | Record<string, Tensor>;
      const ours = await loadModel(fixture(relative));
      const host: HostTensor = { dtype, shape, values: dtype === 'DT_FLOAT' ? new Float32Array(values) : new Int32Array(values) };
      const actual = await ours.run('serving_default', { [input]: host });
      const expectedByName: Record<string, Tensor> = typeof expected.dataSync === 'function'
        ? { [Object.keys(actual)[0]]: expected as Tensor }
        : (expected as Record<string, Tensor>);
      for (const [name, tensor] of Object.entries(actual)) {
        const want = Array.from(expectedByName[name].dataSync());
        Array.from(tensor.values as ArrayLike<number>).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]))));
      }
      reference.dispose();
      ours.dispose();
    });
  }
});
