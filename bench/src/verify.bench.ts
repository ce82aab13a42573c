/**
 * Verifier statistics, offline, one run (checkClaim with the tolerances a sidecar uses for a cpu->cpu f32 result:
 * node/calibration/eps.json providerPairs; both models here are f32):
 *   - false-positive rate over honest jobs: tiny model (greedy and seeded sampling, varied prompts, seeds,
 *     temperatures, top-k, max_tokens; generated with 1 thread, verified with 1 or 2) plus SmolLM2 jobs if imported;
 *   - detection rate over forged jobs: (a) random token ids of plausible length, (b) an honest generation by a
 *     different model (second tiny model, same tokenizer) with its own valid commitment, (c) one swapped token
 *     (a runner-up from the committed top-k), (d) a truncated output claimed as 'eos';
 *   - audit cost: checkClaim vs generate for a 128-token SmolLM2 output, same threads (target <= 0.1).
 *
 * Needs a built node workspace. Run: npm run bench:verify -w @inferchain/bench
 * (VERIFY_BENCH_HONEST=300 VERIFY_BENCH_FORGED=100 VERIFY_BENCH_SMOL=16 VERIFY_BENCH_THREADS=2)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkClaim,
  commitmentRoot,
  DEFAULT_CHECK_OPTIONS,
  loadCalibratedTable,
  tolerancesFor,
  ensureTinyModel,
  findSmollm2,
  generate,
  jobPromptInput,
  loadModel,
  makeTinyModel,
  smollm2Dir,
  splitmix32,
  type Claim,
  type CheckResult,
  type LoadedModel,
} from "@inferchain/node";

const N_HONEST = Number(process.env.VERIFY_BENCH_HONEST ?? 300);
const N_FORGED = Number(process.env.VERIFY_BENCH_FORGED ?? 100);
const N_SMOL = Number(process.env.VERIFY_BENCH_SMOL ?? 16);
const THREADS = Number(process.env.VERIFY_BENCH_THREADS ?? 2);
const PAIR = tolerancesFor(loadCalibratedTable(), { executorProvider: "cpu", verifierProvider: "cpu", variant: "f32" }, DEFAULT_CHECK_OPTIONS);
if (!PAIR.judge) throw new Error(`no cpu->cpu f32 tolerances: ${PAIR.reason}`);
const OPTS = PAIR.options;
console.log(`tolerances (cpu->cpu, f32): eps ${OPTS.eps}, topkTolerance ${OPTS.topkTolerance}, topKCommit ${OPTS.topKCommit}`);

const PROMPTS = [
  "hello world", "The capital of France is", "What is the weather like in the city?", "Blocks are produced by validators",
  "How are you today?", "The quick brown fox", "A small model is trained to answer questions", "Write a haiku about fees.",
  "Explain a block in one sentence.", "What is 2 + 2?", "Tell me about Paris.", "Hello! Who are you?",
  "Each transaction pays a fee", "The model reads the prompt", "Describe the lazy dog.", "Why do validators check answers?",
];

/** Deterministic job parameters. */
const rand = splitmix32(20240611);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

interface Job {
  prompt: string;
  maxTokens: number;
  temperatureMilli: number;
  topK: number;
  seed: bigint;
}

function randomJob(maxTokens: [number, number]): Job {
  const greedy = rand() < 0.35;
  return {
    prompt: `${pick(PROMPTS)}${rand() < 0.5 ? "" : ` (${int(1, 999)})`}`,
    maxTokens: int(...maxTokens),
    temperatureMilli: greedy ? 0 : pick([200, 500, 700, 1000, 1300, 2000]),
    topK: greedy ? 0 : pick([0, 0, 1, 2, 5, 20, 40, 100]),
    seed: BigInt(int(0, 0xffffffff)) * BigInt(int(1, 0xffffffff)),
  };
}

/** What an honest executor (the sidecar's EngineGenerator) claims for a job. */
async function execute(m: LoadedModel, job: Job): Promise<Claim> {
  const r = await generate(m, {
    ...jobPromptInput(m, job.prompt),
    maxTokens: job.maxTokens,
    temperature: job.temperatureMilli / 1000,
    topK: job.topK,
    seed: job.seed,
    topKCommit: OPTS.topKCommit,
  });
  const steps = r.steps.map((s) => ({ topk: s.topk.map((e) => ({ id: e.id, logit: e.logit })) }));
  return {
    ...job,
    outputTokenIds: r.tokenIds,
    outputText: r.text,
    finishReason: r.finishReason,
    commitment: commitmentRoot(steps.map((s) => s.topk)),
    steps,
  };
}

