/**
 * `lambda-serving serve`: tensorflow_model_server's REST side on the local machine, through the
 * same app the Lambda handler uses.
 * @module cli/serve
 */
import path from 'node:path';
import { createApp } from '../http/app.ts';
import { listen, type RunningServer } from '../http/node.ts';
import { observeRequests, requestLogLine } from '../observability/request-record.ts';
import { DEFAULT_VERSION_POLICY, type ModelConfig } from '../service/model-config.ts';
import { ModelService } from '../service/model-service.ts';
import { readModelConfigFile } from './model-config-file.ts';
import { parseServeFlags, type ServeOptions } from './serve-flags.ts';

/** Starts serving; resolves once listening. Models load in the background. */
export async function serve(options: ServeOptions, log: (line: string) => void = console.log): Promise<RunningServer> {
  const configs = await modelConfigs(options);
  const services = configs.map((config) => ModelService.fromConfig(config));
  const app = createApp(services, {
    maxBodyBytes: options.maxBodyBytes,
    timeoutMs: options.restApiTimeoutInMs,
    signatureMethodNameCheck: options.enableSignatureMethodNameCheck,
    middleware: options.requestLog === false ? [] : [observeRequests((record) => console.error(requestLogLine(record)))],
  });
  const server = await listen(app.fetch, { port: options.restApiPort, hostname: options.restApiHost });
  const shownHost = options.restApiHost === '0.0.0.0' ? 'localhost' : options.restApiHost;
  for (const service of services) {
    log(`lambda-serving: model ${service.name} from ${service.basePath} at http://${shownHost}:${server.port}/v1/models/${service.name} and /v2/models/${service.name}`);
    service.load().then(
      async () => log(`lambda-serving: model ${service.name} versions ${(await service.servedVersions()).join(', ')} AVAILABLE`),
      (error: Error) => log(`lambda-serving: model ${service.name} failed to load: ${error.message}`),
    );
  }
  log(`lambda-serving: REST API listening on ${options.restApiHost}:${server.port}`);
  return {
    port: server.port,
    async close() {
      await server.close();
      await Promise.all(services.map((service) => service.unload()));
    },
  };
}

async function modelConfigs(options: ServeOptions): Promise<ModelConfig[]> {
  if (options.modelConfigFile) return readModelConfigFile(options.modelConfigFile);
  return [
    {
      name: options.modelName ?? 'default',
      basePath: path.resolve(options.modelBasePath!),
      versionPolicy: DEFAULT_VERSION_POLICY,
      versionLabels: {},
    },
  ];
}

/** The `serve` subcommand: parse flags, serve, stop cleanly on SIGINT/SIGTERM. */
export async function serveCommand(argv: string[]): Promise<void> {
  const options = parseServeFlags(argv);
  if (options.ignored.length) {
    console.log(`lambda-serving: ignoring flags that do not apply here: ${options.ignored.join(', ')}`);
  }
  const server = await serve(options);
  const stop = async (signal: string) => {
    console.log(`lambda-serving: ${signal} received, shutting down`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
