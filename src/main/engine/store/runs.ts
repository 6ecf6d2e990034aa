/** The runs table and what each run keeps beside it: its result, its log and its loss curve. */
import type Database from 'better-sqlite3';
import type { AnyJobMetrics, JobKind, JobResult, JobResults, JobState, RunHistory, RunInfo, RunLogLine, RunLossPoint } from '../../../shared/contract';

interface RunRow {
  id: number;
  kind: JobKind;
  state: JobState;
  started_at: string;
  finished_at: string | null;
  backend: string | null;
  options: string;
  metrics: string;
  result: string | null;
}

/** A run's row with its result, if it ended with one. */
const runColumns = 'r.*, run_results.result AS result';

function runInfoOf(r: RunRow): RunInfo {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    backend: r.backend,
    options: JSON.parse(r.options) as Record<string, unknown>,
    metrics: JSON.parse(r.metrics) as AnyJobMetrics,
    result: r.result === null ? null : (JSON.parse(r.result) as JobResult),
    // A run's metrics and result are what its kind's job reported (the job runner records them together).
  } as RunInfo;
}

export class Runs {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  start(kind: JobKind, options: Record<string, unknown>): number {
    const info = this.#db.prepare("INSERT INTO runs (kind, state, options) VALUES (?, 'running', ?)").run(kind, JSON.stringify(options));
    return Number(info.lastInsertRowid);
  }

  finish(runId: number, state: JobState, metrics: AnyJobMetrics, backend: string | null, result?: JobResult): void {
    this.#db.transaction(() => {
      this.#db
        .prepare("UPDATE runs SET state = ?, metrics = ?, backend = ?, finished_at = datetime('now') WHERE id = ?")
        .run(state, JSON.stringify(metrics), backend, runId);
      if (result) this.#db.prepare('INSERT OR REPLACE INTO run_results (run_id, result) VALUES (?, ?)').run(runId, JSON.stringify(result));
    })();
  }

  /** Runs left 'running' by a process that died are marked so, on open, rather than shown as live. */
  markInterrupted(): void {
    this.#db.prepare("UPDATE runs SET state = 'cancelled', finished_at = datetime('now') WHERE state = 'running'").run();
  }

  list(limit = 50): RunInfo[] {
    const rows = this.#db.prepare(`SELECT ${runColumns} FROM runs r LEFT JOIN run_results ON run_results.run_id = r.id ORDER BY r.id DESC LIMIT ?`).all(limit) as RunRow[];
    return rows.map(runInfoOf);
  }

  /** What the newest run of this kind that finished returned; null when none did. */
  lastResult<K extends JobKind>(kind: K): JobResults[K] | null {
    const run = this.list(1000).find((r) => r.kind === kind && r.state === 'done' && r.result !== null);
    return (run?.result as JobResults[K] | undefined) ?? null;
  }

  appendLog(runId: number, message: string): void {
    this.#db.prepare('INSERT INTO run_log (run_id, message) VALUES (?, ?)').run(runId, message);
  }

  appendLoss(runId: number, point: RunLossPoint): void {
    this.#db.prepare('INSERT OR REPLACE INTO run_losses (run_id, step, epoch, loss) VALUES (?, ?, ?, ?)').run(runId, point.step, point.epoch, point.loss);
  }

  /** A run with its log and its loss curve, thinned to at most `maxPoints` evenly spaced steps (the last kept). */
  history(runId: number, maxPoints: number): RunHistory | null {
    const row = this.#db.prepare(`SELECT ${runColumns} FROM runs r LEFT JOIN run_results ON run_results.run_id = r.id WHERE r.id = ?`).get(runId) as RunRow | undefined;
    if (!row) return null;
    const { count, last } = this.#db.prepare('SELECT COUNT(*) AS count, MAX(step) AS last FROM run_losses WHERE run_id = ?').get(runId) as { count: number; last: number | null };
    const stride = Math.max(1, Math.ceil(count / maxPoints));
    const losses = this.#db
      .prepare(
        `SELECT step, epoch, loss FROM (SELECT step, epoch, loss, ROW_NUMBER() OVER (ORDER BY step) - 1 AS n FROM run_losses WHERE run_id = ?)
         WHERE n % ? = 0 OR step = ? ORDER BY step`,
      )
      .all(runId, stride, last ?? -1) as RunLossPoint[];
    const log = this.#db.prepare('SELECT at, message FROM run_log WHERE run_id = ? ORDER BY id').all(runId) as RunLogLine[];
    return { run: runInfoOf(row), losses, log };
  }
}
