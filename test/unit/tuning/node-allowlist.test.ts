import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALLOWED_NODE_TYPES,
  checkRegistered,
  forbiddenTypes,
  setAsideForbiddenFlows,
} from '../../../device/tuning/node-allowlist.js';
import { isBoothError } from '../../../protocol/errors.js';

// issue 15: only message routing nodes and the booth's bridge nodes are available to a flow.
describe('node allowlist', () => {
  it('allows none of the nodes that run code, touch files or open connections', () => {
    for (const t of ['function', 'exec', 'file', 'file in', 'watch', 'template', 'http request', 'tcp in', 'udp out'])
      expect(ALLOWED_NODE_TYPES.has(t), t).toBe(false);
    expect(ALLOWED_NODE_TYPES.has('booth tune')).toBe(true);
  });

  it('names forbidden types in every deploy shape (v1, v2, one flow, subflows)', () => {
    const fn = { id: 'f', type: 'function' };
    expect(forbiddenTypes([{ id: 't', type: 'tab' }, fn, { id: 'c', type: 'change' }])).toEqual(['function']);
    expect(forbiddenTypes({ flows: [fn, { id: 'e', type: 'exec' }], rev: 'x' })).toEqual(['exec', 'function']);
    expect(forbiddenTypes({ id: 't', nodes: [{ id: 'h', type: 'http request' }] })).toEqual(['http request']);
    expect(forbiddenTypes({ id: 't', subflows: [{ id: 's', type: 'subflow', nodes: [fn] }] })).toEqual(['function']);
    expect(forbiddenTypes([{ id: 's', type: 'subflow:abc' }, { id: 'g', type: 'group' }, { id: 'n' }])).toEqual([
      'null',
    ]);
  });

  it('refuses a Node-RED that registered a type beyond the allowlist', () => {
    expect(() => checkRegistered([{ types: ['inject', 'booth tune'] }])).not.toThrow();
    const err = (() => {
      try {
        checkRegistered([{ types: ['inject'] }, { types: ['function'] }]);
      } catch (e) {
        return e;
      }
    })();
    expect(isBoothError(err, 'BOOTH_ERR_TUNING_NODE_FORBIDDEN')).toBe(true);
  });

  it('sets aside a saved flow file with a forbidden node and installs the default flow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allow-'));
    const flows = join(dir, 'flows.json');
    const def = join(dir, 'default.json');
    await writeFile(def, '[]');
    const old = JSON.stringify([{ id: 'f', type: 'function', func: 'return msg' }]);
    await writeFile(flows, old);
    expect(await setAsideForbiddenFlows(flows, def, 'stamp')).toEqual(['function']);
    expect(await readFile(flows, 'utf8')).toBe('[]');
    expect(await readFile(join(dir, 'flows.json.refused-stamp'), 'utf8')).toBe(old);
    // A clean file stays.
    expect(await setAsideForbiddenFlows(flows, def, 'again')).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['default.json', 'flows.json', 'flows.json.refused-stamp']);
  });

  it('the default site flow uses allowed nodes only', async () => {
    const flow = JSON.parse(
      await readFile(new URL('../../../flows/default-site.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(forbiddenTypes(flow)).toEqual([]);
  });
});
