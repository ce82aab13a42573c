/**
 * The check behind a verdict: the job and its claimed result come from the chain; the executor's committed
 * per-step top-k from its API (`<endpoint>/v1/jobs/:id`, with a timeout: unreachable or unusable -> judged on the
 * forward pass alone); the model from our own verified store (the committee serves the same model); then the
 * verifier core's checkClaim under the engine lock.
 */
import { peerGet, type PeerPolicy } from '@inferchain/sdk';
import type { LoadedModel } from '../engine/model.js';
import { CheckError, checkClaim, type CheckOptions, type Claim } from '../verify/check.js';
import type { EngineLock } from '../engine/lock.js';
import { modelWeightVariant, ToleranceTableError, tolerancesFor, type PairTolerance, type ToleranceTable, type WeightVariant } from '../verify/tolerances.js';
import { CannotCheckError, type AuditChain, type AuditChecker, type AuditJobView, type DutyVerdict } from './ports.js';

export type ExecutorSteps = NonNullable<Claim['steps']>;

export interface StepsFetch {
  steps: ExecutorSteps | undefined;
  /** "executor api" or why there are none (for the duty record and logs). */
  source: string;
}

/** Largest job record accepted from an executor (steps of a long generation are well under this). */
export const MAX_STEPS_BYTES = 16 * 1024 * 1024;

/** GET with the SDK's peer policy (http(s), no private/loopback unless allowed, size and time capped). */
export function policyFetch(policy: PeerPolicy): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await peerGet(String(input), { policy: { maxBytes: MAX_STEPS_BYTES, ...policy }, accept: 'application/json', okStatuses: [400, 404, 500, 503], ...(init?.signal ? { signal: init.signal } : {}) });
    return new Response(new Uint8Array(res.body), { status: res.status });
  }) as typeof fetch;
}

/** GET <endpoint>/v1/jobs/:id and the committed steps in order; never throws. */
export async function fetchExecutorSteps(endpoint: string | undefined, jobId: string, timeoutMs: number, fetchFn: typeof fetch = policyFetch({ timeoutMs })): Promise<StepsFetch> {
  if (!endpoint) return { steps: undefined, source: 'the executor registered no endpoint' };
  let url: string;
  try {
    url = new URL(`v1/jobs/${encodeURIComponent(jobId)}`, endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
  } catch {
    return { steps: undefined, source: `the executor endpoint ${JSON.stringify(endpoint)} is not a URL` };
  }
  let body: unknown;
  try {
    const res = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) return { steps: undefined, source: `${url} answered ${res.status}` };
    body = await res.json();
  } catch (e) {
    return { steps: undefined, source: `${url} unreachable: ${(e as Error).message}` };
  }
  const steps = parseSteps(body);
  return steps ? { steps, source: url } : { steps: undefined, source: `${url} served no usable steps` };
}

/** output.steps = [{step, topk: [{id, logit}]}] (api/server.ts jobView), ordered by step. */
export function parseSteps(body: unknown): ExecutorSteps | undefined {
  const raw = (body as { output?: { steps?: unknown } } | null)?.output?.steps;
  if (!Array.isArray(raw)) return undefined;
  const out: { step: number; topk: { id: number; logit: number }[] }[] = [];
  for (const s of raw as unknown[]) {
    const st = s as { step?: unknown; topk?: unknown };
    if (typeof st?.step !== 'number' || !Array.isArray(st.topk)) return undefined;
    const topk: { id: number; logit: number }[] = [];
    for (const e of st.topk as unknown[]) {
      const en = e as { id?: unknown; logit?: unknown };
      if (typeof en?.id !== 'number' || typeof en.logit !== 'number') return undefined;
      topk.push({ id: en.id, logit: en.logit });
    }
    out.push({ step: st.step, topk });
  }
  out.sort((a, b) => a.step - b.step);
  if (out.some((s, i) => s.step !== i)) return undefined;
  return out.map((s) => ({ topk: s.topk }));
}

