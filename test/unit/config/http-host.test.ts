import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../device/config/load.js';

/** Issue 15: the kiosk API (staff PINs) listens on loopback unless the config says otherwise in as many words. */
describe('http.host', () => {
  it('takes loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', 'localhost'])
      expect(parseConfig({ http: { host } }).http.host).toBe(host);
  });

  it('refuses a non-loopback address without http.allowNonLoopback, naming the option', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'booth-7.hall.lan'])
      expect(() => parseConfig({ http: { host } }), host).toThrow(
        /http\.host .* not a loopback address.*allowNonLoopback/,
      );
  });

  it('takes a non-loopback address when http.allowNonLoopback is true', () => {
    const c = parseConfig({ http: { host: '0.0.0.0', allowNonLoopback: true, allowedHosts: ['booth-7.hall.lan'] } });
    expect(c.http).toMatchObject({ host: '0.0.0.0', allowNonLoopback: true, allowedHosts: ['booth-7.hall.lan'] });
  });

  it('refuses arbitrary strings as a host, even with allowNonLoopback', () => {
    for (const host of ['', 'http://127.0.0.1/', '127.0.0.1 8080', 'a/b', 'host name', '-x', '127.0.0.1;rm'])
      expect(() => parseConfig({ http: { host, allowNonLoopback: true } }), host).toThrow(/\/http\/host/);
    expect(() => parseConfig({ http: { allowedHosts: ['evil example'] } })).toThrow(/\/http\/allowedHosts\/0/);
    expect(() => parseConfig({ sync: { pull: { host: 'any string' } } })).toThrow(/\/sync\/pull\/host/);
  });
});
