import { statusOp } from '../status/status.js';
import { invoke } from './invoke.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, type CentralCommand } from './command.js';

/** `booth-central status`: booths, last contact, backlog, problems, alerts. Exit 3 when there are problems or alerts. */
export const statusCommand: CentralCommand = {
  name: 'status',
  summary: 'booths, last contact, backlog, problems and alerts (exit 3 when any)',
  usage: 'booth-central status [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, commonOptions);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const s = await invoke(statusOp, {}, { config: loaded.config, log: commandLogger(loaded.config, 'warn') });
    if (values.json) process.stdout.write(`${JSON.stringify(s)}\n`);
    else {
      const lines = [`database: ${s.database}`, `booths: ${s.booths.length}`];
      for (const b of s.booths) {
        const c = b as { lastSeq?: number; pullFailures?: number; pullLastError?: string | null };
        lines.push(
          `  ${b.id} (${b.room}) ${b.status}, ${b.certificate ? `certificate until ${b.certificate.notAfter.slice(0, 10)}` : 'not enrolled'}, last contact ${b.lastContactAt ?? 'never'}${b.lastAddress ? ` from ${b.lastAddress}` : ''}` +
            `${c.lastSeq !== undefined ? `, ledger up to seq ${c.lastSeq}` : ''}` +
            `${c.pullFailures ? `, ${c.pullFailures} pull failure(s): ${c.pullLastError ?? ''}` : ''}`,
        );
        for (const p of (b.packages ?? []) as { packageId: string; version: number; state: string }[])
          lines.push(
            `    package ${p.packageId} v${p.version}: ${p.state === 'pending' ? 'not installed yet' : p.state}`,
          );
      }
      if (s.collect) lines.push(`collected: ${JSON.stringify(s.collect)}`);
      lines.push(`problems: ${s.problems.length}`);
      for (const p of s.problems) lines.push(`  ${JSON.stringify(p)}`);
      lines.push(`alerts: ${s.alerts.length}`, ...s.alerts.map((a) => `  ${a}`));
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return s.problems.length || s.alerts.length ? EXIT.problems : EXIT.ok;
  },
};
