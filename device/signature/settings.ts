import { SignatureConfig, type SignatureSettings } from '../config/sections/signature.js';
import { compileValidator } from '../../protocol/validate.js';

const validator = compileValidator(SignatureConfig, { defaults: true, code: 'BOOTH_ERR_CONFIG_INVALID' });

/** Signature settings with every default filled in, optionally overridden (CLI, tests, bench). */
export function signatureSettings(overrides: unknown = {}): SignatureSettings {
  return validator.parse(structuredClone(overrides), 'signature settings');
}
