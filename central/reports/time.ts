import { BoothError } from '../../protocol/errors.js';

/**
 * Dates and times in the centre's time zone (config packages.timeZone, Asia/Shanghai by default).
 * Plan and fact `date` columns are local dates; instants are printed as ISO 8601 with the local
 * offset ("2026-12-07T09:05:00+08:00") so an operator reads local time and a program still gets an
 * exact instant. Intl is slow per call, so the offset is computed once per quarter hour of UTC
 * (every real time-zone transition falls on a quarter hour) and the text is built by hand:
 * a report formats tens of thousands of instants.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date "YYYY-MM-DD" that exists (2026-13-01 and 2026-02-30 do not), or a coded 400. */
export function checkDate(value: string, what: string): string {
  const m = DATE.exec(value);
  const ok =
    m !== null &&
    (() => {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const t = new Date(Date.UTC(y, mo - 1, d));
      return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
    })();
  if (!ok)
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `${what} ${JSON.stringify(value)} is not a date (YYYY-MM-DD)`, {
      problems: [{ field: `/${what.replace(/^--/, '')}`, expected: 'a date YYYY-MM-DD' }],
    });
  return value;
}

/** A period of local dates, both inclusive: each a date, the first not after the last. */
export function checkPeriod(from: string, to: string): void {
  checkDate(from, '--from');
  checkDate(to, '--to');
  if (from > to)
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `--from ${from} is after --to ${to}`, {
      problems: [{ field: '/from', expected: `a date on or before ${to}` }],
    });
}

export interface Zone {
  readonly timeZone: string;
  /** The instant as local ISO 8601 with offset; null stays null. */
  iso(d: Date | null): string | null;
  /** The UTC instant at which local date `date` (YYYY-MM-DD) begins. */
  startOfDay(date: string): Date;
}

const QUARTER_HOUR = 15 * 60_000;

export function zone(timeZone: string): Zone {
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      `packages.timeZone ${JSON.stringify(timeZone)} is not a time zone`,
    );
  }
  const offsets = new Map<number, number>();
  /** Minutes east of UTC at instant `ms`. */
  const offsetAt = (ms: number): number => {
    const slot = Math.floor(ms / QUARTER_HOUR);
    let off = offsets.get(slot);
    if (off === undefined) {
      const at = slot * QUARTER_HOUR;
      const p: Record<string, number> = {};
      for (const part of dtf.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const local = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
      off = Math.round((local - at) / 60_000);
      offsets.set(slot, off);
    }
    return off;
  };
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    timeZone,
    iso(d) {
      if (d === null) return null;
      const ms = d.getTime();
      const off = offsetAt(ms);
      const local = new Date(Math.floor(ms / 1000) * 1000 + off * 60_000).toISOString().slice(0, 19);
      const abs = Math.abs(off);
      return `${local}${off < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
    },
    startOfDay(date) {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const naive = Date.UTC(y, m - 1, d);
      // Two passes: the offset at the guess can differ from the offset at the answer across a transition.
      let t = naive - offsetAt(naive) * 60_000;
      t = naive - offsetAt(t) * 60_000;
      return new Date(t);
    },
  };
}

/** The local date after `date`. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
