/**
 * Decoded protobuf messages → the engine-neutral graph: NodeDefs to GraphNodes (attributes
 * decoded), SignatureDefs to TF Serving signatures.
 * @module importers/tensorflow/mapper
 */
import type { Signature, SignatureMap, TensorSpec } from '../../tensors/signature.ts';
import { DTYPES, type DType, type HostTensor } from '../../tensors/host-tensor.ts';
import type { AttrValue, GraphNode } from '../../graph/graph.ts';
import {
  shapeDims,
  tensorProtoValues,
  type AttrValueProto,
  type NodeDefProto,
  type SignatureDefProto,
  type TensorInfoProto,
  type TensorProtoMsg,
} from './proto.ts';

export function mapNode(node: NodeDefProto): GraphNode {
  const attrs: Record<string, AttrValue> = {};
  for (const [name, value] of Object.entries(node.attr)) attrs[name] = mapAttr(value, `${node.name}.${name}`);
  return { name: node.name, op: node.op, inputs: [...node.input], attrs };
}

export function mapAttr(value: AttrValueProto, where: string): AttrValue {
  switch (value.kind) {
    case 's':
      return { kind: 'string', value: value.s };
    case 'i':
      return { kind: 'int', value: Number(value.i) };
    case 'f':
      return { kind: 'float', value: value.f };
    case 'b':
      return { kind: 'bool', value: value.b };
    case 'type':
      return { kind: 'type', value: value.type };
    case 'shape':
      return { kind: 'shape', value: shapeDims(value.shape) };
    case 'tensor':
      return { kind: 'tensor', value: hostTensor(value.tensor, where) };
    case 'func':
      return {
        kind: 'func',
        name: value.func.name,
        attrs: Object.fromEntries(Object.entries(value.func.attr).map(([k, v]) => [k, mapAttr(v, `${where}.${k}`)])),
      };
    case 'list': {
      const list = value.list;
      return {
        kind: 'list',
        ...(list.i.length ? { ints: list.i.map(Number) } : {}),
        ...(list.f.length ? { floats: list.f } : {}),
        ...(list.b.length ? { bools: list.b } : {}),
        ...(list.s.length ? { strings: list.s } : {}),
        ...(list.type.length ? { types: list.type } : {}),
        ...(list.shape.length ? { shapes: list.shape.map(shapeDims) } : {}),
      };
    }
    default:
      return { kind: 'none' };
  }
}

export function hostTensor(tensor: TensorProtoMsg, where: string): HostTensor {
  const decoded = tensorProtoValues(tensor, where);
  return { dtype: dtypeOf(decoded.dtype), shape: decoded.shape, values: decoded.values as HostTensor['values'] };
}

export function dtypeOf(name: string): DType {
  const base = name.endsWith('_REF') ? name.slice(0, -4) : name;
  return (DTYPES as readonly string[]).includes(base) ? (base as DType) : 'DT_FLOAT';
}

export function mapSignatures(defs: Record<string, SignatureDefProto>): SignatureMap {
  const signatures: SignatureMap = {};
  for (const [key, def] of Object.entries(defs)) {
    if (key.startsWith('__')) continue; // __saved_model_init_op and friends are not servable
    signatures[key] = mapSignature(def);
  }
  return signatures;
}

function mapSignature(def: SignatureDefProto): Signature {
  return { methodName: def.method_name, inputs: mapInfos(def.inputs), outputs: mapInfos(def.outputs) };
}

function mapInfos(infos: Record<string, TensorInfoProto>): Record<string, TensorSpec> {
  return Object.fromEntries(
    Object.entries(infos).map(([alias, info]) => [
      alias,
      { tensorName: info.name, dtype: dtypeOf(info.dtype), shape: shapeDims(info.tensor_shape) },
    ]),
  );
}
