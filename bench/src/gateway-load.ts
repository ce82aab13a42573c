/**
 * Part 3 of the sidecar bench: `inferchain gateway` under load from concurrent OpenAI clients (the official
 * `openai` npm client, streaming chat completions), over the bench's private localnet.
 *
 * Per stream: time to first token (request sent -> first content chunk), the streaming rate ((tokens - 1) /
 * (last token - first token)), and request -> the last chunk (which the gateway sends once the job's result is on
 * chain). Aggregate tokens/s over the whole phase. Every job id from the `inferchain` extension field is then
 * queried on chain and counted settled or not. Peers measured in the same run: a single-client pass of the same
 * requests (aggregate and per-stream ratios), and TTFT against request -> result on chain.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { parseConfig } from "@inferchain/node";
import { devAccount, REPO_ROOT, sidecarConfigFile, startSidecar, stopSidecar, waitForSidecar, type LocalnetInfo, type RegisteredModel } from "@inferchain/localnet";
import { JobStatus, type InferchainClient } from "@inferchain/sdk";

export interface GatewayLoadOptions {
  info: LocalnetInfo;
  home: string;
  portOffset: number;
  model: RegisteredModel;
  /** Sidecar threads (the localnet's). */
  threads: number;
  clients: number;
  requestsPerClient: number;
  maxTokens: number;
  prompts: readonly string[];
  /** A query client for the job look-ups. */
  query: InferchainClient;
  progress: (line: string) => void;
}

/** One streamed completion as the client saw it. */
export interface StreamSample {
  jobId: string | undefined;
  tokens: number;
  ttftMs: number | undefined;
  /** (tokens - 1) / (last - first token): the streaming rate once tokens flow. */
  streamTokPerS: number | undefined;
  /** request -> the last chunk, which the gateway sends when the result is on chain. */
  resultMs: number;
  matchesChain: boolean;
  error?: string;
}

export interface Dist {
  n: number;
  p50: number;
  p95: number;
}

export interface PhaseReport {
  clients: number;
  requests: number;
  failed: number;
  wallMs: number;
  tokens: number;
  aggregateTokPerS: number;
  ttftMs: Dist;
  streamTokPerS: Dist;
  resultMs: Dist;
  streamMatchesChain: number;
  settled: number;
  notSettled: { jobId: string; status: string }[];
  errors: string[];
}

export interface GatewayLoadReport {
  model: string;
  maxTokens: number;
  requestsPerClient: number;
  /** engine.maxConcurrentJobs passed to the sidecar, or why not. */
  batching: { maxConcurrentJobs: number } | { skipped: string };
  single: PhaseReport;
  concurrent: PhaseReport;
  ratios: {
    /** concurrent aggregate tok/s over single-client aggregate tok/s. */
    aggregate: number;
    /** p50 TTFT concurrent / single. */
    ttftP50: number;
    /** p50 per-stream rate concurrent / single. */
    streamRateP50: number;
    /** p50 TTFT / p50 request -> result on chain (concurrent phase): how early the first token shows. */
    ttftOverResultConcurrent: number;
    ttftOverResultSingle: number;
  };
}

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const dist = (xs: readonly number[]): Dist => ({ n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95) });
const defined = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

/**
 * Restarts sidecar 0 with engine.maxConcurrentJobs = n when this sidecar's config parser knows the key (batched
 * decoding); otherwise leaves it alone (one job at a time) and says so.
 */
async function passBatching(o: GatewayLoadOptions, n: number): Promise<GatewayLoadReport["batching"]> {
  const raw = JSON.parse(await readFile(sidecarConfigFile(o.home, 0), "utf8")) as Record<string, unknown>;
  const engine = { ...(raw.engine as Record<string, unknown>), maxConcurrentJobs: n };
  let known = false;
  try {
    known = (parseConfig({ ...raw, engine }).engine as unknown as Record<string, unknown>).maxConcurrentJobs === n;
  } catch (err) {
    return { skipped: `the sidecar config refuses engine.maxConcurrentJobs=${n}: ${(err as Error).message.slice(0, 200)}` };
  }
  if (!known) return { skipped: "engine.maxConcurrentJobs is unknown to this sidecar (no batched decoding yet): one job at a time" };
  o.progress(`restarting sidecar0 with engine.maxConcurrentJobs=${n}`);
  await stopSidecar(o.home, 0);
  const rpc = o.info.nodes[0]!.endpoints.rpc;
  const s = startSidecar({ home: o.home, index: 0, rpc, chainId: o.info.chainId, portOffset: o.portOffset, models: o.info.models, threads: o.threads, extraConfig: { engine } });
  await waitForSidecar(s, 180_000);
  return { maxConcurrentJobs: n };
}

