import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  digestArtifact,
  getTrainingJob,
  requestTraining,
  TrainingAuditOutcome,
  TrainingStatus,
  TrainingVerdict,
  waitForTraining,
  type SigningInferchainClient,
  type TrainingJob,
} from "@inferchain/sdk";
import { clientFor, moduleAddress, restartSidecar, waitFor } from "../helpers.js";
import { TRAINING_AUDIT_PARAMS, TRAINING_AUDIT_PORT_OFFSET } from "./env.js";

// Issue 11, training verification over a real 3-validator localnet with real sidecars: every training result is
// replay-audited by the two other executors. (a) an honest result: both replay the drawn interval bit-exactly,
// vote MATCH, the job settles (executor paid, verifiers rewarded). (b) an executor posting forged checkpoint
// digests (faults.training.forgeCheckpoint): the replay does not reproduce them, both vote MISMATCH, the executor
// is slashed slash_fraction of its recorded stake, deactivated, the requester refunded, the child revoked.
const localnet = inject("localnet");
const tiny = localnet.models[0]!;
const api = localnet.nodes[0]!.endpoints.api;
const PAIRS = [
  { prompt: "The capital of France is", completion: " Paris." },
  { prompt: "The quick brown fox", completion: " jumps over the lazy dog." },
  { prompt: "Hello world!", completion: " How are you today?" },
  { prompt: "Blocks are produced by", completion: " validators." },
];
const HYPER = { learningRate: "0.01", steps: 20, batchSize: 2, seqLen: 32, seed: 7, checkpointInterval: 10 };
const MAX_FEE = 100_000n;
const REWARD = BigInt(TRAINING_AUDIT_PARAMS.verifier_reward.amount);

let alice: SigningInferchainClient;
let bob: SigningInferchainClient;
let datasetRoot = "";
let datasetsDir = "";

/** The operator account of a validator (x/training pays executors and verifiers there). */
const operatorOf = (valoper: string) => toBech32("infer", fromBech32(valoper, 90).data);
const balance = async (addr: string) => BigInt((await bob.getBalance(addr)).amount);

async function validatorTokens(valoper: string): Promise<bigint> {
  const res = await fetch(`${api}/cosmos/staking/v1beta1/validators/${valoper}`);
  return BigInt(((await res.json()) as { validator: { tokens: string } }).validator.tokens);
}

async function registryModel(root: string): Promise<{ status: string; status_reason: string }> {
  const res = await fetch(`${api}/inferchain/registry/v1/models/${root}`);
  return ((await res.json()) as { model: { status: string; status_reason: string } }).model;
}
const modelStatus = async (root: string): Promise<string> => (await registryModel(root)).status;

/**
 * While its job is AUDITING the child is listed with status PENDING (auditors see it) and refused for inference:
 * the chain takes no job for it, so a forged child earns nothing before its verdict. The refused request costs
 * the requester nothing (refused in simulation: no fee, no escrow).
 */
async function expectPendingWhileAudited(jobId: bigint): Promise<void> {
  const j = await waitFor(
    `training job ${jobId} AUDITING`,
    async () => {
      const j = await getTrainingJob(bob, jobId);
      return j.status === TrainingStatus.TRAINING_STATUS_AUDITING ? j : undefined;
    },
    300_000,
    500,
  );
  const child = j.result!.childModel;
  const m = await registryModel(child);
  expect(m.status).toBe("MODEL_STATUS_PENDING");
  expect(m.status_reason).toBe(`trained by training job ${jobId}, audited until block ${j.audit!.revealDeadline}`);
  const before = await balance(alice.senderAddress);
  await expect(alice.requestInference({ model: child, prompt: PAIRS[0]!.prompt, maxTokens: 8, temperature: 0 })).rejects.toMatchObject({
    message: expect.stringContaining(`model ${child} (tiny-audited@`),
  });
  await expect(alice.requestInference({ model: child, prompt: PAIRS[0]!.prompt, maxTokens: 8, temperature: 0 })).rejects.toMatchObject({
    message: expect.stringMatching(new RegExp(`is pending its training audit \\(trained by training job ${jobId}, audited until block ${j.audit!.revealDeadline}, since block \\d+\\)`)),
  });
  expect(await balance(alice.senderAddress)).toBe(before);
  expect((await getTrainingJob(bob, jobId)).status, "still auditing when the request was refused").toBe(TrainingStatus.TRAINING_STATUS_AUDITING);
}

