import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { JobRefundedError, JobStatus, Verdict, type InferResult, type SigningInferchainClient } from "@inferchain/sdk";
import { clientFor, inferchainCli, moduleAddress, restartSidecar } from "../helpers.js";
import { AUDIT_PORT_OFFSET } from "./env.js";

// Issue 5 over a real 3-validator localnet with real sidecars, every result audited by the two other executors:
// (a) honest jobs pass and nobody is slashed, (c) a verifier that never reveals loses its reward,
// (b) forged results posted with the executor's key are caught: its stake is slashed, the requester refunded.
const localnet = inject("localnet");
const otherModelDir = inject("otherModelDir");
const tiny = localnet.models[0]!;
const api = localnet.nodes[0]!.endpoints.api;
const validators = localnet.sidecars.map((s) => s.validator);
const requesters = ["alice", "bob", "carol", "dave"] as const;
let clients: SigningInferchainClient[] = [];

async function tokens(valoper: string): Promise<bigint> {
  const res = await fetch(`${api}/cosmos/staking/v1beta1/validators/${valoper}`);
  const body = (await res.json()) as { validator: { tokens: string } };
  return BigInt(body.validator.tokens);
}

const allTokens = () => Promise.all(validators.map(tokens));
const restart = (index: number, extraConfig?: Record<string, unknown>, wait = true) =>
  restartSidecar(localnet, index, { portOffset: AUDIT_PORT_OFFSET, wait, ...(extraConfig ? { extraConfig } : {}) });

interface Outcome {
  executor: string;
  result?: InferResult;
  error?: unknown;
  jobId: bigint;
}

/** The prompts spread over the requester accounts: each account's jobs in turn (one sequence), accounts in parallel. */
async function runJobs(prompts: string[]): Promise<Outcome[]> {
  const { inferResultFromJob } = await import("@inferchain/sdk");
  const perClient = clients.map((_, c) => prompts.map((p, i) => [p, i] as const).filter(([, i]) => i % clients.length === c));
  const results = await Promise.all(
    perClient.map(async (mine, c) => {
      const client = clients[c]!;
      const out: Outcome[] = [];
      for (const [prompt, i] of mine) {
        const req = await client.requestInference({ model: tiny.contentRoot, prompt, maxTokens: 8, temperature: i % 2 === 0 ? 0 : 0.8, topK: 20 });
        try {
          const job = await client.waitForResult(req.jobId, { until: "settled", timeoutMs: 120_000 });
          out.push({ executor: req.executor, jobId: req.jobId, result: inferResultFromJob(job, req.txHash) });
        } catch (error) {
          out.push({ executor: req.executor, jobId: req.jobId, error });
        }
      }
      return out;
    }),
  );
  return results.flat();
}

beforeAll(async () => {
  clients = await Promise.all(requesters.map((a) => clientFor(localnet, a)));
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
});

