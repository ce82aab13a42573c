/**
 * The executor side of the chain's events: EventJobAssigned naming us becomes a queued job; reconciliation
 * (Query/Jobs(executor = us, PENDING)) catches what the events missed. The follower (chain/follower.ts) walks the
 * blocks and calls `onBlockEvents` / `reconcile`; the rules of what is ours and what to queue live here.
 */
import type { Event } from '@cosmjs/stargate';
import { decodeInferenceEvent, type EventJobAssigned, type InferenceEvent, type Job } from '@inferchain/sdk';
import type { Logger } from 'pino';
import type { JobAdmission } from './admission.js';
import type { JobRecord, JobSpec } from './types.js';

/** An EventJobAssigned, as the sidecar uses it. */
export interface JobAssignment {
  jobId: string;
  model: string;
  requester: string;
  executor: string;
  sidecar: string;
  attempt: number;
  deadlineHeight: number;
  /** Block the event was seen in. */
  height: number;
}

export function jobAssignmentOf(e: EventJobAssigned, height: number): JobAssignment {
  return {
    jobId: e.jobId.toString(),
    model: e.model,
    requester: e.requester,
    executor: e.executor,
    sidecar: e.sidecar,
    attempt: e.attempt,
    deadlineHeight: Number(e.deadlineHeight),
    height,
  };
}

/** One ABCI event as an assignment; undefined for any other event; throws (naming the attribute) when malformed. */
export function decodeJobAssigned(ev: Event, height: number): JobAssignment | undefined {
  const d = decodeInferenceEvent(ev);
  return d?.type === 'EventJobAssigned' ? jobAssignmentOf(d.value, height) : undefined;
}

/** The queue's JobSpec for a chain job; attempt/deadline come from the assignment we saw when given. */
export function jobSpec(j: Job, assignment?: { attempt: number; deadlineHeight: number }): JobSpec {
  return {
    id: j.id.toString(),
    model: j.model,
    requester: j.requester,
    prompt: j.prompt,
    maxTokens: j.maxTokens,
    temperatureMilli: j.temperatureMilli,
    topK: j.topK,
    seed: j.seed.toString(),
    attempt: assignment?.attempt ?? j.attempt,
    deadlineHeight: assignment?.deadlineHeight ?? Number(j.deadlineHeight),
  };
}

export interface AssignmentFilterOptions {
  /** Our sidecar account and validator operator address: an assignment naming either is ours. */
  sidecar: string;
  validator: string;
  log: Logger;
  onAssigned(a: JobAssignment): Promise<void>;
  /** Query/Jobs(executor = validator, PENDING). */
  pendingJobs(executor: string): Promise<Job[]>;
  onPending(jobs: Job[]): Promise<void>;
}

/** The follower's handler for executor duties: our assignments in each block, and reconciliation. */
export function assignmentHandler(o: AssignmentFilterOptions) {
  return {
    async onBlockEvents(events: readonly InferenceEvent[], height: number): Promise<void> {
      for (const ev of events) {
        if (ev.type !== 'EventJobAssigned') continue;
        const a = jobAssignmentOf(ev.value, height);
        if (a.sidecar !== o.sidecar && a.executor !== o.validator) continue;
        o.log.info({ job: a.jobId, attempt: a.attempt, deadline: a.deadlineHeight, height }, 'job assigned to us');
        await o.onAssigned(a);
      }
    },
    async reconcile(): Promise<void> {
      const jobs = await o.pendingJobs(o.validator);
      if (jobs.length > 0) o.log.debug({ pending: jobs.length }, 'follower: reconciliation');
      await o.onPending(jobs);
    },
  };
}

export interface JobIntakeOptions {
  queue: {
    receive(spec: JobSpec): Promise<{ isNew: boolean }>;
    unfinished(): Promise<JobRecord[]>;
    transition(id: string, to: 'rejecting', patch: { rejection: string; note: string }): Promise<unknown>;
  };
  /** Rejects (`overloaded`) a new assignment that cannot finish before its deadline (jobs/admission.ts). */
  admission?: Pick<JobAdmission, 'decide' | 'rejected'>;
  chain: { getChainJob(id: string): Promise<Job | undefined>; pendingJobs(executor: string): Promise<Job[]> };
  processor: { kick(): void };
  sidecar: string;
  validator: string;
  log: Logger;
}

/** Assignments and pending jobs of ours into the queue (new ones wake the processor). */
export function jobEventHandler(o: JobIntakeOptions) {
  return assignmentHandler({
    sidecar: o.sidecar,
    validator: o.validator,
    log: o.log,
    pendingJobs: (executor) => o.chain.pendingJobs(executor),
    onAssigned: async (a) => {
      const job = await o.chain.getChainJob(a.jobId);
      if (!job) {
        o.log.warn({ job: a.jobId }, 'assigned job not found on chain (skipped)');
        return;
      }
      const spec = jobSpec(job, a);
      const { isNew } = await o.queue.receive(spec);
      if (isNew && o.admission) await admit(o, spec, a.height);
      if (isNew) o.processor.kick();
    },
    onPending: async (jobs) => {
      let added = 0;
      for (const j of jobs) {
        if (j.executor !== o.validator) continue;
        const { isNew } = await o.queue.receive(jobSpec(j));
        if (isNew) {
          added++;
          o.log.info({ job: j.id.toString(), attempt: j.attempt }, 'reconciliation: pending job was not in the queue');
        }
      }
      if (added > 0) o.processor.kick();
    },
  });
}

/** Admission at intake: a new job we cannot finish in time is marked `rejecting` (the processor broadcasts it first). */
async function admit(o: JobIntakeOptions, spec: JobSpec, height: number): Promise<void> {
  const ahead = (await o.queue.unfinished()).filter((r) => r.id !== spec.id);
  const d = o.admission!.decide(spec, ahead, height);
  if (d.admit) return;
  o.admission!.rejected(height);
  await o.queue.transition(spec.id, 'rejecting', { rejection: d.reason, note: d.reason });
  o.log.warn({ job: spec.id, estimateS: Math.round(d.estimateS * 10) / 10, budgetS: Math.round(d.budgetS * 10) / 10 }, 'overloaded: rejecting the job on chain (the requester is refunded)');
}
