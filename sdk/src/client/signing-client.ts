import { fromBech32, fromHex, toBech32 } from "@cosmjs/encoding";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { EncodeObject, OfflineSigner } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, type Coin, type DeliverTxResponse, type Event } from "@cosmjs/stargate";
import { fromChainFailure, fromThrown } from "../chain/abci-errors.js";
import { createInferchainRegistry, registryResponseTypeUrls, registryTypeUrls } from "../chain/registry-types.js";
import { inferenceResponseTypeUrls, inferenceTypeUrls } from "../chain/inference-types.js";
import { fundingResponseTypeUrls, fundingTypeUrls } from "../chain/funding-types.js";
import {
  MsgContribute,
  MsgCreateRound,
  MsgCreateRoundResponse,
  MsgFundPool,
  MsgRegisterProject,
  MsgRegisterProjectResponse,
} from "../generated/inferchain/funding/v1/tx.js";
import { parseAmount, parseHeight } from "./funding.js";
import {
  MsgRegisterExecutor,
  MsgRegisterExecutorResponse,
  MsgRequestInference,
  MsgRequestInferenceResponse,
  MsgUpdateExecutor,
} from "../generated/inferchain/inference/v1/tx.js";
import { checkAgainstParams, inferResultFromJob, validateInferenceRequest, type InferenceRequestInput, type InferResult } from "./inference.js";
import type { JobUpdate } from "./wait.js";
import { SequencedSigningClient, TxPipeline } from "./tx-pipeline.js";
import { contentRootFromFiles, type ArtifactFileDigest } from "../digest/content-root.js";
import { isDigest } from "../digest/hex.js";
import { InferchainError, invalidArgument, withField } from "../errors.js";
import {
  MsgAttest,
  MsgAttestResponse,
  MsgRegisterDataset,
  MsgRegisterModel,
  MsgRevokeAttestation,
  MsgUpdateModelStatus,
} from "../generated/inferchain/registry/v1/tx.js";
import type { DatasetRole, ModelStatus, ParentRelation } from "../generated/inferchain/registry/v1/types.js";
import { parseDatasetRole, parseModelStatus, parseParentRelation } from "../refs.js";
import { BECH32_PREFIX, connectOrThrow, DENOM, InferchainClient, toId } from "./query-client.js";

export const DEFAULT_GAS_PRICE = "0.025uinfer";

export interface SigningOptions {
  /** e.g. "0.025uinfer" (default). Gas is simulated and multiplied by gasMultiplier. */
  gasPrice?: string | GasPrice;
  gasMultiplier?: number;
  /** Refuse to sign for another chain (checked on connect when given). */
  chainId?: string;
  /** How often to poll for inclusion (ms); localnets make blocks fast. Default 500. */
  broadcastPollIntervalMs?: number;
  broadcastTimeoutMs?: number;
  /**
   * Let concurrent transactions from this key share blocks (tx-pipeline.ts): the sequence comes from a local
   * counter and only sign + CheckTx are serialized. Off by default: one process should own the key.
   */
  pipelineTxs?: boolean;
}

export interface TxResult {
  txHash: string;
  height: number;
  gasUsed: bigint;
  gasWanted: bigint;
  events: readonly Event[];
}

export interface RegisterModelInput {
  name: string;
  version: string;
  /** Weights format: onnx, gguf, safetensors... */
  format: string;
  /** From digestArtifact().files (any order; sent sorted). */
  files: readonly ArtifactFileDigest[];
  /** Optional: checked against the root computed from files before anything is sent. */
  contentRoot?: string;
  /** Parent models by content root or name@version. */
  parents?: readonly { model: string; relation: ParentRelation | string }[];
  /** Datasets by content root or name@version. */
  datasets?: readonly { dataset: string; role: DatasetRole | string }[];
  recipeHash?: string;
  /** SPDX identifier or expression. */
  license?: string;
  cardUri?: string;
  cardHash?: string;
}

export interface RegisterDatasetInput {
  name: string;
  version: string;
  files: readonly ArtifactFileDigest[];
  contentRoot?: string;
  recordCount?: bigint | number;
  license?: string;
  /** Datasets this one derives from, by content root or name@version. */
  sources?: readonly string[];
  uri?: string;
}

