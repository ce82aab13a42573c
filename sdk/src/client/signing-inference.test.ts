import { toBech32 } from "@cosmjs/encoding";
import { describe, expect, it, vi } from "vitest";
import { inferenceResponseTypeUrls, inferenceTypeUrls } from "../chain/inference-types.js";
import { InferchainError, NotFoundError } from "../errors.js";
import { MsgRegisterExecutor, MsgRequestInference, MsgRequestInferenceResponse, MsgUpdateExecutor } from "../generated/inferchain/inference/v1/tx.js";
import { Executor } from "../generated/inferchain/inference/v1/types.js";
import { PARAMS, ROOT, VALOPER, settledJob } from "../testing/jobs.js";
import { SigningInferchainClient, type RequestInferenceInput } from "./signing-client.js";

const SENDER = toBech32("infer", new Uint8Array(20).fill(1));

/**
 * The client's inference methods over a stand-in for the node: what would be queried and broadcast is
 * recorded, so the tests can check that bad input sends nothing and good input builds the right Msg.
 */
function fakeClient() {
  const sent: { typeUrl: string; value: unknown }[][] = [];
  const fake = {
    senderAddress: SENDER,
    resolveModel: vi.fn(async (ref: string) => {
      if (ref === "missing@1") throw new NotFoundError("model missing@1 not found", { field: "model" });
      return ROOT;
    }),
    getInferenceParams: vi.fn(async () => PARAMS),
    getExecutor: vi.fn(async () => Executor.fromPartial({ validator: VALOPER, active: true })),
    waitForResult: vi.fn(async () => settledJob()),
    signAndBroadcast: vi.fn(async (msgs: { typeUrl: string; value: unknown }[]) => {
      sent.push(msgs);
      const value = MsgRequestInferenceResponse.encode({ jobId: 42n, executor: VALOPER, deadlineHeight: 30n }).finish();
      return {
        code: 0,
        height: 10,
        transactionHash: "TXHASH",
        gasUsed: 90_000n,
        gasWanted: 100_000n,
        events: [],
        msgResponses: [{ typeUrl: inferenceResponseTypeUrls.MsgRequestInferenceResponse, value }],
      };
    }),
  };
  const proto = SigningInferchainClient.prototype;
  const bind = <K extends keyof SigningInferchainClient>(k: K) => (proto[k] as (...a: never[]) => unknown).bind(fake);
  Object.assign(fake, { requestInference: bind("requestInference"), resolveModels: (proto as unknown as Record<string, () => unknown>)["resolveModels"]!.bind(fake) });
  Object.defineProperty(fake, "validatorAddress", { get: () => Object.getOwnPropertyDescriptor(proto, "validatorAddress")!.get!.call(fake) });
  return {
    fake,
    sent,
    requestInference: bind("requestInference") as (i: RequestInferenceInput) => ReturnType<SigningInferchainClient["requestInference"]>,
    infer: bind("infer") as SigningInferchainClient["infer"],
    registerExecutor: bind("registerExecutor") as SigningInferchainClient["registerExecutor"],
    updateExecutor: bind("updateExecutor") as SigningInferchainClient["updateExecutor"],
  };
}

const good: RequestInferenceInput = { model: "llama@1", prompt: "Once upon a time", maxTokens: 64, temperature: 0.7, topK: 40 };

