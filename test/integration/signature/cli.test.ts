import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoDetect } from '@serialport/bindings-cpp';
import { PtyTabletSimulator } from '../../../device/hardware/tablet/pty-sim.js';
import { encodeOut, encodePen } from '../../../device/signature/protocol/isdv4-encode.js';
import { FIXTURE, tempDir, until } from './helpers.js';

const run = promisify(execFile);
const BOOTH = join(import.meta.dirname, '..', '..', '..', 'bin', 'booth.js');
const SAMPLES = join(import.meta.dirname, '..', '..', 'fixtures', 'signature', 'demo-samples.json');

describe('booth tablet (CLI, the compiled booth)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('booth-tablet-cli-');
  });
  afterAll(() => dir.remove());

  it('decode prints one JSON object per event and nothing else on stdout', async () => {
    const { stdout, stderr } = await run('node', [BOOTH, 'tablet', 'decode', '--protocol', 'isdv4', '--file', FIXTURE]);
    const lines = stdout.trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toEqual({ type: 'query', maxX: 26_202, maxY: 16_325, maxPressure: 1023, version: 36 });
    expect(Object.keys(events[1]!)).toEqual(['type', 'x', 'y', 'pressure', 'tip', 'proximity', 'eraser', 'side']);
    expect(events.filter((e) => e.type === 'out')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'pen' && e.tip).length).toBeGreaterThan(600);
    expect(stderr).toMatch(/decode: 694 packets, 0 bytes dropped/);
  });

  it('decode reads stdin when no file is given', async () => {
    const child = spawn('node', [BOOTH, 'tablet', 'decode'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(
      Buffer.concat([Buffer.from([0x12, 0x34]), encodePen({ x: 7, y: 9, pressure: 3, tip: true }), encodeOut()]),
    );
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(out).toBe(
      '{"type":"pen","x":7,"y":9,"pressure":3,"tip":true,"proximity":true,"eraser":false,"side":false}\n{"type":"out"}\n',
    );
  });

  it('render writes a PNG at the requested height and an SVG, and reports validity', async () => {
    const png = join(dir.path, 'sig.png');
    const { stdout } = await run('node', [BOOTH, 'tablet', 'render', SAMPLES, png, '--height', '150']);
    expect(JSON.parse(stdout)).toMatchObject({ output: png, height: 150, valid: true, reasons: [], strokes: 4 });
    const meta = await sharp(await readFile(png)).metadata();
    expect([meta.format, meta.height, meta.hasAlpha]).toEqual(['png', 150, true]);
    const svg = join(dir.path, 'sig.svg');
    await run('node', [BOOTH, 'tablet', 'render', FIXTURE, svg]);
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg xmlns/);
  });

  it('render refuses bad input with a clear message and a non-zero exit', async () => {
    const bad = join(dir.path, 'bad.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, '{"samples":[]}'));
    const err = await run('node', [BOOTH, 'tablet', 'render', bad, join(dir.path, 'x.png')]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/\/device: expected a value/);
    const usage = await run('node', [BOOTH, 'tablet', 'render', SAMPLES, join(dir.path, 'x.gif')]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(usage?.code).toBe(64);
    expect(usage?.stderr).toMatch(/expected a \.png or \.svg/);
  });

  it('listen runs the start-up sequence on a live tablet and prints decoded events until SIGINT', async () => {
    const sim = new PtyTabletSimulator({
      socatPath: 'socat',
      dir: join(dir.path, 'pty'),
      binding: autoDetect(),
      maxima: { maxX: 30_000, maxY: 20_000, maxPressure: 1023, version: 5 },
      packetIntervalMs: 1,
    });
    await sim.start();
    try {
      const child = spawn('node', [BOOTH, 'tablet', 'listen', '--port', sim.boothPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await until(() => /listen: ready/.test(err), 'listen to be ready', 20_000);
      expect(err).toMatch(/"maxX":30000/);
      await sim.replay(Buffer.concat([encodePen({ x: 11, y: 22, pressure: 33, tip: true }), encodeOut()]));
      await until(() => out.split('\n').length >= 3, 'two events');
      child.kill('SIGINT');
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      const events = out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events[0]).toMatchObject({ type: 'pen', x: 11, y: 22, pressure: 33, tip: true });
      expect(typeof events[0]!.at).toBe('number');
      expect(events[1]).toMatchObject({ type: 'out' });
      expect(sim.commands.join('')).toBe('0*1');
    } finally {
      await sim.stop();
    }
  });
});
