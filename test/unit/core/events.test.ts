import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../device/core/events.js';

describe('EventBus', () => {
  it('delivers typed events to listeners and to onAny, in order', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('a', 'leds.pattern', (e) => seen.push(`a:${e.pattern}`));
    bus.onAny('b', (name) => seen.push(`b:${name}`));
    bus.emit('leds.pattern', { pattern: 'idle' });
    expect(seen).toEqual(['a:idle', 'b:leds.pattern']);
  });

  it('isolates a throwing listener and reports it', () => {
    const bus = new EventBus();
    const errors: string[] = [];
    const seen: string[] = [];
    bus.on('bad', 'leds.pattern', () => {
      throw new Error('boom');
    });
    bus.on('good', 'leds.pattern', (e) => seen.push(e.pattern));
    bus.on('log', 'listener.error', (e) => errors.push(`${e.owner}:${e.message}`));
    bus.emit('leds.pattern', { pattern: 'busy' });
    expect(seen).toEqual(['busy']);
    expect(errors).toEqual(['bad:boom']);
  });

  it('removes every listener of an owner on stop', () => {
    const bus = new EventBus();
    bus.on('feature', 'leds.pattern', () => {});
    bus.onAny('feature', () => {});
    bus.on('other', 'leds.pattern', () => {});
    bus.removeOwner('feature');
    expect(bus.listenerCount()).toBe(1);
    const off = bus.on('x', 'booth.stopping', () => {});
    off();
    expect(bus.listenerCount('booth.stopping')).toBe(0);
  });
});
