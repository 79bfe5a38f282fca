import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CsvError, decodeUtf8, parseCsv } from '../../central/plan/csv.js';
import { idNumberCheckDigit, idNumberProblem } from '../../central/plan/id-number.js';
import { localDate, parsePlanTime } from '../../central/plan/local-time.js';
import { planSchemaJson } from '../../central/plan/schema.js';
import { parseRange } from '../../central/publish/channel.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('docs/plan.schema.json', () => {
  it('is the schema plan import validates with (run `npm run docs:plan` after changing it) and accepts the example', () => {
    const doc = JSON.parse(readFileSync('docs/plan.schema.json', 'utf8')) as object;
    expect(doc).toEqual(JSON.parse(planSchemaJson()));
    const validate = addFormats(new Ajv({ strict: false, allErrors: true })).compile(doc);
    const example = JSON.parse(readFileSync('central/examples/day-plan/plan.json', 'utf8')) as Record<string, unknown>;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, staff: [{ id: 's', pin: '12' }] })).toBe(false);
  });
});

describe('CSV as spreadsheets write it', () => {
  it('reads quotes, doubled quotes, line breaks in quotes, CRLF and a BOM; rows keep their spreadsheet numbers', () => {
    const text = decodeUtf8(
      Buffer.from('\ufeffid,name\r\n1,"Wang, Jianguo"\r\n\r\n2,"say ""hi""\nthere"\n,\n3, padded \n'),
    );
    expect(parseCsv(text)).toEqual([
      { row: 1, cells: ['id', 'name'] },
      { row: 2, cells: ['1', 'Wang, Jianguo'] },
      { row: 4, cells: ['2', 'say "hi"\nthere'] },
      { row: 6, cells: ['3', 'padded'] },
    ]);
  });

  it('refuses what is not CSV or not UTF-8, naming the row', () => {
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow(CsvError);
    expect(() => parseCsv('a,b\n1,x"y"\n')).toThrow(/row 2: |quote inside an unquoted field/);
    expect(() => decodeUtf8(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]))).toThrow(TypeError); // 张三 in GBK
  });
});

describe('PRC ID numbers', () => {
  it('accepts a well-formed number (X check digit in either case) and says what is wrong otherwise', () => {
    expect(idNumberCheckDigit('11010519491231002')).toBe('X');
    expect(idNumberProblem('11010519491231002X')).toBeNull();
    expect(idNumberProblem('11010519491231002x')).toBeNull();
    expect(idNumberProblem('110105194912310021')).toMatch(/check digit/);
    expect(idNumberProblem('110105194913310028')).toMatch(/birth date/);
    expect(idNumberProblem('110105491231002')).toMatch(/got 15 characters/);
  });
});

describe('plan times', () => {
  it('are local to the centre unless they carry an offset', () => {
    const sh = (t: string, d: string | null = '2026-12-07') => parsePlanTime(t, d, 'Asia/Shanghai');
    expect(sh('09:00')).toEqual({ ok: true, ms: Date.parse('2026-12-07T01:00:00Z'), dated: false });
    expect(sh('2026-12-08 00:30')).toMatchObject({ ms: Date.parse('2026-12-07T16:30:00Z'), dated: true });
    expect(sh('09:00Z')).toMatchObject({ ms: Date.parse('2026-12-07T09:00:00Z') });
    expect(sh('2026-12-07T09:00+09:00')).toMatchObject({ ms: Date.parse('2026-12-07T00:00:00Z') });
    expect(sh('09:00', null)).toMatchObject({ ok: false, why: expect.stringMatching(/--date/) as unknown });
    expect(sh('24:00')).toMatchObject({ ok: false });
    expect(sh('2026-02-30 09:00')).toMatchObject({ ok: false, why: '2026-02-30 is not a calendar date' });
    // A zone with daylight saving time converts on either side of the change.
    expect(parsePlanTime('09:00', '2026-07-01', 'America/New_York')).toMatchObject({
      ms: Date.parse('2026-07-01T13:00:00Z'),
    });
    expect(parsePlanTime('09:00', '2026-12-01', 'America/New_York')).toMatchObject({
      ms: Date.parse('2026-12-01T14:00:00Z'),
    });
    expect(localDate(Date.parse('2026-12-07T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-12-08');
  });
});

describe('Range requests on the package channel', () => {
  it('reads bytes=N-, N-M and -N; anything else is the whole file; beyond the end is 416', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=10-', 100)).toEqual({ start: 10, end: 99 });
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-30', 100)).toEqual({ start: 70, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(() => parseRange('bytes=100-', 100)).toThrow(
      expect.objectContaining({ code: 'BOOTH_ERR_RANGE_NOT_SATISFIABLE' }),
    );
    expect(() => parseRange('bytes=20-10', 100)).toThrow(/range/);
  });
});
