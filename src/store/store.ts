/**
 * The results database: an embedded SQLite file (better-sqlite3, WAL journal) holding one row per job
 * (its content hash, parameters, seed, code version and solver status) and one row per (job, metric).
 * A job's run row and its metrics are written in one transaction, so a process killed at any moment
 * leaves each job either fully stored or absent — never half — and a re-run computes only what is
 * missing. Stored results are never overwritten by a later run of the same job.
 *
 * Processes sharing one output folder split a sweep through leases: a process claims a job (a row in
 * `leases` with its owner id and an expiry time) before running it, renews its leases while it runs,
 * and deletes them when it is done; another process skips a job leased by a live owner and takes it over
 * once the lease has expired (its owner died).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Job } from '../experiments/job.js';
import type { JobOutput } from '../experiments/jobTypes.js';

export const STORE_FILE = 'ftlab.sqlite';

export interface StoredRun {
  hash: string;
  type: string;
  params: unknown;
  seed: number;
  codeVersion: string;
  status: 'done' | 'failed';
  converged: boolean;
  iterations: number;
  residual: number;
  wallMs: number;
  error: string | null;
  metrics: Record<string, number>;
}

export interface StoredSweep {
  name: string;
  spec: unknown;
  updatedAt: string;
  jobs: number;
  done: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  hash TEXT PRIMARY KEY,
  job_type TEXT NOT NULL,
  params TEXT NOT NULL,
  seed INTEGER NOT NULL,
  code_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  converged INTEGER,
  iterations INTEGER,
  residual REAL,
  wall_ms REAL,
  error TEXT,
  finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
  hash TEXT NOT NULL REFERENCES runs(hash) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (hash, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweeps (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sweep_jobs (
  sweep TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (sweep, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
  hash TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at REAL NOT NULL
) WITHOUT ROWID;
`;

/** The outcome of claiming jobs' leases: which this owner now holds, which a live other owner holds, which are stored as done. */
export interface LeaseClaims {
  claimed: string[];
  leased: string[];
  done: string[];
}

interface RunRow {
  hash: string;
  job_type: string;
  params: string;
  seed: number;
  code_version: string;
  status: 'done' | 'failed';
  converged: number | null;
  iterations: number | null;
  residual: number | null;
  wall_ms: number | null;
  error: string | null;
}

export class Store {
  readonly path: string;
  private readonly db: Database.Database;