describe("SigningInferchainClient inference", () => {
  it("requestInference resolves the model, converts temperature, defaults max_fee to the minimum", async () => {
    const c = fakeClient();
    const res = await c.requestInference(good);
    expect(res).toEqual({ jobId: 42n, executor: VALOPER, deadlineHeight: 30, txHash: "TXHASH", height: 10, gasUsed: 90_000n, model: ROOT, maxFee: { denom: "uinfer", amount: "1640" } });
    expect(c.sent).toHaveLength(1);
    const [msg] = c.sent[0]!;
    expect(msg!.typeUrl).toBe(inferenceTypeUrls.MsgRequestInference);
    expect(msg!.value).toEqual(
      MsgRequestInference.fromPartial({ requester: SENDER, model: ROOT, prompt: "Once upon a time", maxTokens: 64, temperatureMilli: 700, topK: 40, maxFee: { denom: "uinfer", amount: "1640" } }),
    );
  });

  it("requestInference sends the client seed wrapped (0 is a seed, not 'none'); without one the field is absent", async () => {
    for (const seed of [0, 42, 2n ** 64n - 1n]) {
      const c = fakeClient();
      await c.requestInference({ ...good, seed });
      const m = c.sent[0]![0]!.value as MsgRequestInference;
      expect(m.seed).toEqual({ value: BigInt(seed) });
      // and it survives the wire: decode(encode) keeps seed 0 present
      expect(MsgRequestInference.decode(MsgRequestInference.encode(m).finish()).seed).toEqual({ value: BigInt(seed) });
    }
    const c = fakeClient();
    await c.requestInference(good);
    const m = c.sent[0]![0]!.value as MsgRequestInference;
    expect(m.seed).toBeUndefined();
    expect(MsgRequestInference.decode(MsgRequestInference.encode(m).finish()).seed).toBeUndefined();
  });

  it("sends nothing for bad input (checked before any query)", async () => {
    const bad: [Partial<RequestInferenceInput>, string][] = [
      [{ prompt: "" }, "prompt"],
      [{ maxTokens: 0 }, "max_tokens"],
      [{ temperature: -0.5 }, "temperature"],
      [{ maxFee: "12345" }, "max_fee"],
      [{ topK: 2.5 }, "top_k"],
      [{ model: "nope" }, "model"],
      [{ seed: -1 }, "seed"],
      [{ seed: 1.5 }, "seed"],
      [{ seed: 2 ** 60 }, "seed"], // not a safe integer: a bigint keeps every digit
      [{ seed: 2n ** 64n }, "seed"],
    ];
    for (const [patch, field] of bad) {
      const c = fakeClient();
      const err = await c.requestInference({ ...good, ...patch }).catch((e: unknown) => e);
      expect(err, field).toBeInstanceOf(InferchainError);
      expect(err).toMatchObject({ code: "invalid_argument", field });
      expect(c.fake.resolveModel).not.toHaveBeenCalled();
      expect(c.fake.getInferenceParams).not.toHaveBeenCalled();
      expect(c.fake.signAndBroadcast).not.toHaveBeenCalled();
    }
  });

  it("refuses a max_fee below the params minimum and an unknown model before broadcasting", async () => {
    const c = fakeClient();
    await expect(c.requestInference({ ...good, maxFee: "100uinfer" })).rejects.toMatchObject({ field: "max_fee", message: "max_fee: 100uinfer is below the minimum 1640uinfer for max_tokens=64" });
    await expect(c.requestInference({ ...good, model: "missing@1" })).rejects.toBeInstanceOf(NotFoundError);
    expect(c.fake.signAndBroadcast).not.toHaveBeenCalled();
  });

  it("infer = request + wait until settled, with the receipt", async () => {
    const c = fakeClient();
    const onRequested = vi.fn();
    const res = await c.infer({ ...good, timeoutMs: 5000, onRequested });
    expect(onRequested).toHaveBeenCalledWith(expect.objectContaining({ jobId: 42n, height: 10 }));
    expect(c.fake.waitForResult).toHaveBeenCalledWith(42n, expect.objectContaining({ until: "settled", timeoutMs: 5000 }));
    expect(res).toMatchObject({ text: " there was a cat", tokenIds: [5, 6, 7], jobId: 42n, finishReason: "eos" });
    expect(res.receipt).toMatchObject({ model: ROOT, executor: VALOPER, txHash: "TXHASH", charged: { amount: "1030" }, heights: { requested: 10, assigned: 10, result: 12, settled: 13 } });
  });

  it("registerExecutor / updateExecutor are signed by the operator's account and resolve models", async () => {
    const c = fakeClient();
    const sidecar = toBech32("infer", new Uint8Array(20).fill(2));
    await c.registerExecutor({ sidecar, models: ["llama@1"], endpoint: "http://10.0.0.1:8080" });
    const [reg] = c.sent[0]!;
    expect(reg!.typeUrl).toBe(inferenceTypeUrls.MsgRegisterExecutor);
    expect(reg!.value).toEqual(MsgRegisterExecutor.fromPartial({ operator: SENDER, sidecar, models: [ROOT], endpoint: "http://10.0.0.1:8080" }));
    await expect(c.registerExecutor({ sidecar: "cosmos1xyz", models: [ROOT] })).rejects.toMatchObject({ field: "sidecar" });
    await expect(c.registerExecutor({ sidecar, models: [] })).rejects.toMatchObject({ field: "models" });
    await expect(c.registerExecutor({ sidecar, models: ["missing@1"] })).rejects.toMatchObject({ field: "models[0]" });
    await expect(c.registerExecutor({ sidecar, models: [ROOT], endpoint: "http://a b" })).rejects.toMatchObject({ field: "endpoint" });
    expect(c.sent).toHaveLength(1);

    // active is kept as it is on chain unless given (proto3 false would deactivate)
    await c.updateExecutor({ endpoint: "http://10.0.0.2:8080" });
    expect(c.sent[1]![0]!.value).toEqual(MsgUpdateExecutor.fromPartial({ operator: SENDER, endpoint: "http://10.0.0.2:8080", active: true }));
    expect(c.fake.getExecutor).toHaveBeenCalledWith(toBech32("infervaloper", new Uint8Array(20).fill(1)));
    await c.updateExecutor({ active: false });
    expect(c.sent[2]![0]!.value).toMatchObject({ active: false, models: [], sidecar: "" });
  });
});
