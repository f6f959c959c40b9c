/**
 * `ModelService`: one served model (all its versions) plus the hooks a user overrides, in the
 * spirit of ModelArts' TfServingBaseService. It knows nothing of HTTP or Lambda.
 * @module service/model-service
 */
import path from 'node:path';
import { InvalidArgumentError, NotFoundError, ServingError, UnavailableError, UnimplementedError } from '../errors.ts';
import {
  decodeExample,
  decodePredictInputs,
  denseFeatures,
  encodeClassifyResponse,
  encodeRegressResponse,
  jsonExamples,
  readPredictBody,
  type JsonValue,
  type PredictFormat,
} from '../codecs/index.ts';
import { loadModel } from '../engine/load-model.ts';
import type { LoadedModel, ModelLoader } from '../engine/model.ts';
import { CLASSIFY_METHOD, DEFAULT_SIGNATURE, REGRESS_METHOD, type Signature, type SignatureMap } from '../tensors/signature.ts';
import type { TensorMap } from '../tensors/host-tensor.ts';
import { DEFAULT_VERSION_POLICY, type ModelConfig, type VersionPolicy } from './model-config.ts';
import { applyVersionPolicy, checkLabels, discoverVersions } from './model-versions.ts';
import { timeStage } from './timings.ts';
import { validateInputs } from './validate-inputs.ts';

export interface ModelServiceOptions {
  /** The name clients use: `/v1/models/<name>`. */
  name: string;
  /** Folder holding numbered version folders; relative paths resolve against the working directory. */
  basePath: string;
  /** Which versions on disk to serve. @default { kind: 'latest', numVersions: 1 } */
  versionPolicy?: VersionPolicy;
  /** Label → version (`/v1/models/<name>/labels/<label>`). @default {} */
  versionLabels?: Record<string, number>;
  /** Loads one version folder; replace it to add a format or an engine. @default loadModel */
  loader?: ModelLoader;
}

/** Which version a request asks for; neither field means the highest served version. */
export interface VersionSelector {
  version?: number;
  label?: string;
}

/** A predict request after the body was parsed, before any tensor exists. */
export interface PredictRequest {
  /** The whole JSON body; a custom `preprocess` may accept fields of its own. */
  body: { [key: string]: JsonValue };
  /** `signature_name` from the body, else `serving_default`. */
  signatureName: string;
  /** `columnar` when the body has `inputs`, else `row`; the default postprocess answers in kind. */
  format: PredictFormat;
}

/** What every hook of one request sees. */
export interface InferenceContext {
  readonly modelName: string;
  readonly version: number;
  readonly signatureName: string;
  readonly signature: Signature;
  readonly model: LoadedModel;
  readonly format: PredictFormat;
  /** Milliseconds per stage (`preprocess`, `inference`, `postprocess`), filled as the request goes. */
  readonly timings: Record<string, number>;
}

/** Tensors to encode as TF Serving's `predictions` / `outputs`. */
export class TensorResponse {
  constructor(
    readonly outputs: TensorMap,
    readonly format: PredictFormat,
  ) {}
}

/** A postprocess result: tensors to encode the TF Serving way, or any JSON body of the user's. */
export type PredictResult = TensorResponse | JsonValue;

/** What a caller learns about one predict: filled in as the request goes, even when it fails. */
export interface RequestTrace {
  version?: number;
  signatureName?: string;
  /** Milliseconds per stage; the service adds `preprocess`, `inference`, `postprocess`. */
  timings: Record<string, number>;
}

/** Load state of one version, as TF Serving's ModelVersionStatus reports it. */
export interface VersionStatus {
  version: number;
  state: 'START' | 'LOADING' | 'AVAILABLE' | 'END';
  error?: { code: string; message: string };
}

interface VersionSlot {
  version: number;
  dir: string;
  model?: LoadedModel;
  loading?: Promise<LoadedModel>;
  error?: Error;
}

/**
 * Subclass and override `preprocess`, `postprocess` and, rarely, `inference`:
 * @example
 * class MnistService extends ModelService {
 *   override postprocess(outputs: TensorMap, context: InferenceContext) {
 *     const probabilities = outputs.probabilities.values as Float32Array;
 *     return { digit: probabilities.indexOf(Math.max(...probabilities)) };
 *   }
 * }
 * export const handler = createHandler(new MnistService({ name: 'mnist', basePath: 'models/mnist' }));
 */
export class ModelService {
  readonly name: string;
  readonly basePath: string;
  readonly versionPolicy: VersionPolicy;
  readonly versionLabels: Record<string, number>;
  private readonly loader: ModelLoader;
  private slots?: Promise<Map<number, VersionSlot>>;

  constructor(options: ModelServiceOptions) {
    this.name = options.name;
    this.basePath = path.resolve(options.basePath);
    this.versionPolicy = options.versionPolicy ?? DEFAULT_VERSION_POLICY;
    this.versionLabels = options.versionLabels ?? {};
    this.loader = options.loader ?? loadModel;
  }

