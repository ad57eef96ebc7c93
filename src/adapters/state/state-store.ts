import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { BlobStore } from './blob-store.ts';

/** A build approval for a pull request head from a fork, given by someone with write access. */
export interface Approval {
  repo: string;
  pr: number;
  sha: string;
  approvedBy: string;
}

/** An image built (and scanned) for some commit, kept so an identical later build can reuse it. */
export interface BuildRecord {
  repo: string;
  image: string;
  /** Hash of everything that decides the image's content: folder tree, parent, build settings. */
  inputHash: string;
  imageId: string;
  commit: string;
  scanPassed: boolean;
}

export type PublishStatus = 'published' | 'failed';

/** What happened to one image of one commit on the default branch. */
export interface PublishRecord {
  repo: string;
  commit: string;
  image: string;
  status: PublishStatus;
  repository?: string;
  tags?: string[];
  digest?: string;
  error?: string;
}

/** The image published now for one catalog image: what Jenkins should run under its label. */
export interface PublishedState {
  repo: string;
  image: string;
  /** Full repository reference, `<registry>/<prefix>/<name>`. */
  repository: string;
  digest: string;
  label: string;
  overrides?: Record<string, unknown>;
  commit: string;
}

/** How Jenkins proves it may read a repository's served documents. */
export type ServeAuth = 'capability' | 'bearer';

/** A generated JCasC document the app serves to Jenkins. */
export interface ServedDocument {
  repo: string;
  cloud: string;
  /** URL path the operator serves documents under, e.g. `/jenkins/casc`. */
  servePath: string;
  auth: ServeAuth;
  yaml: string;
}

/**
 * A repository's own credential for its served documents: an unguessable path segment (released JCasC
 * fetches plain URLs) and a bearer token (for a JCasC that sends one). Never logged; rotatable.
 */
export interface ServeCredential {
  capability: string;
  token: string;
}

/** A unit of work recorded before it runs, so a crash or outage never loses it. */
export interface JobRecord {
  key: string;
  kind: string;
  /** Jobs of one lane (e.g. one repository) run one at a time, in the order they were recorded. */
  lane: string;
  payload: unknown;
  attempts: number;
  nextRunAt: number;
  lastError?: string;
}

/**
 * Dockyard's durable state in one SQLite file (node:sqlite): approvals, reusable builds, publish
 * results, the job queue and the catalog blobs read from GitHub. Every write is a single statement,
 * so a crash leaves it consistent.
 */
export class StateStore {
  readonly #db: DatabaseSync;
  /** Catalog file contents by git blob sha, so reading a catalog again fetches only what changed. */
  readonly blobs: BlobStore;

