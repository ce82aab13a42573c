/**
 * Token choice, shared by the generator and the verifier's scorer so both apply the exact same rule:
 * candidates = top-k logits (ties: lower id first); temperature 0 = greedy argmax;
 * otherwise Gumbel-max: argmax over candidates of z/T + G(seed, step, id).
 */
import { gumbelTop2 } from './gumbel-max.js';
import { topK, type TopEntry } from './topk.js';

export { topK, type TopEntry };
import { gumbel, seedKey } from './philox.js';


export interface SamplingParams {
  /** 0 = greedy. */
  temperature: number;
  /** Candidate set size; 0 = whole vocabulary. */
  topK: number;
  /** uint64 seed from the chain; required when temperature > 0. */
  seed?: bigint | string | number;
}

export class SamplingParamsError extends Error {
  override name = 'SamplingParamsError';
}

export function checkSampling(p: SamplingParams): void {
  if (!(p.temperature >= 0) || !Number.isFinite(p.temperature)) throw new SamplingParamsError(`temperature must be a finite number >= 0, got ${p.temperature}`);
  if (!Number.isInteger(p.topK) || p.topK < 0) throw new SamplingParamsError(`topK must be an integer >= 0, got ${p.topK}`);
  if (p.temperature > 0 && p.seed === undefined) throw new SamplingParamsError('seeded sampling (temperature > 0) needs a seed');
  if (p.seed !== undefined) seedKey(p.seed);
}


export interface Choice {
  id: number;
  /** Score of the chosen candidate (logit for greedy, z/T + g for sampling). */
  score: number;
  /** Chosen score minus the best other candidate's score (Infinity with one candidate). */
  margin: number;
}

/** Candidate scores for a step: the quantity whose argmax is the choice. */
export function candidateScores(cands: readonly TopEntry[], p: SamplingParams, step: number): TopEntry[] {
  if (p.temperature === 0) return cands.map((c) => ({ id: c.id, logit: c.logit }));
  const key = seedKey(p.seed!);
  return cands.map((c) => ({ id: c.id, logit: c.logit / p.temperature + gumbel(key, step, c.id) }));
}

/** Picks the token for `step` from one position's logits. */
export function choose(logits: Float32Array, p: SamplingParams, step: number, offset = 0, length = logits.length - offset): Choice {
  if (p.temperature > 0 && (p.topK <= 0 || p.topK >= length)) {
    // Whole vocabulary: no candidate sort needed; the same rule and ties as a scan of z/T + g (gumbel-max.ts).
    const t = gumbelTop2(logits, offset, length, p.temperature, seedKey(p.seed!), step);
    return { id: t.bestId, score: t.best, margin: t.best - t.second };
  }
  const cands = topK(logits, p.temperature === 0 ? 2 : p.topK, offset, length);
  return argmaxWithMargin(candidateScores(cands, p, step));
}

export function argmaxWithMargin(scores: readonly TopEntry[]): Choice {
  let best = scores[0]!;
  let second = -Infinity;
  for (let i = 1; i < scores.length; i++) {
    const s = scores[i]!;
    if (s.logit > best.logit || (s.logit === best.logit && s.id < best.id)) {
      second = best.logit;
      best = s;
    } else if (s.logit > second) second = s.logit;
  }
  return { id: best.id, score: best.logit, margin: best.logit - second };
}

/**
 * For verification: the claimed token's score minus the best other candidate's score under the job's
 * sampling rule (> 0: the claim is the rule's choice; -Infinity: the claim is not a candidate).
 */
export function samplingMargin(logits: Float32Array, p: SamplingParams, step: number, claimed: number, offset = 0, length = logits.length - offset): number {
  const key = seedKey(p.seed!);
  const scoreOf = (id: number): number => logits[offset + id]! / p.temperature + gumbel(key, step, id);
  if (p.topK <= 0 || p.topK >= length) {
    if (!Number.isInteger(claimed) || claimed < 0 || claimed >= length) return -Infinity;
    // Best other = the top score if another token holds it, else the second (gumbel-max.ts).
    const t = gumbelTop2(logits, offset, length, p.temperature, key, step);
    return scoreOf(claimed) - (t.bestId === claimed ? t.second : t.best);
  }
  const c = topK(logits, p.topK, offset, length).map((e) => e.id);
  if (!c.includes(claimed)) return -Infinity;
  let mine = -Infinity;
  let other = -Infinity;
  for (const id of c) {
    const sc = scoreOf(id);
    if (id === claimed) mine = sc;
    else if (sc > other) other = sc;
  }
  return mine - other;
}
