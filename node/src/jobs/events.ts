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
    transition(id: string, to: 'rejecting' | 'rejected', patch: { rejection?: string; note: string; txHash?: string; reason?: string }): Promise<unknown>;
  };
  /** Rejects (`overloaded`) a new assignment that cannot finish before its deadline (jobs/admission.ts). */
  admission?: Pick<JobAdmission, 'decide' | 'rejected' | 'inFlight'>;
  /**
   * With `admission`: the block's overloaded rejections go out together, in one transaction, right after the
   * block's assignments were taken in; on any failure they stay `rejecting` for the processor (one by one,
   * the chain read first).
   */
  rejectMany?: (jobs: readonly { job: JobRecord; reason: string }[]) => Promise<{ txHash: string; height: number }>;
  chain: { getChainJob(id: string): Promise<Job | undefined>; pendingJobs(executor: string): Promise<Job[]> };
  processor: { kick(): void };
  sidecar: string;
  validator: string;
  log: Logger;
}

/** Assignments and pending jobs of ours into the queue (new ones wake the processor). */
export function jobEventHandler(o: JobIntakeOptions) {
  const refused: { job: JobRecord; reason: string }[] = [];
  const inner = assignmentHandler({
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
      const rejected = isNew && o.admission ? await admit(o, spec, a.height) : undefined;
      if (rejected && o.rejectMany) refused.push(rejected);
      else if (isNew) o.processor.kick();
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
  return {
    ...inner,
    async onBlockEvents(events: readonly InferenceEvent[], height: number): Promise<void> {
      await inner.onBlockEvents(events, height);
      if (refused.length > 0) await flushRejections(o, refused.splice(0));
    },
  };
}

async function flushRejections(o: JobIntakeOptions, batch: { job: JobRecord; reason: string }[]): Promise<void> {
  try {
    const r = await o.rejectMany!(batch);
    for (const { job, reason } of batch) await o.queue.transition(job.id, 'rejected', { txHash: r.txHash, reason, note: `rejection included at height ${r.height} (batch of ${batch.length})` });
    o.log.info({ jobs: batch.length, txHash: r.txHash, height: r.height }, 'overloaded jobs rejected on chain in one transaction (requesters refunded)');
  } catch (e) {
    // All or nothing: the processor takes them one by one, reading the chain first.
    o.log.warn({ jobs: batch.length, err: (e as Error).message }, 'batched rejection failed; rejecting one by one');
  } finally {
    for (const { job } of batch) o.admission?.inFlight.delete(job.id);
  }
  o.processor.kick();
}

/** Admission at intake: a new job we cannot finish in time is marked `rejecting` (returned for the block's batch). */
async function admit(o: JobIntakeOptions, spec: JobSpec, height: number): Promise<{ job: JobRecord; reason: string } | undefined> {
  const ahead = (await o.queue.unfinished()).filter((r) => r.id !== spec.id);
  const d = o.admission!.decide(spec, ahead, height);
  if (d.admit) return undefined;
  o.admission!.rejected(height);
  if (o.rejectMany) o.admission!.inFlight.add(spec.id); // ours to broadcast in the block's batch
  const job = (await o.queue.transition(spec.id, 'rejecting', { rejection: d.reason, note: d.reason })) as JobRecord;
  o.log.warn({ job: spec.id, estimateS: Math.round(d.estimateS * 10) / 10, budgetS: Math.round(d.budgetS * 10) / 10 }, 'overloaded: rejecting the job on chain (the requester is refunded)');
  return { job, reason: d.reason };
}
