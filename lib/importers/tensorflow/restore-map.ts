/**
 * Which checkpoint key holds each TF2 resource variable. TF2 keys are object paths
 * (`layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`), not variable names; the SavedModel's
 * own restore function says which key is assigned to which `VarHandleOp`, so read it from there.
 * @module importers/tensorflow/restore-map
 */
import { parseInput, type GraphNode } from '../../graph/graph.ts';
import { mapNode } from './mapper.ts';
import type { FunctionDefProto } from './proto.ts';

/** Main-graph variable node name → checkpoint key, from the restore op (`saver_def.restore_op_name`). */
export function restoredVariableKeys(graph: GraphNode[], functions: FunctionDefProto[], restoreOpName: string): Map<string, string> {
  const keys = new Map<string, string>();
  const restore = graph.find((node) => node.name === parseInput(restoreOpName).node);
  const f = restore?.attrs.f;
  if (!restore || f?.kind !== 'func') return keys;
  const fn = functions.find((candidate) => candidate.signature.name === f.name);
  if (!fn) return keys;
  const dataInputs = restore.inputs.filter((input) => !input.startsWith('^'));
  const argToOuter = new Map(fn.signature.input_arg.map((arg, i) => [arg.name, parseInput(dataInputs[i] ?? '').node]));
  const body = new Map(fn.node_def.map((node) => [node.name, mapNode(node)]));

  for (const node of body.values()) {
    if (node.op !== 'AssignVariableOp') continue;
    const variable = argToOuter.get(node.inputs[0]);
    const key = variable && restoredKey(node.inputs[1], body);
    if (variable && key) keys.set(variable, key);
  }
  return keys;
}

/** Follows `Identity` back to `RestoreV2:tensors:i` and reads the i-th of its tensor_names. */
function restoredKey(input: string | undefined, body: Map<string, GraphNode>): string | undefined {
  let current = input;
  for (let hops = 0; current && hops < 16; hops++) {
    const [name, , index] = current.split(':');
    const node = body.get(name);
    if (!node) return undefined;
    if (node.op === 'Identity') {
      current = node.inputs[0];
      continue;
    }
    if (node.op !== 'RestoreV2') return undefined;
    const names = body.get(node.inputs[1]?.split(':')[0] ?? '');
    const tensor = names?.attrs.value;
    if (tensor?.kind !== 'tensor' || !Array.isArray(tensor.value.values)) return undefined;
    const bytes = tensor.value.values[Number(index ?? 0)];
    return bytes ? new TextDecoder().decode(bytes) : undefined;
  }
  return undefined;
}
