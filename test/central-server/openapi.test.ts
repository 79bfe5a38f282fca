import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CentralConfigSchema } from '../../central/config/schema.js';
import { centralOpenApi, centralRoutes } from '../../central/http/openapi.js';
import { OPS } from '../../central/ops/index.js';
import { ENROLL_PATH } from '../../protocol/enroll.js';

/** The central API and configuration documents in docs/ are generated: they must equal what the code says. */
const docs = (name: string) =>
  readFile(join(process.cwd(), 'docs', name), 'utf8').then((t) => JSON.parse(t) as unknown);
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('central API and configuration documents', () => {
  it('docs/openapi-central.json is the generated document (else: npm run docs:central-api)', async () => {
    expect(await docs('openapi-central.json'), 'run `npm run docs:central-api`').toEqual(plain(centralOpenApi()));
  });

  it('documents every admin operation, every booth-facing central route, and enrollment without mutual TLS', () => {
    const doc = centralOpenApi() as {
      paths: Record<string, Record<string, { security?: unknown[]; tags: string[] }>>;
    };
    const path = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const op of OPS) expect(doc.paths[op.url]?.[op.method.toLowerCase()], op.name).toBeDefined();
    for (const r of centralRoutes()) expect(doc.paths[path(r.url)]?.[r.method.toLowerCase()], r.url).toBeDefined();
    expect(doc.paths[ENROLL_PATH]?.post?.security).toEqual([]);
    expect(doc.paths['/admin/v1/booths']?.post?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/sync/v1/push']?.post?.security).toBeUndefined(); // the default: mutual TLS
  });

  it('docs/central-config.schema.json is the configuration schema (else: npm run docs:central-config)', async () => {
    expect(await docs('central-config.schema.json'), 'run `npm run docs:central-config`').toEqual(
      plain(CentralConfigSchema),
    );
  });
});
