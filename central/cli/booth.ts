import { boothAddOp, boothListOp, boothRevokeOp } from '../inventory/ops.js';
import type { BoothInfo } from '../inventory/schemas.js';
import { invoke } from './invoke.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';

/**
 * `booth-central booth add | list | revoke`: the booth inventory. Through the running service's
 * admin API when there is one on this data dir, else straight to the database.
 */
const USAGE = [
  'booth-central booth add ID --room ROOM [--centre C] [--hall H] [--pull-url https://addr:port] [--json]',
  '       booth-central booth list [--json]',
  '       booth-central booth revoke ID --reason TEXT [--json]',
  '       (each also takes [--config FILE] [--data-dir DIR])',
].join('\n');

const options = {
  ...commonOptions,
  room: { type: 'string' },
  centre: { type: 'string' },
  hall: { type: 'string' },
  'pull-url': { type: 'string' },
  reason: { type: 'string' },
} as const;

export const boothCommand: CentralCommand = {
  name: 'booth',
  summary: 'the booth inventory: add, list, revoke',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseWith(argv, options, true);
    const [action, id, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    if (action !== 'add' && action !== 'list' && action !== 'revoke')
      throw new UsageError(`expected add, list or revoke, got "${action ?? ''}"`);
    if (action !== 'list' && !id) throw new UsageError(`booth ${action}: the booth ID is missing`);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const o = { config: loaded.config, log: commandLogger(loaded.config, 'warn') };
    const print = (value: unknown, text: string) =>
      process.stdout.write(values.json ? `${JSON.stringify(value)}\n` : `${text}\n`);

    if (action === 'add') {
      if (!values.room) throw new UsageError('booth add: --room is required');
      const booth = await invoke(
        boothAddOp,
        {
          id: id ?? '',
          room: values.room,
          ...(values.centre !== undefined ? { centre: values.centre } : {}),
          ...(values.hall !== undefined ? { hall: values.hall } : {}),
          ...(values['pull-url'] !== undefined ? { pullUrl: values['pull-url'] } : {}),
        },
        o,
      );
      print(booth, `added ${describe(booth)}\nnext: booth-central token issue --booth ${booth.id}`);
    } else if (action === 'revoke') {
      if (!values.reason) throw new UsageError('booth revoke: --reason is required (it is kept with the revocation)');
      const r = await invoke(boothRevokeOp, { id: id ?? '', reason: values.reason }, o);
      print(
        r,
        r.alreadyRevoked
          ? `booth ${r.booth.id} was already revoked (${r.booth.revokedAt ?? ''}: ${r.booth.revokeReason ?? ''})`
          : `revoked booth ${r.booth.id} and ${r.certificatesRevoked} certificate(s); the revocation list is keys/ca.crl.pem`,
      );
    } else {
      const { booths } = await invoke(boothListOp, {}, o);
      print(
        { booths },
        booths.length ? booths.map(describe).join('\n') : 'no booths yet: booth-central booth add ID --room ROOM',
      );
    }
    return EXIT.ok;
  },
};

function describe(b: BoothInfo): string {
  const cert = b.certificate
    ? `certificate ${b.certificate.serial} (key ${b.certificate.keyId.slice(0, 16)}…, until ${b.certificate.notAfter.slice(0, 10)}${b.certificate.revokedAt ? `, revoked: ${b.certificate.revokeReason ?? ''}` : ''})`
    : 'not enrolled';
  const seen = b.lastContactAt ? `last contact ${b.lastContactAt} from ${b.lastAddress ?? '?'}` : 'never contacted';
  const status = b.status === 'revoked' ? `REVOKED ${b.revokedAt ?? ''} (${b.revokeReason ?? ''})` : 'active';
  return `${b.id}  room ${b.room}  ${status}  ${cert}  ${seen}${b.pullUrl ? `  pull ${b.pullUrl}` : ''}`;
}
