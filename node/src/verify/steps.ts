/**
 * Per-step judgements of a teacher-forced score (pure functions, no model): was the claimed token the
 * job's choice, and does the executor's committed top-k agree with the verifier's own logits?
 * Both allow honest float drift (eps, tolerance in logit units) and never more.
 */
import { gumbel, seedKey, type StepScore, type TopEntry } from '../engine/index.js';

export interface JobSampling {
  /** 0 = greedy. */
  temperature: number;
  /** Candidate set; 0 = whole vocabulary. */
  topK: number;
  seed: bigint;
}

/** Short number for messages: 3 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(3)));
}

/**
 * Why the claimed token of one step is not the job's choice, or undefined when it is (within eps).
 *
 * Greedy: max(z) - z[claimed] <= eps. Sampling: the claim's Gumbel-perturbed score z/T + g must be within
 * eps/T of the best other candidate's (a logit drift of eps moves a score by eps/T). With a top-k candidate
 * set, tokens whose logit is within eps of the verifier's k-th logit may or may not have been candidates for
 * the executor; when the strict check fails, such boundary tokens are given the benefit of the doubt: the claim
 * may itself be one, and they are left out of the competitors. Needs `st.topk` to hold at least k + 1 entries
 * for that (the caller asks score() for them when k <= 63); otherwise the strict result stands.
 */
export function tokenFailure(st: StepScore, p: JobSampling, eps: number, vocabSize: number): string | undefined {
  const s = st.step;
  const id = st.claimedId;
  if (p.temperature === 0) {
    if (st.gap <= eps) return undefined;
    return `step ${s}: claimed token ${id} is ${fmt(st.gap)} below the max logit (eps ${eps})`;
  }
  const tol = eps / p.temperature;
  const strict = st.samplingMargin ?? -Infinity;
  if (strict >= -tol) return undefined;

  const k = p.topK;
  if (k > 0 && k < vocabSize && st.topk.length > k) {
    const zk = st.topk[k - 1]!.logit;
    const zNext = st.topk[k]!.logit;
    if (zk - zNext <= eps) {
      // The k-th place is contested within eps: the executor's candidate set may differ at the boundary.
      if (st.claimedLogit < zk - eps) return notCandidate(st, k);
      const key = seedKey(p.seed);
      const scoreOf = (e: TopEntry): number => e.logit / p.temperature + gumbel(key, s, e.id);
      const mine = scoreOf({ id, logit: st.claimedLogit });
      let best = -Infinity;
      for (const e of st.topk.slice(0, k)) if (e.id !== id && e.logit > zk + eps) best = Math.max(best, scoreOf(e));
      if (mine - best >= -tol) return undefined;
      return notChoice(s, id, best - mine, tol);
    }
  }
  if (strict === -Infinity) return notCandidate(st, k);
  return notChoice(s, id, -strict, tol);
}

function notCandidate(st: StepScore, k: number): string {
  return `step ${st.step}: claimed token ${st.claimedId} is not among the top-${k} sampling candidates (rank ${st.rank})`;
}

function notChoice(step: number, id: number, below: number, tol: number): string {
  return `step ${step}: claimed token ${id} is not the seeded sampling choice (its score z/T+g is ${fmt(below)} below the best candidate's, tolerance ${fmt(tol)})`;
}

export interface TopkComparison {
  reason?: string;
  /** Largest |committed logit - verifier logit| over the compared entries present in both lists. */
  maxDiff: number;
}

/**
 * Compares the first `m` committed entries of one step with the verifier's own top list `mine` (sorted, at least
 * m entries; a few more let a boundary swap be told from a forgery). Every committed id must carry the verifier's
 * logit within `tol`, and no token clearly above the committed m-th logit may be missing. Ties at the m-th place
 * (within tol) may be ordered differently by honest executors and are accepted.
 */
export function compareTopk(step: number, committed: readonly TopEntry[], mine: readonly TopEntry[], m: number, tol: number, vocabSize: number): TopkComparison {
  let maxDiff = 0;
  if (committed.length === 0) return { reason: `step ${step}: the committed top-k is empty`, maxDiff };
  const C = committed.slice(0, m);
  const byId = new Map(mine.map((e) => [e.id, e.logit]));
  const seen = new Set<number>();
  const boundary = mine[Math.min(C.length, mine.length) - 1]!.logit;
  const floor = mine[mine.length - 1]!.logit;
  for (const c of C) {
    if (!Number.isInteger(c.id) || c.id < 0 || c.id >= vocabSize) return { reason: `step ${step}: committed token ${c.id} is outside the vocabulary (${vocabSize})`, maxDiff };
    if (seen.has(c.id)) return { reason: `step ${step}: committed token ${c.id} is listed twice`, maxDiff };
    seen.add(c.id);
    const v = byId.get(c.id);
    if (v !== undefined) {
      const d = Math.abs(c.logit - v);
      if (!(d <= tol)) return { reason: `step ${step}: committed logit of token ${c.id} is ${c.logit}, the verifier computes ${v} (tolerance ${tol})`, maxDiff: Math.max(maxDiff, d) };
      maxDiff = Math.max(maxDiff, d);
      continue;
    }
    // Not in the verifier's list: its true logit is <= floor. Honest only at a tie around the boundary.
    if (!(c.logit <= floor + tol)) {
      return { reason: `step ${step}: committed logit of token ${c.id} is ${c.logit}, the verifier computes at most ${floor} (tolerance ${tol})`, maxDiff };
    }
    if (mine.length < vocabSize && floor < boundary - tol) {
      return { reason: `step ${step}: committed token ${c.id} is not in the verifier's top-${mine.length} (its ${C.length}-th logit is ${boundary})`, maxDiff };
    }
  }
  let cmin = Infinity;
  for (const c of C) cmin = Math.min(cmin, c.logit);
  for (const v of mine.slice(0, C.length)) {
    if (!seen.has(v.id) && v.logit > cmin + tol) {
      return { reason: `step ${step}: token ${v.id} (logit ${v.logit}) is missing from the committed top-${C.length}`, maxDiff };
    }
  }
  return { maxDiff };
}
