// Benchmark: open a library of 1,000 machines and 10,000 media and list them, next to a plain
// SELECT baseline. Run: node --import tsx bench/library-list.ts [--keep]
//
// Fixture: machines are created through the repository (folders and rows, as the app does);
// media rows are inserted in one transaction for real files in a folder that is not watched
// (probing 10,000 files is not what this measures). Open is timed with reconcile (which stats
// every media file and machine folder) and without.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Library } from '../src/library/index.js';

const machineCount = 1000;
const mediaCount = 10_000;
const runs = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-'));
const mediaFolder = join(folder, 'outside-media');
try {
  const setupStart = performance.now();
  const library = await Library.open(folder, { watch: false });
  library.database.transaction(() => {
    for (let index = 0; index < machineCount; index++) {
      library.machines.create({ name: `Machine ${String(index).padStart(4, '0')}`, osId: 'other', engine: index % 2 ? 'qemu' : 'v86' });
    }
  })();
  mkdirSync(mediaFolder);
  const insert = library.database.prepare(
    `INSERT INTO media (id, path, kind, size_bytes, volume_label, os_id, os_name, present, added_at) VALUES (?, ?, 'iso', 4096, 'LABEL', 'other', 'Other', 1, ?)`,
  );
  library.database.transaction(() => {
    for (let index = 0; index < mediaCount; index++) {
      const path = join(mediaFolder, `media-${index}.iso`);
      writeFileSync(path, '');
      insert.run(randomUUID(), path, new Date().toISOString());
    }
  })();
  await library.close();
  console.log(`fixture: ${machineCount} machines, ${mediaCount} media in ${(performance.now() - setupStart).toFixed(0)} ms`);

  const baseline: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const db = new Database(join(folder, 'library.db'), { readonly: true });
    const machines = db.prepare('SELECT * FROM machines').all();
    const media = db.prepare('SELECT * FROM media').all();
    db.close();
    baseline.push(performance.now() - started);
    if (machines.length !== machineCount || media.length !== mediaCount) throw new Error('baseline counts are wrong');
  }

  const measure = async (reconcile: 'repair' | false): Promise<{ open: number; list: number; total: number }> => {
    const opens: number[] = [];
    const lists: number[] = [];
    const totals: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const opened = await Library.open(folder, { watch: false, reconcile });
      const afterOpen = performance.now();
      const machines = opened.machines.list();
      const media = opened.media.list();
      const done = performance.now();
      if (machines.length !== machineCount || media.length !== mediaCount) throw new Error('list counts are wrong');
      await opened.close();
      opens.push(afterOpen - started);
      lists.push(done - afterOpen);
      totals.push(done - started);
    }
    return { open: median(opens), list: median(lists), total: median(totals) };
  };
  const withReconcile = await measure('repair');
  const withoutReconcile = await measure(false);

  const ms = (value: number): string => `${value.toFixed(1).padStart(7)} ms`;
  console.log(`median of ${runs} runs`);
  console.log(`  plain SELECT baseline (open db + SELECT * both tables)  ${ms(median(baseline))}`);
  console.log(`  Library list only (machines.list + media.list)         ${ms(withReconcile.list)}`);
  console.log(`  Library.open (lock, migrate check, no reconcile) + list ${ms(withoutReconcile.total)}`);
  console.log(`  Library.open with reconcile + list                      ${ms(withReconcile.total)}   (open ${withReconcile.open.toFixed(1)} ms)`);
  console.log(`  target: list < 100 ms → ${withReconcile.list < 100 ? 'met' : 'NOT met'}; open+reconcile+list < 100 ms → ${withReconcile.total < 100 ? 'met' : 'NOT met'}`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true });
}