export interface AttestInput {
  /** Content root or name@version of a model or dataset. */
  subject: string;
  /** eval, safety, license-audit, ... */
  predicate: string;
  methodHash?: string;
  resultHash?: string;
  uri?: string;
  /** Decimal number, e.g. "0.873". */
  score?: string | number;
  /** 0 or absent: never expires. */
  expiresHeight?: bigint | number;
}

export interface UpdateModelStatusInput {
  model: string;
  status: ModelStatus | string;
  /** Content root or name@version of the replacement. */
  supersededBy?: string;
  reason?: string;
}

export interface CreateFundingRoundInput {
  title: string;
  /** The matching pool escrowed from the signer: "1000000uinfer", "1000000" (uinfer) or a Coin. */
  matchingPool: string | Coin;
  /** First block accepting contributions: a height or "+N" (N blocks after the current height). */
  startHeight: bigint | number | string;
  /** Last block accepting contributions (the round is paid out in its EndBlocker): a height or "+N". */
  endHeight: bigint | number | string;
}

export interface RegisterFundingProjectInput {
  roundId: bigint | number | string;
  /** A model or dataset you published, by content root or name@version (models are tried first). */
  subject?: string;
  /** A proposal (no subject): title, uri and recipient are required. */
  title?: string;
  uri?: string;
  recipient?: string;
}

export interface ContributeInput {
  roundId: bigint | number | string;
  projectId: bigint | number | string;
  /** "5000uinfer", "5000" (uinfer) or a Coin. */
  amount: string | Coin;
}

export type RequestInferenceInput = InferenceRequestInput;

export interface RequestInferenceResult {
  jobId: bigint;
  /** Validator operator address (infervaloper...) the chain assigned. */
  executor: string;
  deadlineHeight: number;
  txHash: string;
  /** The block the request was included in. */
  height: number;
  gasUsed: bigint;
  /** Content root the model ref resolved to. */
  model: string;
  /** What was escrowed. */
  maxFee: Coin;
}

export interface InferOptions {
  /** How long to wait for settlement (default 120 s); on timeout the job is not lost (JobTimeoutError). */
  timeoutMs?: number;
  /** Called once the request is included (before waiting). */
  onRequested?: (request: RequestInferenceResult) => void;
  /** Called on the first read of the job and on every change of status, executor or attempt. */
  onStatus?: (update: JobUpdate) => void;
  pollIntervalMs?: number;
}

export interface RegisterExecutorInput {
  /** The sidecar's account address (infer1...): the only account that may post results for this executor. */
  sidecar: string;
  /** Models served, by content root or name@version (resolved and checked to exist). */
  models: readonly string[];
  /** The sidecar's public API base URL (verifiers fetch commitment data there). */
  endpoint?: string;
}

export interface UpdateExecutorInput {
  /** Omitted: keep the current sidecar. */
  sidecar?: string;
  /** Omitted or empty: keep the current list; otherwise it replaces it. */
  models?: readonly string[];
  /** Omitted: keep the current endpoint. */
  endpoint?: string;
  /** Omitted: keep the current state (read from the chain first). */
  active?: boolean;
}

/**
 * Registry and inference transactions, signed with SIGN_MODE_DIRECT by the signer's first account.
 * Executor transactions must be signed by the validator operator's account (the account form of its
 * infervaloper address).
 */
export class SigningInferchainClient extends InferchainClient {
  private constructor(
    comet: CometClient,
    readonly signing: SigningStargateClient,
    /** The address that signs and pays: the signer's first account. */
    readonly senderAddress: string,
    private readonly gasMultiplier: number,
    endpoint: string,
    private readonly pipeline?: TxPipeline,
  ) {
    super(comet, signing, endpoint);
  }

