import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseConfig } from '../device/config/load.js';
import { toBoothError } from '../protocol/errors.js';
import { setTuningPassword, readTuningSecrets } from '../device/tuning/secrets.js';
import { fetchModels } from './models.mjs';
import type { EnrollResponse } from '../protocol/enroll.js';
import { buildRequest, checkResponse, enrollOnline, ensureKeyPair, installCredentials } from './enroll.js';
import { mergeConfig, readRawConfig, writeConfig, type RawConfig } from './config-file.js';
import { scanHardware, type HardwareScan, type ScanRoots } from './hardware-scan.js';
import { adoptDataDirOwner } from './ownership.js';
import { forgetOfflineToken, offlineToken, readOfflineResponse, writeOfflineRequest } from './offline.js';
import type { Progress } from './progress.js';
import type { Prompter } from './prompt.js';

export const PROVISION_STEPS = 8;

export interface ProvisionOptions {
  configPath: string;
  /** Written into the config when given; otherwise the config's own dataDir. */
  dataDir?: string;
  online?: { url: string; token: string; caPem?: string };
  offline?: { dir: string; token?: string };
  /** Unattended choices: a device path, or 'none'. Undefined = ask (or take what was found). */
  choices: { camera?: string; tablet?: string; gpioChip?: string };
  roots: ScanRoots;
  modelsDir: string;
  skipModels: boolean;
  tuningPassword?: string;
  prompter: Prompter;
  progress: Progress;
}

export type ProvisionResult =
  | { state: 'done'; boothId: string; fingerprint256: string; generatedPassword?: string; dataDir: string }
  | { state: 'awaiting-central'; requestFile: string };

