/** A `booth-central` subcommand: one module each, listed in commands.ts. */
export interface CentralCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Exit codes: as the booth's (docs/operations.md), plus 3 for "done, but problems were found". */
export const EXIT = { ok: 0, failure: 1, config: 2, problems: 3, usage: 64 } as const;

export class UsageError extends Error {}
