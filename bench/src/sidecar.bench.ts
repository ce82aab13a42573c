/**
 * The sidecar against a bare engine loop, and the chain pipeline's latency, over a private localnet.
 *
 * 1. Throughput (SmolLM2-135M-Instruct, greedy, same threads / max_tokens / prompts / chat template):
 *    - bare loop: loadModel + generate() in this process, once before the localnet starts (quiet machine) and
 *      once per prompt beside the running localnet (round-robin with the sidecar jobs, so load hits both alike);
 *    - sidecar: the same prompts as real inference transactions (SigningInferchainClient.infer), one at a time;
 *      engine throughput from the job's on-chain result (runtime prefill_ms + decode_ms, output token count) and
 *      end-to-end throughput from the wall time submit -> settled (what a dApp waits for with infer()).
 * 2. Latency over many jobs on the tiny seeded model (engine time negligible, the chain pipeline dominates):
 *    request inclusion -> result inclusion and request -> settled, in blocks (the job record's heights) and in
 *    seconds (block header times, and the SDK's onRequested/onStatus wall-clock timestamps). Jobs run a few at a
 *    time, one stream per dev account (alice, bob, carol, dave).
 * 3. Gateway load (gateway-load.ts): `inferchain gateway` and concurrent streaming clients (the official openai
 *    client) on SmolLM2 (the tiny model when SmolLM2 is absent): TTFT and per-stream tok/s p50/p95, aggregate
 *    tok/s, every job checked settled on chain; peers: a single-client pass and request -> result on chain. The
 *    sidecar gets engine.maxConcurrentJobs = clients when its config knows the key (batched decoding).
 *
 * The localnet lives in a temp home on port offset 30000 (RPC 127.0.0.1:56657, sidecar API 56680), loopback
 * only, and is always stopped and wiped at the end (also on SIGINT / SIGTERM).
 *
 * Needs `make build tiny-model` (and `make model` for part 1, which is skipped with a message otherwise).
 * Run: npx tsx bench/src/sidecar.bench.ts [--json]   (or make bench-sidecar)
 * Env: SIDECAR_BENCH_THREADS=2 SIDECAR_BENCH_MAX_TOKENS=32 SIDECAR_BENCH_JOBS=50 SIDECAR_BENCH_CONCURRENCY=4
 *      SIDECAR_BENCH_TINY_MAX_TOKENS=8 SIDECAR_BENCH_PORT_OFFSET=30000
 *      SIDECAR_BENCH_PARTS=throughput,latency,gateway (which parts run; default all)
 *      SIDECAR_BENCH_GATEWAY_CLIENTS=8 SIDECAR_BENCH_GATEWAY_REQUESTS=3 SIDECAR_BENCH_GATEWAY_MAX_TOKENS=32
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generate, loadModel, type LoadedModel } from "@inferchain/node";
import {
  DEFAULT_MODEL_NAME,
  defaultModelDir,
  devAccount,
  latestHeight,
  portsFor,
  startLocalnet,
  stopLocalnet,
  TINY_MODEL_DIR,
  USER_ACCOUNTS,
  type LocalnetInfo,
  type RegisteredModel,
} from "@inferchain/localnet";
import { signerFromMnemonic, SigningInferchainClient, type InferResult } from "@inferchain/sdk";
import { gatewayLoad, printGatewayLoad, type GatewayLoadReport } from "./gateway-load.js";

const envInt = (name: string, dflt: number): number => {
  const v = Number.parseInt(process.env[name] ?? "", 10);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const threads = envInt("SIDECAR_BENCH_THREADS", 2);
const maxTokens = envInt("SIDECAR_BENCH_MAX_TOKENS", 32);
const latencyJobs = envInt("SIDECAR_BENCH_JOBS", 50);
const concurrency = Math.min(envInt("SIDECAR_BENCH_CONCURRENCY", 4), USER_ACCOUNTS.length);
const tinyMaxTokens = envInt("SIDECAR_BENCH_TINY_MAX_TOKENS", 8);
const portOffset = envInt("SIDECAR_BENCH_PORT_OFFSET", 30_000);
const INFER_TIMEOUT_MS = 180_000;
const PARTS = new Set((process.env.SIDECAR_BENCH_PARTS ?? "throughput,latency,gateway").split(",").map((x) => x.trim()));
const gatewayClients = envInt("SIDECAR_BENCH_GATEWAY_CLIENTS", 8);
const gatewayRequests = envInt("SIDECAR_BENCH_GATEWAY_REQUESTS", 3);
const gatewayMaxTokens = envInt("SIDECAR_BENCH_GATEWAY_MAX_TOKENS", 32);

const PROMPTS = [
  "What is the capital of France? Answer in one sentence.",
  "Explain photosynthesis to a ten-year-old.",
  "Write a haiku about the sea.",
  "List three uses of a paperclip.",
  "What is the difference between weather and climate?",
  "Give me a tip for learning a new language.",
  "Why is the sky blue?",
  "Describe a cat in two sentences.",
  "What does a compiler do?",
  "Suggest a name for a friendly robot.",
];

const t0 = performance.now();
const progress = (line: string): void => {
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
};

// ---------- statistics ----------

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

interface Dist {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}
function dist(xs: readonly number[]): Dist {
  return { n: xs.length, median: percentile(xs, 50), p95: percentile(xs, 95), min: Math.min(...xs), max: Math.max(...xs) };
}

// ---------- part 1: generation throughput ----------

/** One generation: output tokens (stop token included, as on chain) and where the time went. */
interface GenSample {
  tokenIds: number[];
  promptTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** Wall time of the whole call (bare: generate(); sidecar: submit -> settled as seen by infer()). */
  wallMs: number;
}

