import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, copyFile, constants, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TuningSettings } from '../config/sections/tuning.js';
import { BoothError } from '../../protocol/errors.js';
import type { BoothBridge } from './bridge.js';
import { TuningGate } from './gate.js';
import { checkRegistered, setAsideForbiddenFlows } from './node-allowlist.js';
import { nodeRedSettings } from './settings.js';
import type { TuningSecrets } from './secrets.js';

/** The part of the node-red module the booth uses (it ships no types). */
interface NodeRedApi {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: Handler;
  httpNode: Handler;
  events: { once(event: string, fn: () => void): void };
  nodes: { getNodeList(): { id: string; types?: string[]; enabled?: boolean }[] };
}
type Handler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface NodeRedDeps {
  settings: TuningSettings;
  /** Node-RED's userDir (flows, credentials, context) inside the data directory. */
  userDir: string;
  /** The project's flows/ folder: nodes/ and default-site.json. */
  flowsDir: string;
  secrets: TuningSecrets;
  bridge: BoothBridge;
  logger: Logger;
}

/** How long flows may take to start before start() gives up (a broken flow must not hang boot). */
const FLOWS_START_LIMIT_MS = 20_000;

/**
 * Node-RED embedded in the booth process on its own loopback listener: editor and admin API
 * under settings.path, http-in nodes under settings.path + '/api'. A separate listener keeps the
 * kiosk app free of Express and of Node-RED's websocket upgrade handler (which throws after
 * RED.stop()). Node-RED cannot be restarted in one process: one start() per process.
 */
export class NodeRedHost {
  private server: Server | null = null;
  private red: NodeRedApi | null = null;
  private address = '';
  private readonly gate: TuningGate;

  constructor(private readonly deps: NodeRedDeps) {
    this.gate = new TuningGate({
      user: deps.settings.user,
      passwordHash: deps.secrets.passwordHash,
      logger: deps.logger,
    });
  }

  get url(): string {
    return this.address;
  }

  async start(): Promise<string> {
    const { settings, userDir, flowsDir, logger } = this.deps;
    await mkdir(userDir, { recursive: true, mode: 0o700 });
    await chmod(userDir, 0o700); // a userDir made by an earlier build may be 0755
    const defaultFlow = join(flowsDir, 'default-site.json');
    const flowFile = join(userDir, 'flows.json');
    // First boot only: a technician's flows are never overwritten...
    await copyFile(defaultFlow, flowFile, constants.COPYFILE_EXCL).then(
      () => logger.info({ userDir }, 'tuning: default site flow installed'),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
    // ...unless they hold a node a booth no longer loads (function, exec...): Node-RED would wait
    // for the missing type forever, editor included. Set aside, named in the log.
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const refused = await setAsideForbiddenFlows(flowFile, defaultFlow, stamp);
    if (refused.length)
      logger.error(
        { types: refused, setAside: `${flowFile}.refused-${stamp}` },
        'tuning: the saved flows use node types a booth does not load; set aside, default site flow installed',
      );
    // Loaded lazily: with tuning disabled the booth never pays for Node-RED (nor its
    // process-wide dns.setDefaultResultOrder('ipv4first')).
    const mod = (await import('node-red')) as unknown as { default: NodeRedApi };
    const red = mod.default;
    this.red = red;
    const server = createServer((req, res) => this.route(req, res));
    this.server = server;
    red.init(server, nodeRedSettings(this.deps));
    let timer: NodeJS.Timeout | undefined;
    const flowsStarted = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new BoothError('BOOTH_ERR_TUNING_UNAVAILABLE', 'Node-RED flows did not start in time')),
        FLOWS_START_LIMIT_MS,
      );
      red.events.once('flows:started', () => resolve());
    });
    try {
      await red.start();
      // The load settings are the fence; this is the check that nothing got past them.
      try {
        checkRegistered(red.nodes.getNodeList());
      } catch (err) {
        await red.stop();
        this.red = null;
        throw err;
      }
      // RED.start() resolves before the flows run.
      await flowsStarted;
    } finally {
      clearTimeout(timer);
      // A failed RED.start() must not leave the timeout's rejection unhandled.
      flowsStarted.catch(() => undefined);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => resolve());
    });
    const a = server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.address = `http://${host}:${a.port}${settings.path}/`;
    return this.address;
  }

  /** Closes the listener first (its upgrade handler throws once Node-RED stopped), then Node-RED. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.removeAllListeners('upgrade');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const red = this.red;
    this.red = null;
    if (red) await red.stop();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const red = this.red;
    const base = this.deps.settings.path;
    const url = req.url ?? '/';
    const notFound = () => {
      if (res.headersSent) return;
      res.statusCode = 404;
      res.end();
    };
    if (!red) return notFound();
    const under = (prefix: string) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);
    // Node-RED builds its routes relative to httpAdminRoot/httpNodeRoot, as when Express mounts it.
    const mount = (prefix: string, handler: Handler) => {
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
      req.url = url.slice(prefix.length) || '/';
      if (req.url.startsWith('?')) req.url = `/${req.url}`;
      handler(req, res, notFound);
    };
    const method = req.method ?? 'GET';
    // The gate (device/tuning/gate.ts) answers what it refuses; otherwise it hands on to Node-RED.
    const guarded = (check: Promise<void>) => void check.catch((err: unknown) => this.gate.fail(res, err));
    if (under(`${base}/api`)) return guarded(this.gate.nodeAuth(req, res, () => mount(`${base}/api`, red.httpNode)));
    if (under(base)) {
      // As Express's router sees it (case-insensitive, trailing slash optional), so that no
      // spelling of a path slips past the gate.
      const route = adminRoute(url.slice(base.length));
      if (method === 'POST' && route === '/auth/token')
        return guarded(this.gate.login(req, res, () => mount(base, red.httpAdmin)));
      if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && /^\/flows?(\/|$)/.test(route))
        return guarded(this.gate.deploy(req, res, () => mount(base, red.httpAdmin)));
    }
    if (under(base)) return mount(base, red.httpAdmin);
    notFound();
  }
}

/** An admin path as Express matches it: decoded, lower case, single slashes, no trailing slash. */
function adminRoute(rest: string): string {
  const path = rest.split('?')[0] ?? '';
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // left as is: Express would not match a malformed escape either
  }
  return decoded.toLowerCase().replace(/\/+/g, '/').replace(/\/$/, '');
}
