import type { Static } from '@sinclair/typebox';
import { DocumentsConfig } from '../config/sections/documents.js';
import { compileValidator } from '../../protocol/validate.js';
import { BoothError } from '../../protocol/errors.js';

/** The documents settings with every default filled: what the API functions take. */
export type DocumentsOptions = Static<typeof DocumentsConfig>;

const validator = compileValidator(DocumentsConfig, { defaults: true });

/** Validates overrides (a fresh copy: defaults are filled in place) and fills the rest. */
export function documentsOptions(overrides: Partial<DocumentsOptions> = {}): DocumentsOptions {
  const opts = validator.parse({ ...overrides }, 'documents options');
  try {
    new Intl.DateTimeFormat('en', { timeZone: opts.timeZone });
  } catch {
    throw new BoothError(
      'BOOTH_ERR_BAD_INPUT',
      `documents options: /timeZone: expected an IANA time zone, got ${opts.timeZone}`,
    );
  }
  return opts;
}

/** "2026-11-26 10:42" in the booth's time zone: what an expert reads next to their name. */
export function formatStampTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
