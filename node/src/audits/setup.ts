/** Glue between the daemon's chain client / follower and the verifier duty. */
import type { Executor, Job } from '@inferchain/sdk';
import type { AuditDecided } from '../chain/events.js';
import { auditJobView, type AuditChain } from './duty-ports.js';
import type { AuditDutySpec } from './duty-types.js';

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

/** Our seat from EventAuditDecided; undefined unless the audit is in progress with us on the committee. */
export function dutyFromEvent(d: AuditDecided, validator: string, sidecar: string): AuditDutySpec | undefined {
  if (d.outcome !== 'in_progress') return undefined;
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
