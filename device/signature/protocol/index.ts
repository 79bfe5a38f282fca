import { isdv4 } from './isdv4.js';
import { protocol4 } from './protocol4.js';
import type { ProtocolName, ProtocolSpec } from './types.js';

/** Every tablet protocol the booth speaks; config `signature.protocol` picks one by name. */
export const PROTOCOLS: Readonly<Record<ProtocolName, ProtocolSpec>> = { isdv4, protocol4 };

export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

export function protocolByName(name: ProtocolName): ProtocolSpec {
  return PROTOCOLS[name];
}

export type { ProtocolName, ProtocolSpec, TabletEvent, PenEvent, QueryEvent, OutEvent } from './types.js';
