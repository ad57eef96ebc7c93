import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
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

/** `next_run_at` of a job the queue gave up on: never due again until someone resets it. */
export const neverDue = Number.MAX_SAFE_INTEGER;

/** Where a job stands: waiting for its first run, waiting to retry, given up, or finished. */
export type JobState = 'pending' | 'retrying' | 'gave-up' | 'done';

/** A recorded job as an operator sees it. */
export interface JobSummary extends JobRecord {
  state: JobState;
}

/** A catalog image moved back to a tag it was published under before, and by whom. */
export interface RollbackRecord {
  repo: string;
  image: string;
  /** The tag rolled back to, and the digest it holds. */
  tag: string;
  digest: string;
  /** The commit whose publish pushed `tag`. */
  commit: string;
  /** What was published before the rollback. */
  fromDigest: string;
  fromCommit: string;
  requestedBy: string;
  /** The job that did it: a retried job records once. */
  jobKey: string;
  at?: string;
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
  /** When finished jobs were last forgotten. */
  #prunedAt = -Infinity;

  /**
   * `blobBudget`: bytes of blob content kept (see `defaultBlobBudget`). `busyTimeoutMs`: how long a write
   * waits for another process's write to end (the operator's CLI next to the running app); none by default.
   */
  constructor(file: string, options: { blobBudget?: number; busyTimeoutMs?: number } = {}) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file, options.busyTimeoutMs === undefined ? {} : { timeout: options.busyTimeoutMs });
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS approvals (repo TEXT, pr INTEGER, sha TEXT, approved_by TEXT, at TEXT, PRIMARY KEY (repo, pr, sha));
      CREATE TABLE IF NOT EXISTS pr_heads (repo TEXT, pr INTEGER, sha TEXT, since TEXT, PRIMARY KEY (repo, pr, sha));
      CREATE TABLE IF NOT EXISTS builds (repo TEXT, image TEXT, input_hash TEXT, image_id TEXT, commit_sha TEXT, scan_passed INTEGER, at TEXT, PRIMARY KEY (repo, image, input_hash));
      CREATE TABLE IF NOT EXISTS publishes (repo TEXT, commit_sha TEXT, image TEXT, status TEXT, repository TEXT, tags TEXT, digest TEXT, error TEXT, at TEXT, PRIMARY KEY (repo, commit_sha, image));
      CREATE TABLE IF NOT EXISTS published_images (repo TEXT, image TEXT, repository TEXT, digest TEXT, label TEXT, overrides TEXT, commit_sha TEXT, at TEXT, PRIMARY KEY (repo, image));
      CREATE TABLE IF NOT EXISTS served_documents (repo TEXT, cloud TEXT, serve_path TEXT, auth TEXT, yaml TEXT, at TEXT, PRIMARY KEY (repo, cloud));
      CREATE TABLE IF NOT EXISTS serve_credentials (repo TEXT PRIMARY KEY, capability TEXT, token TEXT, at TEXT);
      CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, at INTEGER);
      CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries (at);
      CREATE TABLE IF NOT EXISTS pr_tips (repo TEXT, pr INTEGER, sha TEXT, at TEXT, PRIMARY KEY (repo, pr));
      CREATE TABLE IF NOT EXISTS jobs (key TEXT PRIMARY KEY, kind TEXT, payload TEXT, attempts INTEGER, next_run_at INTEGER, last_error TEXT, done INTEGER DEFAULT 0);
      CREATE TABLE IF NOT EXISTS rollbacks (job_key TEXT PRIMARY KEY, repo TEXT, image TEXT, tag TEXT, digest TEXT, commit_sha TEXT, from_digest TEXT, from_commit TEXT, requested_by TEXT, at TEXT);
    `);
    // State files from before lanes existed: each of their jobs is a lane of its own.
    const jobColumns = this.#db.prepare('PRAGMA table_info(jobs)').all().map((column) => String(column['name']));
    if (!jobColumns.includes('lane')) this.#db.exec('ALTER TABLE jobs ADD COLUMN lane TEXT');
    // State files from before finished jobs were forgotten: theirs have no time and are kept until done again.
    if (!jobColumns.includes('done_at')) this.#db.exec('ALTER TABLE jobs ADD COLUMN done_at INTEGER');
    // The queue asks for due jobs on every turn: without this, each ask reads every job ever recorded.
    this.#db.exec('CREATE INDEX IF NOT EXISTS jobs_due ON jobs (done, next_run_at)');
    this.blobs = new BlobStore(this.#db, options.blobBudget);
  }

  /**
   * Records a webhook delivery by its id (GitHub's `X-GitHub-Delivery`, the same for a redelivery);
   * false when it was recorded before. Ids older than `keepMs` are forgotten: GitHub redelivers only
   * recent deliveries.
   */
  recordDelivery(id: string, now = Date.now(), keepMs = 14 * 24 * 3600_000): boolean {
    this.#db.prepare('DELETE FROM deliveries WHERE at < ?').run(now - keepMs);
    return Number(this.#db.prepare('INSERT OR IGNORE INTO deliveries VALUES (?, ?)').run(id, now).changes) > 0;
  }

  /** True when a delivery with this id was recorded. */
  hasDelivery(id: string): boolean {
    return this.#db.prepare('SELECT 1 FROM deliveries WHERE id = ?').get(id) !== undefined;
  }

  /**
   * Records `sha` as a pull request's head as of `at` (GitHub's `pull_request.updated_at`), unless a
   * later event already showed another head: deliveries may arrive out of order. Returns the head now.
   */
  recordPullRequestTip(repo: string, pr: number, sha: string, at: string): string {
    this.#db
      .prepare('INSERT INTO pr_tips VALUES (?, ?, ?, ?) ON CONFLICT (repo, pr) DO UPDATE SET sha = excluded.sha, at = excluded.at WHERE excluded.at >= pr_tips.at')
      .run(repo, pr, sha, at);
    return this.pullRequestTip(repo, pr) ?? sha;
  }

  /** The newest head Dockyard has seen for a pull request, if any. */
  pullRequestTip(repo: string, pr: number): string | undefined {
    const row = this.#db.prepare('SELECT sha FROM pr_tips WHERE repo = ? AND pr = ?').get(repo, pr);
    return row ? String(row['sha']) : undefined;
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

  /** The images a commit published or failed to publish, by name. */
  publishesOf(repo: string, commit: string): PublishRecord[] {
    return this.#db
      .prepare('SELECT image FROM publishes WHERE repo = ? AND commit_sha = ? ORDER BY image')
      .all(repo, commit)
      .flatMap((row) => this.publishOf(repo, commit, String(row['image'])) ?? []);
  }

  /** The publish of this catalog that pushed `tag` of an image, if any did. */
  publishedTag(repo: string, image: string, tag: string): PublishRecord | undefined {
    const rows = this.#db.prepare("SELECT commit_sha, tags FROM publishes WHERE repo = ? AND image = ? AND status = 'published' AND tags IS NOT NULL").all(repo, image);
    const row = rows.find((candidate) => (JSON.parse(String(candidate['tags'])) as string[]).includes(tag));
    return row ? this.publishOf(repo, String(row['commit_sha']), image) : undefined;
  }

  /** Records a rollback once per job. */
  recordRollback(record: RollbackRecord): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO rollbacks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(record.jobKey, record.repo, record.image, record.tag, record.digest, record.commit, record.fromDigest, record.fromCommit, record.requestedBy, new Date().toISOString());
  }

  /** A repository's rollbacks, oldest first. */
  rollbacks(repo: string): RollbackRecord[] {
    return this.#db
      .prepare('SELECT * FROM rollbacks WHERE repo = ? ORDER BY at, rowid')
      .all(repo)
      .map((row) => ({
        repo,
        image: String(row['image']),
        tag: String(row['tag']),
        digest: String(row['digest']),
        commit: String(row['commit_sha']),
        fromDigest: String(row['from_digest']),
        fromCommit: String(row['from_commit']),
        requestedBy: String(row['requested_by']),
        jobKey: String(row['job_key']),
        at: String(row['at']),
      }));
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
      .map((row) => jobRecord(row));
  }

  /** One job, whatever its state. */
  job(key: string): JobSummary | undefined {
    const row = this.#db.prepare('SELECT * FROM jobs WHERE key = ?').get(key);
    return row ? jobSummary(row) : undefined;
  }

  /** Every job in the order recorded; with `failed`, only those that failed and are not done (retrying or given up). */
  jobs(filter: { failed?: boolean } = {}): JobSummary[] {
    const where = filter.failed ? 'WHERE done = 0 AND last_error IS NOT NULL AND attempts > 0' : '';
    return this.#db.prepare(`SELECT * FROM jobs ${where} ORDER BY rowid`).all().map((row) => jobSummary(row));
  }

  /** How many jobs not done there are of each kind and state. */
  jobCounts(): { kind: string; state: Exclude<JobState, 'done'>; count: number }[] {
    return this.#db
      .prepare(
        `SELECT kind, CASE WHEN next_run_at >= ${neverDue} THEN 'gave-up' WHEN attempts > 0 THEN 'retrying' ELSE 'pending' END AS state, COUNT(*) AS count FROM jobs WHERE done = 0 GROUP BY kind, state ORDER BY kind, state`,
      )
      .all()
      .map((row) => ({ kind: String(row['kind']), state: row['state'] as Exclude<JobState, 'done'>, count: Number(row['count']) }));
  }

  /**
   * Makes a job due at `now` again with a fresh count of attempts: one given up, waiting to retry or
   * done. Its last error stays until it runs. False when there is no such job.
   */
  resetJob(key: string, now: number): boolean {
    const result = this.#db.prepare('UPDATE jobs SET attempts = 0, next_run_at = ?, done = 0, done_at = NULL WHERE key = ?').run(now, key);
    return Number(result.changes) > 0;
  }

  /** Throws unless the state can be read; what readiness checks. */
  assertReadable(): void {
    this.#db.prepare('SELECT COUNT(*) FROM jobs').get();
  }

  /** The earliest time a pending job is due, if any is pending. */
  nextDue(): number | undefined {
    const row = this.#db.prepare('SELECT MIN(next_run_at) AS next FROM jobs WHERE done = 0').get();
    return row?.['next'] === null || row === undefined ? undefined : Number(row['next']);
  }

  /** Replaces a job's payload: what it learned so far (an id it created), kept for a retry or a re-run. */
  updateJobPayload(key: string, payload: unknown): void {
    this.#db.prepare('UPDATE jobs SET payload = ? WHERE key = ?').run(JSON.stringify(payload), key);
  }

  /** The payload of a job, done or not. */
  jobPayload(key: string): unknown {
    const row = this.#db.prepare('SELECT payload FROM jobs WHERE key = ?').get(key);
    return row ? JSON.parse(String(row['payload'])) : undefined;
  }

  /** Makes a pending job due at `nextRunAt` without counting an attempt: it was stopped, it did not fail. */
  rescheduleJob(key: string, nextRunAt: number): void {
    this.#db.prepare('UPDATE jobs SET next_run_at = ? WHERE key = ? AND done = 0').run(nextRunAt, key);
  }

  /**
   * Marks a job done, and forgets jobs done more than `keepMs` ago (30 days), at most once an hour: their
   * key no longer stops the same work being recorded again, which GitHub's redeliveries (3 days) and the
   * deliveries kept (14 days) never ask for by then. Publish results, published images and rollbacks are
   * kept in their own tables, whatever the age of their job.
   */
  completeJob(key: string, now = Date.now(), keepMs = 30 * 24 * 3600_000): void {
    this.#db.prepare('UPDATE jobs SET done = 1, done_at = ? WHERE key = ?').run(now, key);
    if (now - this.#prunedAt < 3600_000) return;
    this.#prunedAt = now;
    this.#db.prepare('DELETE FROM jobs WHERE done = 1 AND done_at < ?').run(now - keepMs);
  }

  retryJob(key: string, error: string, nextRunAt: number): void {
    this.#db.prepare('UPDATE jobs SET attempts = attempts + 1, last_error = ?, next_run_at = ? WHERE key = ?').run(error, nextRunAt, key);
  }

  close(): void {
    this.#db.close();
  }
}

function jobRecord(row: Record<string, SQLOutputValue>): JobRecord {
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
}

function jobSummary(row: Record<string, SQLOutputValue>): JobSummary {
  const job = jobRecord(row);
  const state: JobState = row['done'] === 1 ? 'done' : job.nextRunAt >= neverDue ? 'gave-up' : job.attempts > 0 ? 'retrying' : 'pending';
  return { ...job, state };
}

/** 32 random bytes, URL-safe: fits a path segment and a header. */
function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}
