import { SigningStargateClient } from "@cosmjs/stargate";
import { TxBody } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { describe, expect, it } from "vitest";
import { InferchainError, NotFoundError } from "../errors.js";
import { MsgRegisterExecutor, MsgRequestInference, MsgSubmitResult } from "../generated/inferchain/inference/v1/tx.js";
import { signerFromMnemonic } from "../keys/keyring.js";
import { fromChainFailure, fromThrown } from "./abci-errors.js";
import { EventDecodeError, decodeInferenceEvent, decodeInferenceEvents, inferenceEventTypes, inferenceTypeUrls } from "./inference-types.js";
import { createInferchainRegistry } from "./registry-types.js";

const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const ROOT = "a".repeat(64);

describe("x/inference messages in the cosmjs registry", () => {
  it("encodes and decodes every inference Msg as Any", () => {
    const registry = createInferchainRegistry();
    const msgs = [
      { typeUrl: inferenceTypeUrls.MsgRequestInference, value: MsgRequestInference.fromPartial({ requester: "infer1x", model: ROOT, prompt: "hi", maxTokens: 8, temperatureMilli: 700, topK: 40, maxFee: { denom: "uinfer", amount: "1080" } }) },
      { typeUrl: inferenceTypeUrls.MsgRegisterExecutor, value: MsgRegisterExecutor.fromPartial({ operator: "infer1op", sidecar: "infer1car", models: [ROOT], endpoint: "http://x" }) },
      { typeUrl: inferenceTypeUrls.MsgSubmitResult, value: MsgSubmitResult.fromPartial({ sidecar: "infer1car", jobId: 3n, outputTokenIds: [1, 2], outputText: "ok", commitment: "b".repeat(64), finishReason: "eos" }) },
    ];
    for (const m of msgs) {
      const any = registry.encodeAsAny(m);
      expect(any.typeUrl).toBe(m.typeUrl);
      expect(registry.decode(any)).toEqual(m.value);
    }
    expect(registry.lookupType("/inferchain.inference.v1.MsgUpdateExecutor")).toBeDefined();
    expect(registry.lookupType("/inferchain.registry.v1.MsgRegisterModel")).toBeDefined();
  });

  it("signs a request offline with SIGN_MODE_DIRECT", async () => {
    const signer = await signerFromMnemonic(MNEMONIC);
    const [account] = await signer.getAccounts();
    const client = await SigningStargateClient.offline(signer, { registry: createInferchainRegistry() });
    const value = MsgRequestInference.fromPartial({ requester: account!.address, model: ROOT, prompt: "hi", maxTokens: 8, maxFee: { denom: "uinfer", amount: "1080" } });
    const raw = await client.sign(account!.address, [{ typeUrl: inferenceTypeUrls.MsgRequestInference, value }], { amount: [{ denom: "uinfer", amount: "5000" }], gas: "200000" }, "", {
      accountNumber: 0n,
      sequence: 0,
      chainId: "inferchain-local-1",
    });
    const body = TxBody.decode(raw.bodyBytes);
    expect(body.messages[0]!.typeUrl).toBe("/inferchain.inference.v1.MsgRequestInference");
    expect(MsgRequestInference.decode(body.messages[0]!.value)).toEqual(value);
  });
});

describe("typed events", () => {
  it("decodes x/inference typed events (JSON attribute values) and skips the rest", () => {
    const events = [
      { type: "message", attributes: [{ key: "action", value: "/inferchain.inference.v1.MsgRequestInference" }] },
      {
        type: "inferchain.inference.v1.EventJobAssigned",
        attributes: [
          { key: "job_id", value: '"42"' },
          { key: "model", value: JSON.stringify(ROOT) },
          { key: "executor", value: '"infervaloper1x"' },
          { key: "attempt", value: "1" },
          { key: "deadline_height", value: '"30"' },
          { key: "msg_index", value: "0" },
        ],
      },
      {
        type: "inferchain.inference.v1.EventJobSettled",
        attributes: [
          { key: "job_id", value: '"42"' },
          { key: "split", value: JSON.stringify({ executor: { denom: "uinfer", amount: "721" }, refund: { denom: "uinfer", amount: "610" } }) },
          { key: "mode", value: "EndBlock" },
        ],
      },
      { type: "inferchain.inference.v1.EventJobRefunded", attributes: [{ key: "job_id", value: '"43"' }, { key: "reason", value: '"no executor answered after 3 attempts"' }] },
    ];
    const decoded = decodeInferenceEvents(events);
    expect(decoded.map((e) => e.type)).toEqual(["EventJobAssigned", "EventJobSettled", "EventJobRefunded"]);
    expect(decoded[0]!.value).toMatchObject({ jobId: 42n, model: ROOT, executor: "infervaloper1x", attempt: 1, deadlineHeight: 30n });
    expect(decoded[1]!.value).toMatchObject({ jobId: 42n, split: { executor: { amount: "721" }, refund: { amount: "610" } } });
    expect(decoded[2]!.value).toMatchObject({ jobId: 43n, reason: "no executor answered after 3 attempts" });
  });
});

