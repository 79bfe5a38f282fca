import type { ProtocolSpec, QueryEvent } from './protocol/types.js';
import { sampleFromEvent, segmentStrokes, type DeviceInfo, type Sample, type Signature } from './model.js';

export interface DecodeRecordingOptions {
  protocol: ProtocolSpec;
  /** Line speed the bytes were recorded at: arrival times are paced at 10 bits per byte. */
  baudRate: number;
  /** Used until (or unless) the recording carries a query reply. */
  device: Omit<DeviceInfo, 'protocol'>;
  capturedAt?: number;
}

/**
 * Turns a raw byte recording into a signature as the driver would have seen it on a line of
 * the given speed (every packet stamped when its last byte would arrive). Used by the CLI,
 * the benchmark, the fixtures and the tests; the live path is TabletDriver + SignatureCapture.
 */
export function decodeRecording(bytes: Uint8Array, o: DecodeRecordingOptions): Signature {
  const parser = o.protocol.createParser();
  const msPerByte = 10_000 / o.baudRate;
  let device: DeviceInfo = { protocol: o.protocol.name, ...o.device };
  const samples: Sample[] = [];
  let firstAt: number | null = null;
  for (let i = 0; i < bytes.length; i++) {
    for (const event of parser.push(bytes.subarray(i, i + 1))) {
      if (event.type === 'query') {
        device = withMaxima(device, event);
        continue;
      }
      const at = Math.round((i + 1) * msPerByte);
      firstAt ??= at;
      const last = samples[samples.length - 1];
      samples.push(sampleFromEvent(event, at - firstAt, last));
    }
  }
  return { samples, strokes: segmentStrokes(samples), device, capturedAt: o.capturedAt ?? 0 };
}

function withMaxima(device: DeviceInfo, q: QueryEvent): DeviceInfo {
  if (q.maxX === 0 || q.maxY === 0 || q.maxPressure === 0) return device;
  return { ...device, maxX: q.maxX, maxY: q.maxY, maxPressure: q.maxPressure, version: q.version };
}
