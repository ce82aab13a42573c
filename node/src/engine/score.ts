/**
 * Teacher-forced scoring: ONE forward pass over prompt + claimed output gives, for every output step,
 * the logits the model would have produced; the verifier compares the claim against them.
 */
import { effectiveMaxTokens } from './limits.js';
import type { LoadedModel } from './model.js';
import { checkSampling, samplingMargin, topK, type TopEntry } from './sampler.js';
import { stopIds } from './generate.js';

export interface ScoreRequest {
  promptTokenIds: readonly number[];
  outputTokenIds: readonly number[];
  /** The job's max_tokens (for the termination rule). */
  maxTokens: number;
  temperature?: number;
  /** Sampling candidate set of the job; 0 = whole vocabulary. */
  topK?: number;
  seed?: bigint | string | number;
  /** k of the per-step top-k record to return (default 8). */
  topKCommit?: number;
}

export interface StepScore {
  step: number;
  claimedId: number;
  claimedLogit: number;
  maxLogit: number;
  /** maxLogit - claimedLogit (>= 0; 0 when the claim is the argmax). */
  gap: number;
  /** Rank of the claimed id among all logits (0 = best). */
  rank: number;
  topk: TopEntry[];
  /**
   * Sampling only: claimed candidate's score z/T + g minus the best other candidate's
   * (> 0: the claim is the seeded choice; -Infinity: the claim is outside the top-k candidates).
   */
  samplingMargin?: number;
}

export interface ScoreResult {
  steps: StepScore[];
  termination: { ok: boolean; reason: string };
  forwardMs: number;
}

export async function score(model: LoadedModel, req: ScoreRequest): Promise<ScoreResult> {
  const sampling = { temperature: req.temperature ?? 0, topK: req.topK ?? 0, seed: req.seed };
  checkSampling(sampling);
  const n = req.outputTokenIds.length;
  if (n === 0) throw new RangeError('outputTokenIds is empty: nothing to score');
  const limit = effectiveMaxTokens(req.promptTokenIds.length, req.maxTokens, model.maxContext);
  if (n > limit) throw new RangeError(`output has ${n} tokens but at most ${limit} were allowed`);
  const commitK = req.topKCommit ?? 8;
  const V = model.vocabSize;

  // The last output token is never an input: its successor is not part of the claim.
  const t0 = performance.now();
  // Logits rows: positions P-1 .. P+n-2, i.e. the last n inputs.
  const { logits } = await model.forward([...req.promptTokenIds, ...req.outputTokenIds.slice(0, n - 1)], undefined, n);
  const forwardMs = performance.now() - t0;

  const steps: StepScore[] = [];
  for (let s = 0; s < n; s++) {
    const off = s * V;
    const claimed = req.outputTokenIds[s]!;
    const claimedLogit = logits[off + claimed]!;
    let maxLogit = -Infinity;
    let rank = 0;
    for (let i = 0; i < V; i++) {
      const z = logits[off + i]!;
      if (z > maxLogit) maxLogit = z;
      if (z > claimedLogit || (z === claimedLogit && i < claimed)) rank++;
    }
    const st: StepScore = { step: s, claimedId: claimed, claimedLogit, maxLogit, gap: maxLogit - claimedLogit, rank, topk: topK(logits, commitK, off, V) };
    if (sampling.temperature > 0) st.samplingMargin = samplingMargin(logits, sampling, s, claimed, off, V);
    steps.push(st);
  }

  const stops = stopIds(model);
  const early = req.outputTokenIds.slice(0, n - 1).findIndex((id) => stops.has(id));
  const last = req.outputTokenIds[n - 1]!;
  const termination =
    early >= 0
      ? { ok: false, reason: `stop token ${req.outputTokenIds[early]} at step ${early} but output continues` }
      : stops.has(last)
        ? { ok: true, reason: 'eos' }
        : n === limit
          ? { ok: true, reason: 'length' }
          : { ok: false, reason: `output ends after ${n} tokens without a stop token (limit ${limit})` };
  return { steps, termination, forwardMs };
}
