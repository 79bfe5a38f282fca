import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NodeRedDeps } from './node-red.js';
import { nodeLoadSettings } from './node-allowlist.js';
import { privateStorage } from './private-storage.js';
import { verifyPassword } from './secrets.js';

/** Node-RED's numeric log levels (@node-red/util log.js) mapped to pino's. */
const LEVELS: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  10: 'fatal',
  20: 'error',
  30: 'warn',
  40: 'info',
  50: 'debug',
  60: 'trace',
  98: 'info', // audit: who deployed what
};

interface NodeRedLogMessage {
  level: number;
  msg?: unknown;
  type?: string;
  id?: string;
  name?: string;
  event?: string;
  user?: unknown;
}

/**
 * The settings object for RED.init. Every choice here is a security or footprint decision:
 * editor behind a login, only the allowlisted nodes load (device/tuning/node-allowlist.ts: no
 * function, exec, file, outgoing network), no palette or module installs or loads, no telemetry
 * or update checks (nothing downloads at run time), credentials encrypted with the provisioned
 * secret, Node-RED's files private (device/tuning/private-storage.ts).
 */
export function nodeRedSettings(deps: NodeRedDeps): Record<string, unknown> {
  const { settings, secrets, logger } = deps;
  const user = { username: settings.user, permissions: '*' };
  return {
    userDir: deps.userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: secrets.credentialSecret,
    httpAdminRoot: settings.path,
    httpNodeRoot: `${settings.path}/api`,
    httpStatic: false,
    disableEditor: false,
    nodesDir: [join(deps.flowsDir, 'nodes')],
    ...nodeLoadSettings(),
    functionExternalModules: false,
    externalModules: {
      autoInstall: false,
      // denyList '*': no node module from userDir/node_modules loads either.
      palette: { allowInstall: false, allowUpload: false, allowList: [], denyList: ['*'] },
      modules: { allowInstall: false, allowList: [], denyList: ['*'] },
    },
    storageModule: privateStorage(deps.userDir),
    editorTheme: {
      page: { title: 'Booth tuning' },
      header: { title: 'Booth tuning' },
      projects: { enabled: false },
      tours: false,
      codeEditor: { lib: 'monaco' },
    },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    adminAuth: {
      type: 'credentials',
      sessionExpiryTime: 8 * 3600,
      users: (username: string) => Promise.resolve(username === settings.user ? user : null),
      authenticate: async (username: string, password: string) => {
        if (username !== settings.user || !secrets.passwordHash || typeof password !== 'string') return null;
        return (await verifyPassword(password, secrets.passwordHash)) ? user : null;
      },
    },
    logging: {
      console: { level: 'off' },
      booth: { level: 'info', audit: true, handler: () => (m: NodeRedLogMessage) => forward(logger, m) },
    },
    // Read by flows/nodes/*.cjs: the only door from a flow into the booth.
    boothBridge: deps.bridge,
  };
}

function forward(logger: Logger, m: NodeRedLogMessage): void {
  const level = LEVELS[m.level] ?? 'info';
  const text = m.msg instanceof Error ? m.msg.message : typeof m.msg === 'string' ? m.msg : JSON.stringify(m.msg);
  logger[level]({ nodeRed: { type: m.type, id: m.id, name: m.name, event: m.event } }, `node-red: ${text ?? ''}`);
}
