import { expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import type { Tablet, TabletChunk, TabletState } from '../../../device/core/ports.js';
import { until } from './helpers.js';

/** The far side of a tablet adapter: the device (or what stands in for it). */
export interface TabletPeer {
  /** Bytes out of the device towards the booth. */
  send(bytes: Buffer): Promise<void>;
  /** Every byte the booth wrote to the device so far. */
  received(): Buffer;
  /** Pull the cable / make the device vanish; replug() brings it back. */
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export interface TabletRig {
  tablet: Tablet;
  peer: TabletPeer;
  cleanup(): Promise<void>;
}

/**
 * The Tablet contract of core/ports.ts, run against every adapter (the real serial adapter
 * over binding-mock and over a socat pseudo-terminal, and the simulator), so the simulator is
 * held to the same behaviour as the adapter it stands in for.
 */
export function tabletContract(make: () => Promise<TabletRig>): void {
  const withRig = (fn: (rig: TabletRig) => Promise<void>) => async () => {
    const rig = await make();
    try {
      await fn(rig);
    } finally {
      await rig.tablet.stop();
      await rig.cleanup();
    }
  };

  it(
    'is closed before start and write() rejects with a coded error while not open',
    withRig(async ({ tablet }) => {
      expect(tablet.state).toBe('closed');
      const err = await tablet.write(Buffer.from('1')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isBoothError(err, 'BOOTH_ERR_TABLET_UNAVAILABLE')).toBe(true);
    }),
  );

  it(
    'opens (start() is idempotent), delivers bytes in order with non-decreasing arrival times, and writes reach the device',
    withRig(async ({ tablet, peer }) => {
      const chunks: TabletChunk[] = [];
      tablet.onData((c) => chunks.push(c));
      await tablet.start();
      await tablet.start(); // idempotent: a second reader would split the bytes
      await until(() => tablet.state === 'open', 'open');
      const sent = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
      await peer.send(sent.subarray(0, 100));
      await peer.send(sent.subarray(100));
      await until(() => chunks.reduce((n, c) => n + c.bytes.length, 0) >= sent.length, 'all bytes');
      expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(sent)).toBe(true);
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.at).toBeGreaterThanOrEqual(chunks[i - 1]!.at);
      await tablet.write(Buffer.from('0*'));
      await until(() => peer.received().toString('latin1').endsWith('0*'), 'the write at the device');
      await tablet.flush();
      await tablet.setBaudRate(19_200);
      expect(tablet.state).toBe('open');
    }),
  );

  it(
    'reports an unplug as disconnected, reopens with backoff when the device returns, and data flows again',
    withRig(async ({ tablet, peer }) => {
      const states: TabletState[] = [];
      const chunks: Buffer[] = [];
      tablet.onState((s) => states.push(s));
      tablet.onData((c) => chunks.push(c.bytes));
      await tablet.start();
      await until(() => tablet.state === 'open', 'open');
      await peer.unplug();
      await until(() => states.includes('disconnected'), 'disconnected');
      expect(tablet.state).not.toBe('open');
      await peer.replug();
      await until(() => tablet.state === 'open', 'reopened');
      await peer.send(Buffer.from('after'));
      await until(() => Buffer.concat(chunks).toString().endsWith('after'), 'data after reopen');
      expect(states.slice(states.indexOf('disconnected'))).toContain('open');
    }),
  );

  it(
    'stop() closes the port, is idempotent, and nothing is delivered afterwards',
    withRig(async ({ tablet, peer }) => {
      const chunks: Buffer[] = [];
      tablet.onData((c) => chunks.push(c.bytes));
      await tablet.start();
      await until(() => tablet.state === 'open', 'open');
      await tablet.stop();
      await tablet.stop();
      expect(tablet.state).toBe('closed');
      await peer.send(Buffer.from('late')).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      expect(chunks).toEqual([]);
    }),
  );
}