interface SidecarSample extends GenSample {
  /** Submit -> result_submitted seen by the SDK poll (undefined when the poll only saw it settled). */
  resultWallMs: number | undefined;
}

async function bareOne(model: LoadedModel, prompt: string): Promise<GenSample> {
  const t = performance.now();
  // The sidecar's EngineGenerator: the prompt as the user message of the chat template, top-8 commitment record.
  const input = model.config.tokenizer.chatTemplate ? { messages: [{ role: "user" as const, content: prompt }] } : { prompt };
  const r = await generate(model, { ...input, maxTokens, temperature: 0, topKCommit: 8 });
  const wallMs = performance.now() - t;
  return { tokenIds: r.tokenIds, promptTokens: r.timings.promptTokens, prefillMs: r.timings.prefillMs, decodeMs: r.timings.decodeMs, wallMs };
}

async function bareLoop(model: LoadedModel, label: string): Promise<GenSample[]> {
  const out: GenSample[] = [];
  for (const [i, p] of PROMPTS.entries()) {
    out.push(await bareOne(model, p));
    progress(`bare loop (${label}) ${i + 1}/${PROMPTS.length}`);
  }
  return out;
}

interface Timed {
  result: InferResult;
  submitAt: number;
  includedAt: number;
  resultAt: number | undefined;
  settledAt: number;
}

/** infer() with wall-clock timestamps of submit, inclusion (onRequested), result seen and settled. */
async function timedInfer(client: SigningInferchainClient, model: string, prompt: string, tokens: number): Promise<Timed> {
  const submitAt = performance.now();
  let includedAt = Number.NaN;
  let resultAt: number | undefined;
  const result = await client.infer({
    model,
    prompt,
    maxTokens: tokens,
    temperature: 0,
    timeoutMs: INFER_TIMEOUT_MS,
    onRequested: () => {
      includedAt = performance.now();
    },
    onStatus: ({ status }) => {
      if (status === "result_submitted" && resultAt === undefined) resultAt = performance.now();
    },
  });
  return { result, submitAt, includedAt, resultAt, settledAt: performance.now() };
}

function sidecarSample(t: Timed): SidecarSample {
  const rt = t.result.receipt.runtime;
  if (rt === undefined) throw new Error(`job ${t.result.jobId} settled without a runtime profile`);
  return {
    tokenIds: t.result.tokenIds,
    promptTokens: rt.promptTokens,
    prefillMs: rt.prefillMs,
    decodeMs: rt.decodeMs,
    wallMs: t.settledAt - t.submitAt,
    resultWallMs: t.resultAt === undefined ? undefined : t.resultAt - t.submitAt,
  };
}

interface ThroughputRow {
  label: string;
  jobs: number;
  tokens: number;
  /** Total time the row's tok/s is computed from. */
  ms: number;
  tokPerS: number;
  medianJobMs: number;
}

