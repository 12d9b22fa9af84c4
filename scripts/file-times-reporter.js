// A test reporter that ends the run with the slowest test files and how long each took, so the
// suite's time can be watched and spent where it pays (the CI run must stay well under 30 minutes).
// A file's time runs from when the runner takes it off its queue to when it completes (the
// runner's own events named after the file); files run in parallel, so the times overlap. HANGAR_TEST_TIMES=PATH also writes
// every file's time there, one "seconds<TAB>file" line each, slowest first.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const shown = 15;

export default async function* fileTimesReporter(source) {
  const spans = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (typeof file !== 'string' || event.data.name !== file) continue;
    if (event.type === 'test:dequeue') spans.set(file, { start: Date.now(), end: Date.now() });
    else if (event.type === 'test:complete' && spans.has(file)) spans.get(file).end = Date.now();
  }
  const rows = [...spans]
    .map(([file, span]) => ({ file: relative(process.cwd(), file), seconds: (span.end - span.start) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds);
  if (process.env.HANGAR_TEST_TIMES) {
    writeFileSync(process.env.HANGAR_TEST_TIMES, rows.map((row) => `${row.seconds.toFixed(1)}\t${row.file}\n`).join(''));
  }
  if (rows.length === 0) return;
  yield `\nSlowest test files (seconds):\n`;
  for (const row of rows.slice(0, shown)) yield `${row.seconds.toFixed(1).padStart(7)}  ${row.file}\n`;
}
