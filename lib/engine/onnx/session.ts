/**
 * ONNX Runtime sessions behind the engine-neutral LoadedModel: one InferenceSession per
 * signature, fed tensors that view the request's typed arrays (no copies) and answering exact
 * host tensors. onnxruntime-node is imported on first use, so a process serving with TF.js never
 * loads it.
 * @module engine/onnx/session
 */
import os from 'node:os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { FailedPreconditionError, InvalidArgumentError, UnimplementedError } from '../../errors.ts';
import { STORAGE, type DType, type HostTensor, type NumericDType, type TensorMap } from '../../tensors/host-tensor.ts';
import type { SignatureMap } from '../../tensors/signature.ts';
import type { LoadedModel } from '../model.ts';
import type { LoweredSignature } from './lower/lower-graph.ts';

type Ort = typeof import('onnxruntime-node');

/** Overrides the intra-op thread count of every session (a positive integer). */
export const THREADS_ENV = 'LAMBDA_SERVING_ORT_THREADS';

/** ONNX Runtime's name of each host dtype (DT_STRING is never lowered). */
const ORT_TYPE: Record<NumericDType, Tensor.Type> = {
  DT_FLOAT: 'float32',
  DT_DOUBLE: 'float64',
  DT_HALF: 'float16',
  DT_INT8: 'int8',
  DT_INT16: 'int16',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_UINT8: 'uint8',
  DT_UINT16: 'uint16',
  DT_UINT32: 'uint32',
  DT_UINT64: 'uint64',
  DT_BOOL: 'bool',
};

let ortModule: Promise<Ort> | undefined;

/**
 * onnxruntime-node, imported on first use. Where it cannot load (a bundle packaged without it, a
 * platform it has no binary for) the engine refuses, so `auto` serves the model with TF.js.
 */
function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').then(
    (module) => ((module as { default?: Ort }).default ?? module) as Ort,
    (error: unknown) => {
      ortModule = undefined;
      throw new FailedPreconditionError(`onnxruntime-node cannot be loaded here: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    },
  );
  return ortModule;
}

/** Intra-op threads: LAMBDA_SERVING_ORT_THREADS, else the vCPUs (Lambda: 1 up to 1,769 MB), at most 6. */
export function intraOpThreads(env: NodeJS.ProcessEnv = process.env): number {
  const configured = env[THREADS_ENV];
  if (configured !== undefined && configured !== '') {
    const threads = Number(configured);
    if (!Number.isInteger(threads) || threads < 1) throw new FailedPreconditionError(`${THREADS_ENV} is '${configured}'; expected a positive integer`);
    return threads;
  }
  return Math.min(os.availableParallelism(), 6);
}

export function sessionOptions(): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: intraOpThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
}

interface SignatureSession {
  session: InferenceSession;
  lowered: LoweredSignature;
}

/** Creates one session per lowered signature; refuses (naming the signature) a graph ONNX Runtime will not load. */
export async function createOnnxModel(lowered: ReadonlyMap<string, LoweredSignature>, signatures: SignatureMap, what: string): Promise<OnnxModel> {
  const ort = await loadOrt();
  const sessions = new Map<string, SignatureSession>();
  const options = sessionOptions();
  try {
    for (const [name, signature] of lowered) {
      const session = await ort.InferenceSession.create(signature.bytes, options).catch((error: Error) => {
        throw new FailedPreconditionError(`${what} signature '${name}': ONNX Runtime cannot load the lowered graph: ${error.message}`);
      });
      sessions.set(name, { session, lowered: signature });
    }
  } catch (error) {
    for (const { session } of sessions.values()) void session.release();
    throw error;
  }
  return new OnnxModel(ort, sessions, signatures);
}

export class OnnxModel implements LoadedModel {
  readonly format = 'onnx';

  constructor(
    private readonly ort: Ort,
    private readonly sessions: Map<string, SignatureSession>,
    readonly signatures: SignatureMap,
  ) {}

  async run(signatureName: string, inputs: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const signature = this.signatures[signatureName];
    if (!signature) throw new Error(`No signature ${signatureName}`);
    if (signature.unavailable) throw new UnimplementedError(`Signature '${signatureName}': ${signature.unavailable}`);
    const entry = this.sessions.get(signatureName);
    if (!entry) throw new Error(`No session for signature ${signatureName}`);
    const { session, lowered } = entry;
    const feeds: Record<string, Tensor> = {};
    for (const [alias, name] of Object.entries(lowered.inputs)) {
      const tensor = inputs[alias];
      if (!tensor) throw new InvalidArgumentError(`Missing input '${alias}' for signature '${signatureName}'`);
      feeds[name] = this.toOrt(tensor, alias);
    }
    const aliases = outputNames ?? Object.keys(signature.outputs);
    const fetches = aliases.map((alias) => lowered.outputs[alias]);
    let results: InferenceSession.ReturnType;
    try {
      results = await session.run(feeds, fetches);
    } catch (error) {
      // Every op was mapped and loaded at load time: what fails now is the request's data.
      throw new InvalidArgumentError(`Model execution failed for signature '${signatureName}': ${(error as Error).message}`);
    }
    const out: TensorMap = {};
    aliases.forEach((alias, i) => {
      const result = results[fetches[i]];
      out[alias] = toHost(result, signature.outputs[alias].dtype);
      result.dispose();
    });
    return out;
  }

  /** An ORT tensor over the host tensor's own storage. */
  private toOrt(tensor: HostTensor, alias: string): Tensor {
    if (tensor.dtype === 'DT_STRING') throw new InvalidArgumentError(`Input '${alias}': DT_STRING is not fed to ONNX Runtime`);
    return new this.ort.Tensor(ORT_TYPE[tensor.dtype], tensor.values as never, tensor.shape);
  }

  dispose(): void {
    for (const { session } of this.sessions.values()) void session.release();
    this.sessions.clear();
  }
}

/** A result as the exact host storage of `dtype` (taken as it is when ORT already answers that type). */
function toHost(tensor: Tensor, dtype: DType): HostTensor {
  const shape = tensor.dims.map(Number);
  if (dtype === 'DT_STRING') return { dtype, shape, values: (tensor.data as string[]).map((s) => new TextEncoder().encode(s)) };
  const Storage = STORAGE[dtype];
  const data = tensor.data as unknown as ArrayLike<number> & ArrayBufferView;
  if (data instanceof Storage) return { dtype, shape, values: data } as HostTensor;
  if (ArrayBuffer.isView(data)) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    return { dtype, shape, values: new Storage(bytes.buffer as ArrayBuffer as never) } as HostTensor;
  }
  return { dtype, shape, values: (Storage as unknown as { from(values: ArrayLike<unknown>): HostTensor['values'] }).from(data) } as HostTensor;
}