function row<S extends GenSample>(label: string, samples: readonly S[], timeOf: (s: S) => number): ThroughputRow {
  const tokens = sum(samples.map((s) => s.tokenIds.length));
  const times = samples.map(timeOf);
  const ms = sum(times);
  return { label, jobs: samples.length, tokens, ms, tokPerS: (tokens / ms) * 1000, medianJobMs: percentile(times, 50) };
}
const engineMs = (s: GenSample): number => s.prefillMs + s.decodeMs;

interface ThroughputReport {
  model: string;
  threads: number;
  maxTokens: number;
  prompts: number;
  rows: ThroughputRow[];
  identicalOutputs: number;
  /** Sidecar engine tok/s over bare tok/s (beside the localnet): below 1 = the sidecar's engine is slower. */
  engineRatio: number;
  /** Median over prompts of bare engine ms / sidecar engine ms for the same prompt (less sensitive to load spikes). */
  pairedMedianRatio: number;
  /** Sidecar end-to-end wall (submit -> settled) over bare engine time: how much longer a dApp waits. */
  e2eOverhead: number;
  e2eResultOverhead: number | undefined;
}

async function throughputPart(quiet: GenSample[], model: LoadedModel, info: LocalnetInfo, smol: RegisteredModel): Promise<ThroughputReport> {
  const client = await clientFor(info, "bob");
  try {
    progress(`warm-up: one sidecar job and one bare generation (not counted)`);
    await timedInfer(client, smol.contentRoot, PROMPTS[0]!, maxTokens);
    await bareOne(model, PROMPTS[0]!);
    const beside: GenSample[] = [];
    const sidecar: SidecarSample[] = [];
    for (const [i, p] of PROMPTS.entries()) {
      beside.push(await bareOne(model, p));
      const s = sidecarSample(await timedInfer(client, smol.contentRoot, p, maxTokens));
      sidecar.push(s);
      progress(`sidecar job ${i + 1}/${PROMPTS.length}: ${s.tokenIds.length} tokens, engine ${engineMs(s)} ms, submit->settled ${(s.wallMs / 1000).toFixed(2)} s`);
    }
    return throughputReport(quiet, beside, sidecar);
  } finally {
    client.disconnect();
  }
}

function throughputReport(quiet: GenSample[], beside: GenSample[], sidecar: SidecarSample[]): ThroughputReport {
  const withResult = sidecar.filter((s): s is SidecarSample & { resultWallMs: number } => s.resultWallMs !== undefined);
  const rows = [
    row("bare generate(), no localnet", quiet, engineMs),
    row("bare generate(), localnet beside", beside, engineMs),
    row("sidecar engine (job runtime)", sidecar, engineMs),
    row("sidecar e2e submit->settled", sidecar, (s) => s.wallMs),
  ];
  if (withResult.length === sidecar.length) rows.push(row("sidecar e2e submit->result", withResult, (s) => s.resultWallMs));
  const bare = rows[1]!;
  return {
    model: DEFAULT_MODEL_NAME,
    threads,
    maxTokens,
    prompts: PROMPTS.length,
    rows,
    identicalOutputs: sidecar.filter((s, i) => s.tokenIds.join() === beside[i]?.tokenIds.join()).length,
    engineRatio: rows[2]!.tokPerS / bare.tokPerS,
    pairedMedianRatio: percentile(sidecar.map((s, i) => engineMs(beside[i]!) / engineMs(s)), 50),
    e2eOverhead: rows[3]!.ms / bare.ms,
    e2eResultOverhead: withResult.length === sidecar.length ? rows[4]!.ms / bare.ms : undefined,
  };
}

// ---------- part 2: pipeline latency ----------

interface LatencySample {
  requestHeight: number;
  resultHeight: number;
  settledHeight: number;
  /** Block header times (ms) of those heights. */
  blockResultMs: number;
  blockSettledMs: number;
  /** SDK wall clock: onRequested -> result seen / settled, and submit -> settled. */
  wallResultMs: number | undefined;
  wallSettledMs: number;
  wallSubmitSettledMs: number;
}

