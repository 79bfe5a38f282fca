import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';
import { BoothError, type ErrorCode } from './errors.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** One problem with one field: the JSON pointer of the field and what was expected. */
export interface FieldProblem {
  field: string;
  expected: string;
}

const ajvWithDefaults = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));
const ajvPlain = addFormats(new Ajv({ allErrors: true, useDefaults: false, strict: false }));

function describe(e: ErrorObject): FieldProblem {
  const p = e.params as Record<string, unknown>;
  let field = e.instancePath || '/';
  let expected: string;
  switch (e.keyword) {
    case 'type':
      expected = `${String(p.type)}`;
      break;
    case 'required':
      field = `${e.instancePath}/${String(p.missingProperty)}`;
      expected = 'a value (required)';
      break;
    case 'additionalProperties':
      field = `${e.instancePath}/${String(p.additionalProperty)}`;
      expected = 'no such field (unknown)';
      break;
    case 'const':
      expected = `exactly ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'enum':
      expected = `one of ${JSON.stringify(p.allowedValues)}`;
      break;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      expected = `a number ${String(p.comparison)} ${String(p.limit)}`;
      break;
    default:
      expected = e.message ?? e.keyword;
  }
  return { field, expected };
}

/** Merges ajv's anyOf noise (a union of literals gives one error per branch) into one line per field. */
export function summarise(errors: readonly ErrorObject[]): FieldProblem[] {
  const byField = new Map<string, string[]>();
  const unionFields = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath || '/'));
  for (const e of errors) {
    const prob = describe(e);
    if (e.keyword === 'anyOf') continue;
    const list = byField.get(prob.field) ?? [];
    const text =
      unionFields.has(prob.field) && e.keyword === 'const' ? prob.expected.replace(/^exactly /, '') : prob.expected;
    if (!list.includes(text)) list.push(text);
    byField.set(prob.field, list);
  }
  return [...byField].map(([field, list]) => ({
    field,
    expected: list.length > 1 && unionFields.has(field) ? `one of ${list.join(', ')}` : list.join('; '),
  }));
}

export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: expected ${p.expected}`).join('; ');
}

/**
 * ajv registers every `$id` it meets, nested ones included, and throws "already exists" when it
 * meets one again: the command schemas inside the channel manifest made the order in which
 * modules load decide whether the booth started. The ids name schemas in the exported JSON
 * Schema documents only; no validation refers to them, so they are dropped for compiling.
 */
function withoutIds(schema: TSchema): object {
  return JSON.parse(JSON.stringify(schema), (key: string, value: unknown) =>
    key === '$id' ? undefined : value,
  ) as object;
}

export interface Validator<T extends TSchema> {
  readonly schema: T;
  /** Returns the value (with defaults filled when enabled) or throws a BoothError naming each bad field. */
  parse(value: unknown, what?: string): Static<T>;
  check(value: unknown): { ok: true } | { ok: false; problems: FieldProblem[] };
}

/**
 * Compiles a TypeBox schema once. With defaults on, the value is mutated in place to fill them:
 * callers pass a fresh copy (parsed JSON) so nothing shared changes on a failed parse.
 */
export function compileValidator<T extends TSchema>(
  schema: T,
  options: { defaults?: boolean; code?: ErrorCode } = {},
): Validator<T> {
  const fn: ValidateFunction = (options.defaults ? ajvWithDefaults : ajvPlain).compile(withoutIds(schema));
  const code = options.code ?? 'BOOTH_ERR_BAD_INPUT';
  return {
    schema,
    parse(value, what = 'input') {
      if (fn(value)) return value as Static<T>;
      const problems = summarise(fn.errors ?? []);
      throw new BoothError(code, `${what}: ${formatProblems(problems)}`, { problems });
    },
    check(value) {
      return fn(value) ? { ok: true } : { ok: false, problems: summarise(fn.errors ?? []) };
    },
  };
}

/** Freezes an object graph so configuration cannot be changed behind the services' backs. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
