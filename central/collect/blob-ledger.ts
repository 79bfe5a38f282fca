import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BoothError } from '../../protocol/errors.js';
import type { BlobStatus } from '../../protocol/sync/schemas.js';
import type { CentralContext } from '../context.js';
import type { Queryable } from '../db/db.js';

/**
 * Sealed revisions arriving in pieces (push: PUT from the booth; pull: GET with Range from the
 * booth), kept by BlobFiles (central/blobs.ts) and recorded in table `blobs` (kind 'sealed'):
 * the table says what is held complete (ingestion acknowledges a sign record only then), the
 * files are the bytes. One writer per blob at a time: an in-process queue, and on PostgreSQL a
 * transaction-scoped advisory lock, so two central processes sharing the data directory and
 * the database never append to the same part file together.
 */
const queues = new Map<string, Promise<unknown>>();

async function serialised<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(id) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  queues.set(id, tail);
  try {
    return await run;
  } finally {
    if (queues.get(id) === tail) queues.delete(id);
  }
}

async function withBlobLock<T>(ctx: CentralContext, id: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return serialised(id, async () => {
    if (ctx.db.kind !== 'postgres') return fn(ctx.db);
    // The lock lives as long as this transaction; everything inside uses its connection (taking
    // a second one from the pool while holding this one could exhaust the pool).
    return ctx.db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`blob:${id}`]);
      return fn(q);
    });
  });
}

/** How much of a blob is held: where an upload or download resumes. */
export async function blobStatus(ctx: CentralContext, id: string): Promise<BlobStatus> {
  const row = await ctx.db.query<{ size: number; complete: boolean }>(
    'SELECT size, complete FROM blobs WHERE id = $1',
    [id],
  );
  // The table says complete even when a flagged file was moved to quarantine: it is held.
  if (row.rows[0]?.complete) return { id, received: row.rows[0].size, complete: true };
  const files = await ctx.blobs.received(id);
  // Complete on disk but not in the table (a crash between the rename and the row): record it now.
  if (files.complete) await recordBlob(ctx, ctx.db, id, files.received, files);
  return { id, received: files.received, complete: files.complete };
}

async function recordBlob(
  ctx: CentralContext,
  q: Queryable,
  id: string,
  size: number,
  got: { received: number; complete: boolean },
): Promise<void> {
  const sha = got.complete ? await fileSha256(ctx.blobs.pathOf(id)) : null;
  await q.query(
    `INSERT INTO blobs (id, sha256, size, received, complete, kind, completed_at)
     VALUES ($1, $2, $3, $4, $5, 'sealed', CASE WHEN $5 THEN now() END)
     ON CONFLICT (id) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size, received = EXCLUDED.received,
       complete = EXCLUDED.complete, completed_at = EXCLUDED.completed_at
     WHERE NOT blobs.complete`,
    [id, sha, size, got.received, got.complete],
  );
}

/** SHA-256 of a complete file (the id may be an SM3 name: sha256 is always recorded). */
async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Appends one piece at `offset` of a blob of `size` bytes. A piece at the wrong offset is
 * refused (409 with the offset held); the last piece is checked against the name
 * (BlobFiles.append) and the blob recorded complete.
 */
export async function appendBlob(
  ctx: CentralContext,
  id: string,
  offset: number,
  size: number,
  piece: Buffer,
): Promise<BlobStatus> {
  if (size > ctx.config.collect.maxBlobBytes)
    throw new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', `blob ${id}: ${size} bytes, above collect.maxBlobBytes`, {
      maxBytes: ctx.config.collect.maxBlobBytes,
    });
  return withBlobLock(ctx, id, async (q) => {
    const row = await q.query<{ size: number; complete: boolean }>('SELECT size, complete FROM blobs WHERE id = $1', [
      id,
    ]);
    const known = row.rows[0];
    if (known?.complete) return { id, received: known.size, complete: true };
    if (known && known.size !== size) {
      const held = await ctx.blobs.received(id);
      if (held.received > 0)
        throw new BoothError('BOOTH_ERR_CONFLICT', `blob ${id}: size ${size}, but ${known.size} was announced`, {
          received: held.received,
        });
    }
    let got: { received: number; complete: boolean };
    try {
      got = await ctx.blobs.append(id, offset, size, piece);
    } catch (err) {
      // A whole that did not match its name was discarded: start again from 0.
      await q.query('UPDATE blobs SET received = 0 WHERE id = $1', [id]);
      throw err;
    }
    await recordBlob(ctx, q, id, size, got);
    return { id, received: got.received, complete: got.complete };
  });
}