/** `inferchain gateway --key carol` in a temp keyring home; resolves with its /v1 URL. */
async function startGateway(o: GatewayLoadOptions, home: string): Promise<{ url: string; child: ChildProcess }> {
  const rpc = o.info.nodes[0]!.endpoints.rpc;
  const env = { ...process.env, INFERCHAIN_HOME: home, INFERCHAIN_NODE: rpc };
  const cli = join(REPO_ROOT, "sdk", "dist", "cli", "main.js");
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, [cli, "keys", "recover", "carol", "--mnemonic", devAccount("carol").mnemonic], { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`inferchain keys recover exited ${code}: ${err}`))));
  });
  const child = spawn(process.execPath, [cli, "gateway", "--key", "carol", "--port", "0", "--chain-id", o.info.chainId, "--timeout", "300"], { env, stdio: ["ignore", "ignore", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`inferchain gateway exited ${code}: ${err}`)));
  });
  return { url, child };
}

type Ext = { job_id?: string; stream_matches_chain?: boolean; token_ids?: number[] };

async function streamOne(openai: OpenAI, model: string, prompt: string, maxTokens: number): Promise<StreamSample> {
  const t0 = performance.now();
  let first: number | undefined;
  let last: number | undefined;
  let ext: Ext | undefined;
  let usage: number | undefined;
  try {
    const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: prompt }], max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) {
        const now = performance.now();
        first ??= now;
        last = now;
      }
      const x = (chunk as unknown as { inferchain?: Ext }).inferchain;
      if (x) ext = x;
      if (chunk.usage) usage = chunk.usage.completion_tokens;
    }
  } catch (err) {
    // An error event (e.g. the job was rejected or expired and refunded) ends the stream: the openai client keeps
    // only its `error` object, whose message names the job.
    const named = /\bjob (\d+)\b/.exec((err as Error).message)?.[1];
    return { jobId: ext?.job_id ?? named, tokens: 0, ttftMs: undefined, streamTokPerS: undefined, resultMs: performance.now() - t0, matchesChain: false, error: (err as Error).message.slice(0, 300) };
  }
  const resultMs = performance.now() - t0;
  const tokens = usage ?? ext?.token_ids?.length ?? 0;
  const streamTokPerS = first !== undefined && last !== undefined && last > first && tokens > 1 ? ((tokens - 1) / (last - first)) * 1000 : undefined;
  return { jobId: ext?.job_id, tokens, ttftMs: first === undefined ? undefined : first - t0, streamTokPerS, resultMs, matchesChain: ext?.stream_matches_chain === true };
}

