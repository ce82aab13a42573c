import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { devAccount, DEFAULT_MODEL_NAME } from "@inferchain/localnet";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgExec } from "cosmjs-types/cosmos/authz/v1beta1/tx";
import {
  AgentStore,
  buildGateway,
  ChainBackend,
  execWithFeeGrant,
  InferchainError,
  MSG_EXEC_TYPE_URL,
  requestAsAgent,
  signStreamAuth,
  streamAuthHeaders,
  streamKeyFromMnemonic,
  SigningInferchainClient,
  TestKeyring,
  type AgentRecord,
} from "@inferchain/sdk";
import type { FastifyInstance } from "fastify";
import { spawn } from "node:child_process";
import { REPO_ROOT } from "@inferchain/localnet";
import { inferchainCli } from "./helpers.js";

// Issue 10: an OpenAI client talks to `inferchain gateway` over a real localnet; tokens stream from the executor.
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const sidecar0 = localnet.sidecars[0]!;
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const smol = localnet.models.find((m) => m.name === DEFAULT_MODEL_NAME)!;
const tinyId = `${tiny.name}@${tiny.version}`;
const smolId = `${smol.name}@${smol.version}`;
const GAS_PRICE = "0.025uinfer";

const apps: FastifyInstance[] = [];
const clients: SigningInferchainClient[] = [];

async function startGateway(account: string, agent?: { record: AgentRecord; mnemonic: string }): Promise<{ openai: OpenAI; base: string }> {
  const mnemonic = agent?.mnemonic ?? devAccount(account).mnemonic;
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "infer" });
  const client = await SigningInferchainClient.connectWithSigner(rpc, wallet, { chainId: localnet.chainId, gasPrice: GAS_PRICE, broadcastPollIntervalMs: 100, pipelineTxs: true });
  clients.push(client);
  const backend = new ChainBackend({ client, chainId: localnet.chainId, streamKey: await streamKeyFromMnemonic(mnemonic), gasPrice: GAS_PRICE, ...(agent ? { agent: { record: agent.record } } : {}) });
  const app = await buildGateway({ backend, resultTimeoutMs: 90_000, ...(agent && agent.record.models.length ? { allowedModels: new Set(agent.record.models) } : {}) });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
  return { openai: new OpenAI({ baseURL: base, apiKey: "unused", maxRetries: 0, timeout: 120_000 }), base };
}

let gw: { openai: OpenAI; base: string };
let carol: SigningInferchainClient;

beforeAll(async () => {
  gw = await startGateway("carol");
  carol = clients[0]!;
});

afterAll(async () => {
  for (const a of apps) await a.close();
  for (const c of clients) c.disconnect();
});

type Ext = { time_to_first_token_ms?: number; job_id: string; token_ids: number[]; streamed: boolean; stream_matches_chain?: boolean; receipt: { model: string; executor: string; requester: string }; requester: string };

