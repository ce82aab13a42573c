/**
 * Admission at job intake: a job this sidecar cannot finish before its deadline is rejected at once
 * (MsgRejectJob, reason `overloaded: ...`, the requester refunded in that block) instead of being left to expire,
 * because expiries are missed deadlines and `max_missed_deadlines` of them deactivate the executor: a burst of
 * requests must not knock an honest executor out.
 *
 * Estimate (seconds), for a job arriving behind `ahead` unfinished jobs of ours:
 *   work(j)  = max_tokens(j) / tokens_per_second(model(j)) + submit  (max_tokens: the most the job may take;
 *              submit: the measured time to get a result included, about a block: the sidecar's account has
 *              one transaction in flight at a time, so inclusions are serial even when generations are batched)
 *   finish   = (Σ work(ahead) + work(job)) × safetyFactor
 *   budget   = (deadline - height - reserveBlocks) × block_time
 * Rejected when finish > budget. tokens/s is the engine's aggregate rate per model: a running estimate (EWMA
 * over finished generations, wall clock including waits for audit checks on the shared engine) of each job's
 * tokens/s times the jobs that generated beside it (batched decoding, `engine.maxConcurrentJobs` > 1). So the
 * gain of batching counts only once it was measured: a rate taken from a job that ran alone is not multiplied
 * by the concurrency (batched steps are slower than single ones; dividing by the concurrency over-admitted a
 * burst into expiries). Block time is a running estimate from the heights the follower sees.
 *
 * Rejections are free only up to the chain's `max_rejections_per_window`; past that a rejection counts as a
 * missed deadline, like letting the job expire. A block's overloaded rejections go out in one transaction
 * (jobs/events.ts), and misses count once per block, so by default (`maxRejectionsPerWindow` 0) we keep
 * rejecting: one miss at most, reset by our next result, and no engine time spent on a job that cannot make it.
 * Set it to the chain's value to attempt such jobs instead once the free ones are used (tracked locally).
 *
 * Config section `admission` (config/CONFIG.md).
 */
import { section, unknownKeys } from '../util/config-section.js';
import type { JobGenerator, ResultSubmitter } from './ports.js';
import type { JobRecord, JobSpec, JobState } from './types.js';

export interface AdmissionConfig {
  /** Reject jobs that cannot finish before their deadline (default true). */
  enabled: boolean;
  /** Block time assumed until two heights were observed (ms). */
  blockTimeMs: number;
  /** Tokens/s assumed for a model until one generation of it was measured. */
  initialTokensPerSecond: number;
  /** The estimate is multiplied by this before it is compared with the time left (>= 1). */
  safetyFactor: number;
  /** Blocks kept free before the deadline for the result to be included. */
  reserveBlocks: number;
  /** The chain's rejection allowance (params max_rejections_per_window / rejection_window_blocks; 0 = unlimited). */
  maxRejectionsPerWindow: number;
  rejectionWindowBlocks: number;
}

export const ADMISSION_DEFAULTS: AdmissionConfig = {
  enabled: true,
  blockTimeMs: 5000,
  initialTokensPerSecond: 20,
  safetyFactor: 1.5,
  reserveBlocks: 2,
  maxRejectionsPerWindow: 0,
  rejectionWindowBlocks: 100,
};

export function parseAdmissionConfig(raw: unknown, problems: string[]): AdmissionConfig {
  const a = section(raw, 'admission', problems);
  unknownKeys(a, Object.keys(ADMISSION_DEFAULTS), 'admission', problems);
  const num = (key: keyof AdmissionConfig, min: number, max: number, integer: boolean): number => {
    const def = ADMISSION_DEFAULTS[key] as number;
    const x = a[key] ?? def;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
      problems.push(`admission.${key}: must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(x)}`);
      return def;
    }
    return x;
  };
  const enabled = a.enabled ?? ADMISSION_DEFAULTS.enabled;
  if (typeof enabled !== 'boolean') problems.push('admission.enabled: must be true or false');
  return {
    enabled: enabled !== false,
    blockTimeMs: num('blockTimeMs', 10, 600_000, false),
    initialTokensPerSecond: num('initialTokensPerSecond', 0.001, 1e6, false),
    safetyFactor: num('safetyFactor', 1, 100, false),
    reserveBlocks: num('reserveBlocks', 0, 1000, true),
    maxRejectionsPerWindow: num('maxRejectionsPerWindow', 0, 1e6, true),
    rejectionWindowBlocks: num('rejectionWindowBlocks', 1, 1e9, true),
  };
}

