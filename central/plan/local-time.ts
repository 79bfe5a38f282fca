/**
 * Plan times are the centre's wall-clock times (config packages.timeZone, Asia/Shanghai by
 * default) unless they carry an offset. Packages carry UTC instants. The conversion uses the
 * time zone database of Node's Intl, so a zone with daylight saving time converts correctly too.
 */
const TIME = /^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for a time zone Intl does not know. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The wall clock of `timeZone` at `ms`, as fields. */
function wall(ms: number, timeZone: string) {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    ms: Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    ),
  };
}

/** The local date (YYYY-MM-DD) in `timeZone` at the instant `ms`. */
export function localDate(ms: number, timeZone: string): string {
  return wall(ms, timeZone).date;
}

/** The instant of a wall-clock time in `timeZone` (the earlier one when a clock change repeats it). */
function fromWall(wallMs: number, timeZone: string): number {
  let guess = wallMs;
  for (let i = 0; i < 3; i++) guess = wallMs - (wall(guess, timeZone).ms - guess);
  return guess;
}

export function isValidDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === date;
}

export type PlanTime = { ok: true; ms: number; dated: boolean } | { ok: false; why: string };

/**
 * Reads a plan time (`HH:MM[:SS]`, `YYYY-MM-DD HH:MM[:SS]`, either with an optional `Z`/`±HH:MM`).
 * A time without a date is on `date` (the plan day); without an offset it is local to `timeZone`.
 */
export function parsePlanTime(text: string, date: string | null, timeZone: string): PlanTime {
  const m = TIME.exec(text);
  if (!m) return { ok: false, why: 'not a time (HH:MM or YYYY-MM-DD HH:MM)' };
  const [, day, hh = '', mm = '', ss = '00', offset] = m;
  const on = day ?? date;
  if (on === null)
    return { ok: false, why: 'a time without a date: give the plan date (--date) or a full date and time' };
  if (!isValidDate(on)) return { ok: false, why: `${on} is not a calendar date` };
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59)
    return { ok: false, why: `${hh}:${mm}:${ss} is not a time of day` };
  const [y, mo, d] = on.split('-').map(Number) as [number, number, number];
  const wallMs = Date.UTC(y, mo - 1, d, Number(hh), Number(mm), Number(ss));
  if (!offset) return { ok: true, ms: fromWall(wallMs, timeZone), dated: day !== undefined };
  if (offset === 'Z') return { ok: true, ms: wallMs, dated: day !== undefined };
  const o = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  const minutes = (Number(o?.[2]) * 60 + Number(o?.[3])) * (o?.[1] === '-' ? -1 : 1);
  return { ok: true, ms: wallMs - minutes * 60_000, dated: day !== undefined };
}

/** RFC 3339 UTC without milliseconds, as packages carry instants. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
