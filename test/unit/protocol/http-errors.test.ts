import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { BoothError } from '../../../protocol/errors.js';
import { errorHandler } from '../../../protocol/http-errors.js';
import { jsonDepthExceeds } from '../../../protocol/http-hardening.js';

/** Issue 15: error bodies never carry the booth's file system paths (ENOENT, ENOSPC passed along). */
let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify({ logger: false });
  app.setErrorHandler(errorHandler);
  const enospc = Object.assign(
    new Error("ENOSPC: no space left on device, write '/var/lib/booth/journal/000001.jnl'"),
    {
      code: 'ENOSPC',
    },
  );
  app.get('/full', async () => {
    throw new BoothError('BOOTH_ERR_STORE_FULL', enospc.message, { path: '/var/lib/booth/journal' }, { cause: enospc });
  });
  app.get('/fault', async () => {
    throw new BoothError('BOOTH_ERR_STORE_FAULT', 'journal /var/lib/booth/journal/000001.jnl is torn at 4096');
  });
  app.get('/missing', async () => {
    throw new BoothError(
      'BOOTH_ERR_BAD_INPUT',
      "ENOENT: no such file or directory, open '/var/lib/booth/session/tmp/x.json'",
      { file: '/var/lib/booth/session/tmp/x.json', field: '/experts/0/name' },
    );
  });
  app.get('/raw', async () => {
    throw enospc;
  });
  app.get('/pointer', async () => {
    throw new BoothError(
      'BOOTH_ERR_SESSION_REJECTED',
      'session package rejected (malformed): /experts/0/name: expected string',
    );
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

describe('error bodies', () => {
  it('replace file system paths in coded errors and drop path details', async () => {
    for (const url of ['/full', '/fault', '/missing', '/raw']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain('/var/lib/booth');
      expect(res.body, url).not.toMatch(/\.jnl|\.json'/);
    }
    const full = (await app.inject({ method: 'GET', url: '/full' })).json<Record<string, unknown>>();
    expect(full).toMatchObject({ code: 'BOOTH_ERR_STORE_FULL', message: expect.stringContaining('<path>') as unknown });
    const missing = (await app.inject({ method: 'GET', url: '/missing' })).json<Record<string, unknown>>();
    expect(missing).toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT', details: { field: '/experts/0/name' } });
    expect((await app.inject({ method: 'GET', url: '/raw' })).json()).toEqual({
      code: 'BOOTH_ERR_INTERNAL',
      messageKey: 'error.internal',
      message: 'internal error',
    });
  });

  it('keep JSON pointers in client errors', async () => {
    const res = (await app.inject({ method: 'GET', url: '/pointer' })).json<Record<string, unknown>>();
    expect(res.message).toBe('session package rejected (malformed): /experts/0/name: expected string');
  });
});

describe('jsonDepthExceeds', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepthExceeds('[[[]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ a: '[[[[[[[[', b: '\\"[[[[[[' }), 2)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
  });
});