  /** Builds a service from a `model_config_list` entry. */
  static fromConfig<T extends ModelService>(this: new (options: ModelServiceOptions) => T, config: ModelConfig): T {
    return new this({
      name: config.name,
      basePath: config.basePath,
      versionPolicy: config.versionPolicy,
      versionLabels: config.versionLabels,
    });
  }

  // ---- hooks -----------------------------------------------------------------------------

  /** Request → named input tensors. Default: TF Serving's `instances` / `inputs` decoding. */
  preprocess(request: PredictRequest, context: InferenceContext): TensorMap | Promise<TensorMap> {
    const { payload, format } = readPredictBody(request.body);
    return decodePredictInputs(payload, format, context.signature);
  }

  /**
   * Named inputs → named outputs. Default: check them against the signature and run the model;
   * for a signature that parses tf.Example in its graph, parse the serialized examples here.
   */
  async inference(inputs: TensorMap, context: InferenceContext): Promise<TensorMap> {
    validateInputs(inputs, context.signature, context.signatureName);
    const { examples } = context.signature;
    if (!examples) return context.model.run(context.signatureName, inputs);
    const serialized = Object.values(inputs)[0].values;
    if (!Array.isArray(serialized)) throw new InvalidArgumentError(`Signature '${context.signatureName}' takes serialized tf.Example strings`);
    const parsed = serialized.map((bytes, i) => decodeExample(bytes, `Input example ${i}`));
    return context.model.run(context.signatureName, denseFeatures(parsed, examples.features));
  }

  /** Outputs → response. Default: TF Serving's `predictions` / `outputs` in the request's format. */
  postprocess(outputs: TensorMap, context: InferenceContext): PredictResult | Promise<PredictResult> {
    return new TensorResponse(outputs, context.format);
  }

  // ---- serving -------------------------------------------------------------------------------

  /** Runs one predict request body through the hooks; `trace` collects version and timings. */
  async predict(body: JsonValue, selector: VersionSelector = {}, trace: RequestTrace = { timings: {} }): Promise<PredictResult> {
    const { request, version, model, signature } = await this.begin(body, selector, trace);
    const context: InferenceContext = {
      modelName: this.name,
      version,
      signatureName: request.signatureName,
      signature,
      model,
      format: request.format,
      timings: trace.timings,
    };
    const inputs = await timeStage(context.timings, 'preprocess', () => this.preprocess(request, context));
    const outputs = await timeStage(context.timings, 'inference', () => this.inference(inputs, context));
    return timeStage(context.timings, 'postprocess', () => this.postprocess(outputs, context));
  }

  /** TF Serving's classify API: JSON examples (plus `context`) through a classify signature. */
  classify(body: JsonValue, selector: VersionSelector = {}, trace: RequestTrace = { timings: {} }): Promise<string> {
    return this.runExamples(CLASSIFY_METHOD, body, selector, trace);
  }

  /** TF Serving's regress API: JSON examples (plus `context`) through a regress signature. */
  regress(body: JsonValue, selector: VersionSelector = {}, trace: RequestTrace = { timings: {} }): Promise<string> {
    return this.runExamples(REGRESS_METHOD, body, selector, trace);
  }

  private async runExamples(method: string, body: JsonValue, selector: VersionSelector, trace: RequestTrace): Promise<string> {
    const { request, model, signature } = await this.begin(body, selector, trace);
    if (signature.methodName !== method) {
      throw new InvalidArgumentError(`Expected signature '${request.signatureName}' to have method_name ${method}, it has ${signature.methodName}`);
    }
    if (signature.unavailable) throw new UnimplementedError(`Signature '${request.signatureName}': ${signature.unavailable}`);
    if (!signature.examples) {
      throw new UnimplementedError(`Signature '${request.signatureName}' does not parse tf.Example in its graph; call :predict instead`);
    }
    const examples = jsonExamples(request.body.examples, request.body.context);
    const inputs = await timeStage(trace.timings, 'preprocess', () => denseFeatures(examples, signature.examples!.features));
    const outputs = await timeStage(trace.timings, 'inference', () => model.run(request.signatureName, inputs));
    return method === CLASSIFY_METHOD ? encodeClassifyResponse(outputs, examples.length) : encodeRegressResponse(outputs, examples.length);
  }

  /** Signatures of the selected version. */
  async metadata(selector: VersionSelector = {}): Promise<{ version: number; signatures: SignatureMap }> {
    const { version, model } = await this.resolve(selector);
    return { version, signatures: model.signatures };
  }

  /**
   * Load state of the selected version, or of every served version. Waits for loads in flight
   * (and starts any not yet started), so a caller polling for AVAILABLE sees the real outcome.
   */
  async status(selector: VersionSelector = {}): Promise<VersionStatus[]> {
    const slots = await this.versionSlots();
    const chosen = selector.version !== undefined || selector.label !== undefined
      ? [this.pick(slots, selector)]
      : [...slots.values()];
    await Promise.allSettled(chosen.map((slot) => this.loadSlot(slot)));
    return chosen.map(describe);
  }

