import { Type } from '@sinclair/typebox';

/**
 * Settings of the kiosk HTTP listener (device/http/). The kiosk API starts visits and takes
 * staff PINs: it listens on loopback unless allowNonLoopback says otherwise (a kiosk screen on
 * another machine), and answers only to loopback names and allowedHosts (DNS rebinding).
 */
// An IP literal or a host name: never a URL, a path or free text.
export const HostName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern:
    '^(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$',
});

export const HttpConfig = Type.Object(
  {
    host: Type.String({
      ...HostName,
      default: '127.0.0.1',
      description:
        'kiosk API and page listen here: a loopback address (127.0.0.1, ::1, localhost) unless http.allowNonLoopback is true',
    }),
    allowNonLoopback: Type.Boolean({
      default: false,
      description:
        'let http.host be a non-loopback address (0.0.0.0, a LAN address). Anyone on that network then reaches the kiosk API and its staff PIN routes: only on an isolated kiosk network (docs/operations.md)',
    }),
    allowedHosts: Type.Array(Type.String({ ...HostName }), {
      default: [],
      maxItems: 16,
      description:
        'Host names the kiosk API answers to besides loopback names (a request with any other Host header is refused 421)',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    shutdownGraceMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 4000 }),
  },
  { additionalProperties: false, default: {} },
);