  /** `blobBudget`: bytes of blob content kept (see `defaultBlobBudget`). */
  constructor(file: string, options: { blobBudget?: number } = {}) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS approvals (repo TEXT, pr INTEGER, sha TEXT, approved_by TEXT, at TEXT, PRIMARY KEY (repo, pr, sha));
      CREATE TABLE IF NOT EXISTS pr_heads (repo TEXT, pr INTEGER, sha TEXT, since TEXT, PRIMARY KEY (repo, pr, sha));
      CREATE TABLE IF NOT EXISTS builds (repo TEXT, image TEXT, input_hash TEXT, image_id TEXT, commit_sha TEXT, scan_passed INTEGER, at TEXT, PRIMARY KEY (repo, image, input_hash));
      CREATE TABLE IF NOT EXISTS publishes (repo TEXT, commit_sha TEXT, image TEXT, status TEXT, repository TEXT, tags TEXT, digest TEXT, error TEXT, at TEXT, PRIMARY KEY (repo, commit_sha, image));
      CREATE TABLE IF NOT EXISTS published_images (repo TEXT, image TEXT, repository TEXT, digest TEXT, label TEXT, overrides TEXT, commit_sha TEXT, at TEXT, PRIMARY KEY (repo, image));
      CREATE TABLE IF NOT EXISTS served_documents (repo TEXT, cloud TEXT, serve_path TEXT, auth TEXT, yaml TEXT, at TEXT, PRIMARY KEY (repo, cloud));
      CREATE TABLE IF NOT EXISTS serve_credentials (repo TEXT PRIMARY KEY, capability TEXT, token TEXT, at TEXT);
      CREATE TABLE IF NOT EXISTS jobs (key TEXT PRIMARY KEY, kind TEXT, payload TEXT, attempts INTEGER, next_run_at INTEGER, last_error TEXT, done INTEGER DEFAULT 0);
    `);
    // State files from before lanes existed: each of their jobs is a lane of its own.
    const jobColumns = this.#db.prepare('PRAGMA table_info(jobs)').all().map((column) => String(column['name']));
    if (!jobColumns.includes('lane')) this.#db.exec('ALTER TABLE jobs ADD COLUMN lane TEXT');
    this.blobs = new BlobStore(this.#db, options.blobBudget);
  }

  approve(approval: Approval): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO approvals VALUES (?, ?, ?, ?, ?)')
      .run(approval.repo, approval.pr, approval.sha, approval.approvedBy, new Date().toISOString());
  }

  /**
   * Records that a pull request's head was `sha` from `since` (GitHub's own timestamp of the event
   * that showed it), keeping the earliest time seen for each head.
   */
  recordHead(repo: string, pr: number, sha: string, since: string): void {
    this.#db
      .prepare('INSERT INTO pr_heads VALUES (?, ?, ?, ?) ON CONFLICT (repo, pr, sha) DO UPDATE SET since = min(since, excluded.since)')
      .run(repo, pr, sha, since);
  }

  /** Since when a pull request's head has been `sha`, as far as Dockyard has seen. */
  headSince(repo: string, pr: number, sha: string): string | undefined {
    const row = this.#db.prepare('SELECT since FROM pr_heads WHERE repo = ? AND pr = ? AND sha = ?').get(repo, pr, sha);
    return row ? String(row['since']) : undefined;
  }

  /** Who approved building this exact head commit, if anyone. */
  approvalFor(repo: string, pr: number, sha: string): string | undefined {
    const row = this.#db.prepare('SELECT approved_by FROM approvals WHERE repo = ? AND pr = ? AND sha = ?').get(repo, pr, sha);
    return row ? String(row['approved_by']) : undefined;
  }

  recordBuild(record: BuildRecord): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO builds VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(record.repo, record.image, record.inputHash, record.imageId, record.commit, record.scanPassed ? 1 : 0, new Date().toISOString());
  }

  findBuild(repo: string, image: string, inputHash: string): BuildRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM builds WHERE repo = ? AND image = ? AND input_hash = ?').get(repo, image, inputHash);
    if (!row) return undefined;
    return {
      repo,
      image,
      inputHash,
      imageId: String(row['image_id']),
      commit: String(row['commit_sha']),
      scanPassed: row['scan_passed'] === 1,
    };
  }

  recordPublish(record: PublishRecord): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO publishes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        record.repo,
        record.commit,
        record.image,
        record.status,
        record.repository ?? null,
        record.tags ? JSON.stringify(record.tags) : null,
        record.digest ?? null,
        record.error ?? null,
        new Date().toISOString(),
      );
  }

  publishOf(repo: string, commit: string, image: string): PublishRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM publishes WHERE repo = ? AND commit_sha = ? AND image = ?').get(repo, commit, image);
    if (!row) return undefined;
    const record: PublishRecord = { repo, commit, image, status: row['status'] as PublishStatus };
    if (row['repository'] !== null) record.repository = String(row['repository']);
    if (row['tags'] !== null) record.tags = JSON.parse(String(row['tags'])) as string[];
    if (row['digest'] !== null) record.digest = String(row['digest']);
    if (row['error'] !== null) record.error = String(row['error']);
    return record;
  }

  /** Records the image now published for a catalog image of the default branch. */
  setPublishedImage(image: PublishedState): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO published_images VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(image.repo, image.image, image.repository, image.digest, image.label, JSON.stringify(image.overrides ?? null), image.commit, new Date().toISOString());
  }

  /** The image published now for one catalog image, if any. */
  publishedImage(repo: string, image: string): PublishedState | undefined {
    return this.publishedImages(repo).find((state) => state.image === image);
  }

  /**
   * Records the image now published for a catalog image only if the published state still came from
   * `expected` (undefined: nothing published yet), so a decision taken on what was read is never
   * written over a state another writer changed since. True when written.
   */
  advancePublishedImage(image: PublishedState, expected: string | undefined): boolean {
    const values = [image.repository, image.digest, image.label, JSON.stringify(image.overrides ?? null), image.commit, new Date().toISOString()];
    const result =
      expected === undefined
        ? this.#db
            .prepare('INSERT INTO published_images VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo, image) DO NOTHING')
            .run(image.repo, image.image, ...values)
        : this.#db
            .prepare('UPDATE published_images SET repository = ?, digest = ?, label = ?, overrides = ?, commit_sha = ?, at = ? WHERE repo = ? AND image = ? AND commit_sha = ?')
            .run(...values, image.repo, image.image, expected);
    return Number(result.changes) > 0;
  }

  /** Forgets a catalog image the default branch removed, only if its published state came from `expected`. */
  removePublishedImageIf(repo: string, image: string, expected: string): boolean {
    const result = this.#db.prepare('DELETE FROM published_images WHERE repo = ? AND image = ? AND commit_sha = ?').run(repo, image, expected);
    return Number(result.changes) > 0;
  }

  /** Forgets a catalog image the default branch removed. */
  removePublishedImage(repo: string, image: string): void {
    this.#db.prepare('DELETE FROM published_images WHERE repo = ? AND image = ?').run(repo, image);
  }

  /** Every image currently published for a repository, by name. */
  publishedImages(repo: string): PublishedState[] {
    return this.#db
      .prepare('SELECT * FROM published_images WHERE repo = ? ORDER BY image')
      .all(repo)
      .map((row) => {
        const state: PublishedState = {
          repo,
          image: String(row['image']),
          repository: String(row['repository']),
          digest: String(row['digest']),
          label: String(row['label']),
          commit: String(row['commit_sha']),
        };
        const overrides = JSON.parse(String(row['overrides'])) as Record<string, unknown> | null;
        if (overrides) state.overrides = overrides;
        return state;
      });
  }

  /** Stores the JCasC document generated for one cloud of a repository, replacing the previous one. */
  setServedDocument(document: ServedDocument): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO served_documents VALUES (?, ?, ?, ?, ?, ?)')
      .run(document.repo, document.cloud, document.servePath, document.auth, document.yaml, new Date().toISOString());
  }

  /** The document of a repository's cloud, if it is served under `servePath`. */
  servedDocument(servePath: string, repo: string, cloud: string): ServedDocument | undefined {
    const row = this.#db.prepare('SELECT * FROM served_documents WHERE serve_path = ? AND repo = ? AND cloud = ?').get(servePath, repo, cloud);
    if (!row) return undefined;
    return { repo, cloud, servePath, auth: row['auth'] as ServeAuth, yaml: String(row['yaml']) };
  }

  /** Every document served under `servePath`, of all repositories, by repository and cloud. */
  servedDocuments(servePath: string): ServedDocument[] {
    return this.#db
      .prepare('SELECT * FROM served_documents WHERE serve_path = ? ORDER BY repo, cloud')
      .all(servePath)
      .map((row) => ({ repo: String(row['repo']), cloud: String(row['cloud']), servePath, auth: row['auth'] as ServeAuth, yaml: String(row['yaml']) }));
  }

  /** The repository's serve credential, made (random, 256 bits each) the first time it is asked for. */
  serveCredential(repo: string): ServeCredential {
    this.#db.prepare('INSERT OR IGNORE INTO serve_credentials VALUES (?, ?, ?, ?)').run(repo, randomSecret(), randomSecret(), new Date().toISOString());
    const row = this.#db.prepare('SELECT capability, token FROM serve_credentials WHERE repo = ?').get(repo);
    return { capability: String(row?.['capability']), token: String(row?.['token']) };
  }

  /** Replaces the repository's serve credential; the old one stops working at once. */
  rotateServeCredential(repo: string): ServeCredential {
    const credential = { capability: randomSecret(), token: randomSecret() };
    this.#db.prepare('INSERT OR REPLACE INTO serve_credentials VALUES (?, ?, ?, ?)').run(repo, credential.capability, credential.token, new Date().toISOString());
    return credential;
  }

  /** Records a job unless one with the same key exists; returns true if it is new. */
  enqueue(job: Omit<JobRecord, 'attempts' | 'nextRunAt'>): boolean {
    const result = this.#db
      .prepare('INSERT OR IGNORE INTO jobs (key, kind, payload, attempts, next_run_at, lane) VALUES (?, ?, ?, 0, 0, ?)')
      .run(job.key, job.kind, JSON.stringify(job.payload), job.lane);
    return Number(result.changes) > 0;
  }

  /** Jobs not done whose time has come, oldest first. */
  dueJobs(now: number): JobRecord[] {
    return this.#db
      .prepare('SELECT * FROM jobs WHERE done = 0 AND next_run_at <= ? ORDER BY rowid')
      .all(now)
      .map((row) => {
        const job: JobRecord = {
          key: String(row['key']),
          kind: String(row['kind']),
          lane: row['lane'] === null ? String(row['key']) : String(row['lane']),
          payload: JSON.parse(String(row['payload'])),
          attempts: Number(row['attempts']),
          nextRunAt: Number(row['next_run_at']),
        };
        if (row['last_error'] !== null) job.lastError = String(row['last_error']);
        return job;
      });
  }

  /** The earliest time a pending job is due, if any is pending. */
  nextDue(): number | undefined {
    const row = this.#db.prepare('SELECT MIN(next_run_at) AS next FROM jobs WHERE done = 0').get();
    return row?.['next'] === null || row === undefined ? undefined : Number(row['next']);
  }

  completeJob(key: string): void {
    this.#db.prepare('UPDATE jobs SET done = 1 WHERE key = ?').run(key);
  }

  retryJob(key: string, error: string, nextRunAt: number): void {
    this.#db.prepare('UPDATE jobs SET attempts = attempts + 1, last_error = ?, next_run_at = ? WHERE key = ?').run(error, nextRunAt, key);
  }

  close(): void {
    this.#db.close();
  }
}

/** 32 random bytes, URL-safe: fits a path segment and a header. */
function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}