async function restartAll(faults?: Record<string, unknown>): Promise<void> {
  for (let i = 0; i < localnet.sidecars.length; i++) {
    await restartSidecar(localnet, i, {
      portOffset: TRAINING_AUDIT_PORT_OFFSET,
      extraConfig: {
        training: { enabled: true, datasetsDir, threads: 1 },
        chain: { rpc: localnet.nodes[i]!.endpoints.rpc, chainId: localnet.chainId, reconcileIntervalMs: 1000 },
        ...(faults ? { faults } : {}),
      },
    });
  }
}

/** Training is deterministic: each job gets its own seed, or two jobs would make the same child (refused twice). */
async function train(childVersion: string, seed: number): Promise<{ jobId: bigint; afterEscrow: bigint }> {
  const req = await requestTraining(bob, { baseModel: tiny.contentRoot, datasets: [datasetRoot], ...HYPER, seed, maxFee: `${MAX_FEE}uinfer`, childName: "tiny-audited", childVersion, childLicense: "apache-2.0" });
  return { jobId: BigInt(req.jobId), afterEscrow: await balance(bob.senderAddress) };
}

/** Waits until the job's audit is decided, then until it ends (settled or fraud). */
async function auditOf(jobId: bigint): Promise<TrainingJob> {
  const auditing = await waitFor(
    `training job ${jobId} under audit`,
    async () => {
      const j = await getTrainingJob(bob, jobId);
      return j.audit ? j : undefined;
    },
    300_000,
    1000,
  );
  expect(auditing.audit!.outcome).not.toBe(TrainingAuditOutcome.TRAINING_AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE);
  return waitFor(
    `training job ${jobId} audit concluded`,
    async () => {
      const j = await getTrainingJob(bob, jobId);
      return j.status === TrainingStatus.TRAINING_STATUS_COMPLETED || j.status === TrainingStatus.TRAINING_STATUS_FRAUD ? j : undefined;
    },
    300_000,
    1000,
  );
}

beforeAll(async () => {
  alice = await clientFor(localnet, "alice");
  bob = await clientFor(localnet, "bob");
  const src = mkdtempSync(join(tmpdir(), "inferchain-ds-"));
  writeFileSync(join(src, "train.jsonl"), PAIRS.map((p) => JSON.stringify(p)).join("\n") + "\n");
  const d = await digestArtifact(src);
  datasetRoot = d.contentRoot;
  await alice.registerDataset({ name: "tiny-qa", version: `${Date.now()}`, files: d.files, recordCount: PAIRS.length, license: "CC0-1.0" });
  // every sidecar holds the dataset: the executor trains on it, the committee replays on it
  datasetsDir = join(localnet.home, "datasets");
  mkdirSync(join(datasetsDir, datasetRoot), { recursive: true });
  cpSync(src, join(datasetsDir, datasetRoot), { recursive: true });
  await restartAll();
}, 600_000);

afterAll(async () => {
  for (let i = 0; i < localnet.sidecars.length; i++) await restartSidecar(localnet, i, { portOffset: TRAINING_AUDIT_PORT_OFFSET, wait: false }).catch(() => undefined);
}, 300_000);