  /**
   * Discovers and loads every served version. Call it at module scope so Lambda's init phase
   * pays for the load; rejects with the first failure (later requests retry).
   */
  async load(): Promise<void> {
    const slots = await this.versionSlots();
    await Promise.all([...slots.values()].map((slot) => this.loadSlot(slot)));
  }

  /** Releases every loaded version. */
  async unload(): Promise<void> {
    const slots = await this.slots?.catch(() => undefined);
    for (const slot of slots?.values() ?? []) {
      slot.model?.dispose();
      slot.model = undefined;
    }
  }

  /** The versions this service serves, ascending. */
  async servedVersions(): Promise<number[]> {
    return [...(await this.versionSlots()).keys()];
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Reads the body, picks the version and the signature, and notes both in the trace. */
  private async begin(body: JsonValue, selector: VersionSelector, trace: RequestTrace) {
    const request = predictRequest(body);
    const { version, model } = await this.resolve(selector);
    trace.version = version;
    trace.signatureName = request.signatureName;
    const signature = model.signatures[request.signatureName];
    if (!signature) {
      throw new InvalidArgumentError(
        `Serving signature name: "${request.signatureName}" not found in signature def (model ${this.name} has ${Object.keys(model.signatures).map((s) => `"${s}"`).join(', ')})`,
      );
    }
    return { request, version, model, signature };
  }

  private async resolve(selector: VersionSelector): Promise<{ version: number; model: LoadedModel }> {
    const slot = this.pick(await this.versionSlots(), selector);
    return { version: slot.version, model: await this.loadSlot(slot) };
  }

  private pick(slots: Map<number, VersionSlot>, selector: VersionSelector): VersionSlot {
    const served = [...slots.keys()];
    if (selector.label !== undefined) {
      const version = this.versionLabels[selector.label];
      if (version === undefined) {
        throw new NotFoundError(`Model ${this.name} has no version label '${selector.label}'`);
      }
      return slots.get(version)!;
    }
    const version = selector.version ?? served[served.length - 1];
    const slot = slots.get(version);
    if (!slot) {
      throw new NotFoundError(
        `Model ${this.name} has no servable version ${version} (served: ${served.join(', ') || 'none'})`,
      );
    }
    return slot;
  }

  /** Version folders are read once per process; a failure is not cached, so it is retried. */
  private versionSlots(): Promise<Map<number, VersionSlot>> {
    this.slots ??= this.discover().catch((error: unknown) => {
      this.slots = undefined;
      throw error;
    });
    return this.slots;
  }

  private async discover(): Promise<Map<number, VersionSlot>> {
    const onDisk = await discoverVersions(this.basePath);
    const served = applyVersionPolicy([...onDisk.keys()], this.versionPolicy);
    if (served.length === 0) {
      throw new NotFoundError(
        `Model ${this.name} has no servable versions under ${this.basePath} (on disk: ${[...onDisk.keys()].join(', ') || 'none'})`,
      );
    }
    checkLabels(this.name, this.versionLabels, served);
    return new Map(
      served.map((version) => [version, { version, dir: path.join(this.basePath, onDisk.get(version)!) }]),
    );
  }

  /** One load per version at a time; concurrent callers share it; a failure is retried later. */
  private loadSlot(slot: VersionSlot): Promise<LoadedModel> {
    if (slot.model) return Promise.resolve(slot.model);
    slot.loading ??= this.loader(slot.dir).then(
      (model) => {
        slot.model = model;
        slot.error = undefined;
        slot.loading = undefined;
        return model;
      },
      (error: unknown) => {
        slot.error = error instanceof Error ? error : new Error(String(error));
        slot.loading = undefined;
        throw new UnavailableError(
          `Model ${this.name} version ${slot.version} failed to load: ${slot.error.message}`,
        );
      },
    );
    return slot.loading;
  }
}

function predictRequest(body: JsonValue): PredictRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidArgumentError('Request body must be a JSON object');
  }
  const signatureName = body.signature_name ?? DEFAULT_SIGNATURE;
  if (typeof signatureName !== 'string') throw new InvalidArgumentError("'signature_name' must be a string");
  return { body, signatureName: signatureName || DEFAULT_SIGNATURE, format: 'inputs' in body ? 'columnar' : 'row' };
}

function describe(slot: VersionSlot): VersionStatus {
  if (slot.model) return { version: slot.version, state: 'AVAILABLE' };
  if (slot.loading) return { version: slot.version, state: 'LOADING' };
  if (slot.error) {
    const code = slot.error instanceof ServingError ? slot.error.code : 'UNKNOWN';
    return { version: slot.version, state: 'END', error: { code, message: slot.error.message } };
  }
  return { version: slot.version, state: 'START' };
}