/**
 * `engine.maxConcurrentJobs` when the engine section has it (batched decoding), else 1: how many jobs the
 * processor runs at once.
 */
export function maxConcurrentJobs(engine: object): number {
  const n = (engine as { maxConcurrentJobs?: unknown }).maxConcurrentJobs;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Exponentially weighted running mean (the first sample is taken as is). */
class Ewma {
  value: number | undefined;
  constructor(private readonly alpha: number) {}
  add(x: number): void {
    this.value = this.value === undefined ? x : this.alpha * x + (1 - this.alpha) * this.value;
  }
}

/** Job states that still need the engine (queued or generating): what a new job waits behind. */
const NEEDS_ENGINE: ReadonlySet<JobState> = new Set(['received', 'generating']);

export type AdmissionDecision = { admit: true; estimateS: number; budgetS: number } | { admit: false; reason: string; estimateS: number; budgetS: number };

export interface AdmissionOptions {
  config: AdmissionConfig;
  concurrency: number;
  now?: () => number;
}

export class JobAdmission {
  /** Jobs whose batched rejection intake is broadcasting (the processor leaves them alone meanwhile). */
  readonly inFlight = new Set<string>();
  private readonly tps = new Map<string, Ewma>();
  private readonly blockMs = new Ewma(0.2);
  private readonly submitS = new Ewma(0.3);
  private lastHeight: { h: number; t: number } | undefined;
  private readonly rejectedAt: number[] = [];
  private readonly now: () => number;

  constructor(private readonly o: AdmissionOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * A finished generation: `tokens` output tokens in `seconds` wall clock, while `sharing` jobs (itself
   * included, >= 1) generated at once on the engine: the engine's aggregate rate is tokens/s × sharing.
   */
  observeGeneration(model: string, tokens: number, seconds: number, sharing = 1): void {
    if (!(tokens > 0) || !(seconds > 0)) return;
    let e = this.tps.get(model);
    if (!e) this.tps.set(model, (e = new Ewma(0.3)));
    e.add((tokens / seconds) * Math.min(Math.max(1, sharing), Math.max(1, this.o.concurrency)));
  }

  /** A result broadcast that took `seconds` until inclusion. */
  observeSubmission(seconds: number): void {
    if (seconds > 0 && Number.isFinite(seconds)) this.submitS.add(seconds);
  }

  /** Seconds a result takes to be included (measured; one block time until then). */
  submitSeconds(): number {
    return this.submitS.value ?? this.blockTimeMs() / 1000;
  }

  /** A chain height seen by the follower (block time estimate). */
  observeHeight(height: number): void {
    const t = this.now();
    const last = this.lastHeight;
    if (last && height > last.h) this.blockMs.add((t - last.t) / (height - last.h));
    if (!last || height > last.h) this.lastHeight = { h: height, t };
  }

  tokensPerSecond(model: string): number {
    return this.tps.get(model)?.value ?? this.o.config.initialTokensPerSecond;
  }

  blockTimeMs(): number {
    return this.blockMs.value ?? this.o.config.blockTimeMs;
  }

  /** Estimated seconds to finish `spec` behind `ahead`, and the seconds left before its deadline at `height`. */
  estimate(spec: Pick<JobSpec, 'model' | 'maxTokens' | 'deadlineHeight'>, ahead: readonly Pick<JobRecord, 'model' | 'maxTokens' | 'state'>[], height: number): { estimateS: number; budgetS: number } {
    const submit = this.submitSeconds();
    const work = (j: { model: string; maxTokens: number }) => j.maxTokens / this.tokensPerSecond(j.model) + submit;
    const queued = ahead.filter((j) => NEEDS_ENGINE.has(j.state)).reduce((s, j) => s + work(j), 0);
    const estimateS = (queued + work(spec)) * this.o.config.safetyFactor;
    const blocksLeft = spec.deadlineHeight - height - this.o.config.reserveBlocks;
    return { estimateS, budgetS: (Math.max(0, blocksLeft) * this.blockTimeMs()) / 1000 };
  }

  /** Whether to take `spec` (seen at `height`) behind the unfinished jobs `ahead` (its own record excluded). */
  decide(spec: Pick<JobSpec, 'model' | 'maxTokens' | 'deadlineHeight'>, ahead: readonly Pick<JobRecord, 'model' | 'maxTokens' | 'state'>[], height: number): AdmissionDecision {
    const { estimateS, budgetS } = this.estimate(spec, ahead, height);
    if (!this.o.config.enabled || estimateS <= budgetS) return { admit: true, estimateS, budgetS };
    if (!this.freeRejectionLeft(height)) return { admit: true, estimateS, budgetS }; // a rejection now costs a miss too: try
    const queued = ahead.filter((j) => NEEDS_ENGINE.has(j.state)).length;
    const reason =
      `overloaded: ${queued} job(s) queued ahead; about ${estimateS.toFixed(1)} s needed ` +
      `(max_tokens ${spec.maxTokens} at ${this.tokensPerSecond(spec.model).toFixed(1)} tokens/s + ${this.submitSeconds().toFixed(1)} s per result, concurrency ${this.o.concurrency}), ` +
      `${budgetS.toFixed(1)} s left before the deadline (block ${spec.deadlineHeight}, ${this.blockTimeMs().toFixed(0)} ms blocks)`;
    return { admit: false, reason, estimateS, budgetS };
  }

  /** Record a rejection we are about to broadcast (any reason: the chain counts them all). */
  rejected(height: number): void {
    this.rejectedAt.push(height);
  }

  private freeRejectionLeft(height: number): boolean {
    const max = this.o.config.maxRejectionsPerWindow;
    if (max === 0) return true;
    const from = height - this.o.config.rejectionWindowBlocks;
    while (this.rejectedAt.length > 0 && this.rejectedAt[0]! <= from) this.rejectedAt.shift();
    // The chain's window starts at a fixed height, ours slides: keep one in hand.
    return this.rejectedAt.length < max - 1;
  }
}

/**
 * Times each generation into the admission's tokens/s estimate (wrap outside the engine lock: waits count),
 * with the jobs generating beside it (the mean of the counts at its start and at its end, itself included).
 */
export function measuredGenerator(inner: JobGenerator, admission: Pick<JobAdmission, 'observeGeneration'>, now: () => number = () => performance.now()): JobGenerator {
  let running = 0;
  return {
    serves: (model) => inner.serves(model),
    async generate(spec, hooks) {
      const t0 = now();
      const atStart = ++running;
      try {
        const out = await inner.generate(spec, hooks);
        admission.observeGeneration(spec.model, out.tokenIds.length, (now() - t0) / 1000, (atStart + running) / 2);
        return out;
      } finally {
        running--;
      }
    },
  };
}

/** Times each result submission (until inclusion) into the admission's estimate. */
export function measuredSubmitter(inner: ResultSubmitter, admission: Pick<JobAdmission, 'observeSubmission'>, now: () => number = () => performance.now()): ResultSubmitter {
  return {
    address: inner.address,
    async submit(job, output) {
      const t0 = now();
      const r = await inner.submit(job, output);
      admission.observeSubmission((now() - t0) / 1000);
      return r;
    },
    reject: (job, reason) => inner.reject(job, reason),
    ...(inner.rejectMany ? { rejectMany: (jobs: Parameters<NonNullable<ResultSubmitter['rejectMany']>>[0]) => inner.rejectMany!(jobs) } : {}),
  };
}

/** Rejections first: an `overloaded` refund should not wait behind the generations it was refused for. */
export function rejectionsFirst<R extends { state: JobState }>(recs: R[]): R[] {
  return [...recs.filter((r) => r.state === 'rejecting'), ...recs.filter((r) => r.state !== 'rejecting')];
}
