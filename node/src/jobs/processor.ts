/**
 * Drives queued jobs to a terminal state, oldest first:
 * received -> generating -> generated -> submitting -> submitted -> confirmed (or expired / failed).
 * Each transition is persisted before the work it announces; on restart the same code resumes from the
 * stored state. Before every broadcast the chain is asked whether our result is already there, so a job
 * is submitted at most once even if we crashed between broadcasting and recording it.
 *
 * A job no executor can run (the generator throws UnrunnableJobError, e.g. the prompt does not fit the model's
 * context) goes generating -> rejecting -> rejected instead: `rejecting` (with the reason) is persisted, then
 * MsgRejectJob is broadcast, again at most once: before every broadcast the chain is asked whether our
 * rejection is already there. Any other generation error fails the job locally (the chain reassigns it at
 * the deadline).
 *
 * Generation concurrency (`maxConcurrentJobs`, the sidecar's engine.maxConcurrentJobs): at 1 a generation runs
 * inside advance() and the worker waits for it (one job at a time). Above 1 up to that many generations run in
 * the background (the engine batches their decode steps, engine/batch.ts) while the worker goes on with the other
 * records; a record whose generation is in flight is skipped, and its completion (checkpointed as `generated`, or
 * failed/rejecting) kicks the worker, which then submits it like any other. Each job still has exactly one task
 * touching it at a time, so the state machine and the at-most-once checks are unchanged.
 */
import type { Logger } from 'pino';
import { DurableWorker, afterBroadcastFailure, attemptsExhausted, errText, type Step } from '../durable/worker.js';
import { UnrunnableJobError, rejectedBy, type ChainAccess, type ChainJobView, type GenerateHooks, type JobGenerator, type ResultSubmitter } from './ports.js';
import { rejectionsFirst } from './admission.js';
import type { JobQueue } from './queue.js';
import type { JobOutput, JobRecord } from './types.js';

export interface ProcessorMetrics {
  generated(outputTokens: number, seconds: number): void;
  submitFailed(kind: string): void;
}

export interface ProcessorOptions {
  queue: JobQueue;
  chain: ChainAccess;
  generator: JobGenerator;
  submitter: ResultSubmitter;
  /** Our validator operator address (infervaloper...). */
  validator: string;
  log: Logger;
  metrics?: ProcessorMetrics;
  /** Re-check period for jobs waiting on the chain or a transient retry. Default 2000 ms. */
  idleMs?: number;
  /** First retry delay after a failed broadcast, doubling up to 30 s. Default 1000 ms. */
  retryBaseMs?: number;
  /** Broadcast attempts (transient failures) before a job is marked failed, results and rejections alike. Default 5. */
  maxSubmitAttempts?: number;
  /** Live token streams to the requester (api/token-hub.ts); generation never waits on them. */
  streams?: JobStreams;
  /** Records another component is broadcasting right now (intake's batched rejections): left alone. */
  skip?: (id: string) => boolean;
  /** Generations in flight at most (engine.maxConcurrentJobs). Default 1: generate inside advance(). */
  maxConcurrentJobs?: number;
}

/** Where generated tokens go while a job runs: opened before generate, ended with the output or the error. */
export interface JobStreams {
  begin(jobId: string): GenerateHooks;
  end(jobId: string, output: JobOutput): void;
  fail(jobId: string, message: string): void;
}

export class JobProcessor extends DurableWorker<JobRecord> {
  constructor(private readonly o: ProcessorOptions) {
    super({ name: 'job processor', what: 'job', unfinished: async () => rejectionsFirst((await o.queue.unfinished()).filter((r) => !o.skip?.(r.id))), idOf: (rec) => rec.id, log: o.log, idleMs: o.idleMs ?? 2000 });
  }

  /** Background generations by job id (maxConcurrentJobs > 1). */
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Generations running in the background now. */
  get generating(): number {
    return this.inFlight.size;
  }

