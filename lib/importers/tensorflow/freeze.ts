/**
 * Freezing: variables become constants holding their checkpoint values, so the graph needs no
 * variable ops (which no engine here runs).
 * @module importers/tensorflow/freeze
 */
import { FailedPreconditionError } from '../../errors.ts';
import type { HostTensor } from '../../tensors/host-tensor.ts';
import { constNode, type GraphNode } from '../../graph/graph.ts';
import type { CheckpointReader } from './checkpoint.ts';
import { dtypeOf } from './mapper.ts';

const VARIABLE_OPS = new Set(['VariableV2', 'Variable', 'VarHandleOp']);

/**
 * Replaces TF1 variables (`VariableV2`/`Variable`, checkpoint key = node name) and resource
 * variables (`VarHandleOp`, key = its `shared_name`, else node name) read by `ReadVariableOp` with
 * constants. Variables missing from the checkpoint are left as they are: if a served output
 * depends on one, loading fails naming the op.
 */
export async function freezeVariables(
  nodes: GraphNode[],
  checkpoint: CheckpointReader | undefined,
  /** Variable node → checkpoint key where the name is not the key (TF2: see restore-map.ts). */
  keys: Map<string, string> = new Map(),
): Promise<GraphNode[]> {
  if (!checkpoint) return nodes;
  const frozen = new Map<string, GraphNode>();
  for (const node of nodes) {
    if (!VARIABLE_OPS.has(node.op)) continue;
    const sharedName = node.attrs.shared_name;
    const key = keys.get(node.name) ?? (node.op === 'VarHandleOp' && sharedName?.kind === 'string' && sharedName.value.length
      ? Buffer.from(sharedName.value).toString('utf8')
      : node.name);
    if (!checkpoint.has(key)) continue;
    const value = await checkpoint.read(key).catch((error: Error) => {
      throw new FailedPreconditionError(`Cannot read variable ${key} from the checkpoint: ${error.message}`);
    });
    const tensor: HostTensor = { dtype: dtypeOf(value.dtype), shape: value.shape, values: value.values as HostTensor['values'] };
    frozen.set(node.name, constNode(node.name, tensor));
  }
  return nodes.map((node) => {
    const constant = frozen.get(node.name);
    if (constant) return constant;
    // Reading a frozen resource variable is just passing the constant on.
    if (node.op === 'ReadVariableOp' && frozen.has(node.inputs[0]?.replace(/^\^/, ''))) {
      return { name: node.name, op: 'Identity', inputs: node.inputs, attrs: { T: node.attrs.dtype } };
    }
    return node;
  });
}
