/**
 * The reference central server for bench/store-sync.ts, in a worker thread: the booth and the
 * central server are separate machines in reality, so each gets its own core here rather than
 * sharing one event loop. Messages: 'pull' (boothUrl, boothId) -> result; 'pushes' -> count.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { buildCentralServer } from '../test/central/server.js';

const port = parentPort;
if (!port) throw new Error('run as a worker');
const central = await buildCentralServer();
const url = await central.listen();
port.postMessage({ type: 'ready', url, ca: central.ca });

port.on('message', (msg: { type: string; boothUrl?: string; boothId?: string; limit?: number }) => {
  void (async () => {
    if (msg.type === 'pull') {
      const t = performance.now();
      const result = await central.pull(msg.boothUrl ?? '', msg.boothId ?? '', { limit: msg.limit ?? 1000 });
      port.postMessage({ type: 'pulled', result, seconds: (performance.now() - t) / 1000 });
    } else if (msg.type === 'pushes') {
      port.postMessage({ type: 'pushes', count: central.pushes.filter((p) => p.boothId === msg.boothId).length });
    } else if (msg.type === 'close') {
      await central.close();
      port.close();
    }
  })();
});
