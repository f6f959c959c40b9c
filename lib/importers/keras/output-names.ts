/**
 * Keras names a model's outputs after their layers; a layer with several outputs (Bidirectional
 * with merge_mode=None or return_state, an RNN with return_state) repeats its name, and Keras
 * (`Functional._set_output_names`) makes them `<layer>`, `<layer>_1`, … Both Keras paths (tfjs-layers
 * and the graph) use this, so either serves the same signature.
 * @module importers/keras/output-names
 */
export function uniqueOutputNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 1; seen.has(candidate); n++) candidate = `${name}_${n}`;
    seen.add(candidate);
    return candidate;
  });
}
