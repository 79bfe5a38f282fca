import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm ci` on a Raspberry Pi (linux-arm64) must need no compiler and no download beyond the npm
 * registry (issue 14): no dependency may run a build script, and every native addon must ship a
 * linux-arm64 binary in its package (or in an optional per-platform package in the lock).
 */
const root = join(import.meta.dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  allowScripts: Record<string, boolean>;
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean; optional?: boolean; os?: string[]; cpu?: string[] }>;
};

const nameOf = (lockPath: string) => lockPath.replace(/^.*node_modules\//, '');

/** Where each native addon of the tree keeps its linux-arm64 binary. */
const ARM64_BINARIES: Record<string, (dir: string) => boolean> = {
  '@serialport/bindings-cpp': (dir) =>
    readdirSync(join(dir, 'prebuilds', 'linux-arm64')).some((f) => f.endsWith('.glibc.node')),
  'onnxruntime-node': (dir) =>
    readdirSync(join(dir, 'bin')).some((napi) =>
      existsSync(join(dir, 'bin', napi, 'linux', 'arm64', 'onnxruntime_binding.node')),
    ),
  // sharp's binary comes from the optional @img/sharp-linux-arm64 (+ libvips) packages.
  sharp: () =>
    ['node_modules/@img/sharp-linux-arm64', 'node_modules/@img/sharp-libvips-linux-arm64'].every((p) => {
      const entry = lock.packages[p];
      return entry?.optional === true && entry.os?.includes('linux') && entry.cpu?.includes('arm64');
    }),
};

describe('install on linux-arm64 needs no native build', () => {
  it('no dependency runs an install script: each one that has one is denied in allowScripts', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => nameOf(path));
    for (const name of withScripts) {
      expect({ name, allowed: pkg.allowScripts[name] }).toEqual({ name, allowed: false });
    }
  });

  it('onoff and epoll (a native addon with no prebuilt binaries) are gone from the tree', () => {
    expect(pkg.dependencies.onoff).toBeUndefined();
    const paths = Object.keys(lock.packages).map(nameOf);
    expect(paths).not.toContain('epoll');
    expect(paths).not.toContain('onoff');
  });

  it('every native addon in node_modules ships a linux-arm64 binary', () => {
    const addons = Object.keys(lock.packages)
      .filter((p) => p.startsWith('node_modules/') && existsSync(join(root, p, 'binding.gyp')))
      .concat(existsSync(join(root, 'node_modules/sharp/src/binding.gyp')) ? ['node_modules/sharp'] : []);
    const names = [...new Set(addons.map(nameOf))].sort();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const check = ARM64_BINARIES[name];
      expect(check, `${name} is a native addon with no known linux-arm64 binary`).toBeDefined();
      expect(check!(join(root, 'node_modules', name)), `${name}: linux-arm64 binary`).toBe(true);
    }
  });
});
