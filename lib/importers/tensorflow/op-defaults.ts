/**
 * Attributes TensorFlow leaves out of a NodeDef when they hold their OpDef default. Engines need
 * them spelled out (TF.js's Conv2D reads `dilations`). SavedModels carry their OpDefs
 * (`stripped_op_list`); frozen graphs do not, so common defaults are listed here as data.
 * @module importers/tensorflow/op-defaults
 */
import type { AttrValue, GraphNode } from '../../graph/graph.ts';
import { mapAttr } from './mapper.ts';
import type { OpDefProto } from './proto.ts';

const ones4: AttrValue = { kind: 'list', ints: [1, 1, 1, 1] };
const nhwc: AttrValue = { kind: 'string', value: new TextEncoder().encode('NHWC') };
const noPaddings: AttrValue = { kind: 'list' };

/** Defaults from TensorFlow's op registry (tensorflow/core/ops/*.cc) for ops frozen graphs use. */
export const BUILTIN_DEFAULTS: Readonly<Record<string, Readonly<Record<string, AttrValue>>>> = {
  Conv2D: { dilations: ones4, data_format: nhwc, explicit_paddings: noPaddings, use_cudnn_on_gpu: { kind: 'bool', value: true } },
  DepthwiseConv2dNative: { dilations: ones4, data_format: nhwc, explicit_paddings: noPaddings },
  Conv2DBackpropInput: { dilations: ones4, data_format: nhwc, explicit_paddings: noPaddings },
  MaxPool: { data_format: nhwc, explicit_paddings: noPaddings },
  AvgPool: { data_format: nhwc },
  BiasAdd: { data_format: nhwc },
  FusedBatchNorm: { data_format: nhwc, epsilon: { kind: 'float', value: 0.0001 }, is_training: { kind: 'bool', value: true } },
  FusedBatchNormV3: { data_format: nhwc, epsilon: { kind: 'float', value: 0.0001 }, is_training: { kind: 'bool', value: true } },
  MatMul: { transpose_a: { kind: 'bool', value: false }, transpose_b: { kind: 'bool', value: false } },
  BatchMatMulV2: { adj_x: { kind: 'bool', value: false }, adj_y: { kind: 'bool', value: false } },
  Mean: { keep_dims: { kind: 'bool', value: false } },
  Sum: { keep_dims: { kind: 'bool', value: false } },
  Max: { keep_dims: { kind: 'bool', value: false } },
  Min: { keep_dims: { kind: 'bool', value: false } },
  Prod: { keep_dims: { kind: 'bool', value: false } },
  Pack: { axis: { kind: 'int', value: 0 } },
  Unpack: { axis: { kind: 'int', value: 0 } },
  Squeeze: { squeeze_dims: { kind: 'list' } },
  ArgMax: { output_type: { kind: 'type', value: 'DT_INT64' } },
  ArgMin: { output_type: { kind: 'type', value: 'DT_INT64' } },
  StridedSlice: Object.fromEntries(
    ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((name) => [name, { kind: 'int', value: 0 }]),
  ),
  ResizeBilinear: { align_corners: { kind: 'bool', value: false }, half_pixel_centers: { kind: 'bool', value: false } },
  ResizeNearestNeighbor: { align_corners: { kind: 'bool', value: false }, half_pixel_centers: { kind: 'bool', value: false } },
  LeakyRelu: { alpha: { kind: 'float', value: 0.2 } },
};

/** Adds every missing attribute that has a default, from the graph's OpDefs first, then the table. */
export function fillDefaultAttrs(nodes: GraphNode[], opDefs: OpDefProto[] = []): GraphNode[] {
  const fromOpDefs = new Map<string, Record<string, AttrValue>>();
  for (const def of opDefs) {
    const defaults: Record<string, AttrValue> = {};
    for (const attr of def.attr) if (attr.default_value) defaults[attr.name] = mapAttr(attr.default_value, `${def.name}.${attr.name}`);
    fromOpDefs.set(def.name, defaults);
  }
  return nodes.map((node) => {
    const defaults = { ...BUILTIN_DEFAULTS[node.op], ...fromOpDefs.get(node.op) };
    const missing = Object.keys(defaults).filter((name) => !(name in node.attrs));
    if (!missing.length) return node;
    return { ...node, attrs: { ...Object.fromEntries(missing.map((name) => [name, defaults[name]])), ...node.attrs } };
  });
}