function retext(m: LoadedModel, c: Claim, ids: number[]): Claim {
  return { ...c, outputTokenIds: ids, outputText: m.tokenizer.decode(ids, { skipSpecial: true }) };
}

interface Row {
  kind: string;
  jobs: number;
  flagged: number;
  expectFraud: boolean;
  ms: number;
  reasons: Map<string, number>;
  examples: string[];
}

function row(kind: string, expectFraud: boolean): Row {
  return { kind, jobs: 0, flagged: 0, expectFraud, ms: 0, reasons: new Map(), examples: [] };
}

async function judge(r: Row, m: LoadedModel, c: Claim): Promise<CheckResult> {
  const t = performance.now();
  const res = await checkClaim(m, c, OPTS);
  r.ms += performance.now() - t;
  r.jobs++;
  if (res.verdict === "fraud") {
    r.flagged++;
    const cls = (res.reason ?? "").replace(/^step \d+: /, "").replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, "#").slice(0, 48);
    r.reasons.set(cls, (r.reasons.get(cls) ?? 0) + 1);
  }
  // Keep the cases that went the wrong way for the report.
  if ((res.verdict === "fraud") !== r.expectFraud && r.examples.length < 3) r.examples.push(`${JSON.stringify({ ...c, steps: undefined, seed: String(c.seed) }).slice(0, 300)} -> ${res.verdict} ${res.reason ?? ""}`);
  return res;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const tinyDir = await ensureTinyModel();
  const exec1 = await loadModel(tinyDir, { threads: 1 });
  const ver2 = await loadModel(tinyDir, { threads: 2 });
  const tmp = await mkdtemp(join(tmpdir(), "inferchain-verify-bench-"));
  await makeTinyModel(join(tmp, "other"), { seed: 98765 });
  const other = await loadModel(join(tmp, "other"), { threads: 1 });
  const stops = new Set([exec1.config.tokenizer.eosTokenId, ...exec1.config.tokenizer.stopTokenIds]);
  console.log(`verify bench: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; eps ${OPTS.eps}, topkTolerance ${OPTS.topkTolerance}, topKCommit ${OPTS.topKCommit}`);

  const rows: Row[] = [];
  const honest = row("honest, tiny (gen 1t, verify 1t/2t)", false);
  const honestSteps: number[] = [];
  let sampled = 0;
  for (let i = 0; i < N_HONEST; i++) {
    const job = randomJob([4, 48]);
    if (job.temperatureMilli > 0) sampled++;
    const c = await execute(exec1, job);
    honestSteps.push(c.outputTokenIds.length);
    // Every 5th claim without its committed steps (executor API unreachable).
    await judge(honest, i % 2 ? ver2 : exec1, i % 5 === 4 ? { ...c, steps: undefined } : c);
  }
  rows.push(honest);

  const smolDir = findSmollm2();
  let smol: LoadedModel | undefined;
  if (smolDir) {
    smol = await loadModel(smolDir, { threads: THREADS });
    const r = row(`honest, SmolLM2 (${THREADS}t)`, false);
    for (let i = 0; i < N_SMOL; i++) await judge(r, smol, await execute(smol, randomJob([8, 32])));
    rows.push(r);
  }

  // (a) random token ids, no stop tokens, length = max_tokens ('length'); half of them with fabricated commitments.
  const a = row("(a) random token ids", true);
  for (let i = 0; i < N_FORGED; i++) {
    const job = randomJob([4, 48]);
    const ids: number[] = [];
    while (ids.length < job.maxTokens) {
      const id = int(0, exec1.vocabSize - 1);
      if (!stops.has(id)) ids.push(id);
    }
    const base: Claim = { ...job, outputTokenIds: ids, outputText: exec1.tokenizer.decode(ids, { skipSpecial: true }), finishReason: "length", commitment: "0".repeat(64) };
    if (i % 2) {
      const steps = ids.map((id) => ({ topk: [{ id, logit: 10 }] }));
      base.steps = steps;
      base.commitment = commitmentRoot(steps.map((s) => s.topk));
    }
    await judge(a, ver2, base);
  }
  rows.push(a);

  // (b) another model's honest output, with that model's own (valid) commitment.
  const b = row("(b) other model's output", true);
  for (let i = 0; i < N_FORGED; i++) await judge(b, ver2, await execute(other, randomJob([4, 48])));
  rows.push(b);

  // (c) one token swapped for a runner-up of the committed top-k (steps re-committed = unchanged records).
  const c = row("(c) one swapped token", true);
  for (let i = 0; i < N_FORGED; i++) {
    const h = await execute(exec1, randomJob([4, 48]));
    const s = int(0, h.outputTokenIds.length - 1);
    const alt = h.steps![s]!.topk.find((e) => e.id !== h.outputTokenIds[s] && !stops.has(e.id));
    if (!alt) {
      i--;
      continue;
    }
    const ids = [...h.outputTokenIds];
    ids[s] = alt.id;
    const forged = retext(exec1, h, ids);
    // A swapped last token changes an 'eos' claim's ending: claim it as it now looks.
    if (s === ids.length - 1 && h.finishReason === "eos") forged.finishReason = "length";
    await judge(c, ver2, forged);
  }
  rows.push(c);

  // (d) an honest output cut short and claimed as 'eos' (skip outputs of 1 token).
  const d = row("(d) truncated, claimed 'eos'", true);
  for (let i = 0; i < N_FORGED; i++) {
    const h = await execute(exec1, randomJob([8, 48]));
    const n = int(1, h.outputTokenIds.length - 1);
    const steps = h.steps!.slice(0, n);
    await judge(d, ver2, { ...retext(exec1, h, h.outputTokenIds.slice(0, n)), finishReason: "eos", steps, commitment: commitmentRoot(steps.map((x) => x.topk)) });
  }
  rows.push(d);

  console.log("\n| jobs | n | flagged as fraud | rate | verify ms/job | top reasons |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    const rate = r.flagged / r.jobs;
    const label = r.expectFraud ? `detection ${(rate * 100).toFixed(1)}%` : `false positives ${(rate * 100).toFixed(2)}%`;
    const reasons = [...r.reasons.entries()].sort((x, y) => y[1] - x[1]).slice(0, 2).map(([k, v]) => `${v}x "${k}"`).join("; ");
    console.log(`| ${r.kind} | ${r.jobs} | ${r.flagged} | ${label} | ${(r.ms / r.jobs).toFixed(1)} | ${reasons || "-"} |`);
  }
  const mean = honestSteps.reduce((x, y) => x + y, 0) / honestSteps.length;
  console.log(`\nhonest tiny jobs: ${sampled} sampled, ${N_HONEST - sampled} greedy, mean ${mean.toFixed(1)} output tokens`);
  for (const r of rows) for (const e of r.examples) console.log(`  unexpected (${r.kind}): ${e}`);

  // Audit cost: 128-token SmolLM2 output, same threads.
  if (smol) {
    const job: Job = { prompt: "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle.", maxTokens: 128, temperatureMilli: 700, topK: 40, seed: 42n };
    let claim = await execute(smol, job);
    let genMs = Infinity;
    let checkMs = Infinity;
    let fwdMs = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      claim = await execute(smol, job);
      genMs = Math.min(genMs, performance.now() - t);
      const t2 = performance.now();
      const res = await checkClaim(smol, claim, OPTS);
      checkMs = Math.min(checkMs, performance.now() - t2);
      fwdMs = Math.min(fwdMs, res.forwardMs);
      if (res.verdict !== "valid") console.log(`  cost run: unexpected verdict ${res.verdict}: ${res.reason}`);
    }
    console.log(
      `\naudit cost, SmolLM2 ${claim.outputTokenIds.length}-token output (${claim.finishReason}), ${THREADS} threads, best of 3: generate ${genMs.toFixed(0)} ms, ` +
        `checkClaim ${checkMs.toFixed(0)} ms (forward ${fwdMs.toFixed(0)} ms) -> cost ratio ${(checkMs / genMs).toFixed(3)} (target <= 0.1)`,
    );
    await smol.release();
  } else {
    console.log(`\naudit cost: SKIPPED, SmolLM2 not found at ${smollm2Dir()} (run 'make model')`);
  }

  await Promise.all([exec1.release(), ver2.release(), other.release()]);
  await rm(tmp, { recursive: true, force: true });
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
