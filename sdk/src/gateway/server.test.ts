import { describe, expect, it } from "vitest";
import { InferchainError, NotFoundError } from "../errors.js";
import { SseParser } from "../sse.js";
import type { InferResult } from "../client/inference.js";
import { GatewayError } from "./errors.js";
import type { GatewayBackend, JobRequest, RequestedJob, ServedModel, TokenEvent } from "./ports.js";
import { buildGateway } from "./server.js";

const ROOT = "a".repeat(64);
const MODEL: ServedModel = { id: "tiny@1.0.0", contentRoot: ROOT, publisher: "infer1pub", created: 0 };

/** A fake chain + executor: the job "generates" `tokens`; the chain result is `chain` (default: the same). */
class FakeBackend implements GatewayBackend {
  requests: JobRequest[] = [];
  tokens = [
    { id: 1, text: "Hel" },
    { id: 2, text: "lo" },
    { id: 3, text: " wor" },
    { id: 4, text: "ld" },
  ];
  chain?: { ids: number[]; text: string };
  streamFails = false;
  chainCommitment = "c";
  requestError?: unknown;
  resultError?: unknown;
  async models(): Promise<ServedModel[]> {
    return [MODEL];
  }
  async resolve(ref: string): Promise<ServedModel> {
    if (ref !== MODEL.id && ref !== ROOT) throw new NotFoundError(`model ${ref} not found`, { field: "model" });
    return MODEL;
  }
  async request(req: JobRequest): Promise<RequestedJob> {
    if (this.requestError) throw this.requestError;
    this.requests.push(req);
    return { jobId: 7n, executor: "infervaloper1x", deadlineHeight: 50, txHash: "AB", height: 10, requester: "infer1me", maxFee: { denom: "uinfer", amount: "1640" } };
  }
  async *stream(): AsyncIterable<TokenEvent> {
    if (this.streamFails) throw new Error("executor stream: HTTP 502");
    for (const t of this.tokens) yield { kind: "token", ...t };
    yield { kind: "end", tokens: this.tokens.length, promptTokens: 5, commitment: "c", finishReason: "eos" };
  }
  async result(job: RequestedJob): Promise<InferResult> {
    if (this.resultError) throw this.resultError;
    const ids = this.chain?.ids ?? this.tokens.map((t) => t.id);
    const text = this.chain?.text ?? this.tokens.map((t) => t.text).join("");
    return {
      text,
      tokenIds: ids,
      jobId: job.jobId,
      finishReason: "eos",
      receipt: { model: ROOT, executor: job.executor, sidecar: "infer1side", requester: "infer1me", heights: { requested: 10, assigned: 10, result: 11, settled: undefined }, attempt: 1, maxFee: job.maxFee, feeSplit: undefined, charged: undefined, commitment: this.chainCommitment, runtime: undefined, txHash: "AB", audit: undefined },
    };
  }
  async promptTokens(): Promise<number | undefined> {
    return 5;
  }
}

async function gateway(b = new FakeBackend(), extra: { allowedModels?: Set<string> } = {}) {
  return { b, app: await buildGateway({ backend: b, ...extra }) };
}

const chat = (over: Record<string, unknown> = {}) => ({ model: MODEL.id, messages: [{ role: "user", content: "hi" }], temperature: 0, ...over });

function sse(body: string): unknown[] {
  return new SseParser().push(body).map((m) => (m.data === "[DONE]" ? "[DONE]" : JSON.parse(m.data)));
}