/** Runs one step with its progress line; a failure is reported on the line and rethrown. */
async function step<T>(progress: Progress, title: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T> {
  const s = progress.step(title);
  try {
    const { value, detail } = await fn();
    s.ok(detail);
    return value;
  } catch (err) {
    s.fail(toBoothError(err).message);
    throw err;
  }
}

/**
 * `booth provision`: key pair -> enrollment (online or USB stick) -> credentials -> models ->
 * hardware -> editor password -> config. Safe to run again at any point: the key is reused, the
 * same token with the same key gets the same certificate, and files are replaced atomically.
 */
export async function provision(o: ProvisionOptions): Promise<ProvisionResult> {
  const { progress, prompter } = o;
  const raw = await step(progress, 'Reading the configuration', async () => {
    const file = await readRawConfig(o.configPath);
    const withDir = o.dataDir ? mergeConfig(file, { dataDir: o.dataDir }) : file;
    const config = parseConfig(withDir, `config ${o.configPath}`);
    return {
      value: mergeConfig(withDir, { dataDir: config.dataDir }),
      detail: `${o.configPath}, data in ${config.dataDir}`,
    };
  });
  const dataDir = String(raw.dataDir);

  const keys = await step(progress, 'Booth key pair (generated on this device, never sent)', async () => {
    const k = await ensureKeyPair(dataDir);
    return { value: k, detail: k.created ? 'new ECDSA P-256 key, mode 0600' : 'existing key reused' };
  });

  const enrolled = await step(progress, 'Enrolling with the central server', async () => {
    if (o.online) {
      const request = await buildRequest(keys, o.online.token);
      const response = await enrollOnline({
        centralUrl: o.online.url,
        request,
        keys,
        ...(o.online.caPem ? { caPem: o.online.caPem } : {}),
      });
      return { value: response as EnrollResponse | string, detail: `booth ${response.site.booth.id}` };
    }
    if (!o.offline) throw new Error('either --central with --token, or --offline DIR');
    const answer = await readOfflineResponse(o.offline.dir);
    if (answer !== null) {
      const response = checkResponse(answer, keys);
      return {
        value: response as EnrollResponse | string,
        detail: `offline answer for booth ${response.site.booth.id}`,
      };
    }
    const token = o.offline.token ?? (await offlineToken(o.offline.dir));
    if (!token) throw new Error(`no token: pass --token or put token.txt in ${o.offline.dir}`);
    const file = await writeOfflineRequest(o.offline.dir, await buildRequest(keys, token));
    return { value: file, detail: `request written to ${file}` };
  });
  if (typeof enrolled === 'string') return { state: 'awaiting-central', requestFile: enrolled };

  const site: RawConfig = {
    booth: enrolled.site.booth,
    sync: enrolled.site.sync,
  };
  const withSite = await step(
    progress,
    'Installing the certificate, central CA, pinned central keys and site configuration',
    async () => {
      const merged = mergeConfig(raw, site);
      // Checked before anything is written: a site configuration this build rejects changes nothing.
      parseConfig(merged, 'config with the site configuration from the central server');
      await installCredentials(dataDir, enrolled, o.online?.url ?? `offline:${o.offline?.dir ?? ''}`);
      if (o.offline) await forgetOfflineToken(o.offline.dir);
      return {
        value: merged,
        detail: `${enrolled.site.booth.centre} / ${enrolled.site.booth.hall} / ${enrolled.site.booth.id}`,
      };
    },
  );

  await step(progress, 'Face models (sha256 verified)', async () => {
    if (o.skipModels) return { value: null, detail: 'skipped (--skip-models)' };
    const checks = await fetchModels({
      modelsDir: o.modelsDir,
      progress: (p) => progress.bar(p.done, p.total, `${p.name} ${p.state}`),
    });
    return { value: null, detail: `${checks.length} models verified` };
  });

  const hardware = await step(progress, 'Finding the camera, tablet and LEDs', async () => {
    const scan = await scanHardware(o.roots);
    const patch = await chooseHardware(scan, o.choices, prompter);
    return { value: patch, detail: describe(scan) };
  });

  const generated = await step(progress, 'Tuning editor password', async () => {
    const given = o.tuningPassword ?? (await prompter.secret('Password for the tuning editor (Node-RED)'));
    if (given) {
      await setTuningPassword(dataDir, given);
      return { value: undefined, detail: 'set' };
    }
    if ((await readTuningSecrets(dataDir))?.passwordHash) return { value: undefined, detail: 'kept (already set)' };
    const password = randomBytes(12).toString('base64url');
    await setTuningPassword(dataDir, password);
    return { value: password, detail: 'generated (shown once below)' };
  });

  const config = await step(progress, 'Writing the configuration', async () => {
    const c = await writeConfig(o.configPath, mergeConfig(withSite, hardware));
    // Run as root, the files above must still be the service user's (the key is 0600).
    const handed = await adoptDataDirOwner(dataDir, ['identity', 'tuning']);
    return {
      value: c,
      detail: handed ? `${o.configPath}; ${handed} data files handed to the service user` : o.configPath,
    };
  });

  const fingerprint256 = JSON.parse(await readFile(`${dataDir}/identity/site.json`, 'utf8')) as {
    certificate: { fingerprint256: string };
  };
  return {
    state: 'done',
    boothId: config.booth.id,
    fingerprint256: fingerprint256.certificate.fingerprint256,
    dataDir,
    ...(generated ? { generatedPassword: generated } : {}),
  };
}

function describe(scan: HardwareScan): string {
  return [
    `${scan.cameras.length} camera(s)`,
    `${scan.serial.length} serial port(s)`,
    scan.gpio ? `GPIO ${scan.gpio.label || scan.gpio.name} base ${scan.gpio.base}` : 'no GPIO chip',
  ].join(', ');
}

/** The hardware section from what was found, the flags and the technician's answers. */
async function chooseHardware(
  scan: HardwareScan,
  choices: ProvisionOptions['choices'],
  prompter: Prompter,
): Promise<RawConfig> {
  const hw: RawConfig = {};
  const pick = async (flag: string | undefined, question: string, options: string[]) => {
    if (flag !== undefined) return flag === 'none' ? null : flag;
    if (options.length === 0) return null;
    return prompter.choose(question, options, 0);
  };
  const camera = await pick(
    choices.camera,
    'Which camera faces the expert?',
    scan.cameras.map((c) => c.device),
  );
  if (camera) hw.camera = { mode: 'real', device: camera };
  const tablet = await pick(
    choices.tablet,
    'Which serial port is the signature tablet?',
    scan.serial.map((s) => s.path),
  );
  if (tablet) hw.tablet = { mode: 'real', path: tablet };
  const chip = await pick(choices.gpioChip, 'Status LEDs on this GPIO chip?', scan.gpio ? [scan.gpio.label] : []);
  if (chip) hw.leds = { mode: 'real', chipLabel: chip };
  return Object.keys(hw).length ? { hardware: hw } : {};
}
