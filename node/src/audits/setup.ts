/**
 * Glue between the chain and the verifier duty: the chain access the duty needs, and the audit side of the chain's
 * events. EventAuditDecided naming us on the committee becomes a duty in the store; reconciliation
 * (Query/Jobs(verifier = us, AUDITING)) catches what the events missed. The follower (chain/follower.ts) walks the
 * blocks and calls `onBlockEvents` / `reconcile`; the rules of which seat is ours live here.
 */
import type { Event } from '@cosmjs/stargate';
import { AuditOutcome, auditOutcomeName, decodeInferenceEvent, type EventAuditDecided, type Executor, type InferenceEvent, type Job } from '@inferchain/sdk';
import type { Logger } from 'pino';
import { auditJobView, type AuditChain } from './ports.js';
import type { AuditDutySpec } from './types.js';

export interface DutyChainSource {
  latestHeight(): Promise<number>;
  getChainJob(id: string): Promise<Job | undefined>;
  getExecutor(validator: string): Promise<Executor | undefined>;
}

export function auditChainOf(chain: DutyChainSource): AuditChain {
  return {
    latestHeight: () => chain.latestHeight(),
    getAuditJob: async (id) => {
      const j = await chain.getChainJob(id);
      return j && auditJobView(j);
    },
    executorEndpoint: async (validator) => (await chain.getExecutor(validator))?.endpoint || undefined,
  };
}

/** EventAuditDecided, as the sidecar uses it: whether a result is audited and, when it is, by which committee. */
export interface AuditDecided {
  jobId: string;
  model: string;
  executor: string;
  /** The enum name without prefix, lowercase: not_selected, skipped, in_progress, ... */
  outcome: string;
  /** Validator operator addresses. */
  committee: string[];
  /** Their bound sidecar accounts, same order. */
  committeeSidecars: string[];
  commitDeadline: number;
  revealDeadline: number;
  note: string;
  height: number;
}

export function auditDecidedOf(e: EventAuditDecided, height: number): AuditDecided {
  return {
    jobId: e.jobId.toString(),
    model: e.model,
    executor: e.executor,
    outcome: auditOutcomeName(e.outcome) ?? 'unspecified',
    committee: [...e.committee],
    committeeSidecars: [...e.committeeSidecars],
    commitDeadline: Number(e.commitDeadline),
    revealDeadline: Number(e.revealDeadline),
    note: e.note,
    height,
  };
}

/** One ABCI event as an AuditDecided; undefined for any other event; throws (naming the attribute) when malformed. */
export function decodeAuditDecided(ev: Event, height: number): AuditDecided | undefined {
  const d = decodeInferenceEvent(ev);
  return d?.type === 'EventAuditDecided' ? auditDecidedOf(d.value, height) : undefined;
}

/** Our seat from EventAuditDecided; undefined unless the audit is in progress with us on the committee. */
export function dutyFromEvent(d: AuditDecided, validator: string, sidecar: string): AuditDutySpec | undefined {
  if (d.outcome !== auditOutcomeName(AuditOutcome.AUDIT_OUTCOME_IN_PROGRESS)) return undefined;
  const i = d.committeeSidecars.indexOf(sidecar);
  const verifier = i >= 0 ? (d.committee[i] ?? validator) : d.committee.includes(validator) ? validator : undefined;
  if (verifier !== validator) return undefined;
  return { jobId: d.jobId, model: d.model, executor: d.executor, verifier, commitDeadline: d.commitDeadline, revealDeadline: d.revealDeadline, decidedHeight: d.height };
}

/** Our seat from an AUDITING job (reconciliation); undefined when we are not on its committee. */
export function dutyFromJob(j: Job, validator: string): AuditDutySpec | undefined {
  const a = j.audit;
  if (!a || !a.committee.includes(validator)) return undefined;
  return {
    jobId: j.id.toString(),
    model: j.model,
    executor: j.executor,
    verifier: validator,
    commitDeadline: Number(a.commitDeadline),
    revealDeadline: Number(a.revealDeadline),
    decidedHeight: Number(a.decidedHeight),
  };
}

export interface SeatFilterOptions {
  /** Our sidecar account and validator operator address: a committee listing either has a seat of ours. */
  sidecar: string;
  validator: string;
  log: Logger;
  onAuditDecided(d: AuditDecided): Promise<void>;
  /** Query/Jobs(verifier = validator, AUDITING). */
  auditingJobs(verifier: string): Promise<Job[]>;
  onAuditing(jobs: Job[]): Promise<void>;
}

/** The follower's handler for audit duties: EventAuditDecided naming us in each block, and reconciliation. */
export function auditSeatHandler(o: SeatFilterOptions) {
  return {
    async onBlockEvents(events: readonly InferenceEvent[], height: number): Promise<void> {
      for (const ev of events) {
        if (ev.type !== 'EventAuditDecided') continue;
        const d = auditDecidedOf(ev.value, height);
        if (!d.committeeSidecars.includes(o.sidecar) && !d.committee.includes(o.validator)) continue;
        o.log.info({ job: d.jobId, commitDeadline: d.commitDeadline, revealDeadline: d.revealDeadline, height }, 'audit duty: we are on the committee');
        await o.onAuditDecided(d);
      }
    },
    async reconcile(): Promise<void> {
      await o.onAuditing(await o.auditingJobs(o.validator));
    },
  };
}

export interface DutyIntakeOptions {
  store: { receive(spec: AuditDutySpec): Promise<{ isNew: boolean }> };
  /** Without auditingJobs, reconciliation finds nothing (events only). */
  chain: { auditingJobs?(verifier: string): Promise<Job[]> };
  duty: { kick(): void };
  sidecar: string;
  validator: string;
  log: Logger;
}

/** Seats of ours (events and reconciliation) into the duty store (new ones wake the duty). */
export function auditEventHandler(o: DutyIntakeOptions) {
  return auditSeatHandler({
    sidecar: o.sidecar,
    validator: o.validator,
    log: o.log,
    auditingJobs: async (verifier) => (o.chain.auditingJobs ? o.chain.auditingJobs(verifier) : []),
    onAuditDecided: async (d) => {
      const spec = dutyFromEvent(d, o.validator, o.sidecar);
      if (spec && (await o.store.receive(spec)).isNew) o.duty.kick();
    },
    onAuditing: async (jobs) => {
      let added = 0;
      for (const j of jobs) {
        const spec = dutyFromJob(j, o.validator);
        if (spec && (await o.store.receive(spec)).isNew) added++;
      }
      if (added > 0) {
        o.log.info({ added }, 'reconciliation: audit duties that were not in the store');
        o.duty.kick();
      }
    },
  });
}
