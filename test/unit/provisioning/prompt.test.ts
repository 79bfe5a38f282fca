import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { terminalPrompter, unattendedPrompter } from '../../../provisioning/prompt.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (c: Buffer) => (shown += c.toString()));
  return { input, output, shown: () => shown };
}

/** Types one line once the prompt is on screen. */
async function answer(t: ReturnType<typeof terminal>, prompt: string, line: string) {
  for (let i = 0; i < 200 && !t.shown().includes(prompt); i++) await new Promise((r) => setTimeout(r, 5));
  t.input.write(`${line}\n`);
}

describe('technician prompts', () => {
  it('unattended: the first option found, no secret', async () => {
    const p = unattendedPrompter();
    expect(await p.choose('camera?', ['/dev/video0', '/dev/video2'], 0)).toBe('/dev/video0');
    expect(await p.choose('tablet?', [], null)).toBeNull();
    expect(await p.secret('password')).toBeNull();
  });

  it('choose: the default on enter, a number, 0 for none; nonsense asks again', async () => {
    const t = terminal();
    const p = terminalPrompter(t.input, t.output);
    const first = p.choose('Which camera?', ['/dev/video0', '/dev/video2'], 0);
    await answer(t, 'choice [1]', '');
    expect(await first).toBe('/dev/video0');
    const second = p.choose('Which tablet?', ['a', 'b'], 0);
    await answer(t, 'Which tablet?', 'seven');
    await answer(t, 'please answer 0-2', '2');
    expect(await second).toBe('b');
    const third = p.choose('LEDs?', ['pinctrl-bcm2711'], 0);
    await answer(t, 'LEDs?', '0');
    expect(await third).toBeNull();
    p.close();
  });

  it('secret: not echoed, typed twice, at least 10 characters', async () => {
    const t = terminal();
    const p = terminalPrompter(t.input, t.output);
    const pw = p.secret('Editor password');
    await answer(t, 'Editor password', 'short');
    await answer(t, 'again', 'short');
    await answer(t, 'at least 10 characters', 'long enough secret');
    await new Promise((r) => setTimeout(r, 20));
    t.input.write('long enough secreT\n');
    await answer(t, 'differ', 'long enough secret');
    await new Promise((r) => setTimeout(r, 20));
    t.input.write('long enough secret\n');
    expect(await pw).toBe('long enough secret');
    expect(t.shown()).not.toContain('long enough secret');
    expect(t.shown()).not.toContain('short');
    p.close();
  });
});
