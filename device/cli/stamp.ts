import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ulid } from 'ulid';
import type { Command } from './command.js';
import { EXIT } from './command.js';
import { configOptions, configOrExit, parseWith, UsageError } from './config-args.js';
import { loadOrCreateIdentity } from '../crypto/identity.js';
import type { KeyObject } from 'node:crypto';
import { BoothError, isBoothError } from '../../protocol/errors.js';
import { keyId } from '../../protocol/session/keys.js';
import type { BoothConfig } from '../config/schema.js';
import { escrowKeyPath, loadEscrowKey } from '../documents/escrow-key.js';
import { checkOutputPath, parsePlaces, stampAndSeal, writePdfDurable, type Action } from '../documents/index.js';

/**
 * `booth stamp`: one expert's action on one PDF from the command line, the same path the visit
 * workflow takes: validate, stamp every place of the seat, seal as an incremental revision with
 * the booth's identity (or --key/--cert), write the result durably to --out. `--dynamics` follows
 * the booth's rule: the PDF carries them only sealed to the escrow key (`--escrow-key`, else the
 * configured or enrolled one), and without a key only their hash.
 */
const options = {
  ...configOptions,
  pdf: { type: 'string' },
  places: { type: 'string' },
  seat: { type: 'string' },
  signature: { type: 'string' },
  name: { type: 'string' },
  action: { type: 'string', default: 'sign' },
  reason: { type: 'string' },
  'record-id': { type: 'string' },
  project: { type: 'string' },
  dynamics: { type: 'string' },
  'escrow-key': { type: 'string' },
  key: { type: 'string' },
  cert: { type: 'string' },
  out: { type: 'string' },
  'new-revision': { type: 'string' },
} as const;

const ACTIONS: readonly Action[] = ['sign', 'dissent', 'refuse'];

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

/** An explicit --escrow-key must exist; otherwise the configured or enrolled key, if any. */
async function escrowKeyFor(explicit: string | undefined, config: BoothConfig): Promise<KeyObject | null> {
  if (!explicit) return loadEscrowKey(escrowKeyPath(config.dataDir, config.documents.escrowKey));
  const key = await loadEscrowKey(explicit);
  if (!key) throw new BoothError('BOOTH_ERR_NOT_FOUND', `--escrow-key ${explicit}: no such file`);
  return key;
}

export const stampCommand: Command = {
  name: 'stamp',
  summary: "stamp one expert's signature on every place of their seat and seal the PDF (PAdES, incremental)",
  usage:
    'booth stamp --pdf IN [--places PLACES.json] --seat S --signature SIG.png --name NAME ' +
    '[--action sign|dissent|refuse] [--reason TEXT] [--record-id ID] [--project NAME] [--dynamics FILE.iso19794-7] ' +
    '[--escrow-key ESCROW.pem] [--new-revision STAFF_ID] ' +
    '[--key KEY.pem --cert CERT.pem] --out OUT [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, options);
    const action = values.action as Action;
    if (!ACTIONS.includes(action)) throw new UsageError('--action: expected sign, dissent or refuse');
    const pdfPath = required(values, 'pdf');
    const seat = required(values, 'seat');
    const out = action === 'refuse' ? values.out : required(values, 'out');
    if (Boolean(values.key) !== Boolean(values.cert)) throw new UsageError('--key and --cert go together');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    try {
      // A bad --out (the input, a directory) is refused before any work, not after sealing.
      if (action !== 'refuse' && out) await checkOutputPath(out, pdfPath);
      const signer =
        values.key && values.cert
          ? { keyPem: await readFile(values.key, 'utf8'), certPem: await readFile(values.cert, 'utf8') }
          : await loadOrCreateIdentity(config.dataDir, config.booth.id).then((id) => ({
              keyPem: id.privateKeyPem,
              certPem: id.certificatePem,
            }));
      const escrowKey = values.dynamics ? await escrowKeyFor(values['escrow-key'], config) : null;
      const result = await stampAndSeal({
        pdf: await readFile(pdfPath),
        places: values.places ? parsePlaces(await readFile(values.places, 'utf8')) : undefined,
        seat,
        signaturePng:
          action === 'refuse' && !values.signature ? Buffer.alloc(0) : await readFile(required(values, 'signature')),
        name: required(values, 'name'),
        action,
        reason: values.reason,
        recordId: values['record-id'] ?? ulid(),
        project: values.project ?? basename(pdfPath, extname(pdfPath)),
        dynamics: values.dynamics ? await readFile(values.dynamics) : undefined,
        escrowKey,
        signer,
        now: new Date(),
        options: config.documents,
        // A seat already stamped is refused unless staff ask for a new revision (recorded in it).
        ...(values['new-revision'] ? { newRevision: { staffId: values['new-revision'], at: new Date() } } : {}),
      });
      if (result.action !== 'refuse' && out) await writePdfDurable(out, result.pdf, pdfPath);
      const summary = {
        ok: true,
        action: result.action,
        out: result.action === 'refuse' ? null : out,
        placesStamped: result.placesStamped,
        level: result.level ?? null,
        timestampError: result.timestampError ?? null,
        sha256Before: result.sha256Before,
        sha256After: result.sha256After,
        refusal: result.refusal ?? null,
        dynamics: values.dynamics ? { escrowKeyId: escrowKey ? keyId(escrowKey) : null } : null,
      };
      if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (result.refusal)
        process.stdout.write(
          `refused: seat ${seat}, reason ${result.refusal.reasonCode}; nothing stamped, nothing written\n`,
        );
      else
        process.stdout.write(
          `stamped ${result.placesStamped} places for seat ${seat}, sealed (PAdES ${result.level ?? 'B-B'}) -> ${out}\n` +
            (result.timestampError ? `warning: no timestamp: ${result.timestampError}\n` : '') +
            (values.dynamics && !escrowKey
              ? 'note: no escrow key: the PDF carries the hash of the dynamics only, not the dynamics\n'
              : ''),
        );
      return EXIT.ok;
    } catch (err) {
      if (!isBoothError(err)) throw err;
      if (values.json)
        process.stdout.write(
          `${JSON.stringify({ ok: false, code: err.code, message: err.message, details: err.details })}\n`,
        );
      else process.stderr.write(`booth stamp: ${err.code}: ${err.message}\n`);
      return EXIT.failure;
    }
  },
};