  static async connectWithSigner(endpoint: string, signer: OfflineSigner, options: SigningOptions = {}): Promise<SigningInferchainClient> {
    const gasPrice = typeof options.gasPrice === "object" ? options.gasPrice : parseGasPrice(options.gasPrice ?? DEFAULT_GAS_PRICE);
    const [account] = await signer.getAccounts();
    if (!account) throw invalidArgument("signer", "the signer has no accounts");
    const comet = await connectOrThrow(endpoint);
    const signingOptions = {
      registry: createInferchainRegistry(),
      gasPrice,
      broadcastPollIntervalMs: options.broadcastPollIntervalMs ?? 500,
      broadcastTimeoutMs: options.broadcastTimeoutMs ?? 60_000,
    };
    const gasMultiplier = options.gasMultiplier ?? 1.5;
    let client: SigningInferchainClient;
    if (options.pipelineTxs) {
      const signing = SequencedSigningClient.createSequenced(comet, signer, signingOptions);
      const pipeline = new TxPipeline(signing, account.address, { gasPrice, gasMultiplier, pollIntervalMs: signingOptions.broadcastPollIntervalMs, timeoutMs: signingOptions.broadcastTimeoutMs });
      client = new SigningInferchainClient(comet, signing, account.address, gasMultiplier, endpoint, pipeline);
    } else {
      client = new SigningInferchainClient(comet, SigningStargateClient.createWithSigner(comet, signer, signingOptions), account.address, gasMultiplier, endpoint);
    }
    if (options.chainId !== undefined) {
      const actual = await client.getChainId();
      if (actual !== options.chainId) {
        client.disconnect();
        throw invalidArgument("chain_id", `the node is on chain "${actual}", not "${options.chainId}"`);
      }
    }
    return client;
  }

  /** Signs, broadcasts and waits for inclusion; a failed tx throws a typed error naming the field. */
  async signAndBroadcast(messages: readonly EncodeObject[], memo = ""): Promise<DeliverTxResponse> {
    let res: DeliverTxResponse;
    try {
      res = this.pipeline ? await this.pipeline.signAndBroadcast(messages, memo) : await this.signing.signAndBroadcast(this.senderAddress, messages, this.gasMultiplier, memo);
    } catch (err) {
      throw fromThrown(err);
    }
    if (res.code !== 0) {
      throw fromChainFailure({ codespace: await this.codespaceOf(res.transactionHash), code: res.code, log: res.rawLog ?? "", txHash: res.transactionHash });
    }
    return res;
  }

  async registerModel(input: RegisterModelInput): Promise<TxResult & { contentRoot: string }> {
    const contentRoot = checkedRoot(input.files, input.contentRoot);
    const parents = await Promise.all(
      (input.parents ?? []).map(async (p, i) => ({
        model: await this.resolveModel(p.model).catch(renameField(`parents[${i}].model`)),
        relation: typeof p.relation === "string" ? parseParentRelation(p.relation, `parents[${i}].relation`) : p.relation,
      })),
    );
    const datasets = await Promise.all(
      (input.datasets ?? []).map(async (d, i) => ({
        dataset: await this.resolveDataset(d.dataset).catch(renameField(`datasets[${i}].dataset`)),
        role: typeof d.role === "string" ? parseDatasetRole(d.role, `datasets[${i}].role`) : d.role,
      })),
    );
    const value = MsgRegisterModel.fromPartial({
      publisher: this.senderAddress,
      contentRoot,
      name: input.name,
      version: input.version,
      format: input.format,
      files: sortedFiles(input.files),
      parents,
      datasets,
      recipeHash: input.recipeHash ?? "",
      license: input.license ?? "",
      cardUri: input.cardUri ?? "",
      cardHash: input.cardHash ?? "",
    });
    const res = await this.signAndBroadcast([{ typeUrl: registryTypeUrls.MsgRegisterModel, value }]);
    return { ...txResult(res), contentRoot };
  }

  async registerDataset(input: RegisterDatasetInput): Promise<TxResult & { contentRoot: string }> {
    const contentRoot = checkedRoot(input.files, input.contentRoot);
    const sources = await Promise.all((input.sources ?? []).map((s, i) => this.resolveDataset(s).catch(renameField(`sources[${i}]`))));
    const value = MsgRegisterDataset.fromPartial({
      publisher: this.senderAddress,
      contentRoot,
      name: input.name,
      version: input.version,
      files: sortedFiles(input.files),
      recordCount: BigInt(input.recordCount ?? 0),
      license: input.license ?? "",
      sources,
      uri: input.uri ?? "",
    });
    const res = await this.signAndBroadcast([{ typeUrl: registryTypeUrls.MsgRegisterDataset, value }]);
    return { ...txResult(res), contentRoot };
  }

