import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.js';
import { EXIT } from './command.js';
import { parseWith } from './config-args.js';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { Booth } from '../main.js';
import type { KioskView } from '../core/visit/view.js';

/**
 * `booth demo`: one complete visit, headless, through the booth's real HTTP API in simulation.
 * A booth starts on a fresh data directory with the demo session; the simulated camera shows
 * demo expert A, who consents, is recognised, signs project P-2026-001 on the replayed tablet
 * and confirms. Prints one JSON object: the sealed PDF(s) and the committed sign record.
 */
const options = {
  'data-dir': { type: 'string' },
  project: { type: 'string', default: 'P-2026-001' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const TIMEOUT_MS = 60_000;

class Api {
  constructor(readonly base: string) {}

  async post(path: string, body?: unknown): Promise<KioskView> {
    const res = await fetch(`${this.base}/api/kiosk/${path}`, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as KioskView & { code?: string; message?: string };
    if (!res.ok) throw new Error(`${path}: ${res.status} ${json.code ?? ''} ${json.message ?? ''}`);
    return json;
  }

  async until(pred: (v: KioskView) => boolean, what: string): Promise<KioskView> {
    const end = Date.now() + TIMEOUT_MS;
    for (;;) {
      const v = (await (await fetch(`${this.base}/api/kiosk/state`)).json()) as KioskView;
      if (pred(v)) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (screen ${v.screen})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Follows the event stream and resolves once ink has arrived and then paused for `quietMs`. */
  async inkDrawn(quietMs = 500): Promise<number> {
    const abort = new AbortController();
    const res = await fetch(`${this.base}/api/kiosk/events`, { signal: abort.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let points = 0;
    let last = 0;
    const timer = setInterval(() => {
      if (points > 0 && Date.now() - last > quietMs) abort.abort();
    }, 100);
    const end = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const m of decoder.decode(value).matchAll(/"type":"ink","points":\[(.*?)\]/g)) {
          points += (m[1]?.match(/\{/g) ?? []).length;
          last = Date.now();
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      clearInterval(timer);
      clearTimeout(end);
    }
    return points;
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run one complete visit headless in simulation and print the sealed PDFs and the record',
  usage: 'booth demo [--data-dir DIR] [--project P-2026-001]',
  async run(argv) {
    const { values } = parseWith(argv, options);
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return EXIT.ok;
    }
    const dataDir = values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'booth-demo-')));
    const config = parseConfig(
      {
        booth: { id: 'booth-demo' },
        http: { port: 0 },
        log: { level: 'error' },
        tuning: { enabled: false },
        // The simulated camera shows still photos, which cannot blink or turn (docs/face.md).
        visit: { activeLiveness: false },
      },
      'demo',
      { hardware: 'sim', dataDir },
    );
    const booth = new Booth({ config, logger: createLogger(config.log.level) });
    try {
      const api = new Api(await booth.start());
      await api.post('sim/camera', { source: 'expert' });
      await api.post('begin');
      await api.post('consent', { accepted: true, version: config.visit.consentVersion });
      const verified = await api.until((v) => v.screen !== 'capture', 'the face decision');
      if (verified.screen !== 'projects')
        throw new Error(`not verified: ${verified.screen} ${verified.rejectedReason ?? ''}`);
      await api.post('project', { projectId: values.project });
      const ink = api.inkDrawn();
      await api.post('action', { action: 'sign', reason: '' });
      const points = await ink;
      await api.post('signature/done');
      await api.post('confirm');
      const receipt = await api.until((v) => v.screen !== 'sealing', 'the seal');
      if (receipt.screen !== 'receipt' || !receipt.receipt)
        throw new Error(`sealing failed: ${receipt.failedCode ?? receipt.screen}`);
      await api.post('finish');
      await booth.visit?.service?.settled();
      const records = (await booth.store?.read(0, Number.MAX_SAFE_INTEGER)) ?? [];
      const record = records.find((r) => r.kind === 'sign' && r.payload.signId === receipt.receipt?.recordId);
      const docs = (record?.payload.documents as { blob: string | null }[] | undefined) ?? [];
      // The sealed revisions are store blobs: plain PDF files under <dataDir>/blobs/.
      const sealedPdfs: string[] = [];
      for (const d of docs) {
        const file = d.blob ? await booth.store?.blobFile(d.blob) : null;
        if (file) sealedPdfs.push(file.path);
      }
      const out = {
        ok: true,
        dataDir,
        inkPoints: points,
        sealedPdfs,
        record,
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return EXIT.ok;
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: (err as Error).message, dataDir })}\n`);
      return EXIT.failure;
    } finally {
      await booth.stop('demo done').catch(() => undefined);
    }
  },
};
