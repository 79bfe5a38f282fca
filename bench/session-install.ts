/**
 * Session install benchmark (issue 13: one 62.7 MB install peaked at 1,276 MB RSS and blocked the
 * event loop 8.6 s). Prints ONE JSON object with, per scenario, the booth process's RSS before
 * the install, its peak RSS (getrusage maxRSS) and the longest event-loop block while installing:
 *  - channelInline: a ~60 MB package (documents inline) fetched over the package channel (mTLS);
 *  - channelUrl: a small package whose ~60 MB document is published by url, fetched over the channel;
 *  - loopback: the same ~60 MB package POSTed to /api/kiosk/session over a real socket.
 * Each scenario runs in a fresh booth process (the visit feature as the booth composes it, with
 * simulated hardware and without face models, so their memory does not hide the install's); the
 * channel server and the package generation run in this process.
 *
 * npm run bench:session-install   (BENCH_PACKAGE_MB=N for another size)
 */
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createCentralCa, enrollBoothForTests } from '../test/central/ca.js';
import { loadOrCreateIdentity } from '../device/crypto/identity.js';
import { systemClock } from '../device/hardware/system-clock.js';
import { PackageChannel } from '../device/session/channel.js';
import { loadSyncTls } from '../device/sync/tls.js';
import { buildTestPackage, p256, tinyPdf } from '../test/unit/session/helpers.js';
import { startChannelServer } from '../test/integration/session/channel-server.js';
import { startHarness } from '../test/integration/visit/harness.js';

const BOOTH = 'bench-booth';
const MB = 1024 * 1024;
const PACKAGE_MB = Number(process.env.BENCH_PACKAGE_MB ?? 60);

type Scenario = 'channelInline' | 'channelUrl' | 'loopback';

interface ChildInput {
  scenario: Scenario;
  dataDir: string;
  channelUrl: string;
  packageFile: string;
}

interface ChildResult {
  rssBeforeMb: number;
  maxRssBeforeMb: number;
  peakRssMb: number;
  longestBlockMs: number;
  seconds: number;
  installed: boolean;
  detail: string;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The measured side: one booth process, one install. */
async function child(input: ChildInput): Promise<ChildResult> {
  const h = await startHarness({ session: { demo: 'off' } }, systemClock, {
    dataDir: input.dataDir,
    booth: { id: BOOTH },
    face: { runtime: { modelsDir: '/nonexistent-models' } },
    sync: { channel: { url: input.channelUrl, maxPackageBytes: 128 * MB, requestTimeoutMs: 60_000 } },
  });
  const feature = h.feature;
  const identity = await loadOrCreateIdentity(input.dataDir, BOOTH);
  const channel = new PackageChannel({
    settings: h.config.sync.channel,
    tls: () => loadSyncTls(input.dataDir, identity, h.config.sync),
    target: feature.channelTarget(),
    bus: h.bus,
    clock: systemClock,
    logger: (await import('pino')).pino({ level: 'silent' }),
    boothId: BOOTH,
    retryMs: 3_600_000,
  });
  const address = input.scenario === 'loopback' ? await h.app.listen({ host: '127.0.0.1', port: 0 }) : '';
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const rssBefore = process.memoryUsage().rss;
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  // A second measure of the same: the longest gap between 5 ms ticks.
  let last = performance.now();
  let longestGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last - 5);
    last = now;
  }, 5);
  const t0 = performance.now();
  let detail = '';
  if (input.scenario === 'loopback') {
    const r = await postFile(`${address}/api/kiosk/session`, input.packageFile);
    detail = `HTTP ${r.status}`;
  } else {
    await channel.start();
    feature.attachFetcher(channel.fetchDocuments);
    const r = await channel.round();
    detail = JSON.stringify(r);
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(tick);
  eld.disable();
  const result: ChildResult = {
    rssBeforeMb: round1(rssBefore / MB),
    maxRssBeforeMb: round1(maxRssBefore / MB),
    peakRssMb: round1((process.resourceUsage().maxRSS * 1024) / MB),
    longestBlockMs: round1(Math.max(eld.max / 1e6, longestGap)),
    seconds: round1(seconds),
    installed: (feature.vault?.held.length ?? 0) > 0,
    detail,
  };
  await channel.stop();
  await h.stop();
  return result;
}

function postFile(url: string, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** The driving side: packages, the channel server, one booth process per scenario. */
async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-session-'));
  try {
    const ca = await createCentralCa();
    const template = join(work, 'template');
    await enrollBoothForTests(ca, template, BOOTH);
    const identity = await loadOrCreateIdentity(template, BOOTH);
    const central = p256();
    await writeFile(join(template, 'identity', 'central-session.pem'), central.publicKeyPem);
    const booth = { publicKeyPem: identity.certificate.publicKeyPem };
    const now = Date.now();
    const base = { central, booth, boothId: BOOTH, unlockAt: now - 3_600_000, expiresAt: now + 12 * 3_600_000 };
    // Inline documents: base64 makes 3/4 of the package size raw PDF bytes.
    const third = Math.floor((PACKAGE_MB * MB * 3) / 4 / 3);
    const inline = buildTestPackage({
      ...base,
      packageId: 'inline',
      experts: 20,
      pdfs: [tinyPdf('a', third), tinyPdf('b', third), tinyPdf('c', third)],
    });
    const big = tinyPdf('url', PACKAGE_MB * MB);
    const byUrl = buildTestPackage({ ...base, packageId: 'url', experts: 20, pdfs: [big], url: true });
    const packageFile = join(work, 'inline.json');
    const inlineBody = Buffer.from(JSON.stringify(inline));
    await writeFile(packageFile, inlineBody);
    const server = await startChannelServer(ca, BOOTH);
    server.document(big);
    const results: Record<string, ChildResult> = {};
    try {
      for (const scenario of ['channelInline', 'channelUrl', 'loopback'] as Scenario[]) {
        server.unpublish('inline');
        server.unpublish('url');
        if (scenario === 'channelInline') server.publish(inline, { body: inlineBody });
        if (scenario === 'channelUrl') server.publish(byUrl);
        const dataDir = join(work, scenario);
        await cp(template, dataDir, { recursive: true });
        results[scenario] = await runChild({ scenario, dataDir, channelUrl: server.url, packageFile });
      }
    } finally {
      await server.close();
    }
    process.stdout.write(
      `${JSON.stringify({
        bench: 'session-install',
        packageMb: round1(inlineBody.length / MB),
        documentMb: round1(big.length / MB),
        scenarios: results,
        machine: { cpus: cpus().length, loadavg: loadavg().map(round1), node: process.version },
        commit: gitCommit(),
      })}\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function runChild(input: ChildInput): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child', JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${input.scenario}: exit ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult);
    });
  });
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

if (process.argv[2] === 'child') {
  const result = await child(JSON.parse(process.argv[3] ?? '{}') as ChildInput);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  await main();
}
