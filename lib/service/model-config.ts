/**
 * Which models to serve and which of their versions: TF Serving's ModelConfig, as plain data.
 * @module service/model-config
 */

import type { EngineChoice } from '../engine/engine.ts';

/** TF Serving's ServableVersionPolicy. */
export type VersionPolicy =
  | { kind: 'latest'; numVersions: number }
  | { kind: 'all' }
  | { kind: 'specific'; versions: number[] };

/** One entry of a `model_config_list`. */
export interface ModelConfig {
  /** Name clients use in `/v1/models/<name>`. */
  name: string;
  /** Folder holding numbered version folders (`<basePath>/<version>/`), absolute. */
  basePath: string;
  /** TF Serving's `model_platform` (informational; the format is detected from the files). */
  platform?: string;
  /** @default { kind: 'latest', numVersions: 1 } */
  versionPolicy: VersionPolicy;
  /** Label → version, e.g. `{ stable: 1, canary: 2 }`. @default {} */
  versionLabels: Record<string, number>;
  /** Which engine serves it (lambda-serving's own field). @default LAMBDA_SERVING_ENGINE, else 'auto' */
  engine?: EngineChoice;
}

export const DEFAULT_VERSION_POLICY: VersionPolicy = { kind: 'latest', numVersions: 1 };
