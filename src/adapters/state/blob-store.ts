import type { DatabaseSync } from 'node:sqlite';

/**
 * Bytes of blob content kept by default: a catalog's Dockerfiles and image.yml files are a few KiB each,
 * so this holds some 100,000 of them (several catalogs of 20,000 images), or 256 of the largest
 * Dockerfile Dockyard reads (1 MiB).
 */
export const defaultBlobBudget = 256 * 1024 * 1024;

/** A blob's last use is written again only when it is older than this, so a warm read writes nothing. */
const touchInterval = 60 * 60 * 1000;

/**
 * Git blob contents by sha, in the state file: content-addressed, so an entry is never stale and needs
 * no repository in its key (a tree that lists a sha holds exactly those bytes). Kept within a byte budget:
 * past it, the blobs least recently used go first, so the blobs of the catalogs read lately stay, and
 * a catalog larger than the whole budget costs one archive download per read, not a request per blob.
 */
export class BlobStore {
  readonly #db: DatabaseSync;
  readonly #budget: number;

  constructor(db: DatabaseSync, budgetBytes = defaultBlobBudget) {
    this.#db = db;
    this.#budget = budgetBytes;
    db.exec(`
      CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, bytes BLOB NOT NULL, size INTEGER NOT NULL, used_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS blobs_by_use ON blobs (used_at);
    `);
  }

  /** The contents of those of `shas` that are kept, marking them used. */
  knownBlobs(shas: readonly string[]): Map<string, Uint8Array> {
    const list = JSON.stringify(shas);
    const now = Date.now();
    this.#db.prepare('UPDATE blobs SET used_at = ? WHERE used_at < ? AND sha IN (SELECT value FROM json_each(?))').run(now, now - touchInterval, list);
    const rows = this.#db.prepare('SELECT sha, bytes FROM blobs WHERE sha IN (SELECT value FROM json_each(?))').all(list);
    // As Buffers, the same type a blob fetched from GitHub has.
    return new Map(rows.map((row) => [String(row['sha']), Buffer.from(row['bytes'] as Uint8Array)]));
  }

  /** Keeps blob contents read from GitHub, then drops the least recently used past the budget. */
  rememberBlobs(blobs: ReadonlyMap<string, Uint8Array>): void {
    const hex = JSON.stringify(Object.fromEntries([...blobs].map(([sha, bytes]) => [sha, Buffer.from(bytes).toString('hex')])));
    // One statement per write, as everywhere in the state file: a crash leaves it consistent.
    this.#db
      .prepare(
        'INSERT INTO blobs (sha, bytes, size, used_at) SELECT key, unhex(value), length(value) / 2, ? FROM json_each(?) WHERE true ON CONFLICT (sha) DO UPDATE SET used_at = excluded.used_at',
      )
      .run(Date.now(), hex);
    const total = Number(this.#db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM blobs').get()?.['total']);
    if (total <= this.#budget) return;
    this.#db
      .prepare('DELETE FROM blobs WHERE sha IN (SELECT sha FROM (SELECT sha, SUM(size) OVER (ORDER BY used_at DESC, sha) AS kept FROM blobs) WHERE kept > ?)')
      .run(this.#budget);
  }

  /** Forgets every kept blob: the next read fetches what it needs again. */
  forgetBlobs(): void {
    this.#db.exec('DELETE FROM blobs');
  }
}
