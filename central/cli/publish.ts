import { publishOp } from '../publish/publish.js';
import { revokePackageOp, unlockOp } from '../publish/unlock.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';
import { invoke } from './invoke.js';

/** `booth-central publish --date D`: each booth's package of the day, built, sealed, signed and queued. */
export const publishCommand: CentralCommand = {
  name: 'publish',
  summary: 'build, seal, sign and queue each booth’s package of a day (a new version each time)',
  usage: 'booth-central publish --date YYYY-MM-DD [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, { ...commonOptions, date: { type: 'string' } });
    if (!values.date) throw new UsageError('--date is required');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const out = await invoke(
      publishOp,
      { date: values.date },
      { config: loaded.config, log: commandLogger(loaded.config, 'warn') },
    );
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else
      process.stdout.write(
        [
          `published ${out.date} (plan revision ${out.planRevision}):`,
          ...out.packages.map(
            (p) =>
              `  ${p.packageId} v${p.version}: ${p.projects.length} projects, ${p.experts} experts, ${p.documents} documents, ` +
              `unlocks ${p.unlockAt}, expires ${p.expiresAt}${p.unlockCarried ? ' (unlock ordered again)' : ''}`,
          ),
          'booths fetch them at their next manifest (every few minutes).',
        ].join('\n') + '\n',
      );
    return EXIT.ok;
  },
};

/** `booth-central unlock --date D [--at TIME]`: the roster opens at TIME (default now) instead of unlockAt. */
export const unlockCommand: CentralCommand = {
  name: 'unlock',
  summary: 'order every booth of a day to open its roster (名单解密) now or at --at TIME',
  usage:
    'booth-central unlock --date YYYY-MM-DD [--at HH:MM|"YYYY-MM-DD HH:MM"] [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, { ...commonOptions, date: { type: 'string' }, at: { type: 'string' } });
    if (!values.date) throw new UsageError('--date is required');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const out = await invoke(
      unlockOp,
      { date: values.date, ...(values.at ? { at: values.at } : {}) },
      { config: loaded.config, log: commandLogger(loaded.config, 'warn') },
    );
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else
      process.stdout.write(
        [
          `unlock ${out.date}:`,
          ...out.commands.map((c) => `  ${c.packageId} v${c.version}: delivered from ${c.deliverFrom}`),
          ...out.warnings.map((w) => `warning: ${w}`),
        ].join('\n') + '\n',
      );
    return EXIT.ok;
  },
};

/** `booth-central revoke --date D --booth ID --reason R`: withdraws a booth's package of the day. */
export const revokeCommand: CentralCommand = {
  name: 'revoke',
  summary: 'withdraw a booth’s package of a day (the booth closes it and records its no-shows)',
  usage: 'booth-central revoke --date YYYY-MM-DD --booth ID --reason TEXT [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, {
      ...commonOptions,
      date: { type: 'string' },
      booth: { type: 'string' },
      reason: { type: 'string' },
    });
    if (!values.date || !values.booth || !values.reason)
      throw new UsageError('--date, --booth and --reason are required');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const out = await invoke(
      revokePackageOp,
      { date: values.date, booth: values.booth, reason: values.reason },
      { config: loaded.config, log: commandLogger(loaded.config, 'warn') },
    );
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else process.stdout.write(`revoked ${out.packageId} (versions up to ${out.version}) at ${out.issuedAt}\n`);
    return EXIT.ok;
  },
};
