import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { EXIT } from './command.js';
import { parseWith } from './config-args.js';
import { protocolArg } from './tablet-args.js';
import type { TabletEvent } from '../signature/protocol/types.js';

/** The JSON line of one event: exactly the documented fields, nothing else. */
export function eventLine(e: TabletEvent): string {
  switch (e.type) {
    case 'pen':
      return JSON.stringify({
        type: 'pen',
        x: e.x,
        y: e.y,
        pressure: e.pressure,
        tip: e.tip,
        proximity: e.proximity,
        eraser: e.eraser,
        side: e.side,
      });
    case 'query':
      return JSON.stringify({
        type: 'query',
        maxX: e.maxX,
        maxY: e.maxY,
        maxPressure: e.maxPressure,
        version: e.version,
      });
    case 'out':
      return JSON.stringify({ type: 'out' });
  }
}

/**
 * `booth tablet decode`: bytes from a file or stdin, one JSON object per event on stdout and
 * nothing else (line statistics go to stderr), so the output pipes into jq.
 */
export async function decodeCommand(argv: string[]): Promise<number> {
  const { values } = parseWith(argv, { protocol: { type: 'string' }, file: { type: 'string' } });
  const parser = protocolArg(values.protocol).createParser();
  // `| head` closing the pipe is a normal way to stop reading, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  const input: Readable = values.file ? createReadStream(values.file) : process.stdin;
  for await (const chunk of input) {
    const events = parser.push(chunk as Buffer);
    if (events.length) process.stdout.write(`${events.map(eventLine).join('\n')}\n`);
  }
  const s = parser.stats;
  process.stderr.write(`decode: ${s.packets} packets, ${s.droppedBytes} bytes dropped, ${s.ignoredPackets} ignored\n`);
  return EXIT.ok;
}
