import { readFile } from 'node:fs/promises';
import { isIPv4, type Socket } from 'node:net';
import type { Client } from './login-limiter.js';

/**
 * Who is at the other end of a loopback connection. Every local client has the same address
 * (127.0.0.1), so the address alone cannot tell the technician's SSH tunnel from another local
 * process; the kernel can: /proc/net/tcp{,6} lists the peer's socket (its local end is our
 * remote end) with the uid that owns it. sshd forwards a tunnel as the logged-in user.
 * Linux only; elsewhere (or if the socket is gone) uid is null and the address decides.
 */
export async function peerOf(socket: Socket, procDir = '/proc'): Promise<Client> {
  const address = socket.remoteAddress ?? '?';
  const uid = await peerUid(socket, procDir).catch(() => null);
  return { uid, address };
}

async function peerUid(socket: Socket, procDir: string): Promise<number | null> {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (!remoteAddress || !remotePort || !localAddress || !localPort) return null;
  const v4 = isIPv4(remoteAddress) && isIPv4(localAddress);
  const table = await readFile(`${procDir}/net/${v4 ? 'tcp' : 'tcp6'}`, 'utf8');
  const peer = `${procAddress(remoteAddress, v4)}:${hexPort(remotePort)}`;
  const us = `${procAddress(localAddress, v4)}:${hexPort(localPort)}`;
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const f = line.trim().split(/\s+/);
    if (f[1] === peer && f[2] === us && f[7] !== undefined) return Number(f[7]);
  }
  return null;
}

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/** The kernel prints addresses as 32-bit words in host (little-endian) byte order. */
function procAddress(address: string, v4: boolean): string {
  const bytes = v4 ? address.split('.').map(Number) : ipv6Bytes(address);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4)
    out += bytes
      .slice(i, i + 4)
      .reverse()
      .map((b) => b.toString(16).toUpperCase().padStart(2, '0'))
      .join('');
  return out;
}

function ipv6Bytes(address: string): number[] {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return [...new Array<number>(10).fill(0), 0xff, 0xff, ...mapped[1].split('.').map(Number)];
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
