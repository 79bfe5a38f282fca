import { BoothError, ERROR_CODES, type ErrorCode } from '../../protocol/errors.js';
import type { ModelInfo, ModelName } from './models.js';
import type { InferenceOptions } from './inference.js';

/**
 * Messages between the engine and its inference thread (inference-worker.ts). Kept in one
 * place so both ends agree; errors cross the thread as plain data and are rebuilt as the
 * same BoothError (code, message, details) on the engine's side.
 */

export type WorkerData = InferenceOptions;

export type ToWorker = { type: 'run'; id: number; name: ModelName; input: Float32Array } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; models: Partial<Record<ModelName, ModelInfo>> }
  | { type: 'failed'; error: WireError }
  | { type: 'result'; id: number; outputs: Float32Array[]; ms: number; input: Float32Array }
  | { type: 'error'; id: number; error: WireError };

export interface WireError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export function toWire(err: unknown): WireError {
  if (err instanceof BoothError) return { code: err.code, message: err.message, details: { ...err.details } };
  return { code: 'BOOTH_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err), details: {} };
}

export function fromWire(e: WireError): BoothError {
  const code: ErrorCode = e.code in ERROR_CODES ? e.code : 'BOOTH_ERR_INTERNAL';
  return new BoothError(code, e.message, e.details);
}
