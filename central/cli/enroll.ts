import { readFile } from 'node:fs/promises';
import { BoothError } from '../../protocol/errors.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';
import { enrollOp } from '../inventory/ops.js';
import { invoke } from './invoke.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';

/**
 * `booth-central enroll --request FILE --out FILE`: enrollment for a hall without network
 * (docs/provisioning.md, "Offline"). The booth wrote enrollment-request.json to a USB stick; the
 * answer is written beside it as enrollment-response.json by the same code as POST /enroll/v1.
 */
const options = { ...commonOptions, request: { type: 'string' }, out: { type: 'string' } } as const;

export const enrollCommand: CentralCommand = {
  name: 'enroll',
  summary: "answer a booth's enrollment request from a USB stick (offline enrollment)",
  usage:
    'booth-central enroll --request STICK/enrollment-request.json --out STICK/enrollment-response.json [--json] [--config FILE] [--data-dir DIR]',
  async run(argv) {
    const { values } = parseWith(argv, options);
    if (!values.request || !values.out) throw new UsageError('enroll: --request and --out are required');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    let request: unknown;
    try {
      request = JSON.parse(await readFile(values.request, 'utf8')) as unknown;
    } catch (err) {
      throw new BoothError(
        'BOOTH_ERR_BAD_INPUT',
        `${values.request}: not a readable JSON request (${(err as Error).message})`,
      );
    }
    const answer = await invoke(enrollOp, request as never, {
      config: loaded.config,
      log: commandLogger(loaded.config, 'warn'),
    });
    await writeFileDurable(values.out, `${JSON.stringify(answer, null, 2)}\n`, 0o644);
    const out = { boothId: answer.site.booth.id, response: values.out };
    process.stdout.write(
      values.json
        ? `${JSON.stringify(out)}\n`
        : `booth ${out.boothId} enrolled: answer written to ${values.out}; take the stick back to the booth and run the same provision command\n`,
    );
    return EXIT.ok;
  },
};
