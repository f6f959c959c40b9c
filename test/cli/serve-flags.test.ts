/**
 * `lambda-serving serve` flags, spelled as tensorflow_model_server takes them.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/cli/flags.ts';
import { parseServeFlags, SERVE_USAGE, type ServeOptions } from '../../lib/cli/serve-flags.ts';

function usageError(argv: string[]): UsageError {
  try {
    parseServeFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`parseServeFlags(${JSON.stringify(argv)}) did not throw`);
}

describe('parseServeFlags', () => {
  it('fills in TF Serving defaults when only --model_base_path is given', () => {
    expect(parseServeFlags(['--model_base_path=/models/mnist'])).toEqual<ServeOptions>({
      restApiPort: 8501,
      restApiHost: '0.0.0.0',
      modelName: 'default',
      modelBasePath: '/models/mnist',
      maxBodyBytes: 6 * 1024 * 1024,
      ignored: [],
    });
  });

  it('reads every flag in --flag=value form with underscores', () => {
    const options = parseServeFlags([
      '--rest_api_port=9000',
      '--rest_api_host=127.0.0.1',
      '--model_name=mnist',
      '--model_base_path=/models/mnist',
      '--rest_api_timeout_in_ms=2500',
      '--max_body_bytes=1024',
    ]);
    expect(options).toEqual<ServeOptions>({
      restApiPort: 9000,
      restApiHost: '127.0.0.1',
      modelName: 'mnist',
      modelBasePath: '/models/mnist',
      restApiTimeoutInMs: 2500,
      maxBodyBytes: 1024,
      ignored: [],
    });
  });

  it('reads every flag in --flag value form with hyphens to the same options', () => {
    const hyphens = parseServeFlags([
      '--rest-api-port', '9000',
      '--rest-api-host', '127.0.0.1',
      '--model-name', 'mnist',
      '--model-base-path', '/models/mnist',
      '--rest-api-timeout-in-ms', '2500',
      '--max-body-bytes', '1024',
    ]); // prettier-ignore
    const underscores = parseServeFlags([
      '--rest_api_port=9000',
      '--rest_api_host=127.0.0.1',
      '--model_name=mnist',
      '--model_base_path=/models/mnist',
      '--rest_api_timeout_in_ms=2500',
      '--max_body_bytes=1024',
    ]);
    expect(hyphens).toEqual(underscores);
  });

  it('mixes spellings and forms in one command line', () => {
    const options = parseServeFlags(['--rest-api-port=0', '--model_config_file', 'models.config', '--rest_api_host', '::1']);
    expect(options.restApiPort).toBe(0);
    expect(options.restApiHost).toBe('::1');
    expect(options.modelConfigFile).toBe('models.config');
  });

  it('keeps values that contain = after the first one', () => {
    expect(parseServeFlags(['--model_base_path=/tmp/a=b']).modelBasePath).toBe('/tmp/a=b');
  });

  it('takes the last value of a repeated flag', () => {
    expect(parseServeFlags(['--model_base_path=/m', '--rest_api_port=1', '--rest_api_port=2']).restApiPort).toBe(2);
  });

  it('accepts port 0 (pick a free port) and 65535', () => {
    expect(parseServeFlags(['--model_base_path=/m', '--rest_api_port=0']).restApiPort).toBe(0);
    expect(parseServeFlags(['--model_base_path=/m', '--rest_api_port=65535']).restApiPort).toBe(65535);
  });

  it('leaves the model name unset with --model_config_file (names come from the file)', () => {
    const options = parseServeFlags(['--model_config_file=/etc/models.config']);
    expect(options.modelConfigFile).toBe('/etc/models.config');
    expect(options.modelName).toBeUndefined();
    expect(options.modelBasePath).toBeUndefined();
    expect(options.restApiTimeoutInMs).toBeUndefined();
  });

  it('accepts and collects TF Serving flags that do not apply here', () => {
    const options = parseServeFlags([
      '--port=8500',
      '--enable_batching',
      '--enable-batching=true',
      '--file_system_poll_wait_seconds', '0',
      '--tensorflow_intra_op_parallelism=2',
      '--tensorflow-inter-op-parallelism', '4',
      '--model_base_path=/m',
    ]); // prettier-ignore
    expect(options.ignored).toEqual([
      '--port',
      '--enable_batching',
      '--file_system_poll_wait_seconds',
      '--tensorflow_intra_op_parallelism',
      '--tensorflow_inter_op_parallelism',
    ]);
    expect(options.restApiPort).toBe(8501);
    expect(options.modelBasePath).toBe('/m');
  });

  it('does not let a bare boolean flag swallow the next flag', () => {
    const options = parseServeFlags(['--enable_batching', '--model_base_path', '/m']);
    expect(options.ignored).toEqual(['--enable_batching']);
    expect(options.modelBasePath).toBe('/m');
  });

  it('accepts false and 0 for boolean flags, rejects other words', () => {
    expect(parseServeFlags(['--enable_batching=false', '--model_base_path=/m']).ignored).toEqual(['--enable_batching']);
    expect(parseServeFlags(['--enable_batching=0', '--model_base_path=/m']).ignored).toEqual(['--enable_batching']);
    expect(usageError(['--enable_batching=maybe', '--model_base_path=/m']).message).toMatch(/--enable_batching.*maybe/);
  });

  describe('errors', () => {
    it('names an unknown flag as written', () => {
      expect(usageError(['--model_base_path=/m', '--rest-api-prot=8501']).message).toMatch(/Unknown flag --rest-api-prot\b/);
      expect(usageError(['--model_base_path=/m', '--grpc_port', '1']).message).toMatch(/Unknown flag --grpc_port/);
    });

    it('rejects positional arguments and single-dash flags', () => {
      expect(usageError(['--model_base_path=/m', 'extra']).message).toMatch(/Unexpected argument 'extra'/);
      expect(usageError(['-rest_api_port=1', '--model_base_path=/m']).message).toMatch(/-rest_api_port=1/);
    });

    it('reports a missing value at the end, before another flag, and after =', () => {
      expect(usageError(['--model_base_path']).message).toMatch(/Missing value for --model_base_path/);
      expect(usageError(['--rest-api-port', '--model_base_path=/m']).message).toMatch(/Missing value for --rest_api_port/);
      expect(usageError(['--model_name=', '--model_base_path=/m']).message).toMatch(/Missing value for --model_name/);
      expect(usageError(['--model_base_path=/m', '--port']).message).toMatch(/Missing value for --port/);
    });

    it('rejects a non-numeric port', () => {
      expect(usageError(['--model_base_path=/m', '--rest_api_port=http']).message).toMatch(/--rest_api_port.*port number.*'http'/);
      expect(usageError(['--model_base_path=/m', '--rest_api_port=80.5']).message).toMatch(/--rest_api_port/);
      expect(usageError(['--model_base_path=/m', '--rest_api_port', '-1']).message).toMatch(/--rest_api_port/);
    });

    it('rejects a port above 65535', () => {
      expect(usageError(['--model_base_path=/m', '--rest_api_port=65536']).message).toMatch(/between 0 and 65535/);
    });

    it('rejects a timeout or body limit that is not a positive integer', () => {
      expect(usageError(['--model_base_path=/m', '--rest_api_timeout_in_ms=0']).message).toMatch(
        /--rest_api_timeout_in_ms must be a positive integer/,
      );
      expect(usageError(['--model_base_path=/m', '--rest_api_timeout_in_ms=1s']).message).toMatch(/--rest_api_timeout_in_ms/);
      expect(usageError(['--model_base_path=/m', '--max_body_bytes=-5']).message).toMatch(/--max_body_bytes/);
    });

    it('rejects both --model_base_path and --model_config_file', () => {
      expect(usageError(['--model_base_path=/m', '--model_config_file=/c']).message).toMatch(/not both/);
    });

    it('rejects neither --model_base_path nor --model_config_file', () => {
      expect(usageError([]).message).toMatch(/--model_base_path.*--model_config_file/);
      expect(usageError(['--model_name=mnist']).message).toMatch(/--model_base_path.*--model_config_file/);
    });

    it('rejects --model_name with --model_config_file', () => {
      expect(usageError(['--model_config_file=/c', '--model_name=x']).message).toMatch(/--model_name/);
    });
  });

  it('documents every flag it accepts in SERVE_USAGE', () => {
    for (const flag of [
      '--rest_api_port',
      '--rest_api_host',
      '--model_name',
      '--model_base_path',
      '--model_config_file',
      '--rest_api_timeout_in_ms',
      '--max_body_bytes',
      '--port',
      '--enable_batching',
    ]) {
      expect(SERVE_USAGE).toContain(flag);
    }
  });
});
