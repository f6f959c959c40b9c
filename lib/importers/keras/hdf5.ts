/**
 * HDF5 access through h5wasm (libhdf5 compiled to WebAssembly, embedded in its ESM build): files
 * are opened from bytes in emscripten's in-memory filesystem, so nothing touches the real one. A
 * file that libhdf5 refuses becomes a FailedPreconditionError naming the file and libhdf5's reason.
 * h5wasm is imported on first use: loading and instantiating its 4 MB of WebAssembly takes
 * ~100 ms, which processes serving no Keras model should not pay.
 * @module importers/keras/hdf5
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { FailedPreconditionError, ServingError } from '../../errors.ts';
import { STORAGE, allocateValues, type HostTensor } from '../../tensors/host-tensor.ts';

export type { Dataset, Group, H5File };

type H5wasm = (typeof import('h5wasm'))['default'];
type H5Module = Awaited<H5wasm['ready']>;

let loading: Promise<H5Module> | undefined;
/** Set once `loading` resolves; everything after that is synchronous. */
let lib: H5wasm | undefined;
let loaded: H5Module | undefined;
let opened = 0;

/**
 * The h5wasm module, with libhdf5's error stack turned into thrown JS errors: by default libhdf5
 * prints every failure to stderr and h5wasm carries on with an invalid id.
 */
function h5(): Promise<H5Module> {
  loading ??= import('h5wasm')
    .then(async ({ default: h5wasm }) => {
      const ready = await h5wasm.ready;
      ready.activate_throwing_error_handler();
      lib = h5wasm;
      loaded = ready;
      return ready;
    })
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

/**
 * Opens `bytes` as an HDF5 file and runs `read` on it (synchronously: the file lives only for the
 * call). `what` names the file in errors.
 */
export async function readH5<T>(bytes: Uint8Array, what: string, read: (file: H5File) => T): Promise<T> {
  const ready = await h5();
  const memfsPath = `/lambda-serving-${++opened}.h5`;
  ready.FS.writeFile(memfsPath, bytes);
  try {
    let file: H5File;
    try {
      file = new lib!.File(memfsPath, 'r');
    } catch (error) {
      throw new FailedPreconditionError(`${what} is not a readable HDF5 file: ${hdf5Reason(error)}`);
    }
    try {
      return read(file);
    } catch (error) {
      if (error instanceof ServingError) throw error;
      throw new FailedPreconditionError(`${what}: cannot read the HDF5 file: ${hdf5Reason(error)}`);
    } finally {
      closeQuietly(file);
    }
  } finally {
    ready.FS.unlink(memfsPath);
  }
}

/** Closing a file libhdf5 found corrupt can fail too; the first error is the one to report. */
function closeQuietly(file: H5File): void {
  try {
    file.close();
  } catch {
    // already reported
  }
}

/**
 * The innermost message of libhdf5's error stack (`truncated file: eof = 1000, …`, `file signature
 * not found`), else the error's own message.
 */
function hdf5Reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reasons = [...message.matchAll(/ in [\w:]+\(\): (.*)$/gm)].map((match) => match[1].trim());
  return reasons.at(-1) ?? message.split('\n')[0];
}

/** A group's member, or undefined when there is none or it is not a group. */
export function childGroup(parent: Group, name: string): Group | undefined {
  if (!parent.keys().includes(name)) return undefined;
  const child = parent.get(name);
  return child instanceof lib!.Group ? child : undefined;
}

/** A group's member, or undefined when there is none or it is not a dataset. */
export function childDataset(parent: Group, path: string): Dataset | undefined {
  const child = parent.get(path);
  return child instanceof lib!.Dataset ? child : undefined;
}

export function hasAttr(node: Group | Dataset, name: string): boolean {
  return Object.hasOwn(node.attrs, name);
}

/** A string attribute (variable- or fixed-length, or a one-element string array). */
export function stringAttr(node: Group | Dataset, name: string): string | undefined {
  if (!hasAttr(node, name)) return undefined;
  const value = node.attrs[name].value;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}

/**
 * A string-array attribute such as `layer_names` or `weight_names`. h5py stores an empty list as
 * an empty float array, and Keras splits attributes too large for an HDF5 object header into
 * `name0`, `name1`, … (`save_attributes_to_hdf5_group`); both are read here.
 */
export function stringListAttr(node: Group | Dataset, name: string): string[] | undefined {
  if (hasAttr(node, name)) return toStrings(node.attrs[name].value);
  if (!hasAttr(node, `${name}0`)) return undefined;
  const all: string[] = [];
  for (let chunk = 0; hasAttr(node, `${name}${chunk}`); chunk++) all.push(...toStrings(node.attrs[`${name}${chunk}`].value));
  return all;
}

function toStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((item) => (item instanceof Uint8Array ? new TextDecoder().decode(item) : String(item)));
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<unknown>).length === 0) return [];
  throw new Error(`expected a list of strings, found ${describe(value)}`);
}

function describe(value: unknown): string {
  return ArrayBuffer.isView(value) ? value.constructor.name : typeof value;
}

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;

/** A numeric dataset as a host tensor of the dataset's own dtype (half as its binary16 bits). */
export function readTensor(dataset: Dataset): HostTensor {
  const { type, size, signed } = dataset.metadata;
  const shape = dataset.shape ?? [];
  if (type === H5T_FLOAT && size === 2) return { dtype: 'DT_HALF', shape, values: rawHalfs(dataset) };
  if (type !== H5T_FLOAT && type !== H5T_INTEGER) {
    throw new Error(`dataset ${dataset.path} holds HDF5 type class ${type}, not numbers`);
  }
  const values = dataset.value;
  if (values instanceof Float32Array) return { dtype: 'DT_FLOAT', shape, values };
  if (values instanceof Float64Array) return { dtype: 'DT_DOUBLE', shape, values };
  if (values instanceof BigInt64Array) return { dtype: 'DT_INT64', shape, values };
  if (values instanceof BigUint64Array) return { dtype: 'DT_UINT64', shape, values };
  if (values instanceof Uint32Array) return { dtype: 'DT_UINT32', shape, values };
  if (values instanceof Int32Array) return { dtype: 'DT_INT32', shape, values };
  if (values instanceof Int16Array || values instanceof Int8Array || values instanceof Uint16Array || values instanceof Uint8Array) {
    const dtype = signed ? (size === 1 ? 'DT_INT8' : 'DT_INT16') : size === 1 ? 'DT_UINT8' : 'DT_UINT16';
    if (values instanceof STORAGE[dtype]) return { dtype, shape, values } as HostTensor;
    const exact = allocateValues(dtype, values.length);
    exact.set(values);
    return { dtype, shape, values: exact };
  }
  throw new Error(`dataset ${dataset.path}: cannot read ${describe(values)}`);
}

/** h5wasm reads no float16: copy the dataset's raw 2-byte elements out of the WASM heap. */
function rawHalfs(dataset: Dataset): Uint16Array {
  const mod = loaded!;
  const count = dataset.metadata.total_size;
  const pointer = mod._malloc(count * 2);
  try {
    mod.get_dataset_data(dataset.file_id, dataset.path, null, null, null, BigInt(pointer));
    const bytes = mod.HEAPU8.slice(pointer, pointer + count * 2);
    return new Uint16Array(bytes.buffer, 0, count);
  } finally {
    mod._free(pointer);
  }
}
