import { Type } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import type { EventBus, EventName } from '../core/events.js';
import { LED_PATTERN_NAMES } from '../core/led-patterns.js';
import { LED_COLORS, type Leds } from '../core/ports.js';
import { compileValidator } from '../../protocol/validate.js';
import type { TuneChange, TunableView, Tunables } from './tunables.js';

/**
 * What the booth's Node-RED nodes (flows/nodes/*.cjs) may touch, handed to them through
 * RED.settings.boothBridge. Everything coming from a flow is untrusted: it is validated here,
 * in the runtime, whatever the editor already checked.
 */
export interface BoothBridge {
  readonly version: 1;
  /** Subscribes to booth events matching any of the patterns ('*', 'visit.*' or an exact name). */
  onEvent(owner: string, patterns: readonly string[], fn: (event: string, payload: unknown) => void): () => void;
  /** Sets a tunable from the flow node `nodeId`; journaled as `<editor user>@node-red:<nodeId>`. */
  tune(key: string, value: unknown, nodeId: string): Promise<TuneChange>;
  tunables(): TunableView[];
  /** A pattern name, or { color, on } for one LED. Throws BOOTH_ERR_BAD_INPUT naming the problem. */
  led(command: unknown): string;
  readonly ledPatterns: readonly string[];
}

const LedCommand = Type.Union([
  Type.Union(LED_PATTERN_NAMES.map((p) => Type.Literal(p))),
  Type.Object(
    { color: Type.Union(LED_COLORS.map((c) => Type.Literal(c))), on: Type.Boolean() },
    { additionalProperties: false },
  ),
]);
const ledValidator = compileValidator(LedCommand);

export function matchesEvent(patterns: readonly string[], event: string): boolean {
  return patterns.some((p) => p === '*' || p === event || (p.endsWith('.*') && event.startsWith(p.slice(0, -1))));
}

export function createBridge(deps: {
  bus: EventBus;
  tunables: Tunables;
  leds: () => Leds | null;
  /** The editor's only user: whoever deployed the flow (who, in the journal record). */
  user: string;
}): BoothBridge {
  return {
    version: 1,
    onEvent(owner, patterns, fn) {
      return deps.bus.onAny(owner, (event: EventName, payload) => {
        if (matchesEvent(patterns, event)) fn(event, payload);
      });
    },
    tune: (key, value, nodeId) =>
      deps.tunables.set(String(key), value, `${deps.user}@node-red:${String(nodeId).slice(0, 64)}`),
    tunables: () => deps.tunables.list(),
    led(command) {
      const cmd = ledValidator.parse(command, 'LED command');
      const leds = deps.leds();
      if (!leds) throw new BoothError('BOOTH_ERR_LEDS_UNAVAILABLE', 'LEDs are not started');
      if (typeof cmd === 'string') {
        leds.setPattern(cmd);
        deps.bus.emit('leds.pattern', { pattern: cmd });
        return cmd;
      }
      leds.set(cmd.color, cmd.on);
      return `${cmd.color} ${cmd.on ? 'on' : 'off'}`;
    },
    ledPatterns: LED_PATTERN_NAMES,
  };
}
