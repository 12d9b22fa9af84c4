/** App settings: a small key → JSON value store. */
import type { DatabaseHandle } from './db.js';
import { invalid } from './errors.js';
import type { ChangeSink } from './repository-util.js';

/** Settings. Obtain it from `Library.settings`. */
export class SettingsRepository {
  readonly #db: DatabaseHandle;
  readonly #emit: ChangeSink;

  constructor(db: DatabaseHandle, emit: ChangeSink) {
    this.#db = db;
    this.#emit = emit;
  }

  /** The stored value of `key`, or `fallback`. */
  get<T>(key: string, fallback: T): T {
    const row = this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : fallback;
  }

  /** Stores a JSON-serialisable value. */
  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key.length === 0 || key.length > 200) throw invalid('setting.key', 'must be 1–200 characters.');
    const json = JSON.stringify(value);
    if (json === undefined) throw invalid(`setting ${key}`, 'value must be JSON-serialisable.');
    this.#db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json);
    this.#emit({ entity: 'setting', action: 'updated', id: key });
  }

  delete(key: string): void {
    this.#db.prepare('DELETE FROM settings WHERE key = ?').run(key);
    this.#emit({ entity: 'setting', action: 'removed', id: key });
  }

  all(): Record<string, unknown> {
    const rows = this.#db.prepare('SELECT key, value FROM settings ORDER BY key').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
  }
}
