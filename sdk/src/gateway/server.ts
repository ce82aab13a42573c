/**
 * The OpenAI-compatible gateway: POST /v1/chat/completions, POST /v1/completions (stream or not), GET /v1/models.
 * Every completion is one MsgRequestInference; a streamed one relays the assigned executor's tokens as they are
 * generated, then waits for the on-chain result and checks it equals what was streamed (the chain is the truth:
 * a mismatch is reported in the last chunk's `inferchain` field, never hidden).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { randomBytes } from "node:crypto";
import type { InferResult } from "../client/inference.js";
import { receiptToJson } from "../client/json.js";
import { sseEvent } from "../sse.js";
import { chatPrompt, parseMessages } from "./chat-prompt.js";
import { badRequest, GatewayError, toHttpError } from "./errors.js";
import type { GatewayBackend, JobRequest, RequestedJob, ServedModel } from "./ports.js";
import { applyStop, parseStop, StopFilter } from "./stop.js";

export const DEFAULT_MAX_TOKENS = 64;
export const DEFAULT_RESULT_TIMEOUT_MS = 120_000;

export interface GatewayOptions {
  backend: GatewayBackend;
  /** How long to wait for the on-chain result. Default 120 s (then 504; the job is not lost). */
  resultTimeoutMs?: number;
  /** Models an agent may use (content roots); undefined = any. Enforced here, see README (agent wallets). */
  allowedModels?: ReadonlySet<string>;
  /** Called before each request is signed (agent spend tracking); throws GatewayError to refuse. */
  beforeRequest?: (req: JobRequest) => Promise<void>;
  logger?: boolean;
  /** Interval of SSE keepalive comments while a streamed job waits for its tokens or its result. Default 15 s. */
  keepaliveMs?: number;
}

interface Common {
  model: ServedModel;
  job: JobRequest;
  stops: string[];
  stream: boolean;
  includeUsage: boolean;
}

type Kind = "chat" | "text";

