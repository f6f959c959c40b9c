/**
 * A plain-JavaScript TFLite interpreter (float64, batch as stored, NHWC) for the few ops the
 * MobileNet fixture uses, written from TFLite's op semantics — independent of the importer's
 * TensorFlow mapping and of TF.js — to check the imported graph layer by layer.
 */
import type { TfliteModel } from '../../../lib/importers/tflite/reader.ts';
import { BUILTIN_OPERATORS, TENSOR_TYPES } from '../../../lib/importers/tflite/schema.ts';

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

/** Runs subgraph 0; returns every tensor computed (by index), so callers can check any layer. */
export function runReference(model: TfliteModel, feeds: Map<number, Float64Array>): Map<number, RefTensor> {
  const subgraph = model.subgraphs[0];
  const values = new Map<number, RefTensor>();
  const get = (index: number): RefTensor => {
    const known = values.get(index);
    if (known) return known;
    const tensor = subgraph.tensors[index];
    const bytes = model.buffers[tensor.buffer].data;
    const copy = new Uint8Array(bytes).buffer;
    const type = TENSOR_TYPES[tensor.type];
    let data: Float64Array;
    if (type === 'FLOAT32') data = Float64Array.from(new Float32Array(copy));
    else if (type === 'INT8') data = Float64Array.from(new Int8Array(copy));
    else throw new Error(`reference: constant type ${type}`);
    const value = { shape: tensor.shape, data };
    values.set(index, value);
    return value;
  };
  for (const [index, data] of feeds) values.set(index, { shape: subgraph.tensors[index].shape, data });
  for (const op of subgraph.operators) {
    const name = BUILTIN_OPERATORS[model.operatorCodes[op.opcodeIndex].builtinCode];
    const o = op.options;
    const outShape = subgraph.tensors[op.outputs[0]].shape;
    let out: Float64Array;
    switch (name) {
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D':
        out = convolution(get(op.inputs[0]), get(op.inputs[1]), op.inputs[2] >= 0 ? get(op.inputs[2]) : undefined, outShape, o, name === 'DEPTHWISE_CONV_2D');
        break;
      case 'AVERAGE_POOL_2D':
        out = averagePool(get(op.inputs[0]), outShape, o);
        break;
      case 'SQUEEZE':
        out = get(op.inputs[0]).data;
        break;
      case 'SOFTMAX':
        out = softmax(get(op.inputs[0]).data, outShape[outShape.length - 1], Number(o.beta ?? 1));
        break;
      case 'DEQUANTIZE': {
        const input = subgraph.tensors[op.inputs[0]];
        const q = input.quantization!;
        const inner = input.shape.slice(q.quantizedDimension + 1).reduce((a, b) => a * b, 1);
        out = get(op.inputs[0]).data.map((v, i) => {
          const c = q.scale.length === 1 ? 0 : Math.floor(i / inner) % input.shape[q.quantizedDimension];
          return q.scale[c] * (v - (q.zeroPoint[c] ?? 0));
        });
        break;
      }
      default:
        throw new Error(`reference: op ${name} not implemented`);
    }
    values.set(op.outputs[0], { shape: outShape, data: out });
  }
  return values;
}

/** TF/TFLite SAME padding: output ceil(in/stride), the odd padding pixel at the end. */
function padBefore(size: number, out: number, stride: number, extent: number, same: boolean): number {
  return same ? Math.floor(Math.max(0, (out - 1) * stride + extent - size) / 2) : 0;
}

function activate(value: number, code: number): number {
  switch (code) {
    case 0: return value;
    case 1: return Math.max(0, value);
    case 2: return Math.min(1, Math.max(-1, value));
    case 3: return Math.min(6, Math.max(0, value));
    case 4: return Math.tanh(value);
    default: throw new Error(`activation ${code}`);
  }
}

function convolution(x: RefTensor, filter: RefTensor, bias: RefTensor | undefined, outShape: number[], o: Record<string, unknown>, depthwise: boolean): Float64Array {
  const [batch, H, W, C] = x.shape;
  const [, outH, outW, outC] = outShape;
  // CONV_2D filter: [outC, kh, kw, C]. DEPTHWISE_CONV_2D filter: [1, kh, kw, C·mult], out channel = c·mult + m.
  const [, KH, KW] = filter.shape;
  const [sh, sw] = [Number(o.stride_h), Number(o.stride_w)];
  const [dh, dw] = [Number(o.dilation_h_factor ?? 1), Number(o.dilation_w_factor ?? 1)];
  const same = o.padding === 0;
  const top = padBefore(H, outH, sh, (KH - 1) * dh + 1, same);
  const left = padBefore(W, outW, sw, (KW - 1) * dw + 1, same);
  const mult = outC / C;
  const out = new Float64Array(batch * outH * outW * outC);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let oc = 0; oc < outC; oc++) {
          let sum = bias ? bias.data[oc] : 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * sh - top + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ox * sw - left + kx * dw;
              if (ix < 0 || ix >= W) continue;
              const base = ((b * H + iy) * W + ix) * C;
              if (depthwise) {
                sum += x.data[base + Math.floor(oc / mult)] * filter.data[(ky * KW + kx) * outC + oc];
              } else {
                const f = ((oc * KH + ky) * KW + kx) * C;
                for (let c = 0; c < C; c++) sum += x.data[base + c] * filter.data[f + c];
              }
            }
          }
          out[((b * outH + oy) * outW + ox) * outC + oc] = activate(sum, Number(o.fused_activation_function ?? 0));
        }
      }
    }
  }
  return out;
}

function averagePool(x: RefTensor, outShape: number[], o: Record<string, unknown>): Float64Array {
  const [batch, H, W, C] = x.shape;
  const [, outH, outW] = outShape;
  const [KH, KW, sh, sw] = [Number(o.filter_height), Number(o.filter_width), Number(o.stride_h), Number(o.stride_w)];
  const same = o.padding === 0;
  const top = padBefore(H, outH, sh, KH, same);
  const left = padBefore(W, outW, sw, KW, same);
  const out = new Float64Array(batch * outH * outW * C);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          let count = 0;
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const [iy, ix] = [oy * sh - top + ky, ox * sw - left + kx];
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              sum += x.data[((b * H + iy) * W + ix) * C + c];
              count++;
            }
          }
          out[((b * outH + oy) * outW + ox) * C + c] = activate(sum / count, Number(o.fused_activation_function ?? 0));
        }
      }
    }
  }
  return out;
}

function softmax(x: Float64Array, depth: number, beta: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let row = 0; row < x.length; row += depth) {
    let max = -Infinity;
    for (let k = 0; k < depth; k++) max = Math.max(max, x[row + k]);
    let sum = 0;
    for (let k = 0; k < depth; k++) sum += (out[row + k] = Math.exp(beta * (x[row + k] - max)));
    for (let k = 0; k < depth; k++) out[row + k] /= sum;
  }
  return out;
}