describe("sampled verification with p = 100%", () => {
  it("(a) honest jobs are all audited by the two other executors and pass; nobody is slashed", async () => {
    const before = await allTokens();
    const outcomes = await runJobs(["Hello", "The sky is", "Once upon a time", "A recipe for bread", "Count to five", "Hi there"]);
    for (const o of outcomes) {
      expect(o.error, `job ${o.jobId}: ${String(o.error)}`).toBeUndefined();
      const audit = o.result!.receipt.audit!;
      expect(audit.outcome).toBe("honest");
      expect(audit.committee.sort()).toEqual(validators.filter((v) => v !== o.executor).sort());
      expect(audit.votes.map((v) => v.verdict)).toEqual(["valid", "valid"]);
      for (const v of audit.votes) expect(BigInt(v.reward?.amount ?? "0")).toBeGreaterThan(0n);
    }
    expect(await allTokens()).toEqual(before);

    const shown = await inferchainCli(["job", String(outcomes[0]!.jobId), "--node", localnet.nodes[0]!.endpoints.rpc]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/audit/i);
    expect(shown.stdout).toMatch(/honest/i);
  });

  it("(c) a verifier that never reveals loses its reward (and the audit still concludes)", async () => {
    const silent = 2;
    await restart(silent, { faults: { verify: { neverReveal: true } } });
    try {
      // Jobs the silent validator executes itself say nothing about it as a verifier: go on until one is not its own.
      let outcomes: Outcome[] = [];
      for (let round = 0; round < 5 && outcomes.length === 0; round++) {
        outcomes = (await runJobs(["Tell me a joke", "What is rain", "Good morning"])).filter((o) => o.executor !== validators[silent]);
      }
      expect(outcomes.length).toBeGreaterThan(0);
      for (const o of outcomes) {
        expect(o.error, `job ${o.jobId}: ${String(o.error)}`).toBeUndefined();
        const audit = o.result!.receipt.audit!;
        expect(audit.outcome).toBe("honest");
        const silentVote = audit.votes.find((v) => v.verifier === validators[silent])!;
        const otherVote = audit.votes.find((v) => v.verifier !== validators[silent])!;
        expect(silentVote.committed).toBe(true);
        expect(silentVote.verdict).toBeUndefined();
        expect(BigInt(silentVote.reward?.amount ?? "0")).toBe(0n);
        expect(otherVote.verdict).toBe("valid");
        expect(BigInt(otherVote.reward?.amount ?? "0")).toBeGreaterThan(0n);
      }
      const executor = await clients[0]!.getExecutor(validators[silent]!);
      expect(Number(executor.missedAudits)).toBeGreaterThan(0);
    } finally {
      await restart(silent);
    }
  });

  for (const [index, forge] of [
    [0, { forge: "wrong-tokens" }],
    [1, { forge: "other-model", forgeModelDir: otherModelDir }],
  ] as const) {
    it(`(b) a forged result (${forge.forge}) posted with the executor's key is caught: stake slashed by the fraction, requester refunded`, async () => {
      const cheater = validators[index]!;
      await restart(index, { faults: { executor: forge } });
      try {
        const stakeBefore = await tokens(cheater);
        let cheated: Outcome[] = [];
        for (let round = 0; round < 6 && cheated.length === 0; round++) {
          const outcomes = await runJobs(["Hello there", "Why is the sea salty", "Name a fruit", "Say something"]);
          cheated = outcomes.filter((o) => o.executor === cheater).sort((a, b) => Number(a.jobId - b.jobId));
          // jobs of the honest executors still settle: audited and passed, or skipped once the cheaters are
          // deactivated and no other executor is left to form a committee (the job notes why)
          for (const o of outcomes.filter((x) => x.executor !== cheater)) {
            const audit = o.result?.receipt.audit;
            expect(["honest", "skipped"]).toContain(audit?.outcome);
            if (audit?.outcome === "skipped") expect(audit.note).toMatch(/no other executor/);
          }
        }
        expect(cheated.length, `no job was assigned to ${cheater}`).toBeGreaterThan(0);
        // Every forged result is caught (jobs assigned before the first fraud concluded are forged too).
        let slashedTotal = 0n;
        const slashes: bigint[] = [];
        for (const o of cheated) {
          expect(o.error).toBeInstanceOf(JobRefundedError);
          const err = o.error as JobRefundedError;
          expect(err.fraud?.executor).toBe(cheater);
          const job = await clients[0]!.getJob(o.jobId);
          expect(job.status).toBe(JobStatus.JOB_STATUS_REFUNDED);
          expect(job.result).toBeDefined(); // the forged result stays on record for auditors
          expect(err.fraud?.verifiers.length).toBeGreaterThanOrEqual(job.audit!.quorum);
          expect(job.audit!.votes.filter((v) => v.verdict === Verdict.VERDICT_FRAUD).length).toBeGreaterThanOrEqual(job.audit!.quorum);
          slashes.push(BigInt(job.audit!.slashed!.amount));
          slashedTotal += BigInt(job.audit!.slashed!.amount);
        }
        // The first slash takes exactly slash_fraction (5%) of the stake the validator had (1e11 uinfer: exact);
        // the stake dropped by exactly what the audits recorded.
        const stakeAfter = await tokens(cheater);
        expect(slashes[0]).toBe((stakeBefore * 5n) / 100n);
        expect(stakeBefore - stakeAfter).toBe(slashedTotal);
        // the cheater no longer serves
        expect((await clients[0]!.getExecutor(cheater)).active).toBe(false);
        // nothing left in escrow; requesters paid only gas for the refunded job
        expect(BigInt((await clients[0]!.getBalance(moduleAddress("inference"))).amount)).toBe(0n);
      } finally {
        // A slashed executor stays deactivated, so its sidecar never reports ready again: do not wait for it.
        await restart(index, undefined, false);
      }
    });
  }
});