export interface EngineAuditCheckerOptions {
  models: { get(contentRoot: string): LoadedModel | undefined };
  chain: Pick<AuditChain, 'executorEndpoint'>;
  lock: EngineLock;
  /** Base options (topKCommit); eps / topkTolerance come from `tolerances` for the executor's provider pair. */
  options: CheckOptions;
  /** Calibrated (executor provider -> our provider, weight variant) tolerances; an uncalibrated pair abstains. */
  tolerances: ToleranceTable;
  /** The operator's verify.eps / verify.topkTolerance, replacing the table's numbers for calibrated pairs. */
  toleranceOverride?: Partial<PairTolerance>;
  /** Test-only fault (faults.verify.alwaysFraud): vote FRAUD whatever the check finds. */
  alwaysFraud?: boolean;
  /** Replaceable for tests (default: the model's config.json `weights`; legacy configs: its graph). */
  variantOf?: (model: LoadedModel) => WeightVariant;
  fetchTimeoutMs: number;
  /** Which executor endpoints may be fetched (config verify.allowLoopbackPeers / allowPrivatePeers). */
  peerPolicy?: PeerPolicy;
  /** Replaceable for tests. */
  fetchFn?: typeof fetch;
  check?: typeof checkClaim;
}

export class EngineAuditChecker implements AuditChecker {
  constructor(private readonly o: EngineAuditCheckerOptions) {}

  async check(job: AuditJobView): Promise<DutyVerdict> {
    const model = this.o.models.get(job.model);
    if (!model) throw new CannotCheckError(`model ${job.model} is not loaded here (not configured, or its bytes failed verification)`);
    const c = job.claim;
    if (!c) return { verdict: 'fraud', reason: 'the job has no result on chain', steps: 0, forwardMs: 0, maxGap: 0, stepsSource: 'none' };
    if (c.finishReason !== 'eos' && c.finishReason !== 'length') {
      return { verdict: 'fraud', reason: `finish reason ${JSON.stringify(c.finishReason)} is neither eos nor length`, steps: c.outputTokenIds.length, forwardMs: 0, maxGap: 0, stepsSource: 'none' };
    }
    if (this.o.alwaysFraud) {
      return { verdict: 'fraud', reason: 'FAULT INJECTION (faults.verify.alwaysFraud): not checked', steps: c.outputTokenIds.length, forwardMs: 0, maxGap: 0, stepsSource: 'not fetched (fault injection)' };
    }
    // Honest drift depends on both machines and the weights: judge only a calibrated combination.
    let variant: WeightVariant;
    try {
      variant = (this.o.variantOf ?? ((m) => modelWeightVariant(m.dir, m.config)))(model);
    } catch (e) {
      if (e instanceof ToleranceTableError) throw new CannotCheckError(e.message);
      throw e;
    }
    const tol = tolerancesFor(this.o.tolerances, { executorProvider: c.executionProvider, verifierProvider: model.provider, variant }, this.o.options, this.o.toleranceOverride);
    if (!tol.judge) return { verdict: 'abstain', reason: tol.reason, steps: c.outputTokenIds.length, forwardMs: 0, maxGap: 0, stepsSource: 'not fetched (abstained)' };
    const endpoint = await this.o.chain.executorEndpoint(job.executor).catch(() => undefined);
    const fetched = await fetchExecutorSteps(endpoint, job.id, this.o.fetchTimeoutMs, this.o.fetchFn ?? policyFetch({ ...this.o.peerPolicy, timeoutMs: this.o.fetchTimeoutMs }));
    const claim: Claim = {
      prompt: c.prompt,
      outputTokenIds: c.outputTokenIds,
      outputText: c.outputText,
      maxTokens: c.maxTokens,
      temperatureMilli: c.temperatureMilli,
      topK: c.topK,
      seed: c.seed,
      finishReason: c.finishReason,
      commitment: c.commitment,
      ...(fetched.steps ? { steps: fetched.steps } : {}),
    };
    const check = this.o.check ?? checkClaim;
    let r;
    try {
      r = await this.o.lock.run(`audit ${job.id}`, () => check(model, claim, tol.options));
    } catch (e) {
      if (e instanceof CheckError) throw new CannotCheckError(e.message);
      throw e;
    }
    return {
      verdict: r.verdict,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      steps: r.steps,
      forwardMs: r.forwardMs,
      maxGap: r.maxGap,
      ...(r.minSamplingMargin !== undefined ? { minSamplingMargin: r.minSamplingMargin } : {}),
      commitment: r.commitment,
      ...(r.maxTopkDiff !== undefined ? { maxTopkDiff: r.maxTopkDiff } : {}),
      ...(r.note !== undefined ? { note: r.note } : {}),
      stepsSource: fetched.source,
    };
  }
}
