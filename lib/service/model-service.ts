/**
 * `ModelService`: one served model (all its versions) and the data plane every protocol calls —
 * resolve a version, then `preprocess` → `inference` → `postprocess` on protocol-neutral requests.
 * In the spirit of ModelArts' TfServingBaseService; it knows no wire format, HTTP or Lambda.
 * @module service/model-service
 */
import path from 'node:path';
import { InvalidArgumentError, NotFoundError, ServingError, UnavailableError } from '../errors.ts';
import type { EngineChoice } from '../engine/engine.ts';
import { loadModel } from '../engine/load-model.ts';
import type { LoadedModel, ModelLoader } from '../engine/model.ts';
import type { TensorMap } from '../tensors/host-tensor.ts';
import type { Signature, SignatureMap } from '../tensors/signature.ts';
import { exampleFeatures } from '../tf-example/example-inputs.ts';
import type { InferRequest, InferResponse } from './infer-request.ts';
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
  /** Which engine the default loader uses. @default LAMBDA_SERVING_ENGINE, else 'auto' */
  engine?: EngineChoice;
}

/** Which version a request asks for; neither field means the highest served version. */
export interface VersionSelector {
  version?: number;
  label?: string;
}

/** One served version, as resolved for a request. */
export interface ServedVersion {
  version: number;
  model: LoadedModel;
}

/** What every hook of one request sees. */
export interface InferenceContext {
  readonly modelName: string;
  readonly version: number;
  readonly signatureName: string;
  readonly signature: Signature;
  readonly model: LoadedModel;
  /** The request as the protocol decoded it: raw body, parameters, requested outputs. */
  readonly request: InferRequest;
  /** Milliseconds per stage (`preprocess`, `inference`, `postprocess`), filled as the request goes. */
  readonly timings: Record<string, number>;
}

/** What a caller learns about one request: filled in as it goes, even when it fails. */
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
 *     return { body: { digit: probabilities.indexOf(Math.max(...probabilities)) } };
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
    const engine = options.engine;
    this.loader = options.loader ?? ((dir) => loadModel(dir, engine ? { engine } : {}));
  }

  /** Builds a service from a `model_config_list` entry. */
  static fromConfig<T extends ModelService>(this: new (options: ModelServiceOptions) => T, config: ModelConfig): T {
    return new this({
      name: config.name,
      basePath: config.basePath,
      versionPolicy: config.versionPolicy,
      versionLabels: config.versionLabels,
      ...(config.engine ? { engine: config.engine } : {}),
    });
  }

  // ---- hooks -----------------------------------------------------------------------------

  /** Request → named input tensors. Default: the inputs the protocol decoded from the body. */
  preprocess(request: InferRequest, _context: InferenceContext): TensorMap | Promise<TensorMap> {
    return request.inputs;
  }

  /**
   * Named inputs → named outputs. Default: check them against the signature and run the model;
   * a signature that parses tf.Example in its graph gets its serialized examples parsed here.
   */
  async inference(inputs: TensorMap, context: InferenceContext): Promise<TensorMap> {
    const { signature, signatureName, model, request } = context;
    validateInputs(inputs, signature, signatureName);
    const feed = signature.examples ? exampleFeatures(inputs, signature, signatureName) : inputs;
    return model.run(signatureName, feed, request.outputNames);
  }

  /** Outputs → response. Default: the tensors, for the protocol to encode in the client's format. */
  postprocess(outputs: TensorMap, _context: InferenceContext): InferResponse | Promise<InferResponse> {
    return { outputs };
  }

  // ---- the data plane ------------------------------------------------------------------------

  /**
   * Runs one request through the hooks on the selected version (resolved first when not given).
   * `trace` collects the version, signature and per-stage timings, even when the request fails.
   */
  async infer(
    request: InferRequest,
    target: ServedVersion | VersionSelector = {},
    trace: RequestTrace = { timings: {} },
  ): Promise<InferResponse> {
    const { version, model } = 'model' in target ? target : await this.resolve(target);
    trace.version = version;
    trace.signatureName = request.signatureName;
    const signature = this.signature(model, request.signatureName);
    if (request.outputNames) checkOutputNames(request.outputNames, signature, request.signatureName);
    const context: InferenceContext = {
      modelName: this.name,
      version,
      signatureName: request.signatureName,
      signature,
      model,
      request,
      timings: trace.timings,
    };
    const inputs = await timeStage(context.timings, 'preprocess', () => this.preprocess(request, context));
    const outputs = await timeStage(context.timings, 'inference', () => this.inference(inputs, context));
    return timeStage(context.timings, 'postprocess', () => this.postprocess(outputs, context));
  }

  /** The signature `name` of a loaded version, or TF Serving's 400 naming the ones there are. */
  signature(model: LoadedModel, name: string): Signature {
    if (Object.hasOwn(model.signatures, name)) return model.signatures[name];
    throw new InvalidArgumentError(
      `Serving signature name: "${name}" not found in signature def (model ${this.name} has ${Object.keys(model.signatures).map((s) => `"${s}"`).join(', ')})`,
    );
  }

  /** Picks the version a selector names (highest served by default) and waits for its load. */
  async resolve(selector: VersionSelector = {}): Promise<ServedVersion> {
    const slot = this.pick(await this.versionSlots(), selector);
    return { version: slot.version, model: await this.loadSlot(slot) };
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

  private pick(slots: Map<number, VersionSlot>, selector: VersionSelector): VersionSlot {
    const served = [...slots.keys()];
    if (selector.label !== undefined) {
      const version = Object.hasOwn(this.versionLabels, selector.label) ? this.versionLabels[selector.label] : undefined;
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

function checkOutputNames(names: string[], signature: Signature, signatureName: string): void {
  const unknown = names.filter((name) => !Object.hasOwn(signature.outputs, name));
  if (unknown.length) {
    throw new InvalidArgumentError(
      `Unknown output${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} for signature '${signatureName}' (outputs: ${Object.keys(signature.outputs).map((n) => `'${n}'`).join(', ')})`,
    );
  }
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
