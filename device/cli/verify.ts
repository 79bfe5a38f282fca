import { readFile } from 'node:fs/promises';
import type { Command } from './command.js';
import { EXIT } from './command.js';
import { parseWith, UsageError } from './config-args.js';
import { verifyPdf, type SignatureReport } from '../documents/index.js';

/** `booth verify PDF`: every signature, what it covers, and whether the file is unchanged since. */
const options = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function line(s: SignatureReport): string {
  const since =
    s.changesAfter === 'none'
      ? 'document unchanged since'
      : s.changesAfter === 'signed-revisions'
        ? 'later revisions appended, each signed'
        : 'UNSIGNED CHANGES appended after it';
  return [
    `#${s.index} ${s.intact ? 'VALID' : 'BROKEN'}  signer ${s.signer ?? '?'}${s.selfSigned ? ' (self-signed)' : ''}`,
    `   time ${s.signingTime ?? '?'}  reason ${s.reason ?? ''}`,
    ...(s.timestamp
      ? [
          `   timestamp ${s.timestamp.time} by ${s.timestamp.authority ?? '?'} (${s.timestamp.intact ? 'valid' : 'BROKEN'})`,
        ]
      : []),
    `   covers bytes 0-${s.byteRange[1]} and ${s.byteRange[2]}-${s.revisionEnd} (${s.subFilter ?? '?'}); ${since}`,
    ...s.problems.map((p) => `   problem: ${p}`),
  ].join('\n');
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify every PDF signature of a file: digests, CMS signatures, revisions appended since',
  usage: 'booth verify PDF [--json]',
  async run(argv) {
    const { values, positionals } = parseWith(argv, options, true);
    const [path] = positionals;
    if (!path || positionals.length > 1) throw new UsageError('expected exactly one PDF file');
    const report = verifyPdf(await readFile(path));
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      if (report.signatures.length === 0) process.stdout.write('no signatures found\n');
      for (const s of report.signatures) process.stdout.write(`${line(s)}\n`);
      process.stdout.write(
        report.ok
          ? `verify: OK (${report.signatures.length} signatures, whole file covered)\n`
          : `verify: FAILED${report.unsignedTailBytes > 0 ? ` (${report.unsignedTailBytes} bytes not covered by any intact signature)` : ''}\n`,
      );
    }
    return report.ok ? EXIT.ok : EXIT.failure;
  },
};
