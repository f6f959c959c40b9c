/**
 * Flags of `lambda-serving serve`, spelled like tensorflow_model_server's: `--flag=value` or
 * `--flag value`, with underscores or hyphens in the name (`--rest_api_port`, `--rest-api-port`).
 * @module cli/serve-flags
 */
import { DEFAULT_MAX_BODY_BYTES } from '../http/app.ts';
import { parseFlags, UsageError } from './flags.ts';

const DEFAULT_REST_API_PORT = 8501;
const DEFAULT_REST_API_HOST = '0.0.0.0';
/** TF Serving names the model `default` when only `--model_base_path` is given. */
const DEFAULT_MODEL_NAME = 'default';

export interface ServeOptions {
  /** 0 picks a free port. @default 8501 */
  restApiPort: number;
  /** @default '0.0.0.0' */
  restApiHost: string;
  /** Set (to `default` unless given) when `modelBasePath` is. */
  modelName?: string;
  modelBasePath?: string;
  modelConfigFile?: string;
  restApiTimeoutInMs?: number;
  /** @default 6 MiB */
  maxBodyBytes?: number;
  /** `:classify`/`:regress` only on signatures with that method_name (tensorflow_model_server's flag). @default false */
  enableSignatureMethodNameCheck?: boolean;
  /** One log line per request on stderr. @default true */
  requestLog?: boolean;
  /** TF Serving flags that were given but do not apply here (`--port`, …), for a note. */
  ignored: string[];
}


export const SERVE_USAGE = `Usage: lambda-serving serve [flags]

Flags (as tensorflow_model_server; --flag=value or --flag value; _ or - in names):
  --rest_api_port=8501          Port of the REST API (0 picks a free port)
  --rest_api_host=0.0.0.0       Address to listen on
  --model_name=default          Name of the model served from --model_base_path
  --model_base_path=PATH        Folder holding the model's numbered version folders
  --model_config_file=FILE      Models to serve: TF Serving's ModelServerConfig text format
                                (.config, .pbtxt, .txt), or the same as .yaml/.yml/.json
  --rest_api_timeout_in_ms=N    Deadline of each REST request, in milliseconds
  --max_body_bytes=6291456      Largest accepted request body (default: Lambda's 6 MiB limit)
  --enable_signature_method_name_check
                                :classify/:regress only on signatures whose method_name says so
  --request_log=true            One line per request on stderr (method, path, status, timings)

Give exactly one of --model_base_path and --model_config_file.
Accepted and ignored: --port, --enable_batching, --batching_parameters_file,
  --file_system_poll_wait_seconds, --model_config_file_poll_wait_seconds, --enable_model_warmup,
  --tensorflow_intra_op_parallelism, --tensorflow_inter_op_parallelism, --rest_api_num_threads,
  --monitoring_config_file`;

type FlagKind = 'string' | 'port' | 'positiveInt' | 'bool';
type OptionKey = Exclude<keyof ServeOptions, 'ignored'>;

interface FlagSpec {
  kind: FlagKind;
  /** Where the value goes; absent for flags that are accepted and ignored. */
  key?: OptionKey;
}

/** Keyed by the underscore spelling. */
const FLAGS: Record<string, FlagSpec> = {
  rest_api_port: { kind: 'port', key: 'restApiPort' },
  rest_api_host: { kind: 'string', key: 'restApiHost' },
  model_name: { kind: 'string', key: 'modelName' },
  model_base_path: { kind: 'string', key: 'modelBasePath' },
  model_config_file: { kind: 'string', key: 'modelConfigFile' },
  rest_api_timeout_in_ms: { kind: 'positiveInt', key: 'restApiTimeoutInMs' },
  max_body_bytes: { kind: 'positiveInt', key: 'maxBodyBytes' },
  enable_signature_method_name_check: { kind: 'bool', key: 'enableSignatureMethodNameCheck' },
  request_log: { kind: 'bool', key: 'requestLog' },
  // tensorflow_model_server flags with no meaning here.
  port: { kind: 'string' },
  enable_batching: { kind: 'bool' },
  file_system_poll_wait_seconds: { kind: 'string' },
  tensorflow_intra_op_parallelism: { kind: 'string' },
  tensorflow_inter_op_parallelism: { kind: 'string' },
  rest_api_num_threads: { kind: 'string' },
  monitoring_config_file: { kind: 'string' },
  model_config_file_poll_wait_seconds: { kind: 'string' },
  batching_parameters_file: { kind: 'string' },
  enable_model_warmup: { kind: 'bool' },
};

/** Parses the arguments after `serve`. Throws UsageError naming the problem. */
export function parseServeFlags(argv: string[]): ServeOptions {
  const kinds = Object.fromEntries(Object.entries(FLAGS).map(([name, spec]) => [name, spec.kind === 'bool' ? 'bool' : 'string'] as const));
  const { flags, positional } = parseFlags(argv, kinds, 'serve');
  const stray = argv.includes('--') ? '--' : positional[0];
  if (stray !== undefined) throw new UsageError(`Unexpected argument '${stray}': serve takes only --flags`);

  const given: Partial<Record<OptionKey, string | number | boolean>> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(flags)) {
    const spec = FLAGS[name];
    if (spec.key) given[spec.key] = convert(`--${name}`, spec.kind, value);
    else ignored.push(`--${name}`);
  }

  const options: ServeOptions = {
    restApiPort: (given.restApiPort as number | undefined) ?? DEFAULT_REST_API_PORT,
    restApiHost: (given.restApiHost as string | undefined) ?? DEFAULT_REST_API_HOST,
    maxBodyBytes: (given.maxBodyBytes as number | undefined) ?? DEFAULT_MAX_BODY_BYTES,
    ignored,
  };
  if (given.restApiTimeoutInMs !== undefined) options.restApiTimeoutInMs = given.restApiTimeoutInMs as number;
  if (given.enableSignatureMethodNameCheck !== undefined) options.enableSignatureMethodNameCheck = given.enableSignatureMethodNameCheck as boolean;
  if (given.requestLog !== undefined) options.requestLog = given.requestLog as boolean;

  const basePath = given.modelBasePath as string | undefined;
  const configFile = given.modelConfigFile as string | undefined;
  const modelName = given.modelName as string | undefined;
  if (basePath !== undefined && configFile !== undefined) {
    throw new UsageError('Give either --model_base_path or --model_config_file, not both');
  }
  if (basePath === undefined && configFile === undefined) {
    throw new UsageError('Give --model_base_path (one model) or --model_config_file (models listed in a file)');
  }
  if (configFile !== undefined) {
    if (modelName !== undefined) {
      throw new UsageError('--model_name goes with --model_base_path; with --model_config_file, name models in the file');
    }
    options.modelConfigFile = configFile;
  } else {
    options.modelBasePath = basePath;
    options.modelName = modelName ?? DEFAULT_MODEL_NAME;
  }
  return options;
}

function convert(flag: string, kind: FlagKind, value: string): string | number | boolean {
  switch (kind) {
    case 'bool':
      if (value !== 'true' && value !== 'false') throw new UsageError(`${flag} must be true or false, not '${value}'`);
      return value === 'true';
    case 'port': {
      const port = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(port)) throw new UsageError(`${flag} must be a port number, not '${value}'`);
      if (port > 65535) throw new UsageError(`${flag} must be between 0 and 65535, not ${value}`);
      return port;
    }
    case 'positiveInt': {
      const number = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(number) || number <= 0) {
        throw new UsageError(`${flag} must be a positive integer, not '${value}'`);
      }
      return number;
    }
    default:
      return value;
  }
}