export async function buildGateway(o: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: 4 * 1024 * 1024 });
  const timeoutMs = o.resultTimeoutMs ?? DEFAULT_RESULT_TIMEOUT_MS;
  const keepaliveMs = o.keepaliveMs ?? 15_000;

  app.setErrorHandler((err, _req, reply) => {
    // fastify's own errors (bad JSON, body too large) carry a statusCode.
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500 && !(err instanceof GatewayError)) {
      return reply.code(status).send({ error: { message: err instanceof Error ? err.message : String(err), type: "invalid_request_error", param: null, code: (err as { code?: string }).code ?? null } });
    }
    const h = toHttpError(err);
    return reply.code(h.status).send(h.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { message: `no route ${req.method} ${req.url} (this gateway serves /v1/chat/completions, /v1/completions, /v1/models)`, type: "invalid_request_error", param: null, code: "unknown_url" } }),
  );

  app.get("/v1/models", async () => {
    const models = await o.backend.models();
    return { object: "list", data: models.filter((m) => allowed(m)).map(modelJson) };
  });
  app.get<{ Params: { id: string } }>("/v1/models/:id", async (req) => modelJson(await resolve(decodeURIComponent(req.params.id))));

  app.post("/v1/chat/completions", async (req, reply) => {
    const body = objectBody(req.body);
    const messages = parseMessages(body.messages);
    const common = await parseCommon(body, chatPrompt(messages));
    return complete("chat", common, reply);
  });

  app.post("/v1/completions", async (req, reply) => {
    const body = objectBody(req.body);
    const prompt = Array.isArray(body.prompt) && body.prompt.length === 1 ? body.prompt[0] : body.prompt;
    if (typeof prompt !== "string" || prompt === "") throw badRequest("prompt", "must be a non-empty string (one prompt per request)");
    return complete("text", await parseCommon(body, prompt), reply);
  });

  function allowed(m: ServedModel): boolean {
    return !o.allowedModels || o.allowedModels.has(m.contentRoot);
  }

  async function resolve(ref: string): Promise<ServedModel> {
    const m = await o.backend.resolve(ref);
    if (!allowed(m)) throw new GatewayError(403, "permission_error", `model: this gateway's agent may not use ${m.id}`, "model", "model_not_allowed");
    return m;
  }

  async function parseCommon(body: Record<string, unknown>, prompt: string): Promise<Common> {
    if (typeof body.model !== "string" || body.model === "") throw badRequest("model", "must be a model id (name@version) from GET /v1/models");
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) throw badRequest("max_tokens", `must be a positive integer, got ${JSON.stringify(maxTokens)}`);
    const temperature = body.temperature ?? 1;
    if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0 || temperature > 2) throw badRequest("temperature", `must be a number from 0 to 2, got ${JSON.stringify(temperature)}`);
    const topK = body.top_k ?? 0;
    if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 0 || topK > 1000) throw badRequest("top_k", `must be an integer from 0 (off) to 1000, got ${JSON.stringify(topK)}`);
    // OpenAI `seed`: the job's sampling seed on chain (MsgRequestInference.seed), so the same prompt, params and
    // seed give the same tokens; omitted, the chain derives one. JSON numbers are exact only up to 2^53.
    const seed = body.seed ?? undefined;
    if (seed !== undefined && (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0)) {
      throw badRequest("seed", `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(seed)}`);
    }
    if (body.n !== undefined && body.n !== null && body.n !== 1) throw badRequest("n", "only n=1 is supported");
    if (body.top_p !== undefined && body.top_p !== null && body.top_p !== 1) throw badRequest("top_p", "nucleus sampling is not supported (use top_k)");
    for (const p of ["presence_penalty", "frequency_penalty"] as const) if (body[p] !== undefined && body[p] !== null && body[p] !== 0) throw badRequest(p, "penalties are not supported");
    if (body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false) throw badRequest("logprobs", "logprobs are not supported");
    if (body.tools !== undefined || body.functions !== undefined) throw badRequest("tools", "tool calls are not supported");
    const stream = body.stream ?? false;
    if (typeof stream !== "boolean") throw badRequest("stream", "must be a boolean");
    const so = body.stream_options as { include_usage?: unknown } | undefined | null;
    const maxFee = body.max_fee;
    if (maxFee !== undefined && typeof maxFee !== "string") throw badRequest("max_fee", 'must be a coin string, e.g. "20000uinfer"');
    const stops = parseStop(body.stop);
    const model = await resolve(body.model);
    const job: JobRequest = { model: model.contentRoot, prompt, maxTokens, temperature, topK, ...(maxFee !== undefined ? { maxFee } : {}), ...(seed !== undefined ? { seed } : {}) };
    return { model, job, stops, stream, includeUsage: so?.include_usage === true };
  }

  async function request(job: JobRequest): Promise<RequestedJob> {
    await o.beforeRequest?.(job);
    return o.backend.request(job);
  }

  async function complete(kind: Kind, c: Common, reply: FastifyReply): Promise<unknown> {
    const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomBytes(12).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const requested = await request(c.job); // errors before streaming starts keep their HTTP status
    if (!c.stream) {
      const res = await o.backend.result(requested, timeoutMs);
      const promptTokens = await o.backend.promptTokens(requested).catch(() => undefined);
      const { text, stopped } = applyStop(res.text, c.stops);
      const finish = finishReason(res.finishReason, stopped);
      const usage = usageOf(promptTokens, res.tokenIds.length);
      const choice = kind === "chat" ? { index: 0, message: { role: "assistant", content: text }, finish_reason: finish, logprobs: null } : { index: 0, text, finish_reason: finish, logprobs: null };
      return {
        id,
        object: kind === "chat" ? "chat.completion" : "text_completion",
        created,
        model: c.model.id,
        choices: [choice],
        usage,
        inferchain: extension(requested, res, { streamed: false }),
      };
    }
    return streamCompletion(kind, c, requested, id, created, reply);
  }

  async function streamCompletion(kind: Kind, c: Common, job: RequestedJob, id: string, created: number, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    raw.flushHeaders();
    const abort = new AbortController();
    raw.on("close", () => abort.abort());
    const object = kind === "chat" ? "chat.completion.chunk" : "text_completion";
    const chunk = (delta: string | undefined, finish: string | null, extra: Record<string, unknown> = {}, first = false): Record<string, unknown> => {
      const choice =
        kind === "chat"
          ? { index: 0, delta: first ? { role: "assistant", content: delta ?? "" } : delta === undefined ? {} : { content: delta }, finish_reason: finish, logprobs: null }
          : { index: 0, text: delta ?? "", finish_reason: finish, logprobs: null };
      return { id, object, created, model: c.model.id, choices: [choice], ...extra };
    };
    const write = (data: unknown): void => {
      if (!abort.signal.aborted) raw.write(sseEvent(data));
    };
    if (kind === "chat") write(chunk(undefined, null, {}, true));

    const filter = new StopFilter(c.stops);
    const streamedIds: number[] = [];
    let streamedText = "";
    let promptTokens: number | undefined;
    let streamError: string | undefined;
    let ttftMs: number | undefined;
    let ended = false;
    let shown = "";
    let streamedCommitment: string | undefined;
    const t0 = performance.now();
    // SSE comments while the job waits (queued at the executor, or for the chain): clients and proxies with idle
    // timeouts keep the connection; OpenAI clients ignore comment lines.
    const keepalive = setInterval(() => {
      if (!abort.signal.aborted) raw.write(": keepalive\n\n");
    }, keepaliveMs);
    keepalive.unref();
    try {
      for await (const ev of o.backend.stream(job, abort.signal)) {
        if (ev.kind === "end") {
          promptTokens = ev.promptTokens;
          streamedCommitment = ev.commitment;
          ended = true;
          break;
        }
        streamedIds.push(ev.id);
        streamedText += ev.text;
        ttftMs ??= performance.now() - t0;
        const piece = filter.push(ev.text);
        if (piece !== "") write(chunk(piece, null));
        shown += piece;
      }
    } catch (e) {
      streamError = e instanceof Error ? e.message : String(e);
    }
    let res: InferResult;
    try {
      res = await o.backend.result(job, timeoutMs);
    } catch (e) {
      clearInterval(keepalive);
      const h = toHttpError(e);
      write({ ...h.body, inferchain: { job_id: job.jobId.toString(), executor: job.executor, tx_hash: job.txHash } });
      raw.end();
      return;
    }
    clearInterval(keepalive);
    // A stream that ended (even with no token: EOS first) was live; one cut short falls back to the chain's text.
    const streamed = streamError === undefined && ended && (streamedIds.length > 0 || res.tokenIds.length === 0);
    let verification: Record<string, unknown>;
    if (!streamed) {
      // No live stream, or one cut short (executor unreachable, restarted...): the rest comes from the chain.
      const { text } = applyStop(res.text, c.stops);
      const continues = text.startsWith(shown);
      if (continues && text.length > shown.length) write(chunk(text.slice(shown.length), null));
      verification = {
        streamed: shown !== "" ? "partial" : false,
        ...(streamError ? { stream_error: streamError } : {}),
        ...(continues ? {} : { stream_matches_chain: false, mismatch: "the partial stream differs from the result on chain: the on-chain text is authoritative", chain_text: text }),
      };
    } else {
      const rest = filter.flush();
      if (rest !== "") write(chunk(rest, null));
      // Same tokens and the commitment the executor announced is the one on chain. The text is a function of the
      // tokens; it can differ only where bytes that are not valid UTF-8 were decoded piecewise (replacement
      // characters), so then the chain's text is attached for the client to use.
      const match = sameIds(streamedIds, res.tokenIds) && streamedCommitment === res.receipt.commitment;
      verification = match
        ? { streamed: true, stream_matches_chain: true, time_to_first_token_ms: round(ttftMs), ...(streamedText === res.text ? {} : { chain_text: applyStop(res.text, c.stops).text }) }
        : {
            streamed: true,
            stream_matches_chain: false,
            mismatch: `the streamed tokens (${streamedIds.length}, commitment ${streamedCommitment}) differ from the result on chain (${res.tokenIds.length} tokens, commitment ${res.receipt.commitment}): the on-chain text is authoritative`,
            chain_text: applyStop(res.text, c.stops).text,
            time_to_first_token_ms: round(ttftMs),
          };
    }
    const stopped = applyStop(res.text, c.stops).stopped;
    const usage = usageOf(promptTokens ?? (await o.backend.promptTokens(job).catch(() => undefined)), res.tokenIds.length);
    write(chunk(undefined, finishReason(res.finishReason, stopped), { inferchain: extension(job, res, verification) }));
    if (c.includeUsage) write({ id, object, created, model: c.model.id, choices: [], usage });
    write("[DONE]");
    raw.end();
  }

  return app;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("body", "must be a JSON object");
  return body as Record<string, unknown>;
}

function modelJson(m: ServedModel): Record<string, unknown> {
  return { id: m.id, object: "model", created: m.created, owned_by: m.publisher, inferchain: { content_root: m.contentRoot } };
}

function finishReason(chain: string, stopped: boolean): string {
  if (stopped || chain === "eos") return "stop";
  return chain === "length" ? "length" : chain;
}

function usageOf(promptTokens: number | undefined, completion: number): Record<string, number> {
  const p = promptTokens ?? 0;
  return { prompt_tokens: p, completion_tokens: completion, total_tokens: p + completion };
}

function extension(job: RequestedJob, res: InferResult, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    job_id: job.jobId.toString(),
    tx_hash: job.txHash,
    requester: job.requester,
    executor: job.executor,
    finish_reason: res.finishReason,
    token_ids: res.tokenIds,
    receipt: receiptToJson(res.receipt),
    ...extra,
  };
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 10) / 10;
}
