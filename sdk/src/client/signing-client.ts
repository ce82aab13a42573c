import { fromHex } from "@cosmjs/encoding";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { EncodeObject, OfflineSigner } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, type DeliverTxResponse, type Event } from "@cosmjs/stargate";
import { fromChainFailure, fromThrown } from "../chain/abci-errors.js";
import { createInferchainRegistry, registryResponseTypeUrls, registryTypeUrls } from "../chain/registry-types.js";
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
import { connectOrThrow, InferchainClient, toId } from "./query-client.js";

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

/** Registry transactions, signed with SIGN_MODE_DIRECT by the signer's first account. */
export class SigningInferchainClient extends InferchainClient {
  private constructor(
    comet: CometClient,
    readonly signing: SigningStargateClient,
    /** The address that signs and pays: the signer's first account. */
    readonly senderAddress: string,
    private readonly gasMultiplier: number,
  ) {
    super(comet, signing);
  }

  static async connectWithSigner(endpoint: string, signer: OfflineSigner, options: SigningOptions = {}): Promise<SigningInferchainClient> {
    const gasPrice = typeof options.gasPrice === "object" ? options.gasPrice : parseGasPrice(options.gasPrice ?? DEFAULT_GAS_PRICE);
    const [account] = await signer.getAccounts();
    if (!account) throw invalidArgument("signer", "the signer has no accounts");
    const comet = await connectOrThrow(endpoint);
    const signing = SigningStargateClient.createWithSigner(comet, signer, {
      registry: createInferchainRegistry(),
      gasPrice,
      broadcastPollIntervalMs: options.broadcastPollIntervalMs ?? 500,
      broadcastTimeoutMs: options.broadcastTimeoutMs ?? 60_000,
    });
    const client = new SigningInferchainClient(comet, signing, account.address, options.gasMultiplier ?? 1.5);
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
      res = await this.signing.signAndBroadcast(this.senderAddress, messages, this.gasMultiplier, memo);
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