  async attest(input: AttestInput): Promise<TxResult & { id: bigint }> {
    const subject = (await this.resolveSubject(input.subject)).contentRoot;
    const value = MsgAttest.fromPartial({
      attester: this.senderAddress,
      subject,
      predicate: input.predicate,
      methodHash: input.methodHash ?? "",
      resultHash: input.resultHash ?? "",
      uri: input.uri ?? "",
      score: input.score === undefined ? "" : String(input.score),
      expiresHeight: BigInt(input.expiresHeight ?? 0),
    });
    const res = await this.signAndBroadcast([{ typeUrl: registryTypeUrls.MsgAttest, value }]);
    const reply = res.msgResponses.find((r) => r.typeUrl === registryResponseTypeUrls.MsgAttestResponse);
    if (!reply) throw new InferchainError("unknown", "the chain returned no MsgAttestResponse", { txHash: res.transactionHash });
    return { ...txResult(res), id: MsgAttestResponse.decode(reply.value).id };
  }

  async revokeAttestation(id: bigint | number | string): Promise<TxResult> {
    const value = MsgRevokeAttestation.fromPartial({ attester: this.senderAddress, id: toId(id) });
    return txResult(await this.signAndBroadcast([{ typeUrl: registryTypeUrls.MsgRevokeAttestation, value }]));
  }

  async updateModelStatus(input: UpdateModelStatusInput): Promise<TxResult> {
    const contentRoot = await this.resolveModel(input.model).catch(renameField("content_root"));
    const supersededBy = input.supersededBy ? await this.resolveModel(input.supersededBy).catch(renameField("superseded_by")) : "";
    const value = MsgUpdateModelStatus.fromPartial({
      publisher: this.senderAddress,
      contentRoot,
      status: typeof input.status === "string" ? parseModelStatus(input.status) : input.status,
      supersededBy,
      reason: input.reason ?? "",
    });
    return txResult(await this.signAndBroadcast([{ typeUrl: registryTypeUrls.MsgUpdateModelStatus, value }]));
  }

  // ---- x/inference ----

  /** The validator operator address (infervaloper...) of the signing account, for executor transactions. */
  get validatorAddress(): string {
    return toBech32(`${BECH32_PREFIX}valoper`, fromBech32(this.senderAddress, 90).data);
  }

  /**
   * Requests an inference: checks every input (naming the field) before anything is sent, resolves the
   * model ref, checks the params limits and minimum fee (max_fee defaults to that minimum), escrows max_fee.
   */
  async requestInference(input: RequestInferenceInput): Promise<RequestInferenceResult> {
    const req = validateInferenceRequest(input);
    const [model, params] = await Promise.all([this.resolveModel(req.model).catch(renameField("model")), this.getInferenceParams()]);
    const maxFee = checkAgainstParams(req, params);
    const value = MsgRequestInference.fromPartial({
      requester: this.senderAddress,
      model,
      prompt: req.prompt,
      maxTokens: req.maxTokens,
      temperatureMilli: req.temperatureMilli,
      topK: req.topK,
      maxFee,
      ...(req.seed !== undefined ? { seed: { value: req.seed } } : {}),
    });
    const res = await this.signAndBroadcast([{ typeUrl: inferenceTypeUrls.MsgRequestInference, value }]);
    const reply = res.msgResponses.find((r) => r.typeUrl === inferenceResponseTypeUrls.MsgRequestInferenceResponse);
    if (!reply) throw new InferchainError("unknown", "the chain returned no MsgRequestInferenceResponse", { txHash: res.transactionHash });
    const out = MsgRequestInferenceResponse.decode(reply.value);
    return {
      jobId: out.jobId,
      executor: out.executor,
      deadlineHeight: Number(out.deadlineHeight),
      txHash: res.transactionHash,
      height: res.height,
      gasUsed: res.gasUsed,
      model,
      maxFee,
    };
  }

  /**
   * requestInference + waitForResult(until settled): the text, the token ids and a receipt (model content
   * root, executor, sidecar, heights, fee split...). Rejects with JobRefundedError or JobTimeoutError (the
   * job is not lost: query it later by its id).
   */
  async infer(input: RequestInferenceInput & InferOptions): Promise<InferResult> {
    const request = await this.requestInference(input);
    input.onRequested?.(request);
    const job = await this.waitForResult(request.jobId, {
      until: "settled",
      timeoutMs: input.timeoutMs,
      onStatus: input.onStatus,
      pollIntervalMs: input.pollIntervalMs,
    });
    return inferResultFromJob(job, request.txHash);
  }

