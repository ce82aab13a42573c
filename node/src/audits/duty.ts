/**
 * The verifier duty: drives our audit committee seats to a terminal state, one at a time, oldest first:
 * received -> checking -> decided(verdict, reason, salt) -> committing -> committed -> revealing -> revealed,
 * or missed (a deadline passed / the audit concluded without our reveal) / failed (we cannot judge, the chain
 * refused us).
 *
 * Each transition is persisted before the work it announces. The verdict and a fresh 32-byte salt are written
 * together (`decided`) before MsgCommitVerdict is sent, so a restart reveals with the same salt. Before every
 * broadcast the chain's job.audit.votes are read: a commit (or reveal) of ours already there moves the duty on
 * without a second broadcast, so we commit at most once and reveal at most once even across crashes.
 *
 * Heights: a commit is sent while height < commit_deadline (it lands in a later block); the reveal once the commit
 * phase is over (height > commit_deadline, or every committee member committed) and while height < reveal_deadline.
 *
 * Fault injection (config `faults.verify.neverReveal`, tests only): commit, then never reveal; the duty ends
 * `missed` after the reveal deadline (the chain withholds our reward and counts the miss).
 */
import type { Logger } from 'pino';
import type { VerdictName } from '@inferchain/sdk';
import { DurableWorker, afterBroadcastFailure, attemptsExhausted, errText, type Step } from '../durable/worker.js';
import type { DutyStore } from './store.js';
import type { AuditDutyRecord } from './types.js';
import { CannotCheckError, type AuditChain, type AuditChecker, type AuditJobView, type DutyVerdict, type VerdictSubmitter } from './ports.js';
import { commitHash, newSalt } from '../verify/salt.js';

export interface DutyMetricsSink {
  checked(verdict: VerdictName, seconds: number): void;
  ended(state: 'revealed' | 'missed' | 'failed'): void;
  broadcastFailed(kind: string): void;
}

export interface VerifierDutyOptions {
  store: DutyStore;
  chain: AuditChain;
  checker: AuditChecker;
  submitter: VerdictSubmitter;
  /** Our validator operator address (the committee lists valopers; part of the commit hash). */
  validator: string;
  log: Logger;
  metrics?: DutyMetricsSink;
  /** Test-only fault: commit but never reveal. */
  neverReveal?: boolean;
  /** Re-check period while waiting on heights or a transient retry. Default 1000 ms. */
  idleMs?: number;
  /** Attempts (checks, commit broadcasts, reveal broadcasts each) before a duty is failed. Default 5. */
  maxAttempts?: number;
  retryBaseMs?: number;
}

export class VerifierDuty extends DurableWorker<AuditDutyRecord> {
  private readonly neverRevealLogged = new Set<string>();

  constructor(private readonly o: VerifierDutyOptions) {
    super({ name: 'verifier duty', what: 'audit', unfinished: () => o.store.unfinished(), idOf: (rec) => rec.jobId, log: o.log, idleMs: o.idleMs ?? 1000 });
  }

