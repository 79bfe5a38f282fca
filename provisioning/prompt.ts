import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

/**
 * Questions for the technician. Unattended runs (--yes, or no terminal) take the default of
 * every question instead; a question without a safe default fails there rather than guessing.
 */
export interface Prompter {
  readonly interactive: boolean;
  /** Picks one of the options (or none); returns the default when unattended. */
  choose(question: string, options: string[], defaultIndex: number | null): Promise<string | null>;
  /** A secret typed without echo, asked twice. Null when unattended. */
  secret(question: string): Promise<string | null>;
  close(): void;
}

export function unattendedPrompter(): Prompter {
  return {
    interactive: false,
    choose: (_q, options, d) => Promise.resolve(d === null ? null : (options[d] ?? null)),
    secret: () => Promise.resolve(null),
    close: () => undefined,
  };
}

export function terminalPrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  let muted = false;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input, output: sink, terminal: true });
  return {
    interactive: true,
    async choose(question, options, d) {
      output.write(`${question}\n`);
      options.forEach((o, i) => output.write(`  ${i + 1}) ${o}\n`));
      output.write(`  0) none\n`);
      for (;;) {
        const answer = (await rl.question(`choice [${d === null ? 0 : d + 1}]: `)).trim();
        const n = answer === '' ? (d === null ? 0 : d + 1) : Number(answer);
        if (Number.isInteger(n) && n >= 0 && n <= options.length) return n === 0 ? null : (options[n - 1] ?? null);
        output.write(`please answer 0-${options.length}\n`);
      }
    },
    async secret(question) {
      for (;;) {
        output.write(`${question}: `);
        muted = true;
        const a = await rl.question('');
        output.write('\nagain: ');
        const b = await rl.question('');
        muted = false;
        output.write('\n');
        if (a.length < 10) output.write('at least 10 characters, please\n');
        else if (a !== b) output.write('the two entries differ, please retry\n');
        else return a;
      }
    },
    close: () => rl.close(),
  };
}