  /** Binds this validator's sidecar account and served models; signed by the validator operator's account. */
  async registerExecutor(input: RegisterExecutorInput): Promise<TxResult & { validator: string }> {
    const sidecar = checkAccount(input.sidecar, "sidecar");
    if (!Array.isArray(input.models) || input.models.length === 0) throw invalidArgument("models", "must list at least one model");
    const endpoint = checkEndpoint(input.endpoint);
    const models = await this.resolveModels(input.models);
    const value = MsgRegisterExecutor.fromPartial({ operator: this.senderAddress, sidecar, models, endpoint });
    const res = await this.signAndBroadcast([{ typeUrl: inferenceTypeUrls.MsgRegisterExecutor, value }]);
    const reply = res.msgResponses.find((r) => r.typeUrl === inferenceResponseTypeUrls.MsgRegisterExecutorResponse);
    const validator = reply ? MsgRegisterExecutorResponse.decode(reply.value).validator : this.validatorAddress;
    return { ...txResult(res), validator };
  }

  /** Changes the sidecar, models, endpoint or active flag of this validator's executor (operator only). */
  async updateExecutor(input: UpdateExecutorInput): Promise<TxResult> {
    const sidecar = input.sidecar === undefined ? "" : checkAccount(input.sidecar, "sidecar");
    const endpoint = checkEndpoint(input.endpoint);
    const models = input.models && input.models.length > 0 ? await this.resolveModels(input.models) : [];
    // proto3 has no "unset" bool: MsgUpdateExecutor.active=false deactivates, so keep the current state unless told.
    const active = input.active ?? (await this.getExecutor(this.validatorAddress).catch(renameField("operator"))).active;
    const value = MsgUpdateExecutor.fromPartial({ operator: this.senderAddress, sidecar, models, endpoint, active });
    return txResult(await this.signAndBroadcast([{ typeUrl: inferenceTypeUrls.MsgUpdateExecutor, value }]));
  }

  // ---- x/funding ----

  /** Opens a quadratic-funding round; the matching pool is escrowed from the signer. */
  async createFundingRound(input: CreateFundingRoundInput): Promise<TxResult & { roundId: bigint }> {
    if (typeof input.title !== "string" || input.title.trim() === "") throw invalidArgument("title", "must not be empty");
    const matchingPool = parseAmount("matching_pool", input.matchingPool, DENOM);
    const relative = [input.startHeight, input.endHeight].some((h) => typeof h === "string" && h.trim().startsWith("+"));
    const current = relative ? await this.getHeight() : undefined;
    const startHeight = parseHeight("start_height", input.startHeight, current);
    const endHeight = parseHeight("end_height", input.endHeight, current);
    if (endHeight < startHeight) throw invalidArgument("end_height", `${endHeight} is before start_height ${startHeight}`);
    const value = MsgCreateRound.fromPartial({ creator: this.senderAddress, title: input.title, matchingPool, startHeight, endHeight });
    const res = await this.signAndBroadcast([{ typeUrl: fundingTypeUrls.MsgCreateRound, value }]);
    const reply = res.msgResponses.find((r) => r.typeUrl === fundingResponseTypeUrls.MsgCreateRoundResponse);
    if (!reply) throw new InferchainError("unknown", "the chain returned no MsgCreateRoundResponse", { txHash: res.transactionHash });
    return { ...txResult(res), roundId: MsgCreateRoundResponse.decode(reply.value).roundId };
  }

  /** Adds to a round's matching pool (until its end height). */
  async fundFundingRound(input: { roundId: bigint | number | string; amount: string | Coin }): Promise<TxResult> {
    const value = MsgFundPool.fromPartial({ funder: this.senderAddress, roundId: toId(input.roundId, "round_id"), amount: parseAmount("amount", input.amount, DENOM) });
    return txResult(await this.signAndBroadcast([{ typeUrl: fundingTypeUrls.MsgFundPool, value }]));
  }

