import { PROTOCOL_NAMES, protocolByName, type ProtocolSpec } from '../signature/protocol/index.js';
import type { ProtocolName } from '../signature/protocol/types.js';
import { UsageError } from './config-args.js';

export function protocolArg(value: string | undefined, fallback: ProtocolName = 'isdv4'): ProtocolSpec {
  const name = value ?? fallback;
  if (!(PROTOCOL_NAMES as string[]).includes(name))
    throw new UsageError(`--protocol: expected one of ${PROTOCOL_NAMES.join(', ')}`);
  return protocolByName(name as ProtocolName);
}

export function positiveArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: expected a positive number`);
  return n;
}
