/**
 * A TF.js graph model's signatures, decided the same way whichever engine serves the folder (the
 * TF.js engine from its loaded GraphModel, the ONNX Runtime engine from the graph read into a
 * `Graph`): all of them as `lambda-serving convert` stored them
 * (`userDefinedMetadata.lambdaServing.signatures`), else the converter's SignatureDef (`signature`),
 * else one `serving_default` over the graph's inputs and outputs as tfjs-converter finds them.
 * @module tensors/tfjs-signatures
 */
import { DTYPES, type DType } from './host-tensor.ts';
import { DEFAULT_SIGNATURE, PREDICT_METHOD, type SignatureMap, type TensorSpec } from './signature.ts';
import { signaturesFromJson } from './signature-json.ts';

/** The `model.json` fields signatures come from. */
export interface TfjsSignatureSources {
  signature?: unknown;
  userDefinedMetadata?: unknown;
}

/** A graph input or output as tfjs-converter's GraphModel lists it (`model.inputs`, `model.outputs`). */
export interface GraphEndpoint {
  /** The node name (TF.js feeds and fetches by it). */
  name: string;
  shape?: number[];
  dtype: DType;
}

/** The SignatureDef JSON the converter stores in `model.json`, when present. */
interface SignatureDefJson {
  methodName?: string;
  inputs?: Record<string, TensorInfoJson>;
  outputs?: Record<string, TensorInfoJson>;
}

interface TensorInfoJson {
  name: string;
  dtype?: string;
  tensorShape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
}

/**
 * The graph model's signatures; `endpoints` gives the graph's inputs and outputs (asked only when
 * `model.json` stores no signature).
 */
export function tfjsGraphSignatures(json: TfjsSignatureSources, endpoints: () => { inputs: GraphEndpoint[]; outputs: GraphEndpoint[] }): SignatureMap {
  const metadata = json.userDefinedMetadata as { lambdaServing?: { signatures?: unknown } } | undefined;
  const ours = metadata?.lambdaServing?.signatures;
  if (ours !== undefined) return signaturesFromJson(ours, 'model.json: userDefinedMetadata.lambdaServing.signatures');
  const stored = json.signature as SignatureDefJson | undefined;
  if (stored?.inputs && stored.outputs) {
    return {
      [DEFAULT_SIGNATURE]: {
        methodName: stored.methodName || PREDICT_METHOD,
        inputs: mapValues(stored.inputs, fromTensorInfo),
        outputs: mapValues(stored.outputs, fromTensorInfo),
      },
    };
  }
  const { inputs, outputs } = endpoints();
  const specs = (list: GraphEndpoint[]) =>
    Object.fromEntries(list.map((info): [string, TensorSpec] => [info.name, { tensorName: info.name, dtype: info.dtype, shape: info.shape ?? null }]));
  return { [DEFAULT_SIGNATURE]: { methodName: PREDICT_METHOD, inputs: specs(inputs), outputs: specs(outputs) } };
}

function fromTensorInfo(info: TensorInfoJson): TensorSpec {
  const dtype = DTYPES.includes(info.dtype as DType) ? (info.dtype as DType) : 'DT_FLOAT';
  const shape = !info.tensorShape || info.tensorShape.unknownRank ? null : (info.tensorShape.dim ?? []).map((dim) => Number(dim.size ?? -1));
  return { tensorName: info.name, dtype, shape };
}

function mapValues<A, B>(record: Record<string, A>, fn: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}