  /** Enters a model or dataset you published (subject), or a proposal (title, uri, recipient), in a round. */
  async registerFundingProject(input: RegisterFundingProjectInput): Promise<TxResult & { projectId: bigint }> {
    const roundId = toId(input.roundId, "round_id");
    let subject = "";
    if (input.subject !== undefined && input.subject !== "") {
      if (input.recipient) throw invalidArgument("recipient", "is for proposals; a registered subject pays its publisher");
      subject = (await this.resolveSubject(input.subject)).contentRoot;
    } else {
      if (!input.title?.trim()) throw invalidArgument("title", "a proposal (no subject) needs a title");
      if (!input.uri?.trim()) throw invalidArgument("uri", "a proposal (no subject) needs a uri");
      if (!input.recipient) throw invalidArgument("recipient", "a proposal (no subject) needs a recipient address");
      checkAccount(input.recipient, "recipient");
    }
    const value = MsgRegisterProject.fromPartial({
      registrant: this.senderAddress, roundId, subject, title: input.title ?? "", uri: input.uri ?? "", recipient: input.recipient ?? "",
    });
    const res = await this.signAndBroadcast([{ typeUrl: fundingTypeUrls.MsgRegisterProject, value }]);
    const reply = res.msgResponses.find((r) => r.typeUrl === fundingResponseTypeUrls.MsgRegisterProjectResponse);
    if (!reply) throw new InferchainError("unknown", "the chain returned no MsgRegisterProjectResponse", { txHash: res.transactionHash });
    return { ...txResult(res), projectId: MsgRegisterProjectResponse.decode(reply.value).projectId };
  }

  /** Contributes to a project of a round within its window (escrowed until the round is paid out). */
  async contribute(input: ContributeInput): Promise<TxResult> {
    const value = MsgContribute.fromPartial({
      contributor: this.senderAddress,
      roundId: toId(input.roundId, "round_id"),
      projectId: toId(input.projectId, "project_id"),
      amount: parseAmount("amount", input.amount, DENOM),
    });
    return txResult(await this.signAndBroadcast([{ typeUrl: fundingTypeUrls.MsgContribute, value }]));
  }

  private resolveModels(refs: readonly string[]): Promise<string[]> {
    return Promise.all(refs.map((m, i) => this.resolveModel(m).catch(renameField(`models[${i}]`))));
  }

  /** DeliverTxResponse lacks the codespace; the indexed tx has it. */
  private async codespaceOf(txHash: string): Promise<string | undefined> {
    try {
      return (await this.comet.tx({ hash: fromHex(txHash) })).result.codespace || undefined;
    } catch {
      return undefined;
    }
  }
}

function parseGasPrice(value: string): GasPrice {
  try {
    return GasPrice.fromString(value);
  } catch (err) {
    throw invalidArgument("gas_price", `"${value}" is not <amount><denom>, e.g. 0.025uinfer (${(err as Error).message})`);
  }
}

function checkAccount(address: string, field: string): string {
  try {
    const { prefix } = fromBech32(address, 90);
    if (prefix !== BECH32_PREFIX) throw new Error(`prefix is ${prefix}, expected ${BECH32_PREFIX}`);
  } catch (err) {
    throw invalidArgument(field, `"${address}" is not an account address (${BECH32_PREFIX}1...): ${(err as Error).message}`);
  }
  return address;
}

function checkEndpoint(endpoint: string | undefined): string {
  if (endpoint === undefined || endpoint === "") return "";
  if (endpoint.length > 512) throw invalidArgument("endpoint", `is ${endpoint.length} characters, the maximum is 512`);
  if (/[\s\x00-\x1f\x7f]/.test(endpoint)) throw invalidArgument("endpoint", "must not contain whitespace or control characters");
  return endpoint;
}

function checkedRoot(files: readonly ArtifactFileDigest[], claimed: string | undefined): string {
  const root = contentRootFromFiles(files);
  if (claimed !== undefined && claimed !== root) {
    const why = isDigest(claimed) ? `does not match the files (computed ${root})` : "is not a lowercase 64-hex digest";
    throw invalidArgument("content_root", `${claimed} ${why}`);
  }
  return root;
}

function sortedFiles(files: readonly ArtifactFileDigest[]): ArtifactFileDigest[] {
  return files
    .map((f) => ({ path: f.path, size: f.size, root: f.root }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.path, "utf8"), Buffer.from(b.path, "utf8")));
}

/** Re-labels a resolution error with the message field it was for (e.g. parents[0].model). */
function renameField(field: string): (err: unknown) => never {
  return (err: unknown) => {
    throw err instanceof InferchainError ? withField(err, field) : err;
  };
}

function txResult(res: DeliverTxResponse): TxResult {
  return { txHash: res.transactionHash, height: res.height, gasUsed: res.gasUsed, gasWanted: res.gasWanted, events: res.events };
}
