/**
 * The signature feature's public API. Used by: the visit workflow (capture, render, export),
 * the documents feature (stamp PNG, 19794-7 bytes), `booth tablet` and the composition root.
 */
import type { BoothConfig } from '../config/schema.js';
import type { EventBus } from '../core/events.js';
import type { Clock, Tablet } from '../core/ports.js';
import { SignatureCapture } from './capture.js';
import { TabletDriver } from './driver.js';
import { protocolByName } from './protocol/index.js';

export interface SignatureFeatureDeps {
  tablet: Tablet;
  config: Pick<BoothConfig, 'signature' | 'hardware'>;
  clock: Clock;
  bus?: EventBus;
  warn?: (message: string) => void;
}

/** Wires tablet -> protocol -> driver -> capture from the booth's config (no I/O until start()). */
export function createSignatureCapture(deps: SignatureFeatureDeps): SignatureCapture {
  const settings = deps.config.signature;
  const driver = new TabletDriver({
    tablet: deps.tablet,
    protocol: protocolByName(settings.protocol),
    settings,
    baudRate: deps.config.hardware.tablet.baudRate,
    ...(deps.warn ? { warn: deps.warn } : {}),
  });
  return new SignatureCapture({ driver, clock: deps.clock, settings, ...(deps.bus ? { bus: deps.bus } : {}) });
}

export { SignatureCapture, type CaptureResult } from './capture.js';
export { TabletDriver, type DriverStatus, type TimedEvent } from './driver.js';
export { isInk, segmentStrokes, type DeviceInfo, type Sample, type Signature, type Stroke } from './model.js';
export { checkValidity, VALIDITY_REASONS, type ValidityReason, type DiscardReason } from './validity.js';
export { renderPng, type PngSize, type RenderedPng } from './render/png.js';
export { renderSvg } from './render/svg.js';
export { toIso19794_7, fromIso19794_7 } from './iso19794-7.js';
export { parseSamplesFile, toSamplesFile, type SamplesFile } from './samples-file.js';
export { decodeRecording } from './recording.js';
export { signatureSettings } from './settings.js';
