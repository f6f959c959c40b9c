/**
 * The engine interface, and the engines in order of preference: an engine loads the
 * engine-neutral artifacts the format registry (lib/formats) reads. The choice of engine for an
 * artifact is made here and nowhere else.
 * @module engine/engine
 */
import { FailedPreconditionError } from '../errors.ts';
import type { ModelArtifact } from '../formats/artifact.ts';
import type { LoadedModel } from './model.ts';
import { tfjsEngine } from './tfjs/engine.ts';

export interface EngineLoadOptions {
  /** Where to say how a model was loaded (e.g. a Keras model served as a graph). @default silent */
  log?: (line: string) => void;
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

/** The engines, most preferred first. */
export const ENGINES: readonly Engine[] = [tfjsEngine];

/** The first of `engines` that can load `artifact`; refuses, with each engine's reason, when none can. */
export function engineFor(artifact: ModelArtifact, engines: readonly Engine[] = ENGINES): Engine {
  const reasons: string[] = [];
  for (const engine of engines) {
    const reason = engine.cannotLoad(artifact);
    if (reason === undefined) return engine;
    reasons.push(`${engine.name}: ${reason}`);
  }
  throw new FailedPreconditionError(`No engine can load ${artifact.what}: ${reasons.join('; ') || 'no engines'}`);
}

/** Loads `artifact` with the engine `engineFor` picks. */
export function loadArtifact(artifact: ModelArtifact, options: EngineLoadOptions = {}): Promise<LoadedModel> {
  return engineFor(artifact).load(artifact, options);
}
