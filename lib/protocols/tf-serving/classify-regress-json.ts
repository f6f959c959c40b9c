/**
 * TF Serving's classify and regress response bodies: `{"results": [[[label, score], ...], ...]}`
 * and `{"results": [value, ...]}`, from the signature's `classes`/`scores` or `outputs` tensors.
 * @module codecs/classify-regress-json
 */
import { InternalError } from '../../errors.ts';
import { numbersOf, type TensorMap } from '../../tensors/host-tensor.ts';
import { formatFloat32, stringifyJson } from '../../codecs/tensor-json.ts';

export function encodeClassifyResponse(outputs: TensorMap, count: number): string {
  const { classes, scores } = outputs;
  if (!classes && !scores) throw new InternalError("A classify signature needs a 'classes' or 'scores' output");
  const perExample = (scores ?? classes)!.values.length / count;
  const labels = classes?.values as Uint8Array[] | undefined;
  const values = scores && numbersOf(scores);
  const results: string[] = [];
  for (let i = 0; i < count; i++) {
    const pairs: string[] = [];
    for (let j = 0; j < perExample; j++) {
      const label = stringifyJson(labels ? new TextDecoder().decode(labels[i * perExample + j]) : '');
      pairs.push(values ? `[${label},${formatFloat32(values[i * perExample + j])}]` : `[${label}]`);
    }
    results.push(`[${pairs.join(',')}]`);
  }
  return `{"results":[${results.join(',')}]}`;
}

export function encodeRegressResponse(outputs: TensorMap, count: number): string {
  const tensor = outputs.outputs;
  if (!tensor || tensor.values.length !== count) {
    throw new InternalError("A regress signature needs an 'outputs' tensor with one value per example");
  }
  const values = Array.from(numbersOf(tensor), formatFloat32);
  return `{"results":[${values.join(',')}]}`;
}
