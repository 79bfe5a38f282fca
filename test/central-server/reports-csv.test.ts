import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CREDIT_COLUMNS, DAILY_COLUMNS, FOLLOW_UP_COLUMNS, PROJECT_COLUMNS } from '../../central/reports/columns.js';
import { csvCell, toCsv } from '../../central/reports/csv.js';
import { checkDate, checkPeriod, nextDate, zone } from '../../central/reports/time.js';

describe('report CSV and times (pure)', () => {
  it('quotes as RFC 4180 says, defuses formulas, writes a BOM and CRLF', () => {
    expect(csvCell('张三')).toBe('张三');
    expect(csvCell('Li, "Lei"')).toBe('"Li, ""Lei"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(false)).toBe('false');
    const text = toCsv([{ name: 'a', value: (r: { a: string }) => r.a }], [{ a: 'x,y' }]);
    expect(text).toBe('\uFEFFa\r\n"x,y"\r\n');
  });

  it('docs/central.md shows each CSV header exactly as the code writes it', () => {
    const doc = readFileSync('docs/central.md', 'utf8');
    for (const cols of [DAILY_COLUMNS, PROJECT_COLUMNS, CREDIT_COLUMNS, FOLLOW_UP_COLUMNS])
      expect(doc).toContain(`\n${cols.map((c) => c.name).join(',')}\n`);
  });

  it('local times carry the centre offset; local days start at local midnight', () => {
    const sh = zone('Asia/Shanghai');
    expect(sh.iso(new Date('2026-12-07T01:05:30.900Z'))).toBe('2026-12-07T09:05:30+08:00');
    expect(sh.startOfDay('2026-12-07').toISOString()).toBe('2026-12-06T16:00:00.000Z');
    const ny = zone('America/New_York'); // DST: the offset changes within a report period
    expect(ny.iso(new Date('2026-07-01T12:00:00Z'))).toBe('2026-07-01T08:00:00-04:00');
    expect(ny.iso(new Date('2026-12-01T12:00:00Z'))).toBe('2026-12-01T07:00:00-05:00');
    expect(ny.startOfDay('2026-03-08').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(ny.startOfDay('2026-03-09').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(nextDate('2026-12-31')).toBe('2027-01-01');
    expect(() => zone('Mars/Olympus')).toThrow(expect.objectContaining({ code: 'BOOTH_ERR_CONFIG_INVALID' }));
  });

  it('dates must exist; a period must not run backwards', () => {
    expect(checkDate('2028-02-29', '--date')).toBe('2028-02-29');
    for (const bad of ['2026-13-01', '2026-02-29', '2026-1-01', '20261201', ''])
      expect(() => checkDate(bad, '--date')).toThrow(expect.objectContaining({ code: 'BOOTH_ERR_BAD_INPUT' }));
    expect(() => checkPeriod('2026-12-07', '2026-12-07')).not.toThrow();
    expect(() => checkPeriod('2026-12-08', '2026-12-07')).toThrow(/--from 2026-12-08 is after --to 2026-12-07/);
  });
});
