/**
 * Verifier core: judges an executor's claimed result with ONE teacher-forced forward pass (engine `score`).
 *
 * Checks, in this order (the first failure is the verdict's reason):
 *  1. the output is non-empty, its ids are in the vocabulary and it fits the job's token limit;
 *  2. termination: no stop token before the last token; 'eos' <=> the last token is a stop token;
 *     'length' <=> exactly min(maxTokens, context - prompt) tokens;
 *  3. outputText is the detokenized output;
 *  4. committed steps (when the executor's API answered): their Merkle root is the chain's commitment and
 *     there is one step per output token;
 *  5. per step, from the forward pass: the claimed token is the job's choice (greedy: within eps of the max
 *     logit; sampling: the seeded Gumbel-max choice, within eps/T), and the committed top-k matches the
 *     verifier's own within topkTolerance.
 * The prompt is rebuilt from the job's text exactly as the executor's generator does; the executor's token ids
 * are never trusted. Rules: ../engine/SAMPLING.md, ../commitment/COMMITMENT.md; calibration of eps: ../../calibration.
 */
import { CommitmentError, commitmentRoot } from '../commitment/commitment.js';
import { ContextOverflowError, effectiveMaxTokens, resolvePrompt, score, seedKey, type LoadedModel } from '../engine/index.js';
import { stopIds } from '../engine/generate.js';
import { compareTopk, tokenFailure, type JobSampling } from './steps.js';
import { jobPromptInput } from '../jobs/prompt.js';

export interface Claim {
  /** The job's prompt: the verifier applies the chat template itself, never trusting the executor's token ids. */
  prompt: string;
  outputTokenIds: number[];
  outputText: string;
  maxTokens: number;
  temperatureMilli: number;
  topK: number;
  seed: bigint;
  finishReason: 'eos' | 'length';
  /** Hex root from chain. */
  commitment: string;
  /** The executor's committed per-step top-k, fetched from its API; undefined if unreachable. */
  steps?: { topk: { id: number; logit: number }[] }[];
}

export interface CheckOptions {
  /** Largest honest logit drift accepted for the claimed token (greedy gap; sampling: eps / T in score units). */
  eps: number;
  /** Largest honest |committed logit - verifier logit|. */
  topkTolerance: number;
  /** How many committed entries per step are compared (at most what the executor committed). */
  topKCommit: number;
}

export interface CheckResult {
  verdict: 'valid' | 'fraud';
  /** First failing check, e.g. "step 3: claimed token 812 is 5.21 below the max logit (eps 0.01)". */
  reason?: string;
  /** Output tokens judged. */
  steps: number;
  /** Time of the forward pass; 0 when the claim failed before it (structure, termination, text, commitment root). */
  forwardMs: number;
  /** Largest max(z) - z[claimed] over the steps (0 when no forward pass ran). */
  maxGap: number;
  /** Sampling jobs: smallest claimed-score minus best-other-score (z/T + g units). */
  minSamplingMargin?: number;
  /** 'checked': committed steps were verified; 'unavailable': judged on the forward pass alone. */
  commitment: 'checked' | 'unavailable';
  /** Largest |committed - verifier| logit over compared top-k entries (when steps were checked). */
  maxTopkDiff?: number;
  /** Remarks that do not change the verdict (e.g. committed steps missing). */
  note?: string;
}

/**
 * Calibrated on CPU (1 vs 2 threads, tiny model and SmolLM2; node/calibration/eps.json, CALIBRATION.md).
 * check.test.ts asserts these equal the JSON.
 */
export const DEFAULT_CHECK_OPTIONS: Readonly<CheckOptions> = Object.freeze({ eps: 1e-3, topkTolerance: 3e-3, topKCommit: 8 });

/** The claim or options cannot be judged (bad parameters, or this verifier cannot run the forward pass). Not a verdict. */
export class CheckError extends Error {
  override name = 'CheckError';
}

export { jobPromptInput };

export function jobPromptTokenIds(model: LoadedModel, prompt: string): number[] {
  return resolvePrompt(model, jobPromptInput(model, prompt));
}

/** Entries the verifier needs per step beyond the compared ones, so a boundary tie can be told from a forgery. */
const TOPK_SLACK = 4;
/** score()'s top-k is a cheap scan up to 64 entries, a full sort beyond. */
const CHEAP_TOPK = 64;