/** Block header times by height (RFC 3339 with nanoseconds, cut to ms). */
function blockTimes(rpc: string): (height: number) => Promise<number> {
  const cache = new Map<number, Promise<number>>();
  const fetchTime = async (h: number): Promise<number> => {
    const res = await fetch(`${rpc}/block?height=${h}`);
    const body = (await res.json()) as { result?: { block?: { header?: { time?: string } } } };
    const time = body.result?.block?.header?.time;
    if (time === undefined) throw new Error(`no header time for block ${h}`);
    return Date.parse(time.replace(/(\.\d{3})\d*Z$/, "$1Z"));
  };
  return (h) => {
    let p = cache.get(h);
    if (p === undefined) cache.set(h, (p = fetchTime(h)));
    return p;
  };
}

async function latencySample(t: Timed, timeOf: (h: number) => Promise<number>): Promise<LatencySample> {
  const h = t.result.receipt.heights;
  if (h.result === undefined || h.settled === undefined) throw new Error(`job ${t.result.jobId} has no result or settlement height`);
  const [req, res, set] = await Promise.all([timeOf(h.requested), timeOf(h.result), timeOf(h.settled)]);
  return {
    requestHeight: h.requested,
    resultHeight: h.result,
    settledHeight: h.settled,
    blockResultMs: res - req,
    blockSettledMs: set - req,
    wallResultMs: t.resultAt === undefined ? undefined : t.resultAt - t.includedAt,
    wallSettledMs: t.settledAt - t.includedAt,
    wallSubmitSettledMs: t.settledAt - t.submitAt,
  };
}

/** `latencyJobs` tiny jobs, `concurrency` streams (one dev account each, so no sequence clashes). */
async function latencyPart(info: LocalnetInfo, tiny: RegisteredModel): Promise<LatencySample[]> {
  const accounts = USER_ACCOUNTS.slice(0, concurrency);
  const clients = await Promise.all(accounts.map((a) => clientFor(info, a)));
  const timeOf = blockTimes(rpcOf(info));
  try {
    progress(`warm-up: one tiny job (not counted)`);
    await timedInfer(clients[0]!, tiny.contentRoot, PROMPTS[0]!, tinyMaxTokens);
    const out: LatencySample[] = [];
    let next = 0;
    const stream = async (client: SigningInferchainClient): Promise<void> => {
      while (next < latencyJobs) {
        const i = next++;
        const t = await timedInfer(client, tiny.contentRoot, PROMPTS[i % PROMPTS.length]!, tinyMaxTokens);
        const s = await latencySample(t, timeOf);
        out.push(s);
        progress(`latency job ${out.length}/${latencyJobs}: heights ${s.requestHeight} -> result ${s.resultHeight} -> settled ${s.settledHeight}`);
      }
    };
    await Promise.all(clients.map(stream));
    return out;
  } finally {
    for (const c of clients) c.disconnect();
  }
}

interface LatencyReport {
  jobs: number;
  concurrency: number;
  accounts: string[];
  maxTokens: number;
  resultBlocks: Dist;
  settledBlocks: Dist;
  resultBlockTimeS: Dist;
  settledBlockTimeS: Dist;
  resultWallS: Dist;
  settledWallS: Dist;
  submitSettledWallS: Dist;
  meanBlockIntervalS: number;
}

function latencyReport(samples: LatencySample[]): LatencyReport {
  const s = (ms: number) => ms / 1000;
  const walls = samples.map((x) => x.wallResultMs).filter((x): x is number => x !== undefined);
  const blocks = samples.map((x) => x.settledHeight - x.requestHeight);
  return {
    jobs: samples.length,
    concurrency,
    accounts: USER_ACCOUNTS.slice(0, concurrency),
    maxTokens: tinyMaxTokens,
    resultBlocks: dist(samples.map((x) => x.resultHeight - x.requestHeight)),
    settledBlocks: dist(blocks),
    resultBlockTimeS: dist(samples.map((x) => s(x.blockResultMs))),
    settledBlockTimeS: dist(samples.map((x) => s(x.blockSettledMs))),
    resultWallS: dist(walls.map(s)),
    settledWallS: dist(samples.map((x) => s(x.wallSettledMs))),
    submitSettledWallS: dist(samples.map((x) => s(x.wallSubmitSettledMs))),
    meanBlockIntervalS: sum(samples.map((x) => s(x.blockSettledMs))) / Math.max(1, sum(blocks)),
  };
}

// ---------- localnet ----------