  /** Stops the worker loop, then gives the background generations what is left of the grace period. */
  override async stop(graceMs = 10_000): Promise<void> {
    const t0 = Date.now();
    await super.stop(graceMs);
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, graceMs - (Date.now() - t0)))));
    const r = await Promise.race([Promise.allSettled([...this.inFlight.values()]).then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') this.o.log.warn({ jobs: [...this.inFlight.keys()] }, 'stop: generations still running after grace period; they resume from their checkpoint on restart');
  }

  /** Moves one job as far as it can go now. */
  override async advance(rec: JobRecord): Promise<Step> {
    if (this.inFlight.has(rec.id)) return 'wait';
    const log = this.o.log.child({ job: rec.id, attempt: rec.attempt });
    try {
      if (rec.state === 'received' || rec.state === 'generating') {
        const max = this.o.maxConcurrentJobs ?? 1;
        if (max > 1 && this.inFlight.size >= max) return 'wait'; // a finishing generation kicks us
        const stop = await this.precheck(rec, log);
        if (stop) return stop;
        if (rec.state === 'generating') log.info('resuming an interrupted generation (deterministic: safe to re-run)');
        rec = await this.o.queue.transition(rec.id, 'generating');
        if (max > 1) {
          const id = rec.id;
          const task = this.generateJob(rec, log)
            .then(() => undefined)
            .catch((e: unknown) => {
              log.warn({ err: errText(e), state: 'generating' }, 'job step failed; will retry');
              this.later(id, this.o.idleMs ?? 2000);
            })
            .finally(() => {
              this.inFlight.delete(id);
              this.kick();
            });
          this.inFlight.set(id, task);
          return 'wait';
        }
        const r = await this.generateJob(rec, log);
        if (typeof r === 'string') return r;
        rec = r;
        // Stopping: the output is checkpointed; submit after the restart rather than race the shutdown.
        if (this.stopping) return 'wait';
      }
      if (rec.state === 'generated' || rec.state === 'submitting' || rec.state === 'submitted') return await this.submit(rec, log);
      if (rec.state === 'rejecting') return await this.reject(rec, log, false);
      return 'done';
    } catch (e) {
      // Chain unreachable and the like: keep the state, try again later.
      log.warn({ err: errText(e), state: rec.state }, 'job step failed; will retry');
      this.later(rec.id, this.o.idleMs ?? 2000);
      return 'wait';
    }
  }

  /**
   * Runs the generation of a job in `generating` and checkpoints its outcome: the record in `generated`, or the
   * step when it ended otherwise (failed; rejecting, whose rejection is broadcast here unless stopping).
   */
  private async generateJob(rec: JobRecord, log: Logger): Promise<JobRecord | Step> {
    const t0 = performance.now();
    let output: JobOutput;
    try {
      output = await this.o.generator.generate(rec, this.o.streams?.begin(rec.id));
      this.o.streams?.end(rec.id, output);
    } catch (e) {
      this.o.streams?.fail(rec.id, `generation failed: ${errText(e)}`);
      if (e instanceof UnrunnableJobError) {
        rec = await this.o.queue.transition(rec.id, 'rejecting', { rejection: e.reason, note: e.reason });
        log.warn({ reason: e.reason }, 'no executor can run this job; rejecting it on chain (the requester is refunded)');
        // Stopping: the intent is checkpointed; broadcast after the restart rather than race the shutdown.
        if (this.stopping) return 'wait';
        return await this.reject(rec, log, true);
      }
      await this.o.queue.transition(rec.id, 'failed', { reason: `generation failed: ${errText(e)}` });
      log.error({ err: errText(e) }, 'generation failed');
      return 'done';
    }
    const seconds = (performance.now() - t0) / 1000;
    this.o.metrics?.generated(output.tokenIds.length, seconds);
    rec = await this.o.queue.transition(rec.id, 'generated', { output });
    log.info({ tokens: output.tokenIds.length, finishReason: output.finishReason, commitment: output.commitment, seconds: round(seconds) }, 'generated');
    return rec;
  }

  /** Before generating: the model is ours to serve, the job is still ours, the deadline is ahead. */
  private async precheck(rec: JobRecord, log: Logger): Promise<Step | undefined> {
    if (!this.o.generator.serves(rec.model)) {
      await this.o.queue.transition(rec.id, 'failed', { reason: `model ${rec.model} is not served by this sidecar (not configured, or its bytes failed verification)` });
      log.error({ model: rec.model }, 'job for a model we do not serve');
      return 'done';
    }
    const [height, onChain] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getJob(rec.id)]);
    return this.closedOnChain(rec, onChain, height, log);
  }

  /** Ends the job locally when the chain no longer expects a result from us. */
  private async closedOnChain(rec: JobRecord, onChain: ChainJobView | undefined, height: number, log: Logger): Promise<Step | undefined> {
    if (onChain?.resultBy === this.o.submitter.address) {
      await this.o.queue.transition(rec.id, 'confirmed', { note: 'our result is on chain' });
      log.info('result confirmed on chain');
      return 'done';
    }
    if (!onChain) return this.fail(rec, 'the chain has no such job');
    if (onChain.status !== 'pending' || onChain.executor !== this.o.validator || onChain.attempt !== rec.attempt) {
      const reason = `no longer ours on chain (status ${onChain.status}, executor ${onChain.executor}, attempt ${onChain.attempt})`;
      await this.o.queue.transition(rec.id, 'expired', { reason });
      log.warn(reason);
      return 'done';
    }
    if (height >= rec.deadlineHeight) {
      const reason = `deadline passed (height ${height} >= deadline ${rec.deadlineHeight})`;
      await this.o.queue.transition(rec.id, 'expired', { reason });
      log.warn(reason);
      return 'done';
    }
    return undefined;
  }

  private async submit(rec: JobRecord, log: Logger): Promise<Step> {
    const output = rec.output;
    if (!output) return this.fail(rec, `state ${rec.state} without an output (corrupt record)`);
    const [height, onChain] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getJob(rec.id)]);
    if (rec.state === 'submitted' && onChain?.resultBy !== this.o.submitter.address && onChain?.status === 'pending' && height < rec.deadlineHeight) {
      // Included with code 0 but not visible yet (query lag): look again shortly rather than re-broadcast.
      this.later(rec.id, this.o.idleMs ?? 2000);
      return 'wait';
    }
    const stop = await this.closedOnChain(rec, onChain, height, log);
    if (stop) return stop;
    const gaveUp = attemptsExhausted(rec.submitAttempts, this.o.maxSubmitAttempts ?? 5, 'submission', rec.reason);
    if (gaveUp) return this.fail(rec, gaveUp);
    rec = await this.o.queue.transition(rec.id, 'submitting');
    let receipt;
    try {
      receipt = await this.o.submitter.submit(rec, output);
    } catch (e) {
      return this.broadcastFailed(rec, e, 'submission', log);
    }
    rec = await this.o.queue.transition(rec.id, 'submitted', { txHash: receipt.txHash, note: `included at height ${receipt.height}` });
    log.info({ txHash: receipt.txHash, height: receipt.height }, 'result submitted');
    const confirmed = await this.o.chain.getJob(rec.id).catch(() => undefined);
    if (confirmed?.resultBy === this.o.submitter.address) {
      await this.o.queue.transition(rec.id, 'confirmed', { note: 'our result is on chain' });
      log.info('result confirmed on chain');
      return 'done';
    }
    return 'wait';
  }
  /**
   * MsgRejectJob for a job in `rejecting`. `counted`: the transition into `rejecting` that counts this
   * broadcast was just written (first pass); on a retry or after a restart a `rejecting` self-transition is
   * written first. Before broadcasting, and after a failed broadcast, the chain decides: our rejection already
   * there -> rejected; the job no longer ours or past its deadline -> expired.
   */
  private async reject(rec: JobRecord, log: Logger, counted: boolean): Promise<Step> {
    const reason = rec.rejection;
    if (!reason) return this.fail(rec, 'state rejecting without a rejection reason (corrupt record)');
    const [height, onChain] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getJob(rec.id)]);
    const landed = await this.rejectedOnChain(rec, onChain, log);
    if (landed) return landed;
    const stop = await this.closedOnChain(rec, onChain, height, log);
    if (stop) return stop;
    if (!counted) {
      const gaveUp = attemptsExhausted(rec.submitAttempts, this.o.maxSubmitAttempts ?? 5, 'rejection', rec.reason);
      if (gaveUp) return this.fail(rec, gaveUp);
      rec = await this.o.queue.transition(rec.id, 'rejecting');
    }
    let receipt;
    try {
      receipt = await this.o.submitter.reject(rec, reason);
    } catch (e) {
      return this.broadcastFailed(rec, e, 'rejection', log);
    }
    // Included with code 0: the refund happened in the same transaction.
    await this.o.queue.transition(rec.id, 'rejected', { txHash: receipt.txHash, reason, note: `rejection included at height ${receipt.height}` });
    log.info({ txHash: receipt.txHash, height: receipt.height, reason }, 'job rejected on chain; the requester was refunded');
    return 'done';
  }

  /** The durable/worker.ts policy for a failed MsgSubmitResult or MsgRejectJob; the chain state decides first. */
  private broadcastFailed(rec: JobRecord, e: unknown, what: 'submission' | 'rejection', log: Logger): Promise<Step> {
    const rejection = what === 'rejection';
    return afterBroadcastFailure(this, e, {
      id: rec.id,
      what,
      attempts: rec.submitAttempts,
      retryBaseMs: this.o.retryBaseMs ?? 1000,
      log,
      count: (kind) => this.o.metrics?.submitFailed(rejection ? `reject_${kind}` : kind),
      // Whatever the error says, the chain state decides (e.g. a timeout after the tx was included).
      recheck: async () => {
        const [height, again] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getJob(rec.id)]);
        return (rejection ? await this.rejectedOnChain(rec, again, log) : undefined) ?? (await this.closedOnChain(rec, again, height, log));
      },
      refused: async (r) => {
        // A refused rejection leaves the job PENDING on chain: it is reassigned at its deadline.
        const reason = rejection ? `chain refused the rejection (${r.kind}): ${r.message}` : `chain rejected the result (${r.kind}): ${r.message}`;
        await this.fail(rec, reason);
        log.error({ err: r.message, kind: r.kind }, rejection ? 'rejection refused by the chain' : 'submission rejected');
        return 'done';
      },
      annotate: (note) => this.o.queue.annotate(rec.id, note),
    });
  }

  private async fail(rec: JobRecord, reason: string): Promise<Step> {
    await this.o.queue.transition(rec.id, 'failed', { reason });
    return 'done';
  }

  /** Ends a `rejecting` job when the chain shows our rejection (refunded with our executor's reason). */
  private async rejectedOnChain(rec: JobRecord, onChain: ChainJobView | undefined, log: Logger): Promise<Step | undefined> {
    if (!rejectedBy(onChain, this.o.validator) || onChain!.attempt !== rec.attempt) return undefined;
    await this.o.queue.transition(rec.id, 'rejected', { reason: rec.rejection, note: 'our rejection is on chain' });
    log.info('rejection confirmed on chain');
    return 'done';
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
