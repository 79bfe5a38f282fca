/** A `booth` subcommand: one module each, listed in commands.ts. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Exit codes shared by every subcommand. */
export const EXIT = { ok: 0, failure: 1, config: 2, usage: 64 } as const;

/** A wrong command line: exit 64 with the usage. Lives here so main.ts needs no heavy module. */
export class UsageError extends Error {}
