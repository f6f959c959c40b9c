/**
 * The engine interface, and the engines in order of preference: an engine loads the
 * engine-neutral artifacts the format registry (lib/formats) reads. The choice of engine for an
 * artifact is made here and nowhere else.
 * @module engine/engine
 */
import { FailedPreconditionError } from '../errors.ts';
import type { ModelArtifact } from '../formats/artifact.ts';
import type { LoadedModel } from './model.ts';
import { onnxEngine } from './onnx/engine.ts';
import { tfjsEngine } from './tfjs/engine.ts';

export interface EngineLoadOptions {
  /** Where to say how a model was loaded (which engine and why; a Keras model served as a graph). @default silent */
  log?: (line: string) => void;
}

/** Which engine serves a model: the first that loads it whole (`auto`), or one by name. */
export type EngineChoice = 'auto' | 'onnxruntime' | 'tfjs';

export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'onnxruntime', 'tfjs'];

/** The environment variable that picks the engine for every model without one of its own. */
export const ENGINE_ENV = 'LAMBDA_SERVING_ENGINE';

/** Reads an engine choice (a model's `engine`, else LAMBDA_SERVING_ENGINE, else `auto`), refusing unknown names. */
export function engineChoice(value: string | undefined = process.env[ENGINE_ENV], where = ENGINE_ENV): EngineChoice {
  if (value === undefined || value === '') return 'auto';
  if ((ENGINE_CHOICES as readonly string[]).includes(value)) return value as EngineChoice;
  throw new FailedPreconditionError(`${where} is '${value}'; expected one of ${ENGINE_CHOICES.join(', ')}`);
}

export interface Engine {
  /** `tfjs`, … */
  readonly name: string;
  /**
   * Why this engine cannot load `artifact` (decided from what the artifact is, without loading
   * it), or undefined when it can. Loading may still refuse the model, e.g. for an op it lacks.
   */
  cannotLoad(artifact: ModelArtifact): string | undefined;
  /** Loads `artifact`; refuses what it cannot run with a FailedPreconditionError naming it. */
  load(artifact: ModelArtifact, options?: EngineLoadOptions): Promise<LoadedModel>;
}

/**
 * The engines, most preferred first: ONNX Runtime (native, multi-threaded, exact int64/float64)
 * for every graph it lowers whole, TF.js for the rest and for TF.js model folders.
 */
export const ENGINES: readonly Engine[] = [onnxEngine, tfjsEngine];

export interface LoadArtifactOptions extends EngineLoadOptions {
  /** @default engineChoice() — LAMBDA_SERVING_ENGINE, else `auto` */
  engine?: EngineChoice;
  /** The engines to choose from, most preferred first. @default ENGINES */
  engines?: readonly Engine[];
}

/**
 * Loads `artifact`. `auto` tries the engines in order and takes the first that loads it — an
 * engine that cannot (a kind of artifact it does not read, an op it lacks) says why and the next
 * is tried; the log says once which engine serves the model and why the ones before it did not.
 * A named engine loads it or refuses with its reason.
 */
export async function loadArtifact(artifact: ModelArtifact, options: LoadArtifactOptions = {}): Promise<LoadedModel> {
  const choice = options.engine ?? engineChoice();
  const all = options.engines ?? ENGINES;
  const engines = choice === 'auto' ? all : all.filter((engine) => engine.name === choice);
  if (!engines.length) throw new FailedPreconditionError(`Engine ${choice} is not available here (engines: ${all.map((e) => e.name).join(', ')})`);
  const reasons: string[] = [];
  for (const engine of engines) {
    const reason = engine.cannotLoad(artifact);
    if (reason !== undefined) {
      reasons.push(`${engine.name}: ${reason}`);
      continue;
    }
    try {
      const model = await engine.load(artifact, options);
      if (all.length > 1) {
        options.log?.(`${artifact.what}: engine ${engine.name}${reasons.length ? ` (${reasons.join('; ')})` : choice === 'auto' ? '' : ', as configured'}`);
      }
      return model;
    } catch (error) {
      // Only a refusal (an op or a layer the engine lacks) moves on to the next engine.
      const refused = error instanceof FailedPreconditionError;
      if (refused && engine !== engines[engines.length - 1]) {
        reasons.push(`${engine.name}: ${error.message}`);
        continue;
      }
      throw refused && reasons.length ? new FailedPreconditionError(`${error.message} (${reasons.join('; ')})`) : error;
    }
  }
  throw new FailedPreconditionError(`No engine can load ${artifact.what}: ${reasons.join('; ')}`);
}
