/**
 * The training verifier duty: drives our seats on x/training replay-audit committees to a terminal state, oldest
 * first: received -> replaying -> decided -> committing -> committed -> revealing -> revealed (or missed /
 * failed). Like the inference verifier duty (audits/duty.ts): every transition is persisted before the work it
 * announces; the verdict and a fresh salt are stored together (`decided`) before MsgCommitTrainingVerdict is
 * sent; before each broadcast the chain's votes are read, so we commit at most once and reveal at most once, even
 * across restarts.
 *
 * Heights: commit while height < commit_deadline; reveal once the commit phase is over (height > commit_deadline,
 * or every member committed) and while height < reveal_deadline.
 */
import type { Logger } from 'pino';
import type { SubmitReceipt } from '../durable/broadcast.js';
import { DurableWorker, afterBroadcastFailure, attemptsExhausted, errText, type Step } from '../durable/worker.js';
import { commitHash, newSalt, TRAINING_VERDICT_DOMAIN } from '../verify/salt.js';
import type { CheckOutcome, TrainingAuditJob } from './verify-check.js';
import { TRAINING_VERDICT_CODES, type TrainingVerdictName, type TrainingVerifyRecord, type TrainingVerifyStore } from './verify-store.js';

export interface TrainingAuditView {
  job: TrainingAuditJob;
  /** Lowercase outcome without prefix: in_progress, honest, fraud, inconclusive, ... */
  outcome: string;
  committee: string[];
  votes: { verifier: string; commitHash: string; revealed: boolean }[];
  commitDeadline: number;
  revealDeadline: number;
}

export interface TrainingAuditChain {
  latestHeight(): Promise<number>;
  getAudit(jobId: string): Promise<TrainingAuditView | undefined>;
}

export interface TrainingVerdictSubmitter {
  commit(jobId: string, commitHash: string): Promise<SubmitReceipt>;
  reveal(jobId: string, verdict: TrainingVerdictName, salt: string, reason: string): Promise<SubmitReceipt>;
}

export interface TrainingVerifierDutyOptions {
  store: TrainingVerifyStore;
  chain: TrainingAuditChain;
  checker: { check(job: TrainingAuditJob): Promise<CheckOutcome> };
  submitter: TrainingVerdictSubmitter;
  validator: string;
  log: Logger;
  idleMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
}

export function trainingCommitHash(jobId: string, verdict: TrainingVerdictName, salt: string, verifier: string): string {
  return commitHash(jobId, TRAINING_VERDICT_CODES[verdict], salt, verifier, TRAINING_VERDICT_DOMAIN);
}

export class TrainingVerifierDuty extends DurableWorker<TrainingVerifyRecord> {
  constructor(private readonly o: TrainingVerifierDutyOptions) {
    super({ name: 'training verifier duty', what: 'training audit', unfinished: () => o.store.unfinished(), idOf: (r) => r.jobId, log: o.log, idleMs: o.idleMs ?? 1000 });
  }