  constructor(path: string, options: { readonly?: boolean } = {}) {
    this.path = path;
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(SCHEMA);
    } else {
      this.db.prepare('SELECT count(*) FROM sqlite_master').get(); // a file that is not a database fails here, at open
    }
  }

  /** Hashes among `hashes` that are stored as done. */
  doneHashes(hashes: readonly string[]): Set<string> {
    const done = new Set<string>();
    const stmt = this.db.prepare<[string], { hash: string }>("SELECT hash FROM runs WHERE hash = ? AND status = 'done'");
    for (const h of hashes) if (stmt.get(h)) done.add(h);
    return done;
  }

  /** Store a finished job with its metrics atomically. A stored 'done' row is never replaced. */
  recordSuccess(job: Job, output: JobOutput, wallMs: number): void {
    const insertRun = this.db.prepare(`
      INSERT INTO runs (hash, job_type, params, seed, code_version, status, converged, iterations, residual, wall_ms, error, finished_at)
      VALUES (@hash, @type, @params, @seed, @codeVersion, 'done', @converged, @iterations, @residual, @wallMs, NULL, @now)
      ON CONFLICT(hash) DO UPDATE SET status = 'done', converged = excluded.converged, iterations = excluded.iterations,
        residual = excluded.residual, wall_ms = excluded.wall_ms, error = NULL, finished_at = excluded.finished_at
      WHERE runs.status = 'failed'`);
    const insertMetric = this.db.prepare('INSERT OR IGNORE INTO metrics (hash, name, value) VALUES (?, ?, ?)');
    const tx = this.db.transaction(() => {
      const info = insertRun.run({
        hash: job.hash,
        type: job.type,
        params: JSON.stringify(job.params),
        seed: job.seed,
        codeVersion: job.codeVersion,
        converged: output.status.converged ? 1 : 0,
        iterations: output.status.iterations,
        residual: output.status.residual,
        wallMs,
        now: new Date().toISOString(),
      });
      if (info.changes === 0) return; // already stored as done: keep the original
      for (const [name, value] of Object.entries(output.metrics)) insertMetric.run(job.hash, name, value);
    });
    tx();
  }

  /** Record a failed job (kept with its error; retried by the next run). Never replaces a done row. */
  recordFailure(job: Job, error: string, wallMs: number): void {
    this.db
      .prepare(`
      INSERT INTO runs (hash, job_type, params, seed, code_version, status, error, wall_ms, finished_at)
      VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?)
      ON CONFLICT(hash) DO UPDATE SET error = excluded.error, wall_ms = excluded.wall_ms, finished_at = excluded.finished_at
      WHERE runs.status = 'failed'`)
      .run(job.hash, job.type, JSON.stringify(job.params), job.seed, job.codeVersion, error, wallMs, new Date().toISOString());
  }

  /**
   * Claim leases on jobs for `owner`, valid for `lifetimeMs`, in one transaction: a job already stored
   * as done is not claimed; a job leased by another owner is claimed only if that lease has expired.
   */
  claimLeases(hashes: readonly string[], owner: string, lifetimeMs: number, now = Date.now()): LeaseClaims {
    const isDone = this.db.prepare<[string], { hash: string }>("SELECT hash FROM runs WHERE hash = ? AND status = 'done'");
    const upsert = this.db.prepare(`
      INSERT INTO leases (hash, owner, expires_at) VALUES (@hash, @owner, @expiresAt)
      ON CONFLICT(hash) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
      WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`);
    const claims: LeaseClaims = { claimed: [], leased: [], done: [] };
    const tx = this.db.transaction(() => {
      for (const hash of hashes) {
        if (isDone.get(hash)) claims.done.push(hash);
        else if (upsert.run({ hash, owner, expiresAt: now + lifetimeMs, now }).changes > 0) claims.claimed.push(hash);
        else claims.leased.push(hash);
      }
    });
    tx.immediate();
    return claims;
  }

  /** Extend every lease `owner` holds to `lifetimeMs` from now; returns how many it holds. */
  renewLeases(owner: string, lifetimeMs: number, now = Date.now()): number {
    return this.db.prepare('UPDATE leases SET expires_at = ? WHERE owner = ?').run(now + lifetimeMs, owner).changes;
  }

  /** The owners holding leases on the given jobs (expired or not). */
  leaseOwners(hashes: readonly string[]): Set<string> {
    const stmt = this.db.prepare<[string], { owner: string }>('SELECT owner FROM leases WHERE hash = ?');
    const owners = new Set<string>();
    for (const h of hashes) {
      const row = stmt.get(h);
      if (row) owners.add(row.owner);
    }
    return owners;
  }

  /** Drop `owner`'s leases on the given jobs, or all of its leases. */
  releaseLeases(owner: string, hashes?: readonly string[]): void {
    if (!hashes) {
      this.db.prepare('DELETE FROM leases WHERE owner = ?').run(owner);
      return;
    }
    const del = this.db.prepare('DELETE FROM leases WHERE owner = ? AND hash = ?');
    const tx = this.db.transaction(() => {
      for (const h of hashes) del.run(owner, h);
    });
    tx();
  }

  recordSweep(name: string, spec: unknown, hashes: readonly string[]): void {
    const tx = this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO sweeps (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at')
        .run(name, JSON.stringify(spec), new Date().toISOString());
      const ins = this.db.prepare('INSERT OR IGNORE INTO sweep_jobs (sweep, hash) VALUES (?, ?)');
      for (const h of hashes) ins.run(name, h);
    });
    tx();
  }

  /** The stored run for a hash, with its metrics, or undefined. */
  get(hash: string): StoredRun | undefined {
    const row = this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE hash = ?').get(hash);
    if (!row) return undefined;
    const metrics: Record<string, number> = {};
    for (const m of this.db.prepare<[string], { name: string; value: number }>('SELECT name, value FROM metrics WHERE hash = ?').all(hash)) {
      metrics[m.name] = m.value;
    }
    return {
      hash: row.hash,
      type: row.job_type,
      params: JSON.parse(row.params) as unknown,
      seed: row.seed,
      codeVersion: row.code_version,
      status: row.status,
      converged: row.converged === 1,
      iterations: row.iterations ?? 0,
      residual: row.residual ?? NaN,
      wallMs: row.wall_ms ?? 0,
      error: row.error,
      metrics,
    };
  }

  /** Every recorded sweep (a `reproduce` or `run` invocation): its name, spec, last update and job counts. */
  sweeps(): StoredSweep[] {
    return this.db
      .prepare<[], { name: string; spec: string; updated_at: string; jobs: number; done: number }>(
        `SELECT s.name, s.spec, s.updated_at, COUNT(j.hash) AS jobs, COALESCE(SUM(r.status = 'done'), 0) AS done
         FROM sweeps s LEFT JOIN sweep_jobs j ON j.sweep = s.name LEFT JOIN runs r ON r.hash = j.hash
         GROUP BY s.name ORDER BY s.updated_at DESC`,
      )
      .all()
      .map((r) => ({ name: r.name, spec: JSON.parse(r.spec) as unknown, updatedAt: r.updated_at, jobs: r.jobs, done: r.done }));
  }

  counts(): { done: number; failed: number; metrics: number } {
    const c = this.db.prepare<[], { done: number; failed: number }>(
      "SELECT SUM(status = 'done') AS done, SUM(status = 'failed') AS failed FROM runs",
    ).get();
    const m = this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM metrics').get();
    return { done: c?.done ?? 0, failed: c?.failed ?? 0, metrics: m?.n ?? 0 };
  }

  failedRuns(): StoredRun[] {
    return this.db
      .prepare<[], { hash: string }>("SELECT hash FROM runs WHERE status = 'failed' ORDER BY finished_at")
      .all()
      .map((r) => this.get(r.hash))
      .filter((r): r is StoredRun => r !== undefined);
  }

  /**
   * SQLite's `PRAGMA data_version` for this connection: a number that changes whenever another connection (of this
   * or another process) commits to the database, and stays the same otherwise. Cheap: it reads no table.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }
}

/** What to do about an SQLite error code met when opening the results database. */
const OPEN_HINTS: Record<string, string> = {
  SQLITE_NOTADB: 'it is not an ftlab results database, or it is damaged: move it aside or choose another --out folder',
  SQLITE_CORRUPT: 'the database is damaged: move it aside or choose another --out folder',
  SQLITE_CANTOPEN: 'check that the folder exists and that the file and folder can be read (and written, unless read-only)',
  SQLITE_READONLY: 'the file or its folder is read-only: make it writable or choose another --out folder',
  SQLITE_PERM: 'the file or its folder is read-only: make it writable or choose another --out folder',
  SQLITE_BUSY: 'another process holds the database locked; try again when it has finished',
};

/** Open (creating if needed) `outDir`'s results database; an SQLite error names the file and says what to do. */
export function openStore(outDir: string, options: { readonly?: boolean } = {}): Store {
  const path = join(outDir, STORE_FILE);
  try {
    return new Store(path, options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const hint = typeof code === 'string' ? OPEN_HINTS[code] : undefined;
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}${hint ? ` (${hint})` : ''}`, { cause: err });
  }
}