describe("training verification by replay", () => {
  it("an honest result is replayed by the committee, MATCH, settled: executor paid, verifiers rewarded", async () => {
    const t0 = Date.now();
    const { jobId } = await train(`${Date.now()}`, 7);
    const submitted = await waitForTraining(bob, jobId, { timeoutMs: 5_000, pollIntervalMs: 500 }).catch(() => undefined);
    expect(submitted).toBeUndefined(); // not settled before its audit
    const j0 = await waitFor("result submitted", async () => ((await getTrainingJob(bob, jobId)).result ? getTrainingJob(bob, jobId) : undefined), 300_000, 1000);
    const executorOp = operatorOf(j0.executor);
    const before = await balance(executorOp);
    const members0 = localnet.sidecars.map((s) => s.validator).filter((v) => v !== j0.executor);
    const memberBefore = await Promise.all(members0.map((v) => balance(operatorOf(v))));
    await expectPendingWhileAudited(jobId);

    const j = await auditOf(jobId);
    const a = j.audit!;
    console.log(`e2e training audit (honest): interval ${a.interval} (steps ${a.fromStep}..${a.toStep}), request -> settled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(j.status).toBe(TrainingStatus.TRAINING_STATUS_COMPLETED);
    expect(a.outcome).toBe(TrainingAuditOutcome.TRAINING_AUDIT_OUTCOME_HONEST);
    expect(a.committee).toHaveLength(2);
    expect(a.committee).not.toContain(j.executor);
    expect(a.votes.map((v) => v.verdict)).toEqual([TrainingVerdict.TRAINING_VERDICT_MATCH, TrainingVerdict.TRAINING_VERDICT_MATCH]);
    expect(BigInt(a.slashed!.amount)).toBe(0n);
    // paid: each MATCH revealer verifier_reward from the escrow, the executor the rest
    expect(await balance(executorOp)).toBe(before + MAX_FEE - 2n * REWARD);
    for (const [i, v] of members0.entries()) expect(await balance(operatorOf(v))).toBe(memberBefore[i]! + REWARD);
    expect(await balance(moduleAddress("training"))).toBe(0n);
    // settled HONEST: only now active, and served (its trainer loaded it at submission)
    expect(await modelStatus(j.result!.childModel)).toBe("MODEL_STATUS_ACTIVE");
    const res = await alice.infer({ model: j.result!.childModel, prompt: PAIRS[0]!.prompt, maxTokens: 8, temperature: 0, timeoutMs: 120_000 });
    expect(res.receipt.model).toBe(j.result!.childModel);
  });

  it("a forged checkpoint is caught by replay: executor slashed exactly slash_fraction, deactivated, requester refunded, child revoked", async () => {
    await restartAll({ training: { forgeCheckpoint: true } }); // whichever executor is drawn forges; replays stay honest
    const { jobId, afterEscrow } = await train(`${Date.now()}`, 8);
    const j0 = await waitFor("result submitted", async () => ((await getTrainingJob(bob, jobId)).result ? getTrainingJob(bob, jobId) : undefined), 300_000, 1000);
    const tokensBefore = await validatorTokens(j0.executor);
    await expectPendingWhileAudited(jobId);

    const j = await auditOf(jobId);
    const a = j.audit!;
    console.log(`e2e training audit (forged): interval ${a.interval}, verdict reasons: ${a.votes.map((v) => v.reason).join(" | ")}`);
    expect(j.status).toBe(TrainingStatus.TRAINING_STATUS_FRAUD);
    expect(a.outcome).toBe(TrainingAuditOutcome.TRAINING_AUDIT_OUTCOME_FRAUD);
    expect(a.votes.map((v) => v.verdict)).toEqual([TrainingVerdict.TRAINING_VERDICT_MISMATCH, TrainingVerdict.TRAINING_VERDICT_MISMATCH]);
    // slashed slash_fraction of the stake recorded at submission (power x 10^6 uinfer), nothing more
    const power = BigInt(j.result!.executorPower);
    const expected = (power * 1_000_000n * 10n) / 100n; // slash_fraction 0.1
    expect(BigInt(a.slashed!.amount)).toBe(expected);
    expect(tokensBefore - (await validatorTokens(j0.executor))).toBe(expected);
    // requester refunded in full, nothing left in escrow
    expect(await balance(bob.senderAddress)).toBe(afterEscrow + MAX_FEE);
    expect(await balance(moduleAddress("training"))).toBe(0n);
    // the child does not stay active; the executor is off the executor set
    expect(await modelStatus(j.result!.childModel)).toBe("MODEL_STATUS_REVOKED");
    expect((await bob.getExecutor(j.executor))?.active).toBe(false);
  });
});
