import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitmentRoot } from '../commitment/commitment.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import type { StepScore } from '../engine/score.js';
import { gumbel, seedKey } from '../engine/philox.js';
import { EngineGenerator } from '../jobs/engine-generator.js';
import { spec } from '../jobs/testing.js';
import type { JobOutput, JobSpec } from '../jobs/types.js';
import { ensureTinyModel } from '../models/locations.js';
import { makeTinyModel } from '../models/tiny.js';
import { CheckError, checkClaim, DEFAULT_CHECK_OPTIONS, type Claim } from './check.js';
import { compareTopk, tokenFailure } from './steps.js';

const ROOT = 'a'.repeat(64);
const OPTS = DEFAULT_CHECK_OPTIONS;
let tiny: LoadedModel;
let tiny2: LoadedModel;
let other: LoadedModel;
let tmp: string;

beforeAll(async () => {
  const dir = await ensureTinyModel();
  tiny = await loadModel(dir, { threads: 1 });
  tiny2 = await loadModel(dir, { threads: 2 });
  tmp = await mkdtemp(join(tmpdir(), 'inferchain-verify-'));
  // Same tokenizer (trained on the same corpus), other weights.
  await makeTinyModel(join(tmp, 'other'), { seed: 98765 });
  other = await loadModel(join(tmp, 'other'), { threads: 1 });
});
afterAll(async () => {
  await Promise.all([tiny?.release(), tiny2?.release(), other?.release()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const gen = (m: LoadedModel, topKCommit = 8) => new EngineGenerator({ models: { get: (r) => (r === ROOT ? m : undefined) }, threads: 1, topKCommit });

function claimOf(s: JobSpec, o: JobOutput): Claim {
  return {
    prompt: s.prompt,
    outputTokenIds: [...o.tokenIds],
    outputText: o.text,
    maxTokens: s.maxTokens,
    temperatureMilli: s.temperatureMilli,
    topK: s.topK,
    seed: BigInt(s.seed),
    finishReason: o.finishReason,
    commitment: o.commitment,
    steps: o.steps.map((t) => ({ topk: t.map((e) => ({ ...e })) })),
  };
}

async function honest(over: Partial<JobSpec>, m: LoadedModel = tiny): Promise<{ s: JobSpec; o: JobOutput; claim: Claim }> {
  const s = spec(1, { model: ROOT, maxTokens: 16, ...over });
  const o = await gen(m).generate(s);
  return { s, o, claim: claimOf(s, o) };
}

/** Re-derives text (and optionally re-commits steps) after a forger edits the tokens. */
function withTokens(c: Claim, ids: number[], m: LoadedModel = tiny): Claim {
  return { ...c, outputTokenIds: ids, outputText: m.tokenizer.decode(ids, { skipSpecial: true }) };
}

const PROMPTS = ['hello world', 'The capital of France is', 'What is the weather like in the city?', 'Blocks are produced by validators'];
const SAMPLED = [
  { temperatureMilli: 1000, topK: 0, seed: '7' },
  { temperatureMilli: 700, topK: 40, seed: '18446744073709551615' },
  { temperatureMilli: 1500, topK: 5, seed: '123456789' },
  { temperatureMilli: 300, topK: 2, seed: '1' },
];

describe('checkClaim: honest executors pass', () => {
  it('greedy outputs of the sidecar generator are valid, committed steps checked', async () => {
    for (const prompt of PROMPTS) {
      const { claim } = await honest({ prompt });
      const r = await checkClaim(tiny, claim, OPTS);
      expect(r, r.reason).toMatchObject({ verdict: 'valid', steps: claim.outputTokenIds.length, commitment: 'checked' });
      expect(r.maxGap).toBeLessThanOrEqual(OPTS.eps);
      expect(r.maxTopkDiff).toBeLessThanOrEqual(OPTS.topkTolerance);
      expect(r.forwardMs).toBeGreaterThan(0);
      expect(r.minSamplingMargin).toBeUndefined();
    }
  });

  it('seeded sampled outputs (temperatures, top-k, seeds) are valid', async () => {
    for (const p of SAMPLED) {
      for (const prompt of PROMPTS.slice(0, 2)) {
        const { claim } = await honest({ prompt, ...p, maxTokens: 24 });
        const r = await checkClaim(tiny, claim, OPTS);
        expect(r.verdict, `${JSON.stringify(p)}: ${r.reason}`).toBe('valid');
        expect(r.minSamplingMargin).toBeGreaterThanOrEqual(-OPTS.eps);
      }
    }
  });

  it('another thread count on the verifier side still passes', async () => {
    const { claim } = await honest({ prompt: PROMPTS[2]!, temperatureMilli: 900, topK: 20, seed: '99', maxTokens: 32 });
    expect((await checkClaim(tiny2, claim, OPTS)).verdict).toBe('valid');
  });

  it('a stop token at the end is accepted as eos', async () => {
    // Force an eos-terminated claim: the tiny model's EOS is id 2; search seeds until one ends with it.
    for (let seed = 0; seed < 400; seed++) {
      const { claim } = await honest({ prompt: 'hello', temperatureMilli: 2000, topK: 0, seed: String(seed), maxTokens: 24 });
      if (claim.finishReason !== 'eos') continue;
      const r = await checkClaim(tiny, claim, OPTS);
      expect(r.verdict, r.reason).toBe('valid');
      return;
    }
    throw new Error('no eos-terminated sample in 400 seeds');
  });

  it('without committed steps, judges on the forward pass alone and says so', async () => {
    const { claim } = await honest({ prompt: PROMPTS[1]!, temperatureMilli: 800, topK: 10, seed: '5' });
    const r = await checkClaim(tiny, { ...claim, steps: undefined }, OPTS);
    expect(r).toMatchObject({ verdict: 'valid', commitment: 'unavailable' });
    expect(r.note).toMatch(/committed steps were unavailable/);
    expect(r.maxTopkDiff).toBeUndefined();
  });

  it('an executor committing fewer entries than the verifier compares is judged on what it committed', async () => {
    const s = spec(1, { model: ROOT, maxTokens: 12, prompt: PROMPTS[0]! });
    const r = await checkClaim(tiny, claimOf(s, await gen(tiny, 3).generate(s)), OPTS);
    expect(r.verdict, r.reason).toBe('valid');
  });
});

describe('checkClaim: forgeries fail with the right reason', () => {
  it('random token ids of plausible length (no commitment data)', async () => {
    const { claim } = await honest({ prompt: PROMPTS[0]! });
    let x = 12345;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const ids = claim.outputTokenIds.map(() => 3 + (rnd() % (tiny.vocabSize - 3))); // no specials: termination holds
    const r = await checkClaim(tiny, { ...withTokens(claim, ids), steps: undefined }, OPTS);
    expect(r.verdict).toBe('fraud');
    expect(r.reason).toMatch(/^step \d+: claimed token \d+ is [\d.e+-]+ below the max logit \(eps 0\.001\)$/);
    expect(r.maxGap).toBeGreaterThan(0.1);
  });

  it('one swapped token (greedy): fails at that step even with re-committed steps', async () => {
    const { o, claim } = await honest({ prompt: PROMPTS[1]! });
    const ids = [...claim.outputTokenIds];
    ids[3] = o.steps[3]![1]!.id; // the runner-up: a plausible token
    const forged = { ...withTokens(claim, ids), commitment: commitmentRoot(o.steps) };
    const r = await checkClaim(tiny, forged, OPTS);
    expect(r).toMatchObject({ verdict: 'fraud' });
    expect(r.reason).toMatch(/^step 3: claimed token \d+ is [\d.e+-]+ below the max logit/);
  });

  it('one swapped token (sampled): not the seeded choice', async () => {
    const { o, claim } = await honest({ prompt: PROMPTS[2]!, temperatureMilli: 1000, topK: 8, seed: '31337' });
    const ids = [...claim.outputTokenIds];
    ids[3] = o.steps[3]!.find((e) => e.id !== ids[3])!.id;
    const r = await checkClaim(tiny, { ...withTokens(claim, ids), steps: undefined }, OPTS);
    expect(r.verdict).toBe('fraud');
    expect(r.reason).toMatch(/^step 3: claimed token \d+ is not the seeded sampling choice/);
  });

  it('a token outside the top-k candidates (sampled)', async () => {
    const { o, claim } = await honest({ prompt: PROMPTS[2]!, temperatureMilli: 1000, topK: 2, seed: '4' });
    const ids = [...claim.outputTokenIds];
    ids[1] = o.steps[1]![5]!.id;
    const r = await checkClaim(tiny, { ...withTokens(claim, ids), steps: undefined }, OPTS);
    expect(r.reason).toMatch(/^step 1: claimed token \d+ is not among the top-2 sampling candidates \(rank 5\)$/);
  });

  it('tokens generated by a different model (same tokenizer), with its own valid commitment', async () => {
    for (const p of [{ temperatureMilli: 0 }, { temperatureMilli: 1000, topK: 0, seed: '77' }, { temperatureMilli: 800, topK: 20, seed: '78' }]) {
      const { claim } = await honest({ prompt: PROMPTS[3]!, ...p }, other);
      const r = await checkClaim(tiny, claim, OPTS);
      expect(r.verdict).toBe('fraud');
      expect(r.reason).toMatch(/^step 0: (claimed token \d+ is|committed)/);
    }
  });

  it("a truncated output claimed as 'eos' (or as 'length')", async () => {
    const { claim } = await honest({ prompt: PROMPTS[0]! });
    expect(claim.finishReason).toBe('length');
    const cut = withTokens(claim, claim.outputTokenIds.slice(0, 10));
    const steps = claim.steps!.slice(0, 10);
    const forged = { ...cut, steps, commitment: commitmentRoot(steps.map((s) => s.topk)) };
    const a = await checkClaim(tiny, { ...forged, finishReason: 'eos' }, OPTS);
    expect(a.reason).toMatch(/^finish reason 'eos' but the last token \d+ is not a stop token$/);
    const b = await checkClaim(tiny, forged, OPTS);
    expect(b.reason).toBe("finish reason 'length' after 10 tokens but the limit is 16 (max_tokens 16)");
  });

  it('a stop token in the middle, a stop token claimed as length, too many tokens', async () => {
    const { claim } = await honest({ prompt: PROMPTS[0]! });
    const mid = [...claim.outputTokenIds];
    mid[4] = 2;
    expect((await checkClaim(tiny, withTokens(claim, mid), OPTS)).reason).toBe('step 4: stop token 2 but the output continues for 11 more tokens');
    const endEos = [...claim.outputTokenIds];
    endEos[15] = 2;
    expect((await checkClaim(tiny, withTokens(claim, endEos), OPTS)).reason).toBe("finish reason 'length' but the last token 2 is a stop token ('eos')");
    const long = withTokens(claim, [...claim.outputTokenIds, claim.outputTokenIds[0]!]);
    expect((await checkClaim(tiny, long, OPTS)).reason).toMatch(/^the output has 17 tokens but at most 16 are allowed/);
    expect((await checkClaim(tiny, withTokens(claim, [...claim.outputTokenIds.slice(0, 15), 999_999]), OPTS)).reason).toBe(
      `step 15: token id 999999 is outside the vocabulary (${tiny.vocabSize})`,
    );
    expect((await checkClaim(tiny, withTokens(claim, []), OPTS)).reason).toMatch(/^the output is empty/);
  });

  it('output text that is not the detokenized tokens', async () => {
    const { claim } = await honest({ prompt: PROMPTS[0]! });
    const r = await checkClaim(tiny, { ...claim, outputText: claim.outputText + ' and more' }, OPTS);
    expect(r).toMatchObject({ verdict: 'fraud', reason: 'the output text is not the detokenized output tokens', forwardMs: 0 });
  });

  it('a tampered committed logit: root mismatch, or (re-committed) a logit the verifier does not compute', async () => {
    const { claim } = await honest({ prompt: PROMPTS[1]!, temperatureMilli: 600, topK: 12, seed: '2024' });
    const steps = claim.steps!.map((s) => ({ topk: s.topk.map((e) => ({ ...e })) }));
    steps[2]!.topk[1]!.logit += 0.05;
    const a = await checkClaim(tiny, { ...claim, steps }, OPTS);
    expect(a.reason).toBe('commitment data does not match the root on chain');
    const b = await checkClaim(tiny, { ...claim, steps, commitment: commitmentRoot(steps.map((s) => s.topk)) }, OPTS);
    expect(b.reason).toMatch(/^step 2: committed logit of token \d+ is [-\d.e]+, the verifier computes [-\d.e]+ \(tolerance 0\.003\)$/);
  });

  it('committed steps of another length, a dropped top-k entry', async () => {
    const { claim } = await honest({ prompt: PROMPTS[1]! });
    const short = claim.steps!.slice(0, 15);
    const a = await checkClaim(tiny, { ...claim, steps: short, commitment: commitmentRoot(short.map((s) => s.topk)) }, OPTS);
    expect(a.reason).toBe('the commitment covers 15 steps but the output has 16 tokens');
    const steps = claim.steps!.map((s) => ({ topk: [...s.topk] }));
    const dropped = steps[5]!.topk.splice(1, 1)[0]!; // hide the runner-up, keep 7 entries
    const b = await checkClaim(tiny, { ...claim, steps, commitment: commitmentRoot(steps.map((s) => s.topk)) }, OPTS);
    expect(b.reason).toBe(`step 5: token ${dropped.id} (logit ${dropped.logit}) is missing from the committed top-7`);
  });

  it('bad parameters are a CheckError, not a verdict', async () => {
    const { claim } = await honest({ prompt: PROMPTS[0]!, maxTokens: 4 });
    await expect(checkClaim(tiny, { ...claim, temperatureMilli: -1 }, OPTS)).rejects.toBeInstanceOf(CheckError);
    await expect(checkClaim(tiny, { ...claim, seed: -1n }, OPTS)).rejects.toBeInstanceOf(CheckError);
    await expect(checkClaim(tiny, claim, { ...OPTS, eps: Number.NaN })).rejects.toBeInstanceOf(CheckError);
  });
});

describe('step judgements near ties (synthetic scores)', () => {
  const step = (over: Partial<StepScore>): StepScore => ({ step: 0, claimedId: 1, claimedLogit: 0, maxLogit: 0, gap: 0, rank: 0, topk: [], ...over });

  it('a top-k boundary contested within eps: the claim may be the boundary token', () => {
    // Verifier: token 5 at 1.0000 is 2nd, token 9 at 0.9996 is 3rd; the executor (drift) had 9 in its top-2.
    const topk = [
      { id: 4, logit: 3 },
      { id: 5, logit: 1.0 },
      { id: 9, logit: 0.9996 },
    ];
    const st = step({ claimedId: 9, claimedLogit: 0.9996, maxLogit: 3, gap: 2.0004, rank: 2, topk, samplingMargin: -Infinity });
    // A seed where token 9's perturbed score beats the sure candidate 4 (token 5, tied with 9 within eps, is no competitor).
    let seed = 0n;
    const g = (id: number) => gumbel(seedKey(seed), 0, id);
    while (!(0.9996 + g(9) > 3 + g(4) + 0.01)) seed++;
    const p = { temperature: 1, topK: 2, seed };
    expect(tokenFailure(st, p, 1e-3, 100)).toBeUndefined();
    // The same claim 0.5 below the boundary is no candidate at all.
    const clear = tokenFailure({ ...st, topk: [topk[0]!, topk[1]!, { id: 9, logit: 0.5 }], claimedLogit: 0.5 }, p, 1e-3, 100);
    expect(clear).toMatch(/not among the top-2 sampling candidates/);
    // And a boundary token that loses to the sure candidate is not the choice.
    seed = 0n;
    while (!(0.9996 + g(9) < 3 + g(4) - 0.01)) seed++;
    expect(tokenFailure(st, { ...p, seed }, 1e-3, 100)).toMatch(/not the seeded sampling choice/);
  });

  it('committed top-k: a swapped tie at the last place passes, a real omission fails', () => {
    const mine = [
      { id: 1, logit: 5 },
      { id: 2, logit: 4 },
      { id: 3, logit: 3.0002 },
      { id: 4, logit: 3.0 },
      { id: 5, logit: 1 },
    ];
    const tie = compareTopk(0, [mine[0]!, mine[1]!, { id: 4, logit: 3.0 }], mine, 3, 1e-3, 100);
    expect(tie.reason).toBeUndefined();
    const omit = compareTopk(0, [mine[0]!, mine[2]!, mine[3]!], mine, 3, 1e-3, 100);
    expect(omit.reason).toBe('step 0: token 2 (logit 4) is missing from the committed top-3');
    const far = compareTopk(0, [mine[0]!, mine[1]!, { id: 77, logit: 0.5 }], mine, 3, 1e-3, 100);
    expect(far.reason).toMatch(/^step 0: committed token 77 is not in the verifier's top-5/);
  });
});

describe('DEFAULT_CHECK_OPTIONS', () => {
  it('equals the calibration output (node/calibration/eps.json)', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const j = JSON.parse(readFileSync(join(here, '..', '..', 'calibration', 'eps.json'), 'utf8')) as { recommended: { eps: number; topkTolerance: number; topKCommit: number } };
    expect({ ...DEFAULT_CHECK_OPTIONS }).toEqual(j.recommended);
  });
});
