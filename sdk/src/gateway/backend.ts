/**
 * The real GatewayBackend: a signing client for the gateway's key (or an agent key, requests through authz
 * MsgExec), the registry and executors on chain, and the assigned executor's sidecar stream, located by the
 * `endpoint` of its Executor record on chain.
 */
import { ModelStatus } from "../generated/inferchain/registry/v1/types.js";
import { InferchainError, NotFoundError } from "../errors.js";
import { inferResultFromJob, type InferResult } from "../client/inference.js";
import { formatRef, modelStatusName } from "../refs.js";
import type { SigningInferchainClient } from "../client/signing-client.js";
import { requestAsAgent, type AgentRecord } from "../agents/agents.js";
import { SseParser } from "../sse.js";
import { signStreamAuth, streamAuthHeaders, type StreamKey } from "../stream-auth.js";
import type { GatewayBackend, JobRequest, RequestedJob, ServedModel, TokenEvent } from "./ports.js";

export interface ChainBackendOptions {
  client: SigningInferchainClient;
  chainId: string;
  /** The signing key's raw form, for the stream signature. */
  streamKey: StreamKey;
  gasPrice: string;
  /** Sign as this agent: requests go through MsgExec with its granter as requester. */
  agent?: { record: AgentRecord };
  /** How long to retry a sidecar that does not know the job yet (it follows blocks too). Default 10 s. */
  streamOpenTimeoutMs?: number;
}

export class ChainBackend implements GatewayBackend {
  private readonly endpoints = new Map<string, string>();

  constructor(private readonly o: ChainBackendOptions) {}

  /** Active models some active executor serves: never a deprecated, revoked or pending (unaudited) one. */
  async models(): Promise<ServedModel[]> {
    const [models, executors] = await Promise.all([this.o.client.listAllModels(), this.o.client.listAllExecutors()]);
    const served = new Set(executors.filter((e) => e.active).flatMap((e) => e.models));
    return models.filter((m) => m.status === ModelStatus.MODEL_STATUS_ACTIVE && served.has(m.contentRoot)).map(servedModel);
  }

  async resolve(ref: string): Promise<ServedModel> {
    const m = await this.o.client.getModel(ref).catch((e: unknown) => {
      // A malformed ref names no model either: both are "unknown model" to an OpenAI client.
      if (e instanceof InferchainError && (e.code === "invalid_argument" || e.code === "not_found")) {
        throw new NotFoundError(`model ${ref} not found: use an id from GET /v1/models (name@version)`, { field: "model", cause: e });
      }
      throw e;
    });
    if (m.status === ModelStatus.MODEL_STATUS_PENDING) {
      // A trained child before its training verdict: the chain refuses requests for it until the job settles.
      throw new NotFoundError(`model ${ref} is pending its training audit (${m.statusReason}); it is served once its training job settles`, { field: "model" });
    }
    if (m.status !== ModelStatus.MODEL_STATUS_ACTIVE) throw new NotFoundError(`model ${ref} is not active (${modelStatusName(m.status)})`, { field: "model" });
    const executors = await this.o.client.getExecutorsOfModel(m.contentRoot);
    if (executors.length === 0) throw new InferchainError("unavailable", `model ${ref}: no active executor serves it now`, { field: "model" });
    return servedModel(m);
  }

  async request(req: JobRequest): Promise<RequestedJob> {
    const input = { model: req.model, prompt: req.prompt, maxTokens: req.maxTokens, temperature: req.temperature, topK: req.topK, ...(req.maxFee ? { maxFee: req.maxFee } : {}), ...(req.seed !== undefined ? { seed: req.seed } : {}) };
    const agent = this.o.agent;
    if (!agent) {
      const r = await this.o.client.requestInference(input);
      return { ...r, requester: this.o.client.senderAddress };
    }
    // The chain enforces the agent's limits (RequestInferenceAuthorization: spend limit, models; feegrant: fees).
    const r = await requestAsAgent(this.o.client, agent.record.granter, this.o.gasPrice, input);
    return { ...r, requester: agent.record.granter };
  }

  async *stream(job: RequestedJob, signal: AbortSignal): AsyncIterable<TokenEvent> {
    // Signed by our key: the sidecar accepts the job's requester, or (agent) a key the requester granted
    // MsgRequestInference to via authz.
    const base = await this.endpointOf(job.executor);
    const url = `${base.replace(/\/+$/, "")}/v1/jobs/${job.jobId}/stream`;
    const deadline = Date.now() + (this.o.streamOpenTimeoutMs ?? 10_000);
    let res: Response;
    for (;;) {
      const auth = await signStreamAuth(this.o.streamKey, this.o.chainId, job.jobId, Math.floor(Date.now() / 1000) + 600);
      res = await fetch(url, { headers: streamAuthHeaders(auth), signal });
      if (res.status !== 404 || Date.now() > deadline) break;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 100)); // the sidecar has not seen the job's block yet
    }
    if (!res.ok || !res.body) throw new Error(`executor stream ${url}: HTTP ${res.status} ${(await res.text().catch(() => "")).slice(0, 300)}`);
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
        const data = JSON.parse(m.data) as Record<string, unknown>;
        if (m.event === "token") yield { kind: "token", id: Number(data.id), text: String(data.text ?? "") };
        else if (m.event === "replay") {
          // A restarted sidecar replays the stored output in one piece.
          const ids = data.tokenIds as number[];
          for (let i = 0; i < ids.length; i++) yield { kind: "token", id: ids[i]!, text: i === 0 ? String(data.text ?? "") : "" };
        } else if (m.event === "end") {
          yield { kind: "end", tokens: Number(data.tokens), promptTokens: Number(data.promptTokens), commitment: String(data.commitment), finishReason: String(data.finishReason) };
          return;
        } else if (m.event === "error") throw new Error(`executor stream: ${String(data.message)}`);
      }
    }
    throw new Error("executor stream ended without an end event");
  }

  async result(job: RequestedJob, timeoutMs: number): Promise<InferResult> {
    const j = await this.o.client.waitForResult(job.jobId, { until: "result", timeoutMs, pollIntervalMs: 250 });
    return inferResultFromJob(j, job.txHash);
  }

  async promptTokens(job: RequestedJob): Promise<number | undefined> {
    const base = await this.endpointOf(job.executor);
    const res = await fetch(`${base.replace(/\/+$/, "")}/v1/jobs/${job.jobId}`);
    if (!res.ok) return undefined;
    const body = (await res.json()) as { output?: { promptTokenIds?: unknown[] } };
    return body.output?.promptTokenIds?.length;
  }

  private async endpointOf(valoper: string): Promise<string> {
    const known = this.endpoints.get(valoper);
    if (known) return known;
    const e = await this.o.client.getExecutor(valoper);
    if (!e.endpoint) throw new Error(`executor ${valoper} has no endpoint on chain: no live stream (the answer comes from the chain)`);
    this.endpoints.set(valoper, e.endpoint);
    return e.endpoint;
  }
}

function servedModel(m: { name: string; version: string; contentRoot: string; publisher: string }): ServedModel {
  return { id: formatRef({ name: m.name, version: m.version }), contentRoot: m.contentRoot, publisher: m.publisher, created: 0 };
}
