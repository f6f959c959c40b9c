/**
 * tensorflow_model_server-style flags for every subcommand: `--flag=value`, `--flag value` and
 * bare `--bool` flags, with `_` or `-` in names.
 * @module cli/flags
 */

/** Bad command line: the CLI prints the message and the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What each flag takes: a value, or nothing / true / false. */
export type FlagKinds = Record<string, 'string' | 'bool'>;

export interface ParsedFlags {
  /** By the underscore spelling of the name; bool flags are `'true'` or `'false'`. */
  flags: Record<string, string>;
  positional: string[];
}

/**
 * Parses `--flag=value`, `--flag value` and bare `--bool` flags (`_` or `-` in names; keyed by the
 * `_` spelling), and positional arguments. Everything after `--` is positional.
 */
export function parseFlags(argv: string[], kinds: FlagKinds, command: string): ParsedFlags {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const written = equals === -1 ? arg : arg.slice(0, equals);
    const name = written.slice(2).replaceAll('-', '_');
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (!kind) throw new UsageError(`Unknown flag ${written} for ${command}`);
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else if (kind === 'bool') value = 'true';
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(`Missing value for --${name}`);
    if (kind === 'bool') {
      const lower = value.toLowerCase();
      if (!['true', 'false', '1', '0'].includes(lower)) throw new UsageError(`--${name} takes true or false, not '${value}'`);
      value = lower === 'true' || lower === '1' ? 'true' : 'false';
    }
    flags[name] = value;
  }
  return { flags, positional };
}

/** Splits a comma-separated flag value, dropping empty parts. */
export function commaList(value: string): string[] {
  return value.split(',').map((part) => part.trim()).filter(Boolean);
}

/** Prints a failed command's reason (not a stack) and sets a non-zero exit code. */
export function reportFailure(command: string, error: unknown): void {
  if (error instanceof UsageError) throw error;
  console.error(`lambda-serving ${command}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