const rpcOf = (info: LocalnetInfo): string => {
  const rpc = info.nodes[0]?.endpoints.rpc;
  if (rpc === undefined) throw new Error("the localnet has no node");
  return rpc;
};

async function clientFor(info: LocalnetInfo, account: string): Promise<SigningInferchainClient> {
  const wallet = await signerFromMnemonic(devAccount(account).mnemonic);
  return SigningInferchainClient.connectWithSigner(rpcOf(info), wallet, { chainId: info.chainId });
}

/** Stops and wipes the private localnet exactly once, whatever ends the run. */
function localnetGuard(home: string): () => Promise<void> {
  let done: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (done ??= (async () => {
      progress(`stopping the localnet in ${home}`);
      try {
        await stopLocalnet(home);
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    })());
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      progress(`${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  return cleanup;
}

function findModel(info: LocalnetInfo, dir: string): RegisteredModel {
  const m = info.models.find((x) => x.dir === dir);
  if (m === undefined) throw new Error(`the localnet does not serve ${dir}`);
  return m;
}

// ---------- output ----------

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "-");

function printThroughput(t: ThroughputReport): void {
  console.log(`\n1. generation throughput: ${t.model}, ${t.threads} threads (CPU), max_tokens ${t.maxTokens}, greedy, ${t.prompts} prompts, chat template`);
  console.log(`   ${"".padEnd(34)} ${"tokens".padStart(6)} ${"time ms".padStart(9)} ${"tok/s".padStart(7)} ${"median job ms".padStart(14)}`);
  for (const r of t.rows) {
    console.log(`   ${r.label.padEnd(34)} ${String(r.tokens).padStart(6)} ${f(r.ms, 0).padStart(9)} ${f(r.tokPerS).padStart(7)} ${f(r.medianJobMs, 0).padStart(14)}`);
  }
  console.log(`   outputs identical to the bare loop: ${t.identicalOutputs}/${t.prompts}`);
  console.log(`   ratio sidecar engine / bare (tok/s, bare beside the localnet): ${f(t.engineRatio, 2)}x  (engine time overhead ${f((1 / t.engineRatio - 1) * 100, 0)}%)`);
  console.log(`   same, median of per-prompt pairs:                              ${f(t.pairedMedianRatio, 2)}x`);
  console.log(`   ratio sidecar engine / bare (no localnet):                     ${f(t.rows[2]!.tokPerS / t.rows[0]!.tokPerS, 2)}x`);
  console.log(`   end-to-end overhead, submit->settled wall / bare engine time:   ${f(t.e2eOverhead, 1)}x`);
  if (t.e2eResultOverhead !== undefined) console.log(`   end-to-end overhead, submit->result wall / bare engine time:    ${f(t.e2eResultOverhead, 1)}x`);
}

function printDist(label: string, d: Dist, unit: string, digits: number): void {
  console.log(`   ${label.padEnd(44)} ${f(d.median, digits).padStart(7)} ${f(d.p95, digits).padStart(7)} ${f(d.min, digits).padStart(7)} ${f(d.max, digits).padStart(7)}  ${unit} (n=${d.n})`);
}

function printLatency(l: LatencyReport): void {
  console.log(`\n2. pipeline latency: ${l.jobs} jobs on the tiny model (max_tokens ${l.maxTokens}), ${l.concurrency} concurrent streams (${l.accounts.join(", ")}), 1 validator`);
  console.log(`   ${"".padEnd(44)} ${"median".padStart(7)} ${"p95".padStart(7)} ${"min".padStart(7)} ${"max".padStart(7)}`);
  printDist("request -> result inclusion", l.resultBlocks, "blocks", 0);
  printDist("request -> settled", l.settledBlocks, "blocks", 0);
  printDist("request -> result inclusion (block times)", l.resultBlockTimeS, "s", 2);
  printDist("request -> settled (block times)", l.settledBlockTimeS, "s", 2);
  printDist("onRequested -> result seen (SDK wall)", l.resultWallS, "s", 2);
  printDist("onRequested -> settled seen (SDK wall)", l.settledWallS, "s", 2);
  printDist("submit -> settled (infer() wall)", l.submitSettledWallS, "s", 2);
  console.log(`   mean block interval over those jobs: ${f(l.meanBlockIntervalS, 2)} s`);
}

// ---------- main ----------

interface Report {
  machine: { cpu: string; cores: number; node: string; loadavgStart: number[]; loadavgEnd: number[] };
  throughput: ThroughputReport | { skipped: string };
  latency: LatencyReport | { skipped: string };
  gateway: GatewayLoadReport | { skipped: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  if (!existsSync(join(TINY_MODEL_DIR, "model.onnx"))) throw new Error(`no tiny model at ${TINY_MODEL_DIR}: run 'make tiny-model' first`);
  const smolDir = defaultModelDir();
  const haveSmol = existsSync(join(smolDir, "model.onnx"));
  const skipped = `SKIPPED: SmolLM2 not found at ${smolDir}; run 'make model' first`;
  if (!haveSmol) progress(`throughput part ${skipped}`);
  const loadavgStart = loadavg();
  progress(`load average at start: ${loadavgStart.map((x) => x.toFixed(2)).join(", ")} on ${cpus().length} cores`);

  const rpcPort = portsFor(0, portOffset).rpc;
  if ((await latestHeight(`http://127.0.0.1:${rpcPort}`)) !== undefined) throw new Error(`something already answers on 127.0.0.1:${rpcPort}; set SIDECAR_BENCH_PORT_OFFSET`);

  let model: LoadedModel | undefined;
  let quiet: GenSample[] = [];
  if (haveSmol && PARTS.has("throughput")) {
    model = await loadModel(smolDir, { threads, executionProviders: ["cpu"] });
    await bareOne(model, PROMPTS[0]!); // warm-up
    quiet = await bareLoop(model, "no localnet");
  }

  const home = await mkdtemp(join(tmpdir(), "inferchain-sidecar-bench-"));
  const cleanup = localnetGuard(home);
  let report: Report;
  try {
    const models = [...(haveSmol ? [{ dir: smolDir, name: DEFAULT_MODEL_NAME }] : []), { dir: TINY_MODEL_DIR }];
    progress(`starting a 1-validator localnet in ${home} (port offset ${portOffset}, RPC ${rpcPort}), sidecar threads ${threads}`);
    const info = await startLocalnet({ home, validators: 1, portOffset, models, sidecarThreads: threads, log: (l) => progress(`[localnet] ${l}`) });
    const off = (part: string) => ({ skipped: `not run (SIDECAR_BENCH_PARTS does not list ${part})` });
    const throughput = model ? await throughputPart(quiet, model, info, findModel(info, smolDir)) : PARTS.has("throughput") ? { skipped } : off("throughput");
    const latency = PARTS.has("latency") ? latencyReport(await latencyPart(info, findModel(info, TINY_MODEL_DIR))) : off("latency");
    let gateway: GatewayLoadReport | { skipped: string } = off("gateway");
    if (PARTS.has("gateway")) {
      const gwModel = findModel(info, haveSmol ? smolDir : TINY_MODEL_DIR);
      if (!haveSmol) progress(`gateway load on the tiny model: SmolLM2 not found at ${smolDir}`);
      const query = await clientFor(info, "alice");
      try {
        gateway = await gatewayLoad({ info, home, portOffset, model: gwModel, threads, clients: gatewayClients, requestsPerClient: gatewayRequests, maxTokens: gatewayMaxTokens, prompts: PROMPTS, query, progress });
      } finally {
        query.disconnect();
      }
    }
    report = {
      machine: { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, node: process.version, loadavgStart, loadavgEnd: loadavg() },
      throughput,
      latency,
      gateway,
    };
  } finally {
    await model?.release();
    await cleanup();
  }
  printReport(report, values.json);
}

function printReport(r: Report, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const la = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
  console.log(`sidecar bench: ${r.machine.cores} cores (${r.machine.cpu}), node ${r.machine.node}, load average start ${la(r.machine.loadavgStart)}, end ${la(r.machine.loadavgEnd)}`);
  if ("skipped" in r.throughput) console.log(`\n1. generation throughput: ${r.throughput.skipped}`);
  else printThroughput(r.throughput);
  if ("skipped" in r.latency) console.log(`\n2. pipeline latency: ${r.latency.skipped}`);
  else printLatency(r.latency);
  printGatewayLoad(r.gateway);
}

main().catch((err: unknown) => {
  console.error(`sidecar bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