export async function checkClaim(model: LoadedModel, claim: Claim, opts: CheckOptions): Promise<CheckResult> {
  validate(claim, opts);
  const V = model.vocabSize;
  const ids = claim.outputTokenIds;
  const n = ids.length;
  const commitmentState: CheckResult['commitment'] = claim.steps ? 'checked' : 'unavailable';
  const fraud = (reason: string): CheckResult => ({ verdict: 'fraud', reason, steps: n, forwardMs: 0, maxGap: 0, commitment: commitmentState });

  // 1. Structure and limits.
  if (n === 0) return fraud('the output is empty (every job emits at least one token)');
  const badId = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= V);
  if (badId >= 0) return fraud(`step ${badId}: token id ${ids[badId]} is outside the vocabulary (${V})`);
  const promptIds = jobPromptTokenIds(model, claim.prompt);
  const capped = model.maxContext < model.config.arch.contextLength;
  let limit: number;
  try {
    limit = effectiveMaxTokens(promptIds.length, claim.maxTokens, model.maxContext);
  } catch (e) {
    if (!(e instanceof ContextOverflowError)) throw e;
    if (capped) throw new CheckError(`this verifier's context cap (${model.maxContext}) is too small for a prompt of ${promptIds.length} tokens`);
    return fraud(`the prompt has ${promptIds.length} tokens and no output fits the model's context (${model.maxContext}): the job should have been rejected`);
  }
  if (n > limit) {
    if (capped && n <= Math.min(claim.maxTokens, model.config.arch.contextLength - promptIds.length)) {
      throw new CheckError(`this verifier's context cap (${model.maxContext}) is too small for ${promptIds.length} prompt + ${n} output tokens`);
    }
    return fraud(`the output has ${n} tokens but at most ${limit} are allowed (max_tokens ${claim.maxTokens}, context ${model.maxContext}, prompt ${promptIds.length})`);
  }

  // 2. Termination.
  const stops = stopIds(model);
  const early = ids.slice(0, n - 1).findIndex((id) => stops.has(id));
  if (early >= 0) return fraud(`step ${early}: stop token ${ids[early]} but the output continues for ${n - 1 - early} more tokens`);
  const last = ids[n - 1]!;
  if (claim.finishReason === 'eos' && !stops.has(last)) return fraud(`finish reason 'eos' but the last token ${last} is not a stop token`);
  if (claim.finishReason === 'length') {
    if (stops.has(last)) return fraud(`finish reason 'length' but the last token ${last} is a stop token ('eos')`);
    if (n !== limit) return fraud(`finish reason 'length' after ${n} tokens but the limit is ${limit} (max_tokens ${claim.maxTokens})`);
  }

  // 3. Text.
  const text = model.tokenizer.decode(ids, { skipSpecial: true });
  if (text !== claim.outputText) return fraud('the output text is not the detokenized output tokens');

  // 4. Commitment root.
  if (claim.steps) {
    let root: string;
    try {
      root = commitmentRoot(claim.steps.map((s) => s.topk));
    } catch (e) {
      if (!(e instanceof CommitmentError)) throw e;
      return fraud(`the committed steps are malformed: ${e.message}`);
    }
    if (root !== claim.commitment.toLowerCase()) return fraud('commitment data does not match the root on chain');
    if (claim.steps.length !== n) return fraud(`the commitment covers ${claim.steps.length} steps but the output has ${n} tokens`);
  }

  // 5. One forward pass; per-step token choice and committed top-k.
  const sampling: JobSampling = { temperature: claim.temperatureMilli / 1000, topK: claim.topK, seed: claim.seed };
  const committedK = claim.steps ? Math.max(...claim.steps.map((s) => s.topk.length)) : 0;
  const compared = Math.min(opts.topKCommit, committedK || opts.topKCommit, V);
  let want = compared + TOPK_SLACK;
  if (sampling.temperature > 0 && sampling.topK > 0 && sampling.topK < CHEAP_TOPK) want = Math.max(want, sampling.topK + 1);
  const sc = await score(model, {
    promptTokenIds: promptIds,
    outputTokenIds: ids,
    maxTokens: claim.maxTokens,
    temperature: sampling.temperature,
    topK: sampling.topK,
    seed: sampling.seed,
    topKCommit: Math.min(want, V),
  });

  let reason: string | undefined;
  let maxGap = 0;
  let minMargin = Infinity;
  let maxTopkDiff = 0;
  for (const st of sc.steps) {
    maxGap = Math.max(maxGap, st.gap);
    if (st.samplingMargin !== undefined) minMargin = Math.min(minMargin, st.samplingMargin);
    reason ??= tokenFailure(st, sampling, opts.eps, V);
    if (claim.steps) {
      const cmp = compareTopk(st.step, claim.steps[st.step]!.topk, st.topk, compared, opts.topkTolerance, V);
      maxTopkDiff = Math.max(maxTopkDiff, cmp.maxDiff);
      reason ??= cmp.reason;
    }
  }
  const result: CheckResult = { verdict: reason ? 'fraud' : 'valid', steps: n, forwardMs: sc.forwardMs, maxGap, commitment: commitmentState };
  if (reason) result.reason = reason;
  if (sampling.temperature > 0) result.minSamplingMargin = minMargin;
  if (claim.steps) result.maxTopkDiff = maxTopkDiff;
  else result.note = "the executor's committed steps were unavailable: judged on the forward pass alone";
  return result;
}

function validate(c: Claim, o: CheckOptions): void {
  const int = (v: number, min: number, what: string): void => {
    if (!Number.isInteger(v) || v < min) throw new CheckError(`${what} must be an integer >= ${min}, got ${v}`);
  };
  int(c.maxTokens, 1, 'maxTokens');
  int(c.temperatureMilli, 0, 'temperatureMilli');
  int(c.topK, 0, 'topK');
  try {
    seedKey(c.seed);
  } catch (e) {
    throw new CheckError((e as Error).message);
  }
  if (c.finishReason !== 'eos' && c.finishReason !== 'length') throw new CheckError(`finishReason must be 'eos' or 'length', got ${String(c.finishReason)}`);
  if (!(o.eps >= 0 && Number.isFinite(o.eps))) throw new CheckError(`eps must be a finite number >= 0, got ${o.eps}`);
  if (!(o.topkTolerance >= 0 && Number.isFinite(o.topkTolerance))) throw new CheckError(`topkTolerance must be a finite number >= 0, got ${o.topkTolerance}`);
  int(o.topKCommit, 1, 'topKCommit');
}
