import { parentPort, workerData } from 'node:worker_threads';
import { LocalInference } from './inference.js';
import { toWire, type FromWorker, type ToWorker, type WorkerData } from './inference-protocol.js';

/**
 * Entry of the face inference thread (started by inference-thread.ts). Loads and verifies the
 * models, warms them up, then serves run requests one at a time in arrival order. Only
 * tensors cross the thread boundary: no image, no template.
 */

if (!parentPort) throw new Error('inference-worker.ts: expected to run as a worker thread');
const port = parentPort;
const post = (m: FromWorker) => port.postMessage(m);

async function main(): Promise<void> {
  let inference: LocalInference;
  try {
    inference = await LocalInference.open(workerData as WorkerData);
  } catch (err) {
    post({ type: 'failed', error: toWire(err) });
    port.close();
    return;
  }
  post({ type: 'ready', models: { ...inference.models } });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      // LocalInference finishes the runs already queued before it releases the sessions; the
      // thread then ends, which is what the engine waits for.
      void inference.close().finally(() => port.close());
      return;
    }
    inference.run(m.name, m.input).then(
      // The input goes back without a copy (the engine reuses it); outputs are copied by the
      // structured clone, as ONNX Runtime owns their memory on this side.
      (r) =>
        port.postMessage(
          { type: 'result', id: m.id, outputs: r.outputs, ms: r.ms, input: r.input } satisfies FromWorker,
          [r.input.buffer as ArrayBuffer],
        ),
      (err: unknown) => post({ type: 'error', id: m.id, error: toWire(err) }),
    );
  });
}

void main();