  override async advance(rec: TrainingVerifyRecord): Promise<Step> {
    const log = this.o.log.child({ trainingAudit: rec.jobId });
    try {
      for (let guard = 0; guard < 8; guard++) {
        const [height, view] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getAudit(rec.jobId)]);
        const closed = await this.closedOnChain(rec, view, height, log);
        if (closed) return closed;
        const next = await this.step(rec, view!, height, log);
        if (next === 'wait' || next === 'done') return next;
        rec = next;
      }
      return 'wait';
    } catch (e) {
      log.warn({ err: errText(e), state: rec.state }, 'training audit step failed; will retry');
      await this.o.store.annotate(rec.jobId, errText(e)).catch(() => undefined);
      this.later(rec.jobId, this.o.idleMs ?? 1000);
      return 'wait';
    }
  }

  private async closedOnChain(rec: TrainingVerifyRecord, view: TrainingAuditView | undefined, height: number, log: Logger): Promise<Step | undefined> {
    const mine = view?.votes.find((v) => v.verifier === this.o.validator);
    if (mine?.revealed) return this.end(rec, 'revealed', { note: 'our reveal is on chain' }, log);
    if (!view) return this.end(rec, 'failed', { reason: 'the chain has no such training job' }, log);
    if (!view.committee.includes(this.o.validator)) return this.end(rec, 'failed', { reason: 'we are not on this audit committee on chain' }, log);
    if (view.outcome !== 'in_progress') return this.end(rec, 'missed', { reason: `the audit concluded (${view.outcome}) without our reveal` }, log);
    if (mine?.commitHash && !rec.commitHash) return this.end(rec, 'failed', { reason: 'a commit of ours is on chain but its salt is not in this database' }, log);
    if (mine?.commitHash && rec.commitHash && mine.commitHash !== rec.commitHash) return this.end(rec, 'failed', { reason: `the commit on chain (${mine.commitHash}) is not ours (${rec.commitHash})` }, log);
    const committed = rec.state === 'committed' || rec.state === 'revealing';
    if (!mine?.commitHash && height >= view.commitDeadline && !committed) return this.end(rec, 'missed', { reason: `commit deadline passed (height ${height} >= ${view.commitDeadline}) before our commit` }, log);
    if (height >= view.revealDeadline) return this.end(rec, 'missed', { reason: `reveal deadline passed (height ${height} >= ${view.revealDeadline})` }, log);
    return undefined;
  }

  private async step(rec: TrainingVerifyRecord, view: TrainingAuditView, height: number, log: Logger): Promise<TrainingVerifyRecord | Step> {
    const mine = view.votes.find((v) => v.verifier === this.o.validator);
    const max = this.o.maxAttempts ?? 5;
    switch (rec.state) {
      case 'received':
      case 'replaying': {
        const gaveUp = attemptsExhausted(rec.replayAttempts, max, 'replay', rec.reason);
        if (gaveUp) return this.end(rec, 'failed', { reason: gaveUp }, log);
        rec = await this.o.store.transition(rec.jobId, 'replaying', { note: `interval ${view.job.interval}: steps (${view.job.interval * view.job.params.checkpointInterval}, ${(view.job.interval + 1) * view.job.params.checkpointInterval}]` });
        const out = await this.o.checker.check(view.job);
        const salt = newSalt();
        const hash = trainingCommitHash(rec.jobId, out.verdict, salt, this.o.validator);
        const next = await this.o.store.transition(rec.jobId, 'decided', {
          verdict: out.verdict,
          ...(out.reason ? { verdictReason: out.reason } : {}),
          salt,
          commitHash: hash,
          figures: out.figures,
          note: out.verdict,
        });
        log.info({ verdict: out.verdict, reason: out.reason, interval: view.job.interval, replayMs: Math.round(out.figures.replayMs), fetchMs: Math.round(out.figures.fetchMs) }, 'training interval replayed');
        if (this.stopping) return 'wait';
        return next;
      }
      case 'decided':
      case 'committing': {
        if (mine?.commitHash === rec.commitHash) return this.o.store.transition(rec.jobId, 'committed', { note: 'our commit is on chain' });
        const gaveUp = attemptsExhausted(rec.commitAttempts, max, 'commit', rec.reason);
        if (gaveUp) return this.end(rec, 'failed', { reason: gaveUp }, log);
        rec = await this.o.store.transition(rec.jobId, 'committing');
        try {
          const r = await this.o.submitter.commit(rec.jobId, rec.commitHash!);
          log.info({ txHash: r.txHash, height: r.height }, 'training verdict committed');
          return await this.o.store.transition(rec.jobId, 'committed', { note: `included at height ${r.height}` });
        } catch (e) {
          return this.broadcastFailed(rec, e, 'commit', log);
        }
      }
      case 'committed':
      case 'revealing': {
        const everyone = view.committee.every((m) => view.votes.some((v) => v.verifier === m && v.commitHash !== ''));
        if (height <= view.commitDeadline && !everyone) {
          this.later(rec.jobId, this.o.idleMs ?? 1000);
          return 'wait';
        }
        const gaveUp = attemptsExhausted(rec.revealAttempts, max, 'reveal', rec.reason);
        if (gaveUp) return this.end(rec, 'failed', { reason: gaveUp }, log);
        rec = await this.o.store.transition(rec.jobId, 'revealing');
        try {
          const r = await this.o.submitter.reveal(rec.jobId, rec.verdict!, rec.salt!, rec.verdictReason ?? '');
          log.info({ txHash: r.txHash, height: r.height, verdict: rec.verdict }, 'training verdict revealed');
          return await this.end(rec, 'revealed', { note: `included at height ${r.height}` }, log);
        } catch (e) {
          return this.broadcastFailed(rec, e, 'reveal', log);
        }
      }
      default:
        return 'done';
    }
  }

  private broadcastFailed(rec: TrainingVerifyRecord, e: unknown, what: 'commit' | 'reveal', log: Logger): Promise<Step> {
    return afterBroadcastFailure(this, e, {
      id: rec.jobId,
      what: `training ${what}`,
      attempts: what === 'commit' ? rec.commitAttempts : rec.revealAttempts,
      retryBaseMs: this.o.retryBaseMs ?? 1000,
      log,
      recheck: async () => {
        const [height, view] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getAudit(rec.jobId)]);
        const mine = view?.votes.find((v) => v.verifier === this.o.validator);
        if (what === 'commit' && mine?.commitHash && mine.commitHash === rec.commitHash) {
          await this.o.store.transition(rec.jobId, 'committed', { note: 'our commit is on chain (after a failed broadcast)' });
          this.later(rec.jobId, 0);
          return 'wait';
        }
        return this.closedOnChain(rec, view, height, log);
      },
      refused: (r) => this.end(rec, 'failed', { reason: `chain refused the ${what} (${r.kind}): ${r.message}` }, log),
      annotate: (note) => this.o.store.annotate(rec.jobId, note),
    });
  }

  private async end(rec: TrainingVerifyRecord, to: 'revealed' | 'missed' | 'failed', patch: { reason?: string; note?: string }, log: Logger): Promise<Step> {
    await this.o.store.transition(rec.jobId, to, patch);
    if (to === 'revealed') log.info({ verdict: rec.verdict, figures: rec.figures }, 'training audit duty done');
    else log.warn({ reason: patch.reason, state: rec.state }, `training audit duty ${to}`);
    return 'done';
  }
}