describe("gateway routes (fake chain)", () => {
  it("GET /v1/models: OpenAI list with the content root in the inferchain extension", async () => {
    const { app } = await gateway();
    const res = await app.inject({ url: "/v1/models" });
    expect(res.json()).toEqual({ object: "list", data: [{ id: "tiny@1.0.0", object: "model", created: 0, owned_by: "infer1pub", inferchain: { content_root: ROOT } }] });
  });

  it("non-streaming chat: message, usage, job id and receipt; the single user message is the prompt", async () => {
    const { app, b } = await gateway();
    const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ max_tokens: 9, top_k: 3 }) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: "Hello world" }, finish_reason: "stop", logprobs: null });
    expect(body.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(body.inferchain.job_id).toBe("7");
    expect(body.inferchain.receipt.model).toBe(ROOT);
    expect(b.requests[0]).toEqual({ model: ROOT, prompt: "hi", maxTokens: 9, temperature: 0, topK: 3 });
  });

  it("multi-message chats become a role-labelled transcript", async () => {
    const { app, b } = await gateway();
    await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: [{ type: "text", text: "Hi" }] }] }) });
    expect(b.requests[0]!.prompt).toBe("System: Be brief.\n\nUser: Hi");
  });

  it("streaming chat: role chunk, content chunks, final chunk with finish_reason and verification, usage chunk, [DONE]", async () => {
    const { app } = await gateway();
    const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true, stream_options: { include_usage: true } }) });
    expect(res.headers["content-type"]).toMatch(/text\/event-stream/);
    const ev = sse(res.body) as Array<Record<string, any>>;
    expect(ev.at(-1)).toBe("[DONE]");
    expect(ev[0]!.choices[0].delta).toEqual({ role: "assistant", content: "" });
    const content = ev.slice(1, -3).map((c) => c.choices[0].delta.content).join("");
    expect(content).toBe("Hello world");
    const final = ev.at(-3)!;
    expect(final.object).toBe("chat.completion.chunk");
    expect(final.choices[0].finish_reason).toBe("stop");
    expect(final.inferchain.stream_matches_chain).toBe(true);
    expect(ev.at(-2)!.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it("a stream that differs from the chain is reported in the final chunk, with the chain's text", async () => {
    const b = new FakeBackend();
    b.chain = { ids: [1, 2, 9], text: "Hello!" };
    const { app } = await gateway(b);
    const ev = sse((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true }) })).body) as Array<Record<string, any>>;
    const final = ev.at(-2)!;
    expect(final.inferchain.stream_matches_chain).toBe(false);
    expect(final.inferchain.mismatch).toMatch(/differ/);
    expect(final.inferchain.chain_text).toBe("Hello!");
  });

  it("same tokens rendered otherwise (bytes that are not UTF-8, decoded piecewise) match, with the chain's text attached", async () => {
    const b = new FakeBackend();
    b.chain = { ids: [1, 2, 3, 4], text: "Hello wor\uFFFDld" };
    const { app } = await gateway(b);
    const ev = sse((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true }) })).body) as Array<Record<string, any>>;
    expect(ev.at(-2)!.inferchain).toMatchObject({ streamed: true, stream_matches_chain: true, chain_text: "Hello wor\uFFFDld" });
  });

  it("a job that waits for its first token gets SSE keepalive comments, which clients skip", async () => {
    class SlowBackend extends FakeBackend {
      override async *stream(): AsyncIterable<TokenEvent> {
        await new Promise((r) => setTimeout(r, 120));
        yield* super.stream();
      }
    }
    const app = await buildGateway({ backend: new SlowBackend(), keepaliveMs: 25 });
    const body = (await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true }) })).body;
    expect(body.match(/^: keepalive$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    const ev = sse(body) as Array<Record<string, any>>;
    expect(ev.slice(1, -2).map((c) => c.choices[0].delta.content).join("")).toBe("Hello world");
    expect(ev.at(-2)!.inferchain.stream_matches_chain).toBe(true);
  });

  it("same tokens but another commitment on chain is a mismatch too", async () => {
    const b = new FakeBackend();
    b.chainCommitment = "other";
    const { app } = await gateway(b);
    const ev = sse((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true }) })).body) as Array<Record<string, any>>;
    expect(ev.at(-2)!.inferchain).toMatchObject({ stream_matches_chain: false, mismatch: expect.stringMatching(/commitment other/) });
  });

  it("when the executor stream cannot be opened, the answer comes from the chain and says so", async () => {
    const b = new FakeBackend();
    b.streamFails = true;
    const { app } = await gateway(b);
    const ev = sse((await app.inject({ method: "POST", url: "/v1/completions", payload: { model: MODEL.id, prompt: "x", stream: true } })).body) as Array<Record<string, any>>;
    expect(ev[0]!.object).toBe("text_completion");
    expect(ev[0]!.choices[0].text).toBe("Hello world");
    expect(ev.at(-2)!.inferchain).toMatchObject({ streamed: false, stream_error: expect.stringMatching(/502/) });
  });

  it("a stream cut short continues with the rest of the chain's text, without repeating what was shown", async () => {
    class Cut extends FakeBackend {
      override async *stream(): AsyncIterable<TokenEvent> {
        yield { kind: "token", id: 1, text: "Hel" };
        throw new Error("executor stream: connection reset");
      }
    }
    const { app } = await gateway(new Cut());
    const ev = sse((await app.inject({ method: "POST", url: "/v1/completions", payload: { model: MODEL.id, prompt: "x", stream: true } })).body) as Array<Record<string, any>>;
    expect(ev.slice(0, -2).map((c) => c.choices[0].text).join("")).toBe("Hello world");
    expect(ev.at(-2)!.inferchain).toMatchObject({ streamed: "partial", stream_error: expect.stringMatching(/reset/) });
    expect(ev.at(-2)!.inferchain.stream_matches_chain).toBeUndefined();
  });

  it("an executor that ends its stream with no token (EOS first) was live: nothing to compare but an empty answer", async () => {
    const b = new FakeBackend();
    b.tokens = [];
    const { app } = await gateway(b);
    const ev = sse((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true }) })).body) as Array<Record<string, any>>;
    expect(ev.at(-2)!.inferchain).toMatchObject({ streamed: true, stream_matches_chain: true });
  });

  it("seed (0 included) is passed to the request as the job's sampling seed; absent or null sends none", async () => {
    const { app, b } = await gateway();
    for (const seed of [0, 42, Number.MAX_SAFE_INTEGER]) {
      const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ seed, temperature: 0.8 }) });
      expect(res.statusCode).toBe(200);
    }
    await app.inject({ method: "POST", url: "/v1/completions", payload: { model: MODEL.id, prompt: "x", seed: 5, stream: true } });
    await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat() });
    await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ seed: null }) });
    expect(b.requests.map((r) => r.seed)).toEqual([0, 42, Number.MAX_SAFE_INTEGER, 5, undefined, undefined]);
    expect(b.requests.slice(4).every((r) => !("seed" in r))).toBe(true);
  });

  it("stop sequences cut the text gateway-side, in both modes, and never leak in a chunk", async () => {
    const { app } = await gateway();
    const plain = await app.inject({ method: "POST", url: "/v1/completions", payload: { model: MODEL.id, prompt: "x", stop: "o w" } });
    expect(plain.json().choices[0]).toMatchObject({ text: "Hell", finish_reason: "stop" });
    const ev = sse((await app.inject({ method: "POST", url: "/v1/completions", payload: { model: MODEL.id, prompt: "x", stop: ["o w"], stream: true } })).body) as Array<Record<string, any>>;
    expect(ev.slice(0, -2).map((c) => c.choices[0].text).join("")).toBe("Hell");
  });

  it.each([
    [{ temperature: 3 }, "temperature"],
    [{ temperature: "hot" }, "temperature"],
    [{ max_tokens: 0 }, "max_tokens"],
    [{ top_k: -1 }, "top_k"],
    [{ seed: -1 }, "seed"],
    [{ seed: 1.5 }, "seed"],
    [{ seed: "7" }, "seed"],
    [{ seed: 2 ** 60 }, "seed"],
    [{ n: 2 }, "n"],
    [{ top_p: 0.5 }, "top_p"],
    [{ stop: ["a", "b", "c", "d", "e"] }, "stop"],
    [{ messages: [] }, "messages"],
    [{ messages: [{ role: "tool", content: "x" }] }, "messages[0].role"],
    [{ stream: "yes" }, "stream"],
  ])("400 invalid_request_error for %j naming %s; nothing is signed", async (over, param) => {
    const { app, b } = await gateway();
    const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat(over) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ type: "invalid_request_error", param });
    expect(b.requests).toHaveLength(0);
  });

  it("unknown model 404 model_not_found; malformed JSON 400; unknown route 404, all in OpenAI's shape", async () => {
    const { app } = await gateway();
    const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ model: "nope@1" }) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { message: "model nope@1 not found", type: "invalid_request_error", param: "model", code: "model_not_found" } });
    const bad = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: { "content-type": "application/json" }, payload: "{" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.type).toBe("invalid_request_error");
    expect((await app.inject({ url: "/v1/nothing" })).json().error.code).toBe("unknown_url");
  });

  it.each([
    [new InferchainError("insufficient_funds", "insufficient funds"), 402, "insufficient_quota"],
    [new InferchainError("connection", "cannot reach the node"), 503, "service_unavailable"],
    [new InferchainError("unavailable", "no executor serves it", { field: "model" }), 503, "service_unavailable"],
    [new InferchainError("timeout", "job 7 not done"), 504, "timeout"],
    [new InferchainError("unauthorized", "authorization not found"), 403, "permission_error"],
    [new GatewayError(402, "insufficient_quota", "over the limit", "max_fee", "spend_limit_exceeded"), 402, "insufficient_quota"],
  ])("typed chain errors map to HTTP status: %s -> %i", async (err, status, type) => {
    const b = new FakeBackend();
    b.requestError = err;
    const { app } = await gateway(b);
    const res = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat() });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.type).toBe(type);
  });

  it("a result timeout is 504 without streaming, and an error event (with the job id) while streaming", async () => {
    const b = new FakeBackend();
    b.resultError = new InferchainError("timeout", "job 7 has no result after 120 s");
    const { app } = await gateway(b);
    expect((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat() })).statusCode).toBe(504);
    const ev = sse((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat({ stream: true }) })).body) as Array<Record<string, any>>;
    expect(ev.at(-1)).toMatchObject({ error: { type: "timeout" }, inferchain: { job_id: "7" } });
  });

  it("an agent's model list is enforced: other models 403 and hidden from /v1/models", async () => {
    const { app } = await gateway(new FakeBackend(), { allowedModels: new Set(["b".repeat(64)]) });
    expect((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: chat() })).statusCode).toBe(403);
    expect((await app.inject({ url: "/v1/models" })).json().data).toEqual([]);
  });
});
