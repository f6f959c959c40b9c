/**
 * The `lambda-serving` command: subcommands parse their flags and call library functions.
 * @module cli/main
 */
import { serveCommand } from './serve.ts';
import { ModelConfigError } from './model-config-file.ts';
import { UsageError } from './flags.ts';
import { SERVE_USAGE } from './serve-flags.ts';
import { SHOW_USAGE, showCommand } from './show.ts';
import { CONVERT_USAGE, convertCommand } from './convert.ts';

const USAGE = `Usage: lambda-serving <command> [flags]

Commands:
  serve    Serve models over TensorFlow Serving's REST API (flags as tensorflow_model_server)
  show     Print a model's signatures (as saved_model_cli show)
  convert  Convert a TensorFlow model to a TF.js graph model (flags as tensorflowjs_converter)
  help     Show this text

${SERVE_USAGE}

${SHOW_USAGE}

${CONVERT_USAGE}`;

/** Each command's own usage text, printed with its usage errors. */
const COMMAND_USAGE: Record<string, string> = { serve: SERVE_USAGE, show: SHOW_USAGE, convert: CONVERT_USAGE };

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  async serve(argv) {
    if (argv.includes('--help') || argv.includes('-h')) console.log(SERVE_USAGE);
    else await serveCommand(argv);
  },
  async show(argv) {
    if (argv.includes('--help') || argv.includes('-h')) console.log(SHOW_USAGE);
    else await showCommand(argv);
  },
  async convert(argv) {
    if (argv.includes('--help') || argv.includes('-h')) console.log(CONVERT_USAGE);
    else await convertCommand(argv);
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
    const usage = Object.hasOwn(COMMAND_USAGE, process.argv[2] ?? '') ? COMMAND_USAGE[process.argv[2]] : USAGE;
    console.error(`lambda-serving: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
  if (error instanceof ModelConfigError) {
    console.error(`lambda-serving: ${error.message}`);
    process.exit(2);
  }
  console.error('lambda-serving:', error);
  process.exit(1);
});
