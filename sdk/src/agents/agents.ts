/**
 * Agent wallets: a key in the CLI keyring that may request inferences paid by a granter, within limits, all
 * enforced by the chain:
 * - an authz RequestInferenceAuthorization (x/inference, chain/x/inference/types/authz.go), expiring at
 *   --expires: through MsgExec the agent can send MsgRequestInference with the granter as requester and nothing
 *   else (any other Msg type: "authorization not found"); each request's max_fee (escrowed from the granter) is
 *   deducted from its spend limit, a request beyond what is left is refused, and only the listed models are allowed.
 * - a feegrant AllowedMsgAllowance (MsgExec only) over a BasicAllowance{spend_limit, expiration}: the agent's
 *   gas fees are paid by the granter, and the chain refuses fees beyond the same spend limit.
 * The record in <home>/agents/<name>.json is local bookkeeping (name, granter, limits); the chain decides.
 */
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateFee, GasPrice, type Coin, type DeliverTxResponse } from "@cosmjs/stargate";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { MsgExec, MsgExecResponse, MsgGrant, MsgRevoke } from "cosmjs-types/cosmos/authz/v1beta1/tx";
import { AllowedMsgAllowance, BasicAllowance } from "cosmjs-types/cosmos/feegrant/v1beta1/feegrant";
import { MsgGrantAllowance, MsgRevokeAllowance } from "cosmjs-types/cosmos/feegrant/v1beta1/tx";
import { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { fromChainFailure, fromThrown } from "../chain/abci-errors.js";
import { inferenceTypeUrls } from "../chain/inference-types.js";
import { InferchainError, invalidArgument, NotFoundError } from "../errors.js";
import { MsgRequestInference, MsgRequestInferenceResponse } from "../generated/inferchain/inference/v1/tx.js";
import { RequestInferenceAuthorization } from "../generated/inferchain/inference/v1/authz.js";
import { checkAgainstParams, validateInferenceRequest, type InferenceRequestInput } from "../client/inference.js";
import type { RequestInferenceResult, SigningInferchainClient } from "../client/signing-client.js";
import { parseCoin } from "../client/inference.js";
import { defaultHome, type TestKeyring } from "../keys/keyring.js";

export const MSG_EXEC_TYPE_URL = "/cosmos.authz.v1beta1.MsgExec";
export const REQUEST_INFERENCE_AUTHORIZATION_TYPE_URL = "/inferchain.inference.v1.RequestInferenceAuthorization";

export interface AgentRecord {
  name: string;
  address: string;
  granter: string;
  spendLimit: Coin;
  /** content roots the agent may use (empty = any), in the chain's authorization */
  models: string[];
  /** ISO time the grant and the allowance expire */
  expires: string;
  createdAt: string;
  revoked?: boolean;
  grantTxHash: string;
}

/** "24h", "30m", "7d", "3600s" -> milliseconds. */
export function parseDuration(value: string, field = "expires"): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw invalidArgument(field, `"${value}" is not a duration like 30m, 24h or 7d`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
}

/** The keyring's key name rule (the agent is a key of that name). */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class AgentStore {
  readonly dir: string;
  constructor(home: string = defaultHome()) {
    this.dir = join(home, "agents");
  }

  async get(name: string): Promise<AgentRecord> {
    if (!AGENT_NAME.test(name)) throw invalidArgument("agent", `"${name}" is not a valid agent name (letters, digits, . _ -; up to 64)`);
    try {
      return JSON.parse(await readFile(join(this.dir, `${name}.json`), "utf8")) as AgentRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`agent "${name}" not found (see \`inferchain agent list\`)`, { field: "agent" });
      throw err;
    }
  }

  async put(rec: AgentRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${rec.name}.json`);
    await writeFile(`${path}.tmp`, JSON.stringify(rec, null, 2), { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  async list(): Promise<AgentRecord[]> {
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((f) => f.endsWith(".json"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return (await Promise.all(files.map((f) => this.get(f.slice(0, -5))))).sort((a, b) => a.name.localeCompare(b.name));
  }
}

export interface CreateAgentInput {
  name: string;
  spendLimit: string;
  /** refs already resolved to content roots */
  models: string[];
  expiresInMs: number;
  now?: Date;
}

/** Creates the key, then grants (authz + feegrant, one transaction signed by the granter), then records the agent. */
export async function createAgent(granter: SigningInferchainClient, keyring: TestKeyring, store: AgentStore, input: CreateAgentInput): Promise<AgentRecord> {
  const spendLimit = parseCoin(input.spendLimit, "spend_limit");
  if (BigInt(spendLimit.amount) === 0n) throw invalidArgument("spend_limit", "must be positive");
  const now = input.now ?? new Date();
  const expires = new Date(now.getTime() + input.expiresInMs);
  const key = await keyring.add(input.name);
  const expiration = Timestamp.fromPartial({ seconds: BigInt(Math.floor(expires.getTime() / 1000)), nanos: 0 });
  const msgs: EncodeObject[] = [
    {
      typeUrl: "/cosmos.authz.v1beta1.MsgGrant",
      value: MsgGrant.fromPartial({
        granter: granter.senderAddress,
        grantee: key.address,
        grant: {
          authorization: {
            typeUrl: REQUEST_INFERENCE_AUTHORIZATION_TYPE_URL,
            value: RequestInferenceAuthorization.encode(RequestInferenceAuthorization.fromPartial({ spendLimit: [spendLimit], models: input.models })).finish(),
          },
          expiration,
        },
      }),
    },
    {
      typeUrl: "/cosmos.feegrant.v1beta1.MsgGrantAllowance",
      value: MsgGrantAllowance.fromPartial({
        granter: granter.senderAddress,
        grantee: key.address,
        allowance: {
          typeUrl: "/cosmos.feegrant.v1beta1.AllowedMsgAllowance",
          value: AllowedMsgAllowance.encode(
            AllowedMsgAllowance.fromPartial({
              allowance: { typeUrl: "/cosmos.feegrant.v1beta1.BasicAllowance", value: BasicAllowance.encode(BasicAllowance.fromPartial({ spendLimit: [spendLimit], expiration })).finish() },
              allowedMessages: [MSG_EXEC_TYPE_URL],
            }),
          ).finish(),
        },
      }),
    },
  ];
  let res: DeliverTxResponse;
  try {
    res = await granter.signAndBroadcast(msgs, `agent ${input.name}`);
  } catch (err) {
    await keyring.delete(input.name).catch(() => undefined); // no grant, no agent: do not leave a dangling key
    throw err;
  }
  const rec: AgentRecord = {
    name: input.name,
    address: key.address,
    granter: granter.senderAddress,
    spendLimit,
    models: input.models,
    expires: expires.toISOString(),
    createdAt: now.toISOString(),
    grantTxHash: res.transactionHash,
  };
  await store.put(rec);
  return rec;
}

/** Revokes the authz grant and the fee allowance (signed by the granter) and marks the agent revoked. */
export async function revokeAgent(granter: SigningInferchainClient, store: AgentStore, name: string): Promise<{ record: AgentRecord; txHash: string }> {
  const rec = await store.get(name);
  if (rec.granter !== granter.senderAddress) throw new InferchainError("unauthorized", `agent "${name}" was granted by ${rec.granter}, not ${granter.senderAddress}`, { field: "from" });
  const res = await granter.signAndBroadcast([
    { typeUrl: "/cosmos.authz.v1beta1.MsgRevoke", value: MsgRevoke.fromPartial({ granter: rec.granter, grantee: rec.address, msgTypeUrl: inferenceTypeUrls.MsgRequestInference }) },
    { typeUrl: "/cosmos.feegrant.v1beta1.MsgRevokeAllowance", value: MsgRevokeAllowance.fromPartial({ granter: rec.granter, grantee: rec.address }) },
  ]);
  const record = { ...rec, revoked: true };
  await store.put(record);
  return { record, txHash: res.transactionHash };
}

/**
 * MsgRequestInference with the granter as requester, wrapped in MsgExec signed by the agent, the fee paid by
 * the granter's allowance. Same input checks as SigningInferchainClient.requestInference.
 */
export async function requestAsAgent(agent: SigningInferchainClient, granter: string, gasPrice: string, input: InferenceRequestInput): Promise<RequestInferenceResult> {
  const req = validateInferenceRequest(input);
  const [model, params] = await Promise.all([agent.resolveModel(req.model), agent.getInferenceParams()]);
  const maxFee = checkAgainstParams(req, params);
  const inner = MsgRequestInference.fromPartial({ requester: granter, model, prompt: req.prompt, maxTokens: req.maxTokens, temperatureMilli: req.temperatureMilli, topK: req.topK, maxFee, ...(req.seed !== undefined ? { seed: { value: req.seed } } : {}) });
  const msg: EncodeObject = {
    typeUrl: MSG_EXEC_TYPE_URL,
    value: MsgExec.fromPartial({ grantee: agent.senderAddress, msgs: [{ typeUrl: inferenceTypeUrls.MsgRequestInference, value: MsgRequestInference.encode(inner).finish() }] }),
  };
  const res = await execWithFeeGrant(agent, granter, gasPrice, [msg]);
  const reply = res.msgResponses.find((r) => r.typeUrl === "/cosmos.authz.v1beta1.MsgExecResponse");
  const first = reply ? MsgExecResponse.decode(reply.value).results[0] : undefined;
  if (!first) throw new InferchainError("unknown", "the chain returned no MsgExecResponse result", { txHash: res.transactionHash });
  const out = MsgRequestInferenceResponse.decode(first);
  return { jobId: out.jobId, executor: out.executor, deadlineHeight: Number(out.deadlineHeight), txHash: res.transactionHash, height: res.height, gasUsed: res.gasUsed, model, maxFee };
}

/** Simulates, then signs with the agent and sets the granter as fee granter (x/feegrant pays). */
export async function execWithFeeGrant(agent: SigningInferchainClient, granter: string, gasPrice: string, msgs: EncodeObject[]): Promise<DeliverTxResponse> {
  let res: DeliverTxResponse;
  try {
    const gas = await agent.signing.simulate(agent.senderAddress, msgs, "");
    const fee = { ...calculateFee(Math.ceil(gas * 1.5), GasPrice.fromString(gasPrice)), granter };
    res = await agent.signing.signAndBroadcast(agent.senderAddress, msgs, fee, "");
  } catch (err) {
    throw fromThrown(err);
  }
  if (res.code !== 0) throw fromChainFailure({ codespace: undefined, code: res.code, log: res.rawLog ?? "", txHash: res.transactionHash });
  return res;
}
