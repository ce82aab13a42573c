/**
 * The loop behind every durable state machine of the sidecar (jobs/processor.ts, audits/duty.ts): walk the
 * unfinished records oldest first, move each as far as it can go now (`advance`), sleep until kicked or until a
 * record waiting on the chain is due again. Records that asked to wait (`later`) are skipped until their time.
 * The state lives in the record store, so stopping never loses anything: a record resumes from its last
 * persisted state on the next start.
 *
 * Also here, in one place: what a failed broadcast means (`afterBroadcastFailure`). The chain state decides first
 * (a timeout may hide an included tx); then a definite refusal ends the record, anything else is retried with
 * exponential backoff.
 */
import type { Logger } from 'pino';
import { SubmitRejectedError, type RejectionKind } from './broadcast.js';

/** 'done': nothing more to do for this record now (terminal, or moved on); 'wait': look again later. */
export type Step = 'done' | 'wait';

export interface WorkerOptions<R> {
  /** For logs, e.g. "job processor". */
  name: string;
  /** What a record is, for logs, e.g. "job". */
  what: string;
  /** The records not in a terminal state, oldest first. */
  unfinished(): Promise<R[]>;
  idOf(rec: R): string;
  log: Logger;
  /** Sleep between passes while some record waits (ms). Without waiting records: 60 s or the next kick. */
  idleMs: number;
}

/** Subclasses say how one record moves on (`advance`); the options say where the records are. */
export abstract class DurableWorker<R> {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingKick = false;
  private readonly retryAfter = new Map<string, number>();
  /** The record being advanced, for logs. */
  current: string | undefined;

  constructor(private readonly w: WorkerOptions<R>) {}

  /** Moves one record as far as it can go now. */
  abstract advance(rec: R): Promise<Step>;

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New work may be there. */
  kick(): void {
    this.pendingKick = true;
    this.wake?.();
  }

  /**
   * True once stop() was called on a started worker: a step that just checkpointed should return 'wait' and leave
   * the next broadcast to the restart rather than race the shutdown. (advance() called directly, without start(), is
   * never stopping.)
   */
  get stopping(): boolean {
    return !this.running && this.loop !== undefined;
  }

  /** Skip this record until `ms` from now. */
  later(id: string, ms: number): void {
    this.retryAfter.set(id, Date.now() + ms);
  }

  /**
   * Stops after the current step. A step in progress (a generation, an audit check) gets `graceMs`; past that we
   * return anyway: its record holds the last checkpoint, and the steps are safe to re-run.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    this.wake?.();
    if (!this.loop) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const r = await Promise.race([this.loop.then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') this.w.log.warn({ [this.w.what]: this.current }, `stop: ${this.w.what} still running after grace period; it resumes from its checkpoint on restart`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pendingKick = false;
      let waiting = false;
      try {
        for (const rec of await this.w.unfinished()) {
          if (!this.running) break;
          const id = this.w.idOf(rec);
          if ((this.retryAfter.get(id) ?? 0) > Date.now()) {
            waiting = true;
            continue;
          }
          this.current = id;
          if ((await this.advance(rec)) === 'wait') waiting = true;
          this.current = undefined;
        }
      } catch (e) {
        this.current = undefined;
        if (!this.running) break;
        this.w.log.warn({ err: errText(e) }, `${this.w.name}: pass failed; retrying`);
        waiting = true;
      }
      if (!this.running) break;
      if (this.pendingKick) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waiting ? this.w.idleMs : 60_000);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

/** The kind of a broadcast failure: the chain's refusal kind, or 'transient' (timeouts, sockets...). */
export function failureKind(e: unknown): RejectionKind | 'transient' {
  return e instanceof SubmitRejectedError ? e.kind : 'transient';
}

/**
 * A refusal that retrying cannot fix (deadline passed, not ours, invalid, already has a result). 'other' and
 * 'insufficient_funds' are retried: they may pass later (fees topped up, a node catching up).
 */
export function isDefiniteRefusal(e: unknown): e is SubmitRejectedError {
  return e instanceof SubmitRejectedError && e.kind !== 'other' && e.kind !== 'insufficient_funds';
}

/** The attempt budget: why to give up once `attempts` reached `max`; undefined while attempts are left. */
export function attemptsExhausted(attempts: number, max: number, what: string, lastReason: string | undefined): string | undefined {
  return attempts >= max ? `gave up after ${attempts} ${what} attempts: ${lastReason ?? 'unknown error'}` : undefined;
}

/** Delay before retry `attempt` (1-based): base, 2x base, 4x base ... capped at 30 s. */
export function retryBackoff(attempt: number, baseMs: number): number {
  return Math.min(30_000, baseMs * 2 ** Math.max(0, attempt - 1));
}

export interface BroadcastFailure {
  /** The record's id (for `later`). */
  id: string;
  /** What was broadcast, for notes and logs: "submission", "rejection", "commit", "reveal". */
  what: string;
  /** Broadcast attempts so far, counting this one. */
  attempts: number;
  retryBaseMs: number;
  log: Logger;
  /** Counts the failure by kind. */
  count?(kind: RejectionKind | 'transient'): void;
  /** Reads the chain again: a step when the chain state settles the record (e.g. our tx landed after all). */
  recheck(): Promise<Step | undefined>;
  /** A definite refusal: end the record (e.g. failed with a reason naming `kind`). */
  refused(e: SubmitRejectedError): Promise<Step>;
  /** Records the transient failure on the record (history note), before the retry. */
  annotate(note: string): Promise<unknown>;
}

/** The one broadcast-failure policy: the chain decides, then a definite refusal ends it, else retry with backoff. */
export async function afterBroadcastFailure(worker: Pick<DurableWorker<unknown>, 'later'>, e: unknown, f: BroadcastFailure): Promise<Step> {
  const kind = failureKind(e);
  f.count?.(kind);
  const settled = await f.recheck();
  if (settled) return settled;
  if (isDefiniteRefusal(e)) return f.refused(e);
  f.log.warn({ err: errText(e), kind, attempt: f.attempts }, `${f.what} broadcast failed; will retry`);
  await f.annotate(`${f.what} attempt ${f.attempts} failed: ${errText(e)}`);
  worker.later(f.id, retryBackoff(f.attempts, f.retryBaseMs));
  return 'wait';
}

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
