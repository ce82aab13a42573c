import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { devAccount } from "@inferchain/localnet";
import {
  InferchainError,
  inferenceTypeUrls,
  JobRefundedError,
  JobStatus,
  MsgRequestInference,
  MsgSubmitResult,
  type SigningInferchainClient,
} from "@inferchain/sdk";
import { clientFor, inferchainCli, makeArtifact, moduleAddress, restartSidecar, sidecarJob, unknownRoot, waitFor } from "./helpers.js";

// Issue 4's user flows over a real localnet whose validator runs a real sidecar (tiny model + SmolLM2).
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const sidecar0 = localnet.sidecars[0]!;
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const escrow = moduleAddress("inference");

let bob: SigningInferchainClient; // the dApp
let alice: SigningInferchainClient; // the models' publisher
let sidecarKey: SigningInferchainClient; // the executor's bound account, for hand-made results
let settledJob = 0n;

const amount = async (c: SigningInferchainClient, addr: string) => BigInt((await c.getBalance(addr)).amount);

beforeAll(async () => {
  bob = await clientFor(localnet, "bob");
  alice = await clientFor(localnet, "alice");
  sidecarKey = await clientFor(localnet, "sidecar0");
});

describe("inference: a dApp asks, the assigned sidecar answers, the fee is split", () => {
  it("infer() with the tiny model returns the text, token ids and a receipt whose split adds up", async () => {
    const params = await bob.getInferenceParams();
    const publisherBefore = await amount(bob, alice.senderAddress);
    const res = await bob.infer({ model: tiny.contentRoot, prompt: "Once upon a time", maxTokens: 12, temperature: 0, timeoutMs: 90_000 });
    settledJob = res.jobId;

    expect(res.tokenIds.length).toBeGreaterThan(0);
    expect(res.tokenIds.length).toBeLessThanOrEqual(12);
    expect(typeof res.text).toBe("string");
    const r = res.receipt;
    expect(r.model).toBe(tiny.contentRoot);
    expect(r.executor).toBe(sidecar0.validator);
    expect(r.sidecar).toBe(sidecar0.sidecar);
    expect(r.heights.requested).toBeLessThanOrEqual(r.heights.result ?? -1);
    expect(r.heights.result).toBeLessThan(r.heights.settled ?? -1);
    expect(r.commitment).toMatch(/^[0-9a-f]{64}$/);

    // charged = base_fee + fee_per_token * output tokens; the split and the refund add up to max_fee exactly.
    const charged = BigInt(params.baseFee!.amount) + BigInt(params.feePerToken!.amount) * BigInt(res.tokenIds.length);
    expect(BigInt(r.charged!.amount)).toBe(charged);
    const s = r.feeSplit!;
    const parts = [s.executor, s.publisher, s.verifierPool, s.communityPool].map((c) => BigInt(c!.amount));
    expect(parts.reduce((a, b) => a + b, 0n)).toBe(charged);
    expect(charged + BigInt(s.refund!.amount)).toBe(BigInt(r.maxFee.amount));
    // the royalty reached the model's publisher, and nothing stays in escrow
    expect(await amount(bob, alice.senderAddress)).toBe(publisherBefore + BigInt(s.publisher!.amount));
    expect(await amount(bob, escrow)).toBe(0n);

    // the executor serves what it committed to: output and commitment match the chain
    const served = await sidecarJob(sidecar0.api, res.jobId);
    expect(served?.state).toBe("confirmed");
    expect(served?.output?.commitment).toBe(r.commitment);
    expect(served?.output?.tokenIds).toEqual(res.tokenIds);
  });

  it("greedy decoding of the same prompt gives the same tokens in a new job", async () => {
    const a = await bob.infer({ model: tiny.contentRoot, prompt: "The weather today", maxTokens: 8, temperature: 0, timeoutMs: 90_000 });
    const b = await bob.infer({ model: tiny.contentRoot, prompt: "The weather today", maxTokens: 8, temperature: 0, timeoutMs: 90_000 });
    expect(b.jobId).not.toBe(a.jobId);
    expect(b.tokenIds).toEqual(a.tokenIds);
  });

  it("`inferchain infer` streams the status and prints the answer and receipt; `inferchain job` shows it", async () => {
    const home = mkdtempSync(join(tmpdir(), "inferchain-cli-"));
    const env = { INFERCHAIN_HOME: home, INFERCHAIN_NODE: rpc };
    expect((await inferchainCli(["keys", "recover", "bob", "--mnemonic", devAccount("bob").mnemonic], env)).code).toBe(0);
    const res = await inferchainCli(["infer", "--model", `${tiny.name}@${tiny.version}`, "--max-tokens", "6", "--from", "bob", "--json", "Hello"], env);
    expect(res.stderr).toMatch(/settled/i);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { jobId: string; receipt: { model: string } };
    expect(out.receipt.model).toBe(tiny.contentRoot);

    const job = await inferchainCli(["job", out.jobId, "--json"], env);
    expect(job.code).toBe(0);
    expect(JSON.parse(job.stdout)).toMatchObject({ job: { id: out.jobId, status: expect.stringMatching(/settled/i) } });
    const human = await inferchainCli(["job", out.jobId], env);
    expect(human.stdout).toMatch(/settled/i);
  });
});

