/**
 * Step-by-step progress for the technician: "[3/8] Enrolling with the central server ... ok".
 * Plain lines (no cursor tricks) so the output reads the same in a terminal, over a serial
 * console and in a log file; the models bar redraws in place only on a TTY.
 */
export interface Progress {
  step(title: string): StepHandle;
  /** A bar inside the current step: done of total, with a label. */
  bar(done: number, total: number, label: string): void;
  info(line: string): void;
}

export interface StepHandle {
  ok(detail?: string): void;
  fail(detail: string): void;
  skip(detail: string): void;
}

export function textProgress(out: NodeJS.WritableStream & { isTTY?: boolean }, totalSteps: number): Progress {
  let n = 0;
  return {
    step(title) {
      n += 1;
      const started = Date.now();
      out.write(`[${n}/${totalSteps}] ${title} ...\n`);
      const end = (mark: string, detail?: string) =>
        out.write(`      ${mark}${detail ? `: ${detail}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      return {
        ok: (detail) => end('ok', detail),
        fail: (detail) => end('FAILED', detail),
        skip: (detail) => end('skipped', detail),
      };
    },
    bar(done, total, label) {
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      const line = `      [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
      out.write(out.isTTY && done < total ? `${line}\r` : `${line}\n`);
    },
    info(line) {
      out.write(`      ${line}\n`);
    },
  };
}
