import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_EXPERTS } from '../../device/session/demo.js';
import { post, startHarness, type Harness } from '../integration/visit/harness.js';

/**
 * A whole day at the booth in a real browser: Debian's Chromium (headless) shows the kiosk page
 * served by the booth in simulation; the simulated camera shows a stranger (rejected), then the
 * expert (retry, recognised); the expert signs one project with dissent on the replayed tablet
 * and refuses another; a stranger is locked out and staff verifies by ID number. Each screen is
 * saved to test-artifacts/e2e/ for a person to look at.
 */
const CHROMIUM = process.env.BOOTH_CHROMIUM ?? '/usr/bin/chromium';
const shots = resolve('test-artifacts/e2e');
let h: Harness;
let browser: BrowserContext;
let page: Page;
let base: string;
let shot = 0;
const seen: string[] = [];

async function snap(name: string): Promise<void> {
  shot += 1;
  await page.screenshot({ path: join(shots, `${String(shot).padStart(2, '0')}-${name}.png`) });
  seen.push(await page.content());
}

async function screen(name: string): Promise<void> {
  await page.waitForSelector(`body[data-screen="${name}"]`, { timeout: 60_000 });
}

async function camera(source: 'expert' | 'stranger' | 'two'): Promise<void> {
  expect((await post(h.app, '/api/kiosk/sim/camera', { source })).status).toBe(200);
}

async function toProjects(): Promise<void> {
  await camera('expert');
  await page.click('#begin');
  await screen('consent');
  await page.click('#consent-yes');
  await screen('projects');
}

beforeAll(async () => {
  await mkdir(shots, { recursive: true });
  h = await startHarness();
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  // A fresh profile per run (launchPersistentContext is how Playwright takes --user-data-dir).
  browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.evaluate('document.fonts.ready');
}, 120_000);

/**
 * Polls a browser-side expression. Not page.waitForFunction: it compiles its predicate with eval
 * in the page, which the kiosk's Content-Security-Policy (no 'unsafe-eval') refuses, as it should.
 */
async function waitInPage(expression: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting in the page for: ${expression}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

// Generous limits: the face engine shares 2 cores with the rest of the suite (no timing is asserted).
describe('the kiosk in Chromium', { timeout: 180_000 }, () => {
  it('a stranger is rejected, the expert retries and signs with dissent', async () => {
    await screen('idle');
    await waitInPage("!document.querySelector('#begin').disabled");
    expect(await page.textContent('section[data-for="idle"] h1')).toBe('评标专家签到与签名');
    await snap('idle');

    // Two people in front of the camera: verification pauses (and the preview stays up for the shot).
    await camera('two');
    await page.click('#begin');
    await screen('consent');
    expect(await page.textContent('#consent-version')).toBe('face-consent/1');
    await snap('consent');

    await page.click('#consent-yes');
    await screen('capture');
    await page.waitForSelector('body.paused', { timeout: 60_000 });
    await waitInPage("document.querySelector('#preview').naturalWidth > 0", 60_000);
    expect(await page.textContent('#prompt')).toBe('画面中有多个人，请其他人暂时离开');
    await snap('capture-two-faces');

    await camera('stranger');
    await screen('rejected');
    expect(await page.textContent('#attempts-left')).toBe('2');
    await snap('rejected');

    await camera('expert');
    await page.click('section[data-for="rejected"] button.primary');
    await screen('projects');
    expect(await page.textContent('#expert-name')).toContain('王*国');
    expect(await page.locator('#project-list li').count()).toBe(2);
    await snap('projects');

    await page.click('button[data-project="P-2026-001"]');
    await screen('action');
    await snap('action');
    await page.click('#act-dissent');
    await page.fill('#reason', '报价得分计算有误，应重新复核');
    await snap('dissent-reason');
    await page.click('#reason-go');
    await screen('signing');
    // The simulated tablet replays a signature: wait for its ink on the canvas.
    // Browser-side code as a string: the test's TypeScript has no DOM types.
    await waitInPage(
      `(() => {
        const c = document.querySelector('#ink');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 100) dark++;
        return dark > 500;
      })()`,
      60_000,
    );
    await page.waitForTimeout(1500); // the rest of the replay
    await snap('signing');
    await page.click('section[data-for="signing"] button.primary');
    await screen('confirm');
    expect(await page.textContent('#confirm-action')).toBe('持不同意见');
    await snap('confirm');
    await page.click('section[data-for="confirm"] button.primary');
    await screen('receipt');
    const recordId = await page.textContent('#receipt-record');
    expect(recordId).toMatch(/^[0-9A-Z]{26}$/);
    await snap('receipt');
    const sign = (await h.store.read(0, 10_000)).find((r) => r.kind === 'sign' && r.payload.signId === recordId);
    expect(sign?.payload).toMatchObject({ action: 'dissent', reason: '报价得分计算有误，应重新复核', attempts: 2 });
    await page.click('section[data-for="receipt"] button.primary');
    await screen('idle');
  });

  it('the expert refuses the other project; the signed one is shown as done', async () => {
    await toProjects();
    expect(await page.locator('#project-list .done').count()).toBe(1);
    await page.click('button[data-project="P-2026-002"]');
    await screen('action');
    await page.click('#act-refuse');
    await page.click('#reason-go');
    await screen('confirm');
    expect(await page.textContent('#confirm-action')).toBe('拒绝签名');
    await snap('confirm-refusal');
    await page.click('section[data-for="confirm"] button.primary');
    await screen('receipt');
    expect(await page.textContent('#receipt-action')).toBe('拒绝签名');
    await page.click('section[data-for="receipt"] button.primary');
    await screen('idle');
  });

  it('three failed attempts lock the booth; staff verifies by ID number; English for technicians', async () => {
    await camera('stranger');
    await page.click('#begin');
    await screen('consent');
    await page.click('#consent-yes');
    for (let i = 0; i < 2; i++) {
      await screen('rejected');
      await page.click('section[data-for="rejected"] button.primary');
    }
    await screen('locked');
    await snap('locked');
    await page.click('section[data-for="locked"] button');
    await screen('witness');
    await page.fill('input[name="staffId"]', 'staff-01');
    await page.fill('#witness-form input[name="pin"]', '246810');
    await page.fill('input[name="idNumber"]', DEMO_EXPERTS.b.idNumber);
    await snap('witness');
    await page.click('#witness-form button[type="submit"]');
    await screen('projects');
    expect(await page.textContent('#expert-name')).toContain('李*英');
    await page.click('#lang');
    expect(await page.textContent('section[data-for="projects"] p.lead')).toBe(
      'Your projects today. Choose the one to sign:',
    );
    await snap('projects-english');
    await page.click('#lang');
    await page.click('section[data-for="projects"] button[data-act="finish"]');
    await screen('idle');
  });

  it('no page ever showed a full name, an expert id or an ID-number hash', () => {
    const all = seen.join('\n');
    for (const e of Object.values(DEMO_EXPERTS)) {
      expect(all).not.toContain(e.displayName);
      expect(all).not.toContain(e.expertId);
      expect(all).not.toContain(e.idNumber);
    }
  });
});
