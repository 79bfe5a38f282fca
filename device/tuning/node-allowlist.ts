import { readFile, rename, copyFile } from 'node:fs/promises';
import { BoothError } from '../../protocol/errors.js';

/**
 * The node types a technician's flow may use (issue 15, docs/decisions.md D18).
 * Node-RED runs inside the booth process, so any node that runs code, touches files or opens
 * connections would hold the booth's privileges: the function node escapes its vm, exec and
 * file read booth.key.pem, http request / tcp / udp / websocket / mqtt reach the kiosk API
 * around the bridge. Only message routing and shaping nodes load (an allowlist: a node added by
 * a later Node-RED release stays out until it is reviewed), plus the booth's own nodes, whose
 * bridge (device/tuning/bridge.ts) is the only door into the booth.
 */
export const ALLOWED_NODE_FILES: Readonly<Record<string, readonly string[]>> = {
  // @node-red/nodes/core/common
  '05-junction.js': ['junction'],
  '20-inject.js': ['inject'],
  '21-debug.js': ['debug'],
  '24-complete.js': ['complete'],
  '25-catch.js': ['catch'],
  '25-status.js': ['status'],
  '60-link.js': ['link in', 'link out', 'link call'],
  '90-comment.js': ['comment'],
  '91-global-config.js': ['global-config'],
  '98-unknown.js': ['unknown'],
  // core/function: routing and shaping only (no function, template, exec)
  '10-switch.js': ['switch'],
  '15-change.js': ['change'],
  '16-range.js': ['range'],
  '89-delay.js': ['delay'],
  '89-trigger.js': ['trigger'],
  'rbe.js': ['rbe'],
  // core/network: http in is behind the editor's login (device/tuning/gate.ts); no outgoing node
  '21-httpin.js': ['http in', 'http response'],
  // core/parsers and sequence
  '70-JSON.js': ['json'],
  '70-CSV.js': ['csv'],
  '17-split.js': ['split', 'join'],
  '18-sort.js': ['sort'],
  '19-batch.js': ['batch'],
  // flows/nodes: the booth's nodes
  'booth-event.cjs': ['booth event'],
  'booth-tune.cjs': ['booth tune'],
  'booth-led.cjs': ['booth led'],
};

/** Refused even if a later change widened the allowlist by mistake (belt and braces). */
const DENIED_NODE_FILES = [
  '10-function.js',
  '90-exec.js',
  '80-template.js',
  '10-file.js',
  '23-watch.js',
  '21-httprequest.js',
  '22-websocket.js',
  '31-tcpin.js',
  '32-udp.js',
  '10-mqtt.js',
  '05-tls.js',
  '06-httpproxy.js',
];

/** Flow entries that are structure, not nodes. */
const STRUCTURAL_TYPES = new Set(['tab', 'subflow', 'group']);

export const ALLOWED_NODE_TYPES: ReadonlySet<string> = new Set(Object.values(ALLOWED_NODE_FILES).flat());

/** The Node-RED settings that enforce the allowlist at load time. */
export function nodeLoadSettings(): Record<string, unknown> {
  return {
    // nodesIncludes matches file names (core, nodesDir, userDir/nodes) and module directory names.
    nodesIncludes: Object.keys(ALLOWED_NODE_FILES),
    nodesExcludes: DENIED_NODE_FILES,
  };
}

function isAllowedType(type: unknown): boolean {
  return (
    typeof type === 'string' &&
    (ALLOWED_NODE_TYPES.has(type) || STRUCTURAL_TYPES.has(type) || type.startsWith('subflow:'))
  );
}

function nodesOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body === null || typeof body !== 'object') return [];
  const b = body as Record<string, unknown>;
  // POST /flows (v2: { flows }), POST /flow and PUT /flow/:id ({ nodes, configs, subflows: [{ ..., nodes }] }).
  const lists = [b.flows, b.nodes, b.configs, b.subflows].filter(Array.isArray) as unknown[][];
  const subflowNodes = (Array.isArray(b.subflows) ? b.subflows : []).flatMap((s) => [
    ...nodesOf((s as Record<string, unknown> | null)?.nodes),
    ...nodesOf((s as Record<string, unknown> | null)?.configs),
  ]);
  return [...lists.flat(), ...subflowNodes];
}

/** The node types of a flow document that are not allowed (sorted, unique). */
export function forbiddenTypes(body: unknown): string[] {
  const bad = new Set<string>();
  for (const n of nodesOf(body)) {
    const type = (n as { type?: unknown } | null)?.type;
    if (!isAllowedType(type)) bad.add(typeof type === 'string' ? type : JSON.stringify(type ?? null));
  }
  return [...bad].sort();
}

export function forbiddenError(types: readonly string[]): BoothError {
  return new BoothError(
    'BOOTH_ERR_TUNING_NODE_FORBIDDEN',
    `flow refused: node type(s) ${types.join(', ')} are not available on a booth (docs/tuning.md lists the allowed nodes)`,
    { types },
  );
}

/**
 * Checks that Node-RED registered nothing beyond the allowlist (a node module or file that
 * slipped past the load settings). Throws BOOTH_ERR_TUNING_NODE_FORBIDDEN naming the types.
 */
export function checkRegistered(nodeSets: readonly { types?: readonly string[]; enabled?: boolean }[]): void {
  const extra = nodeSets
    .flatMap((s) => (s.enabled === false ? [] : (s.types ?? [])))
    .filter((t) => !ALLOWED_NODE_TYPES.has(t));
  if (extra.length) throw forbiddenError(extra);
}

/**
 * A flow file saved by an earlier build (or edited by hand) with a forbidden node would keep
 * Node-RED waiting for missing types, editor included. It is set aside, named in the log, and
 * the default site flow takes its place. Returns the types found, [] when the file was fine.
 */
export async function setAsideForbiddenFlows(flowFile: string, defaultFlow: string, stamp: string): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(flowFile, 'utf8'));
  } catch {
    return []; // none yet, or not JSON: Node-RED reports the latter itself
  }
  const bad = forbiddenTypes(parsed);
  if (!bad.length) return [];
  await rename(flowFile, `${flowFile}.refused-${stamp}`);
  await copyFile(defaultFlow, flowFile);
  return bad;
}
