import { resolve } from 'node:path';
import { planImportOp } from '../plan/import.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';
import { invoke } from './invoke.js';

/**
 * `booth-central plan import PATH [--date D] [--check]`: a day plan (a folder of CSV files or one
 * JSON document, docs/central.md "The day plan"). A plan with problems is not imported: every
 * problem is printed (file, row, field) and the command exits 1.
 */
export const planCommand: CentralCommand = {
  name: 'plan',
  summary: 'plan import PATH: check and store a day plan (CSV folder or JSON document) as the date’s new revision',
  usage: 'booth-central plan import PATH [--date YYYY-MM-DD] [--check] [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values, positionals } = parseWith(
      argv,
      { ...commonOptions, date: { type: 'string' }, check: { type: 'boolean', default: false } },
      true,
    );
    const [sub, path, ...extra] = positionals;
    if (sub !== 'import' || !path || extra.length > 0) throw new UsageError('expected: plan import PATH');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const out = await invoke(
      planImportOp,
      { path: resolve(path), ...(values.date ? { date: values.date } : {}), check: values.check },
      { config: loaded.config, log: commandLogger(loaded.config, 'warn') },
    );
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      const c = out.counts;
      const lines = [
        out.imported
          ? `plan ${out.date}: imported as revision ${out.revision ?? '?'}`
          : `plan ${out.date}: checked, no problems (nothing stored: --check)`,
        `  ${c.experts} experts, ${c.projects} projects, ${c.documents} documents, ${c.assignments} assignments, ${c.staff} staff, ${c.rooms} rooms`,
        ...out.booths.map((b) => `  booth ${b.booth}: ${b.projects.join(', ')}`),
        `  content sha256 ${out.sha256}`,
        ...out.warnings.map((w) => `warning: ${w}`),
      ];
      if (out.imported) lines.push(`next: booth-central publish --date ${out.date}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return EXIT.ok;
  },
};
