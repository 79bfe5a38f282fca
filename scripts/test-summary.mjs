// Prints the closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report.
import { readFileSync } from 'node:fs';

try {
  const r = JSON.parse(readFileSync('test-artifacts/vitest.json', 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  process.stdout.write(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped\n`);
} catch (err) {
  process.stdout.write(`\ntest summary unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
}