describe("gateway: OpenAI-compatible API over the chain", () => {
  it("GET /v1/models lists served models as name@version with the content root", async () => {
    const list = await gw.openai.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain(tinyId);
    expect(ids).toContain(smolId);
    const t = list.data.find((m) => m.id === tinyId) as unknown as { inferchain: { content_root: string } };
    expect(t.inferchain.content_root).toBe(tiny.contentRoot);
  });

  it("non-streaming chat completion: the text is the on-chain result, with job id and receipt", async () => {
    const res = await gw.openai.chat.completions.create({ model: tinyId, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8, temperature: 0 });
    const ext = (res as unknown as { inferchain: Ext }).inferchain;
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0]!.message.role).toBe("assistant");
    const job = await carol.getJob(ext.job_id);
    expect(res.choices[0]!.message.content).toBe(job.result!.outputText);
    expect(ext.token_ids).toEqual(job.result!.outputTokenIds);
    expect(res.usage!.completion_tokens).toBe(job.result!.outputTokenIds.length);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(ext.receipt.model).toBe(tiny.contentRoot);
    expect(ext.receipt.executor).toBe(sidecar0.validator);
    expect(job.requester).toBe(carol.senderAddress);
    expect(job.prompt).toBe("Once upon a time"); // a single user message is the prompt as is
  });

  it("streaming chat completion: streamed text == on-chain text, first token before the result is on chain", async () => {
    const t0 = performance.now();
    const stream = await gw.openai.chat.completions.create({ model: smolId, messages: [{ role: "user", content: "Write a sentence about the sea." }], max_tokens: 24, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let ttft: number | undefined;
    let ext: Ext | undefined;
    let usage: { completion_tokens: number } | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      const c = chunk.choices[0];
      if (c?.delta?.content) {
        ttft ??= performance.now() - t0;
        text += c.delta.content;
      }
      if (c?.finish_reason) finish = c.finish_reason;
      const x = (chunk as unknown as { inferchain?: Ext }).inferchain;
      if (x) ext = x;
      if (chunk.usage) usage = chunk.usage;
    }
    const total = performance.now() - t0;
    expect(ext).toBeDefined();
    expect(ext!.streamed).toBe(true);
    expect(ext!.stream_matches_chain).toBe(true);
    const job = await carol.getJob(ext!.job_id);
    expect(text).toBe(job.result!.outputText);
    expect(usage!.completion_tokens).toBe(job.result!.outputTokenIds.length);
    expect(["stop", "length"]).toContain(finish);
    expect(ttft).toBeDefined();
    // The first token must not wait for the result's block: it arrives well before the chain shows the result.
    expect(ttft!).toBeLessThan(total);
    console.error(`[gateway e2e] TTFT ${ttft!.toFixed(0)} ms, result visible on chain (final chunk) ${total.toFixed(0)} ms, ratio ${(ttft! / total).toFixed(3)}, ${job.result!.outputTokenIds.length} tokens; first token ${ext!.time_to_first_token_ms} ms after the request's inclusion; request at height ${job.createdHeight}, result at ${job.result!.submittedHeight}`);
  });

  it("POST /v1/completions (stream and not) and gateway-side stop sequences", async () => {
    const plain = await gw.openai.completions.create({ model: tinyId, prompt: "The weather today", max_tokens: 8, temperature: 0 });
    expect(plain.object).toBe("text_completion");
    const ext = (plain as unknown as { inferchain: Ext }).inferchain;
    const job = await carol.getJob(ext.job_id);
    expect(plain.choices[0]!.text).toBe(job.result!.outputText);

    const stream = await gw.openai.completions.create({ model: tinyId, prompt: "The weather today", max_tokens: 8, temperature: 0, stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.text ?? "";
    expect(text).toBe(job.result!.outputText); // greedy: same tokens in a new job

    const full = job.result!.outputText;
    if (full.length >= 2) {
      const stop = full.slice(1, 2);
      const cut = await gw.openai.completions.create({ model: tinyId, prompt: "The weather today", max_tokens: 8, temperature: 0, stop: [stop] });
      expect(cut.choices[0]!.text).toBe(full.slice(0, full.indexOf(stop)));
      expect(cut.choices[0]!.finish_reason).toBe("stop");
    }
  });

  it("seed: the same seed and params give the same text at temperature > 0 (streamed or not); the job records it", async () => {
    const ask = { model: tinyId, messages: [{ role: "user" as const, content: "Tell me something random." }], max_tokens: 16, temperature: 1.5 };
    const plain = async (seed: number) => {
      const res = await gw.openai.chat.completions.create({ ...ask, seed });
      return { text: res.choices[0]!.message.content ?? "", ext: (res as unknown as { inferchain: Ext }).inferchain };
    };
    const a = await plain(7);
    let streamed = "";
    let ext: Ext | undefined;
    for await (const chunk of await gw.openai.chat.completions.create({ ...ask, seed: 7, stream: true })) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
      ext = (chunk as unknown as { inferchain?: Ext }).inferchain ?? ext;
    }
    const b = await plain(7);
    expect(new Set([a.ext.job_id, b.ext.job_id, ext!.job_id]).size).toBe(3);
    expect(b.text).toBe(a.text);
    expect(b.ext.token_ids).toEqual(a.ext.token_ids);
    // Streamed: the same tokens (the text is decoded per token there, so partial UTF-8 bytes show differently).
    expect(ext!.token_ids).toEqual(a.ext.token_ids);
    expect(streamed.length).toBeGreaterThan(0);
    for (const id of [a.ext.job_id, b.ext.job_id, ext!.job_id]) {
      const job = await carol.getJob(id);
      expect(job.seed).toBe(7n);
      expect(job.clientSeed).toBe(true);
    }
    // other seeds (0 is one) sample other tokens: the seed is what made the two equal
    const others = await Promise.all([0, 8, 9].map(plain));
    expect((await carol.getJob(others[0]!.ext.job_id)).seed).toBe(0n);
    expect(others.some((o) => o.ext.token_ids.join() !== a.ext.token_ids.join())).toBe(true);
    // without a seed the chain derives one
    const derived = await gw.openai.chat.completions.create(ask);
    expect((await carol.getJob((derived as unknown as { inferchain: Ext }).inferchain.job_id)).clientSeed).toBe(false);
  });

  it("errors use OpenAI's shape: unknown model 404, bad temperature 400, bad seed 400", async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as InstanceType<typeof OpenAI.APIError>;
      }
      throw new Error("expected an error");
    };
    const unknown = await err(gw.openai.chat.completions.create({ model: "no-such-model@1.0.0", messages: [{ role: "user", content: "hi" }] }));
    expect(unknown.status).toBe(404);
    expect(unknown.code).toBe("model_not_found");
    expect(unknown.param).toBe("model");
    const temp = await err(gw.openai.chat.completions.create({ model: tinyId, messages: [{ role: "user", content: "hi" }], temperature: 7 }));
    expect(temp.status).toBe(400);
    expect(temp.param).toBe("temperature");
    expect(temp.type).toBe("invalid_request_error");
    const seed = await err(gw.openai.chat.completions.create({ model: tinyId, messages: [{ role: "user", content: "hi" }], seed: -1 }));
    expect(seed.status).toBe(400);
    expect(seed.param).toBe("seed");
  });

  it("insufficient funds: 402 from a gateway whose key cannot pay the escrow", async () => {
    const poor = await DirectSecp256k1HdWallet.generate(12, { prefix: "infer" });
    const [acct] = await poor.getAccounts();
    // Enough for gas, not for a max_fee of a billion.
    await carol.signAndBroadcast([{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.fromPartial({ fromAddress: carol.senderAddress, toAddress: acct!.address, amount: [{ denom: "uinfer", amount: "200000" }] }) }]);
    const client = await SigningInferchainClient.connectWithSigner(rpc, poor, { chainId: localnet.chainId, gasPrice: GAS_PRICE });
    clients.push(client);
    const backend = new ChainBackend({ client, chainId: localnet.chainId, streamKey: await streamKeyFromMnemonic(poor.mnemonic), gasPrice: GAS_PRICE });
    const app = await buildGateway({ backend });
    apps.push(app);
    const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: { model: tinyId, messages: [{ role: "user", content: "hi" }], max_tokens: 4, max_fee: "1000000000uinfer" } });
    expect(res.statusCode).toBe(402);
    expect(res.json().error.type).toBe("insufficient_quota");
  });

  it("the sidecar stream refuses a signature by someone other than the requester (403) and a bad one (401)", async () => {
    const res = await gw.openai.completions.create({ model: tinyId, prompt: "Hello", max_tokens: 4, temperature: 0 });
    const jobId = (res as unknown as { inferchain: Ext }).inferchain.job_id;
    const url = `${sidecar0.api}/v1/jobs/${jobId}/stream`;
    const exp = Math.floor(Date.now() / 1000) + 60;
    const other = await signStreamAuth(await streamKeyFromMnemonic(devAccount("bob").mnemonic), localnet.chainId, jobId, exp);
    expect((await fetch(url, { headers: streamAuthHeaders(other) })).status).toBe(403);
    const mine = await signStreamAuth(await streamKeyFromMnemonic(devAccount("carol").mnemonic), localnet.chainId, jobId, exp);
    expect((await fetch(url, { headers: streamAuthHeaders({ ...mine, expires: exp + 1 }) })).status).toBe(401);
    const ok = await fetch(url, { headers: streamAuthHeaders(mine) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/event: end/);
  });
});

