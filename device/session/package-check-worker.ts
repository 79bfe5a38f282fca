import { parentPort, workerData } from 'node:worker_threads';
import { checkPackageFile, type CheckInput } from './package-check.js';
import { toWire, type CheckReply } from './package-check-thread.js';

/** Entry of the package check thread (package-check-thread.ts): one check, one answer, then it ends. */
if (!parentPort) throw new Error('package-check-worker.ts: expected to run as a worker thread');
const port = parentPort;

checkPackageFile(workerData as CheckInput).then(
  (result) => port.postMessage({ ok: true, result } satisfies CheckReply),
  (err: unknown) => port.postMessage({ ok: false, error: toWire(err) } satisfies CheckReply),
);