/** Settled or not, per job id, after waiting a little for the settlement blocks (and audits) to pass. */
async function settlement(q: InferchainClient, ids: readonly string[], timeoutMs: number): Promise<{ settled: number; notSettled: { jobId: string; status: string }[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(ids.map(async (id) => ({ id, status: (await q.getJob(id)).status })));
    const open = jobs.filter((j) => j.status === JobStatus.JOB_STATUS_RESULT_SUBMITTED || j.status === JobStatus.JOB_STATUS_AUDITING || j.status === JobStatus.JOB_STATUS_PENDING);
    if (open.length === 0 || Date.now() > deadline) {
      const notSettled = jobs.filter((j) => j.status !== JobStatus.JOB_STATUS_SETTLED).map((j) => ({ jobId: j.id, status: JobStatus[j.status] ?? String(j.status) }));
      return { settled: jobs.length - notSettled.length, notSettled };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function phase(o: GatewayLoadOptions, url: string, modelId: string, clients: number, label: string): Promise<PhaseReport> {
  const openais = Array.from({ length: clients }, () => new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0, timeout: 600_000 }));
  const samples: StreamSample[] = [];
  const t0 = performance.now();
  await Promise.all(
    openais.map(async (openai, c) => {
      for (let r = 0; r < o.requestsPerClient; r++) {
        const s = await streamOne(openai, modelId, o.prompts[(c * o.requestsPerClient + r) % o.prompts.length]!, o.maxTokens);
        samples.push(s);
        o.progress(`${label}: client ${c + 1} request ${r + 1}/${o.requestsPerClient}: ${s.error ? `ERROR ${s.error}` : `${s.tokens} tokens, ttft ${(s.ttftMs ?? Number.NaN).toFixed(0)} ms, result ${(s.resultMs / 1000).toFixed(2)} s, job ${s.jobId}`}`);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const ok = samples.filter((s) => s.error === undefined);
  const tokens = ok.reduce((a, s) => a + s.tokens, 0);
  const ids = defined(samples.map((s) => s.jobId));
  const st = await settlement(o.query, ids, 120_000);
  return {
    clients,
    requests: samples.length,
    failed: samples.length - ok.length,
    wallMs,
    tokens,
    aggregateTokPerS: (tokens / wallMs) * 1000,
    ttftMs: dist(defined(ok.map((s) => s.ttftMs))),
    streamTokPerS: dist(defined(ok.map((s) => s.streamTokPerS))),
    resultMs: dist(ok.map((s) => s.resultMs)),
    streamMatchesChain: ok.filter((s) => s.matchesChain).length,
    settled: st.settled,
    notSettled: [...st.notSettled, ...samples.filter((s) => s.jobId === undefined).map(() => ({ jobId: "-", status: "no job id (request failed)" }))],
    errors: defined(samples.map((s) => s.error)),
  };
}

export async function gatewayLoad(o: GatewayLoadOptions): Promise<GatewayLoadReport> {
  const batching = await passBatching(o, o.clients);
  if ("skipped" in batching) o.progress(`batching: ${batching.skipped}`);
  const home = await mkdtemp(join(tmpdir(), "inferchain-bench-gateway-"));
  const gw = await startGateway(o, home);
  const modelId = `${o.model.name}@${o.model.version}`;
  o.progress(`gateway at ${gw.url}, model ${modelId}`);
  try {
    const openai = new OpenAI({ baseURL: gw.url, apiKey: "unused", maxRetries: 0, timeout: 600_000 });
    o.progress("gateway warm-up: one streamed request (not counted)");
    await streamOne(openai, modelId, o.prompts[0]!, o.maxTokens);
    const single = await phase(o, gw.url, modelId, 1, "gateway, 1 client");
    const concurrent = await phase(o, gw.url, modelId, o.clients, `gateway, ${o.clients} clients`);
    return {
      model: modelId,
      maxTokens: o.maxTokens,
      requestsPerClient: o.requestsPerClient,
      batching,
      single,
      concurrent,
      ratios: {
        aggregate: concurrent.aggregateTokPerS / single.aggregateTokPerS,
        ttftP50: concurrent.ttftMs.p50 / single.ttftMs.p50,
        streamRateP50: concurrent.streamTokPerS.p50 / single.streamTokPerS.p50,
        ttftOverResultConcurrent: concurrent.ttftMs.p50 / concurrent.resultMs.p50,
        ttftOverResultSingle: single.ttftMs.p50 / single.resultMs.p50,
      },
    };
  } finally {
    if (gw.child.exitCode === null && gw.child.signalCode === null) {
      const exited = new Promise((r) => gw.child.once("exit", r));
      gw.child.kill("SIGTERM");
      await exited;
    }
    await rm(home, { recursive: true, force: true });
  }
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "-");

function printPhase(label: string, p: PhaseReport): void {
  console.log(`   ${label}: ${p.requests} requests (${p.failed} failed), ${p.tokens} tokens in ${f(p.wallMs / 1000, 1)} s -> aggregate ${f(p.aggregateTokPerS)} tok/s`);
  console.log(`     ${"".padEnd(40)} ${"p50".padStart(8)} ${"p95".padStart(8)}`);
  console.log(`     ${"time to first token (ms)".padEnd(40)} ${f(p.ttftMs.p50, 0).padStart(8)} ${f(p.ttftMs.p95, 0).padStart(8)}  (n=${p.ttftMs.n})`);
  console.log(`     ${"per-stream rate after the first token (tok/s)".padEnd(40)} ${f(p.streamTokPerS.p50).padStart(8)} ${f(p.streamTokPerS.p95).padStart(8)}  (n=${p.streamTokPerS.n})`);
  console.log(`     ${"request -> result on chain (s)".padEnd(40)} ${f(p.resultMs.p50 / 1000, 2).padStart(8)} ${f(p.resultMs.p95 / 1000, 2).padStart(8)}  (n=${p.resultMs.n})`);
  console.log(`     stream == chain: ${p.streamMatchesChain}/${p.requests - p.failed}; on chain: ${p.settled} settled, ${p.notSettled.length} not${p.notSettled.length ? ` (${p.notSettled.map((j) => `${j.jobId}: ${j.status}`).join(", ")})` : ""}`);
  for (const e of [...new Set(p.errors)].slice(0, 3)) console.log(`     error: ${e}`);
}

export function printGatewayLoad(g: GatewayLoadReport | { skipped: string }): void {
  if ("skipped" in g) {
    console.log(`\n3. gateway load: ${g.skipped}`);
    return;
  }
  const b = "skipped" in g.batching ? g.batching.skipped : `engine.maxConcurrentJobs=${g.batching.maxConcurrentJobs} passed to the sidecar`;
  console.log(`\n3. gateway load: inferchain gateway + official openai client, streaming chat, ${g.model}, max_tokens ${g.maxTokens}, greedy, ${g.requestsPerClient} requests per client`);
  console.log(`   sidecar batching: ${b}`);
  printPhase("1 client (peer)", g.single);
  printPhase(`${g.concurrent.clients} concurrent clients`, g.concurrent);
  console.log(`   ratio aggregate tok/s, ${g.concurrent.clients} clients / 1 client:            ${f(g.ratios.aggregate, 2)}x`);
  console.log(`   ratio p50 TTFT, ${g.concurrent.clients} clients / 1 client:                    ${f(g.ratios.ttftP50, 2)}x`);
  console.log(`   ratio p50 per-stream rate, ${g.concurrent.clients} clients / 1 client:         ${f(g.ratios.streamRateP50, 2)}x`);
  console.log(`   ratio p50 TTFT / p50 request->result on chain (${g.concurrent.clients} clients):   ${f(g.ratios.ttftOverResultConcurrent, 2)}  (1 client: ${f(g.ratios.ttftOverResultSingle, 2)})`);
}