describe("decodeInferenceEvent", () => {
  const assigned = (attrs: Record<string, string>) => ({ type: inferenceEventTypes.EventJobAssigned, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })) });

  it("decodes one typed event, undefined for other events", () => {
    expect(decodeInferenceEvent({ type: "transfer", attributes: [] })).toBeUndefined();
    const e = decodeInferenceEvent(assigned({ job_id: '"7"', sidecar: '"infer1car"', attempt: "2", deadline_height: '"120"', msg_index: "0" }));
    expect(e).toEqual({ type: "EventJobAssigned", value: expect.objectContaining({ jobId: 7n, sidecar: "infer1car", attempt: 2, deadlineHeight: 120n }) });
  });

  it("names the attribute that does not decode as its field", () => {
    expect(() => decodeInferenceEvent(assigned({ job_id: '"x"' }))).toThrow(EventDecodeError);
    expect(() => decodeInferenceEvent(assigned({ job_id: '"x"' }))).toThrow(/EventJobAssigned\.job_id/);
    expect(() => decodeInferenceEvent(assigned({ job_id: '"1"', sidecar: "5" }))).toThrow(/sidecar: expected a string/);
    expect(() => decodeInferenceEvent(assigned({ job_id: '"1"', attempt: '"two"' }))).toThrow(/attempt: expected a number/);
    const committee = { type: inferenceEventTypes.EventAuditDecided, attributes: [{ key: "job_id", value: '"1"' }, { key: "committee", value: "3" }] };
    expect(() => decodeInferenceEvent(committee)).toThrow(/committee: expected a list/);
    try {
      decodeInferenceEvent(committee);
    } catch (e) {
      expect((e as EventDecodeError).field).toBe("committee");
      expect((e as EventDecodeError).code).toBe("invalid_argument");
    }
  });
});

describe("x/inference error mapping (chain/x/inference/types/errors.go)", () => {
  it("maps DeliverTx failures by code, naming the field", () => {
    const low = fromChainFailure({ codespace: "inference", code: 10, log: "failed to execute message; message index: 0: max_fee: 100uinfer is below the minimum 1640uinfer for max_tokens=64: insufficient fee" });
    expect(low).toMatchObject({ code: "invalid_argument", field: "max_fee", codespace: "inference", abciCode: 10 });
    const none = fromChainFailure({ codespace: "inference", code: 9, log: `no executor serves model ${ROOT} (no active executor whose validator is bonded lists it): no executor` });
    expect(none).toMatchObject({ code: "unavailable", field: "model" });
    expect(fromChainFailure({ codespace: "inference", code: 7, log: `model: ${ROOT} (llama@1) is revoked: model unavailable` })).toMatchObject({ code: "invalid_state", field: "model" });
    expect(fromChainFailure({ codespace: "inference", code: 2, log: "prompt: must not be empty: invalid field" })).toMatchObject({ code: "invalid_argument", field: "prompt" });
    expect(fromChainFailure({ codespace: "inference", code: 3, log: "sidecar: decoding bech32 failed: invalid address" })).toMatchObject({ code: "invalid_argument", field: "sidecar" });
    expect(fromChainFailure({ codespace: "inference", code: 4, log: "operator: validator infervaloper1x has no executor; use MsgRegisterExecutor: not found" })).toBeInstanceOf(NotFoundError);
    expect(fromChainFailure({ codespace: "inference", code: 5, log: "operator: validator infervaloper1x already has an executor; use MsgUpdateExecutor: duplicate" }).code).toBe("already_exists");
    expect(fromChainFailure({ codespace: "inference", code: 6, log: "sidecar: infer1x is not the account of the assigned executor: unauthorized" }).code).toBe("unauthorized");
    expect(fromChainFailure({ codespace: "inference", code: 8, log: "operator: validator infervaloper1x is not bonded (status BOND_STATUS_UNBONDED, jailed false): validator not bonded" }).code).toBe("invalid_state");
    expect(fromChainFailure({ codespace: "inference", code: 12, log: "job_id: job 4: deadline passed at height 30 (now 31): deadline passed" })).toMatchObject({ code: "invalid_state", field: "job_id" });
  });

  it("maps the same errors by description when only the text is known (simulation)", () => {
    const sim = (log: string): InferchainError =>
      fromThrown(new Error(`Query failed with (6): rpc error: code = Unknown desc = failed to execute message; message index: 0: ${log} [cosmos/cosmos-sdk@v0.53.8/baseapp/baseapp.go:1155] With gas wanted: '1' and gas used: '2' : unknown request`));
    expect(sim("max_fee: 100uinfer is below the minimum 1640uinfer for max_tokens=64: insufficient fee")).toMatchObject({ code: "invalid_argument", field: "max_fee" });
    expect(sim(`no executor serves model ${ROOT} (no active executor whose validator is bonded lists it): no executor`)).toMatchObject({ code: "unavailable", field: "model" });
    expect(sim(`model: ${ROOT} is unknown (no model with this content root in the registry): model unavailable`)).toMatchObject({ code: "invalid_state", field: "model" });
    expect(sim("max_fee: cannot escrow 1640uinfer from infer1x: spendable balance 0uinfer is smaller than 1640uinfer: insufficient funds")).toMatchObject({ code: "insufficient_funds", field: "max_fee" });
    expect(sim("job_id: job 4 is JOB_STATUS_SETTLED: invalid job state").code).toBe("invalid_state");
    // the SDK's own "insufficient fee" (tx fee below gas price) stays insufficient_funds
    expect(fromChainFailure({ codespace: "sdk", code: 13, log: "insufficient fees; got: 1uinfer required: 5000uinfer: insufficient fee" }).code).toBe("insufficient_funds");
  });

  it("maps the inference query server's statuses", () => {
    expect(fromThrown(new Error("Query failed with (38): rpc error: code = NotFound desc = job 9 not found: key not found"))).toBeInstanceOf(NotFoundError);
    expect(fromThrown(new Error('Query failed with (18): rpc error: code = InvalidArgument desc = executor: "x" is not a valid validator operator address: decoding bech32 failed: invalid request'))).toMatchObject({
      code: "invalid_argument",
      field: "executor",
    });
  });
});
