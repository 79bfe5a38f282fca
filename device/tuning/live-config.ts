/**
 * A read-only view of the config that always shows the values in force now. Features keep a
 * reference to a section (`settings: config.face`) and read `settings.match.threshold` per
 * call; with this view that read sees the latest tune, without the feature knowing about
 * tunables. Objects are views of a path (resolved at each read); primitives and arrays are
 * returned as they are in the current config (arrays are frozen there).
 */
export function liveView<T extends object>(current: () => T): T {
  return view(current, []) as T;
}

function resolve(current: () => unknown, path: readonly string[]): unknown {
  let node: unknown = current();
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

function view(current: () => unknown, path: readonly string[]): object {
  const target = (): object => {
    const node = resolve(current, path);
    if (node === null || typeof node !== 'object') throw new TypeError(`config has no object at ${path.join('.')}`);
    return node;
  };
  const refuse = () => {
    throw new TypeError(`the live config is read-only (${path.join('.') || 'root'}); tune it through Tunables.set`);
  };
  return new Proxy(
    {},
    {
      get(_t, key) {
        const value = Reflect.get(target(), key) as unknown;
        if (typeof key === 'symbol' || value === null || typeof value !== 'object' || Array.isArray(value))
          return value;
        return view(current, [...path, key]);
      },
      has: (_t, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor(_t, key) {
        const d = Reflect.getOwnPropertyDescriptor(target(), key);
        // The proxy's own target is an empty extensible object: report keys as configurable.
        return d ? { ...d, configurable: true, writable: false } : undefined;
      },
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
    },
  );
}
