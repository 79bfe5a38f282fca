import { describe, expect, it } from 'vitest';
import { createServer, connect, type Socket } from 'node:net';
import { LoginLimiter } from '../../../device/tuning/login-limiter.js';
import { peerOf } from '../../../device/tuning/peer.js';

// issue 15: the editor lockout is per client, not global.
/** Guesses one local user gets in a day, whatever addresses it uses; docs/tuning.md quotes it. */
const GUESSES_PER_DAY = 47;

describe('LoginLimiter', () => {
  const a = { uid: 1000, address: '127.0.0.1' };
  const b = { uid: 1001, address: '127.0.0.1' };

  it('locks out the failing client only, with a growing lockout', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 5; i++) {
      expect(l.retryAfterMs(a, 0)).toBe(0);
      l.fail(a, 0);
    }
    expect(l.retryAfterMs(a, 0)).toBe(0);
    l.fail(a, 0);
    expect(l.retryAfterMs(a, 0)).toBe(30_000);
    l.fail(a, 30_000);
    expect(l.retryAfterMs(a, 30_000)).toBe(60_000);
    expect(l.retryAfterMs(b, 30_000)).toBe(0);
    l.succeed(a);
    expect(l.retryAfterMs(a, 30_000)).toBe(0);
  });

  it('cycling loopback addresses buys no extra guesses: each local user has a budget too', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 20; i++) l.fail({ uid: 1000, address: `127.0.0.${i + 2}` }, 0);
    expect(l.retryAfterMs({ uid: 1000, address: '127.0.9.9' }, 0)).toBe(0);
    l.fail({ uid: 1000, address: '127.0.9.9' }, 0);
    expect(l.retryAfterMs({ uid: 1000, address: '127.1.1.1' }, 0)).toBe(60_000);
    // Another local user (the technician's tunnel) is not affected.
    expect(l.retryAfterMs({ uid: 1001, address: '127.0.0.1' }, 0)).toBe(0);
  });

  it('bounds the guesses per day of one local user', () => {
    const l = new LoginLimiter();
    const c = { uid: 7, address: '127.0.0.1' };
    let now = 0;
    let guesses = 0;
    while (now < 24 * 3600_000) {
      now += l.retryAfterMs(c, now);
      l.fail(c, now);
      guesses += 1;
    }
    // The local user's budget binds: 20 free, then 1 min doubling to 1 h (docs/tuning.md).
    expect(guesses).toBe(GUESSES_PER_DAY);
  });
});

describe('peerOf', () => {
  async function peerOver(host: string, localAddress: string) {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((r) => server.listen(0, host, r));
    const port = (server.address() as { port: number }).port;
    const client = connect({ port, host, localAddress });
    const socket = await accepted;
    const peer = await peerOf(socket);
    client.destroy();
    socket.destroy();
    await new Promise((r) => server.close(r));
    return peer;
  }

  it('tells the local user owning the other end of a loopback connection (IPv4 and IPv6)', async () => {
    const uid = process.getuid?.() ?? null;
    expect(await peerOver('127.0.0.1', '127.0.0.3')).toEqual({ uid, address: '127.0.0.3' });
    expect(await peerOver('::1', '::1')).toEqual({ uid, address: '::1' });
  });

  it('falls back to the address alone without /proc', async () => {
    const socket = { remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 } as Socket;
    expect(await peerOf(socket, '/nonexistent')).toEqual({ uid: null, address: '127.0.0.1' });
  });
});
