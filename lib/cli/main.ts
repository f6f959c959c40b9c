/**
 * The `lambda-serving` command: subcommands parse their flags and call library functions.
 * @module cli/main
 */
import { serveCommand } from './serve.ts';
import { ModelConfigError } from './model-config-file.ts';
import { SERVE_USAGE, UsageError } from './serve-flags.ts';

const USAGE = `Usage: lambda-serving <command> [flags]

Commands:
  serve    Serve models over TensorFlow Serving's REST API (flags as tensorflow_model_server)
  help     Show this text

${SERVE_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  async serve(argv) {
    if (argv.includes('--help') || argv.includes('-h')) console.log(SERVE_USAGE);
    else await serveCommand(argv);
  },
  async help() {
    console.log(USAGE);
  },
};

export async function main(argv: string[]): Promise<void> {
  const [name = 'help', ...rest] = argv;
  const command = COMMANDS[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) throw new UsageError(`Unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}`);
  await command(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`lambda-serving: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ModelConfigError) {
    console.error(`lambda-serving: ${error.message}`);
    process.exit(2);
  }
  console.error('lambda-serving:', error);
  process.exit(1);
});
