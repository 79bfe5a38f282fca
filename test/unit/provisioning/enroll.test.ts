import { describe, expect, it } from 'vitest';
import { chown, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBoothError } from '../../../protocol/errors.js';
import { identityPaths } from '../../../device/crypto/identity.js';
import { generateKeyPair } from '../../../protocol/crypto/x509.js';
import { mergeConfig, readRawConfig, writeConfig } from '../../../provisioning/config-file.js';
import {
  buildRequest,
  checkResponse,
  ensureKeyPair,
  installCredentials,
  pinnedKeyPaths,
  sitePath,
} from '../../../provisioning/enroll.js';
import { adoptDataDirOwner } from '../../../provisioning/ownership.js';
import { createCentralCa } from '../../central/ca.js';
import { createEnrollment } from '../../central/enrollment.js';

const SITE = { booth: { id: 'b1', centre: 'C', hall: 'H' }, sync: {} };

describe('enrollment, booth side', () => {
  it('generates the key once (0600) and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'enroll-'));
    const first = await ensureKeyPair(dir);
    expect(first.created).toBe(true);
    expect((await stat(identityPaths(dir).privateKey)).mode & 0o777).toBe(0o600);
    const again = await ensureKeyPair(dir);
    expect(again.created).toBe(false);
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
  });

  it('accepts an answer for its key and refuses one for another key or from another CA', async () => {
    const ca = await createCentralCa();
    const enrollment = createEnrollment({ ca });
    const keys = await generateKeyPair();
    const answer = await enrollment.enroll(await buildRequest(keys, enrollment.issueToken(SITE).token));
    expect(checkResponse(structuredClone(answer), keys).site).toEqual(SITE);

    const otherKeys = await generateKeyPair();
    expect(() => checkResponse(structuredClone(answer), otherKeys)).toThrow(/certificate is for another key/);

    const otherCa = await createCentralCa('Another CA');
    expect(() => checkResponse({ ...answer, caCertificate: otherCa.certPem }, keys)).toThrow(/does not chain/);
    const missing = (() => {
      try {
        checkResponse({ ...answer, site: { booth: SITE.booth } }, keys);
      } catch (err) {
        return err;
      }
    })();
    expect(isBoothError(missing, 'BOOTH_ERR_ENROLL_FAILED')).toBe(true);
    expect((missing as Error).message).toMatch(/\/site\/sync: expected a value/);
  });

  it('pins the central session and escrow keys from the answer; refuses keys that are not what their keyId names', async () => {
    const ca = await createCentralCa();
    const enrollment = createEnrollment({ ca });
    const keys = await generateKeyPair();
    const answer = await enrollment.enroll(await buildRequest(keys, enrollment.issueToken(SITE).token));
    const dir = await mkdtemp(join(tmpdir(), 'pin-'));
    await installCredentials(dir, checkResponse(structuredClone(answer), keys), 'https://central.example');
    const pins = pinnedKeyPaths(dir);
    expect(pins.session).toBe(join(identityPaths(dir).dir, 'central-session.pem'));
    expect(await readFile(pins.session, 'utf8')).toBe(answer.keys.session.publicKeyPem);
    expect(await readFile(pins.escrow, 'utf8')).toBe(answer.keys.escrow.publicKeyPem);
    const site = JSON.parse(await readFile(sitePath(dir), 'utf8')) as { keys: unknown };
    expect(site.keys).toEqual({ session: answer.keys.session.keyId, escrow: answer.keys.escrow.keyId });
    const swapped = {
      ...answer,
      keys: { session: answer.keys.session, escrow: { ...answer.keys.escrow, keyId: answer.keys.session.keyId } },
    };
    expect(() => checkResponse(swapped, keys)).toThrow(/escrow key is not the key its keyId names/);
    const { keys: _k, ...keyless } = answer;
    expect(() => checkResponse(keyless, keys)).toThrow(/\/keys: expected a value/);
  });

  it('the central side refuses a malformed request, naming the field', async () => {
    const enrollment = createEnrollment({ ca: await createCentralCa() });
    await expect(enrollment.enroll({ token: 'short', csr: 'x' })).rejects.toThrow(/\/token: .*\/csr: /);
  });
});

describe('config file', () => {
  it('merges objects deeply and replaces arrays and scalars, without changing the inputs', () => {
    const base = { http: { port: 0 }, face: { challenge: { kinds: ['blink', 'turn-left'] } } };
    const merged = mergeConfig(base, { http: { host: '127.0.0.1' }, face: { challenge: { kinds: ['blink'] } } });
    expect(merged).toEqual({ http: { port: 0, host: '127.0.0.1' }, face: { challenge: { kinds: ['blink'] } } });
    expect(base.face.challenge.kinds).toEqual(['blink', 'turn-left']);
  });

  it('refuses to write an invalid config and leaves the old file in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'booth.json');
    await writeFile(path, '{"http":{"port":0}}\n');
    await expect(writeConfig(path, { http: { port: 'eighty' } })).rejects.toThrow(/\/http\/port: expected integer/);
    expect(await readFile(path, 'utf8')).toBe('{"http":{"port":0}}\n');
    expect(await readRawConfig(join(dir, 'none.json'))).toEqual({});
    await writeFile(path, '[1]');
    await expect(readRawConfig(path)).rejects.toThrow(/expected a JSON object/);
  });
});

describe('data directory ownership', () => {
  it('hands what provisioning wrote (as root) to the data directory owner, keeping modes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'own-'));
    await ensureKeyPair(dir);
    const uid = process.getuid?.();
    const changed = await adoptDataDirOwner(dir, ['identity']);
    if (uid !== 0) {
      // Not root: nothing to hand over (the files are already the caller's).
      expect(changed).toBe(0);
      return;
    }
    expect(changed).toBe(0); // the data directory is root's: stays root's
    await chown(dir, 4242, 4243);
    expect(await adoptDataDirOwner(dir, ['identity', 'tuning'])).toBe(2);
    const key = await stat(identityPaths(dir).privateKey);
    expect([key.uid, key.gid, key.mode & 0o777]).toEqual([4242, 4243, 0o600]);
    expect((await stat(identityPaths(dir).dir)).uid).toBe(4242);
  });
});