describe("inference: bad input is refused with a clear error and nothing changes", () => {
  /** A raw MsgRequestInference, bypassing the SDK's own checks, so the chain's validation answers. */
  const rawRequest = (overrides: Partial<MsgRequestInference>) => () =>
    bob.signAndBroadcast([
      {
        typeUrl: inferenceTypeUrls.MsgRequestInference,
        value: MsgRequestInference.fromPartial({ requester: bob.senderAddress, model: tiny.contentRoot, prompt: "hi", maxTokens: 4, maxFee: { denom: "uinfer", amount: "100000" }, ...overrides }),
      },
    ]);

  async function expectRefused(action: () => Promise<unknown>, message: RegExp): Promise<void> {
    const [jobsBefore, bobBefore] = await Promise.all([bob.listJobs({ requester: bob.senderAddress }, { limit: 1000 }), amount(bob, bob.senderAddress)]);
    const err = await action().then(() => undefined, (e: unknown) => e);
    expect(err, "the chain accepted a request it must refuse").toBeInstanceOf(InferchainError);
    expect((err as Error).message).toMatch(message);
    const jobsAfter = await bob.listJobs({ requester: bob.senderAddress }, { limit: 1000 });
    expect(jobsAfter.items.length).toBe(jobsBefore.items.length);
    expect(await amount(bob, bob.senderAddress)).toBe(bobBefore); // refused in simulation: not even gas was spent
  }

  it("unknown model", async () => {
    await expectRefused(rawRequest({ model: unknownRoot() }), /model/);
  });

  it("revoked model", async () => {
    const a = await makeArtifact({ "model.onnx": 1000 });
    const { contentRoot } = await alice.registerModel({ name: `revoked-${Date.now()}`, version: "1", format: "onnx", files: a.digest.files });
    await alice.updateModelStatus({ model: contentRoot, status: "revoked", reason: "test" });
    await expectRefused(rawRequest({ model: contentRoot }), /model.*revoked|revoked/);
  });

  it("no executor serving the model", async () => {
    const a = await makeArtifact({ "model.onnx": 1000 });
    const { contentRoot } = await alice.registerModel({ name: `unserved-${Date.now()}`, version: "1", format: "onnx", files: a.digest.files });
    await expectRefused(rawRequest({ model: contentRoot }), /no executor/);
  });

  it("fee below the minimum", async () => {
    await expectRefused(rawRequest({ maxFee: { denom: "uinfer", amount: "1" } }), /max_fee.*minimum/);
    await expectRefused(() => bob.requestInference({ model: tiny.contentRoot, prompt: "hi", maxTokens: 4, maxFee: "1uinfer" }), /max_fee/);
  });

  it("a prompt over the model's context: the executor rejects the job and the whole fee comes back", async () => {
    const long = "once upon a time there was a very long prompt ".repeat(60); // far over the tiny model's 256 tokens
    const err = await bob.infer({ model: tiny.contentRoot, prompt: long, maxTokens: 8, timeoutMs: 90_000 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(JobRefundedError);
    const refused = err as JobRefundedError;
    expect(refused.message).toMatch(/prompt_too_long/);
    const job = await bob.getJob(refused.jobId);
    expect(job.status).toBe(JobStatus.JOB_STATUS_REFUNDED);
    expect(job.result).toBeUndefined();
    expect(await amount(bob, escrow)).toBe(0n);
  });

  it("a duplicate result for a settled job", async () => {
    const before = await bob.getJob(settledJob);
    const err = await sidecarKey
      .signAndBroadcast([{ typeUrl: inferenceTypeUrls.MsgSubmitResult, value: MsgSubmitResult.fromPartial({ sidecar: sidecarKey.senderAddress, jobId: settledJob, outputTokenIds: [1, 2], outputText: "forged", commitment: "ab".repeat(32), finishReason: "length" }) }])
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InferchainError);
    expect((err as Error).message).toMatch(/already|not pending|settled/i);
    expect(await bob.getJob(settledJob)).toEqual(before);
  });
});

describe("inference: the executor is down", () => {
  it("results from a non-assigned account are refused; past the deadline the job is refunded, and late results are refused", async () => {
    const { stopSidecar } = await import("@inferchain/localnet");
    await stopSidecar(localnet.home, 0);
    try {
      const bobBefore = await amount(bob, bob.senderAddress);
      const req = await bob.requestInference({ model: tiny.contentRoot, prompt: "Is anyone there?", maxTokens: 4 });
      const fee = bobBefore - (await amount(bob, bob.senderAddress)); // gas + escrowed max_fee
      const submit = (c: SigningInferchainClient) =>
        c.signAndBroadcast([{ typeUrl: inferenceTypeUrls.MsgSubmitResult, value: MsgSubmitResult.fromPartial({ sidecar: c.senderAddress, jobId: req.jobId, outputTokenIds: [1], outputText: "x", commitment: "cd".repeat(32), finishReason: "length" }) }]);

      const wrong = await submit(bob).then(() => undefined, (e: unknown) => e);
      expect(wrong).toBeInstanceOf(InferchainError);
      expect((wrong as Error).message).toMatch(/sidecar/);
      expect((await bob.getJob(req.jobId)).status).toBe(JobStatus.JOB_STATUS_PENDING);

      // One validator: no other executor to reassign to, so the job is refunded at its deadline.
      const refunded = await waitFor("the job to be refunded", async () => {
        const j = await bob.getJob(req.jobId);
        return j.status === JobStatus.JOB_STATUS_REFUNDED ? j : undefined;
      }, 90_000, 1000);
      expect(refunded.statusReason).not.toBe("");
      const bobAfter = await amount(bob, bob.senderAddress);
      expect(bobBefore - bobAfter).toBeLessThan(fee); // the escrow came back, only gas was spent
      expect(bobBefore - bobAfter).toBe(fee - BigInt(refunded.maxFee!.amount));
      expect(await amount(bob, escrow)).toBe(0n);

      const late = await submit(sidecarKey).then(() => undefined, (e: unknown) => e);
      expect(late).toBeInstanceOf(InferchainError);
      expect((late as Error).message).toMatch(/deadline|not pending|refunded/i);
      expect((await bob.getJob(req.jobId)).status).toBe(JobStatus.JOB_STATUS_REFUNDED);
    } finally {
      await restartSidecar(localnet, 0);
    }
  });
});