describe("`inferchain gateway` (the CLI command)", () => {
  it("serves /v1/models on the printed loopback URL until SIGTERM", async () => {
    const home = mkdtempSync(join(tmpdir(), "inferchain-gw-cli-"));
    const env = { ...process.env, INFERCHAIN_HOME: home, INFERCHAIN_NODE: rpc };
    expect((await inferchainCli(["keys", "recover", "carol", "--mnemonic", devAccount("carol").mnemonic], env)).code).toBe(0);
    const child = spawn(process.execPath, [join(REPO_ROOT, "sdk", "dist", "cli", "main.js"), "gateway", "--key", "carol", "--port", "0", "--chain-id", localnet.chainId], { env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = "";
        child.stderr.on("data", (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on("exit", (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
      });
      const models = (await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toContain(tinyId);
      const bad = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: tinyId, messages: [] }) });
      expect(bad.status).toBe(400);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    }
  });
});

describe("agent wallets: authz + feegrant, limits refused by the chain", () => {
  const home = mkdtempSync(join(tmpdir(), "inferchain-agent-"));
  const env = { INFERCHAIN_HOME: home, INFERCHAIN_NODE: rpc };
  let agent: AgentRecord;
  let agentClient: SigningInferchainClient;

  beforeAll(async () => {
    expect((await inferchainCli(["keys", "recover", "dave", "--mnemonic", devAccount("dave").mnemonic], env)).code).toBe(0);
    const created = await inferchainCli(["agent", "create", "bot", "--spend-limit", "60000uinfer", "--models", tinyId, "--expires", "1h", "--from", "dave", "--json"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    agent = await new AgentStore(home).get("bot");
    const mnemonic = (await new TestKeyring(home).export("bot")).mnemonic;
    agentClient = await SigningInferchainClient.connectWithSigner(rpc, await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "infer" }), { chainId: localnet.chainId, gasPrice: GAS_PRICE });
    clients.push(agentClient);
  });

  it("`inferchain agent list` shows it; the gateway signs as the agent, the granter is the requester and pays", async () => {
    const list = await inferchainCli(["agent", "list", "--json"], env);
    expect(JSON.parse(list.stdout)[0].address).toBe(agent.address);
    expect(agent.models).toEqual([tiny.contentRoot]);
    expect(BigInt((await agentClient.getBalance(agent.address)).amount)).toBe(0n); // the agent holds nothing

    const mnemonic = (await new TestKeyring(home).export("bot")).mnemonic;
    const g = await startGateway("dave", { record: agent, mnemonic });
    const stream = await g.openai.chat.completions.create({ model: tinyId, messages: [{ role: "user", content: "Hi" }], max_tokens: 4, temperature: 0, stream: true });
    let ext: Ext | undefined;
    let text = "";
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      ext = (c as unknown as { inferchain?: Ext }).inferchain ?? ext;
    }
    const job = await carol.getJob(ext!.job_id);
    expect(job.requester).toBe(devAccount("dave").address);
    expect(text).toBe(job.result!.outputText);
    expect(ext!.streamed).toBe(true); // the sidecar accepts the agent: dave granted it MsgRequestInference

    // Another model: the gateway refuses it early (403)...
    const other = await fetch(`${g.base}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: smolId, messages: [{ role: "user", content: "hi" }] }) });
    expect(other.status).toBe(403);

    // Escrow beyond the spend limit: the chain's RequestInferenceAuthorization refuses it, the gateway says 402.
    const big = await fetch(`${g.base}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: tinyId, messages: [{ role: "user", content: "hi" }], max_tokens: 4, max_fee: "100000uinfer" }) });
    expect(big.status).toBe(402);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/spend limit/);
  });

  it("the chain refuses, through the agent's grant, a model outside its list and escrow beyond what is left of the limit", async () => {
    const offList = await requestAsAgent(agentClient, agent.granter, GAS_PRICE, { model: smol.contentRoot, prompt: "hi", maxTokens: 2 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(offList).toBeInstanceOf(InferchainError);
    expect((offList as InferchainError).code).toBe("unauthorized");
    expect((offList as Error).message).toMatch(/model/);
    // 60000 - 1040 (the one request so far, max_fee = base 1000 + 10 x 4 tokens) = 58960 left.
    const over = await requestAsAgent(agentClient, agent.granter, GAS_PRICE, { model: tiny.contentRoot, prompt: "hi", maxTokens: 2, maxFee: "58961uinfer" }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(over).toBeInstanceOf(InferchainError);
    expect((over as InferchainError).code).toBe("insufficient_funds");
    expect((over as Error).message).toMatch(/remaining spend limit 58960uinfer/);
  });

  it("the chain refuses another Msg type through the agent's grant", async () => {
    const send: MsgSend = MsgSend.fromPartial({ fromAddress: agent.granter, toAddress: agent.address, amount: [{ denom: "uinfer", amount: "1" }] });
    const msg = { typeUrl: MSG_EXEC_TYPE_URL, value: MsgExec.fromPartial({ grantee: agent.address, msgs: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.encode(send).finish() }] }) };
    const e = await execWithFeeGrant(agentClient, agent.granter, GAS_PRICE, [msg]).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InferchainError);
    expect((e as Error).message).toMatch(/authorization not found/i);
  });

  it("the chain refuses fees beyond the allowance's spend limit", async () => {
    // A gas price so high the fee exceeds the 60000uinfer allowance.
    const e = await requestAsAgent(agentClient, agent.granter, "10uinfer", { model: tiny.contentRoot, prompt: "hi", maxTokens: 2 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InferchainError);
    expect((e as Error).message).toMatch(/fee limit exceeded|basic allowance/i);
  });

  it("`inferchain agent revoke` removes the grant: the chain refuses the agent's next request", async () => {
    const r = await inferchainCli(["agent", "revoke", "bot", "--from", "dave"], env);
    expect(r.code).toBe(0);
    const e = await requestAsAgent(agentClient, agent.granter, GAS_PRICE, { model: tiny.contentRoot, prompt: "hi", maxTokens: 2 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InferchainError);
  });
});