  /** Moves one duty as far as it can go now. */
  override async advance(rec: AuditDutyRecord): Promise<Step> {
    const log = this.o.log.child({ audit: rec.jobId });
    try {
      for (let guard = 0; guard < 8; guard++) {
        const [height, view] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getAuditJob(rec.jobId)]);
        const closed = await this.closedOnChain(rec, view, height, log);
        if (closed) return closed;
        const next = await this.step(rec, view!, height, log);
        if (next === 'wait' || next === 'done') return next;
        rec = next;
      }
      return 'wait';
    } catch (e) {
      log.warn({ err: errText(e), state: rec.state }, 'audit step failed; will retry');
      await this.o.store.annotate(rec.jobId, errText(e)).catch(() => undefined);
      this.later(rec.jobId, this.o.idleMs ?? 1000);
      return 'wait';
    }
  }

  /** Ends the duty when the chain no longer needs (or can no longer take) anything from us. */
  private async closedOnChain(rec: AuditDutyRecord, view: AuditJobView | undefined, height: number, log: Logger): Promise<Step | undefined> {
    const mine = view?.audit?.votes.find((v) => v.verifier === this.o.validator);
    if (mine?.revealed) return this.end(rec, 'revealed', { note: 'our reveal is on chain' }, log);
    if (!view) return this.end(rec, 'failed', { reason: 'the chain has no such job' }, log);
    if (!view.audit || !view.audit.committee.includes(this.o.validator)) return this.end(rec, 'failed', { reason: 'we are not on this audit committee on chain' }, log);
    if (view.audit.outcome !== 'in_progress') {
      return this.end(rec, 'missed', { reason: `the audit concluded (${view.audit.outcome}) without our reveal` }, log);
    }
    if (mine?.commitHash && !rec.commitHash) {
      // Our commit is on chain but this database never held the salt (restored from an older backup?).
      return this.end(rec, 'failed', { reason: 'a commit of ours is on chain but its salt is not in this database: it cannot be revealed' }, log);
    }
    if (mine?.commitHash && rec.commitHash && mine.commitHash !== rec.commitHash) {
      return this.end(rec, 'failed', { reason: `the commit on chain (${mine.commitHash}) is not ours (${rec.commitHash})` }, log);
    }
    if (!mine?.commitHash && height >= view.audit.commitDeadline && !isCommitted(rec)) {
      return this.end(rec, 'missed', { reason: `commit deadline passed (height ${height} >= ${view.audit.commitDeadline}) before our commit` }, log);
    }
    if (height >= view.audit.revealDeadline) {
      const why = this.o.neverReveal ? 'fault injection (faults.verify.neverReveal): committed, never revealed' : `reveal deadline passed (height ${height} >= ${view.audit.revealDeadline})`;
      return this.end(rec, 'missed', { reason: why }, log);
    }
    return undefined;
  }

  /** One transition; returns the new record to continue with, or wait/done. */
  private async step(rec: AuditDutyRecord, view: AuditJobView, height: number, log: Logger): Promise<AuditDutyRecord | Step> {
    const audit = view.audit!;
    const mine = audit.votes.find((v) => v.verifier === this.o.validator);
    const max = this.o.maxAttempts ?? 5;
    switch (rec.state) {
      case 'received':
      case 'checking': {
        const gaveUp = attemptsExhausted(rec.checkAttempts, max, 'check', rec.reason);
        if (gaveUp) return this.end(rec, 'failed', { reason: gaveUp }, log);
        rec = await this.o.store.transition(rec.jobId, 'checking');
        const t0 = performance.now();
        let v: DutyVerdict;
        try {
          v = await this.o.checker.check(view);
        } catch (e) {
          if (e instanceof CannotCheckError) return this.end(rec, 'failed', { reason: `cannot check: ${e.message}` }, log);
          throw e;
        }
        const seconds = (performance.now() - t0) / 1000;
        this.o.metrics?.checked(v.verdict, seconds);
        const salt = newSalt();
        const hash = commitHash(rec.jobId, v.verdict, salt, this.o.validator);
        const { verdict, reason, stepsSource, ...rest } = v;
        const next = await this.o.store.transition(rec.jobId, 'decided', {
          verdict,
          ...(reason ? { verdictReason: reason } : {}),
          salt,
          commitHash: hash,
          check: { ...rest, stepsSource },
          note: verdict === 'valid' ? 'valid' : `${verdict}: ${reason ?? ''}`,
        });
        log.info({ verdict, reason, steps: v.steps, forwardMs: round(v.forwardMs), maxGap: v.maxGap, stepsSource, seconds: round(seconds) }, 'audit checked');
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
          log.info({ txHash: r.txHash, height: r.height, commitHash: rec.commitHash }, 'verdict committed');
          return await this.o.store.transition(rec.jobId, 'committed', { commitTx: r.txHash, note: `included at height ${r.height}` });
        } catch (e) {
          return this.broadcastFailed(rec, e, 'commit', log);
        }
      }
      case 'committed':
      case 'revealing': {
        if (this.o.neverReveal) {
          if (!this.neverRevealLogged.has(rec.jobId)) {
            this.neverRevealLogged.add(rec.jobId);
            log.warn({ revealDeadline: audit.revealDeadline }, 'FAULT INJECTION (faults.verify.neverReveal): committed; this verdict will never be revealed');
          }
          this.later(rec.jobId, this.o.idleMs ?? 1000);
          return 'wait';
        }
        const everyoneCommitted = audit.committee.every((m) => audit.votes.some((v) => v.verifier === m && v.commitHash !== ''));
        if (height <= audit.commitDeadline && !everyoneCommitted) {
          this.later(rec.jobId, this.o.idleMs ?? 1000);
          return 'wait';
        }
        const gaveUp = attemptsExhausted(rec.revealAttempts, max, 'reveal', rec.reason);
        if (gaveUp) return this.end(rec, 'failed', { reason: gaveUp }, log);
        rec = await this.o.store.transition(rec.jobId, 'revealing');
        try {
          const r = await this.o.submitter.reveal(rec.jobId, rec.verdict!, rec.salt!, rec.verdictReason ?? '');
          log.info({ txHash: r.txHash, height: r.height, verdict: rec.verdict }, 'verdict revealed');
          return await this.end(rec, 'revealed', { revealTx: r.txHash, note: `included at height ${r.height}` }, log);
        } catch (e) {
          return this.broadcastFailed(rec, e, 'reveal', log);
        }
      }
      default:
        return 'done';
    }
  }

  /** Whatever the error says, the chain decides first; definite refusals fail the duty (durable/worker.ts). */
  private broadcastFailed(rec: AuditDutyRecord, e: unknown, what: 'commit' | 'reveal', log: Logger): Promise<Step> {
    return afterBroadcastFailure(this, e, {
      id: rec.jobId,
      what,
      attempts: what === 'commit' ? rec.commitAttempts : rec.revealAttempts,
      retryBaseMs: this.o.retryBaseMs ?? 1000,
      log,
      count: (kind) => this.o.metrics?.broadcastFailed(`${what}_${kind}`),
      recheck: async () => {
        const [height, view] = await Promise.all([this.o.chain.latestHeight(), this.o.chain.getAuditJob(rec.jobId)]);
        const mine = view?.audit?.votes.find((v) => v.verifier === this.o.validator);
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

  private async end(rec: AuditDutyRecord, to: 'revealed' | 'missed' | 'failed', patch: { reason?: string; note?: string; revealTx?: string }, log: Logger): Promise<Step> {
    await this.o.store.transition(rec.jobId, to, patch);
    this.o.metrics?.ended(to);
    if (to === 'revealed') log.info({ verdict: rec.verdict, note: patch.note }, 'audit duty done');
    else log.warn({ reason: patch.reason, state: rec.state }, `audit duty ${to}`);
    return 'done';
  }

}

function isCommitted(rec: AuditDutyRecord): boolean {
  return rec.state === 'committed' || rec.state === 'revealing';
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
