import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  inferenceResponseTypeUrls,
  inferenceTypeUrls,
  JobRefundedError,
  JobStatus,
  MsgRequestInference,
  MsgRequestInferenceResponse,
  Verdict,
  type InferResult,
  type Job,
  type SigningInferchainClient,
} from "@inferchain/sdk";
import { clientFor, inferchainCli, moduleAddress, restartSidecar, waitFor } from "../helpers.js";
import { AUDIT_PORT_OFFSET } from "./env.js";

// Issues 5 and 9 over a real 4-validator localnet with real sidecars, every result audited by the three other
// executors (quorum 2): (a) honest jobs pass and nobody is slashed, (c) a verifier that never reveals loses its
// reward, a lazy FRAUD voter is outvoted (unpaid, misses), a burst beyond capacity is rejected as overloaded
// rather than expired, (b) forged results posted with the executor's key are caught: its stake is slashed, the
// requester refunded, also when the validator unbonds right after posting (slashed from the recorded stake).
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

async function validatorInfo(valoper: string): Promise<{ jailed: boolean; status: string; tokens: bigint; minSelfDelegation: bigint }> {
  const res = await fetch(`${api}/cosmos/staking/v1beta1/validators/${valoper}`);
  const v = ((await res.json()) as { validator: { jailed?: boolean; status: string; tokens: string; min_self_delegation: string } }).validator;
  return { jailed: v.jailed === true, status: v.status, tokens: BigInt(v.tokens), minSelfDelegation: BigInt(v.min_self_delegation) };
}

/** cosmos.slashing.v1beta1.MsgUnjail {validator_addr = 1}: not in cosmjs' default registry. */
const MsgUnjail = {
  encode(m: { validatorAddr: string }) {
    const bytes = new TextEncoder().encode(m.validatorAddr);
    const len: number[] = [];
    for (let n = bytes.length; ; n >>>= 7) {
      if (n < 0x80) {
        len.push(n);
        break;
      }
      len.push((n & 0x7f) | 0x80);
    }
    const out = new Uint8Array([0x0a, ...len, ...bytes]);
    return { finish: () => out };
  },
  decode: (): { validatorAddr: string } => ({ validatorAddr: "" }),
  fromPartial: (m: { validatorAddr?: string }) => ({ validatorAddr: m.validatorAddr ?? "" }),
};
const UNJAIL = "/cosmos.slashing.v1beta1.MsgUnjail";

/** The validator operator's own client (dev account val<i>), with MsgUnjail registered. */
async function operator(index: number): Promise<SigningInferchainClient> {
  const c = await clientFor(localnet, `val${index}`);
  c.signing.registry.register(UNJAIL, MsgUnjail as never);
  return c;
}

/**
 * Brings a caught cheater back (issue 9 makes the second case fail by design otherwise: a jailed, deactivated
 * executor leaves too few verifiers): wait out the fraud jail (jail_duration_seconds 5) and unjail, wait out the
 * model's tombstone (tombstone_cooldown_blocks 5) and re-register the model, active; then its honest sidecar.
 */
async function restoreExecutor(index: number): Promise<void> {
  const op = await operator(index);
  try {
    const valoper = validators[index]!;
    await waitFor(
      `unjail ${valoper}`,
      async () => {
        if (!(await validatorInfo(valoper)).jailed) return true;
        return op.signAndBroadcast([{ typeUrl: UNJAIL, value: { validatorAddr: valoper } }]).then(() => true, () => undefined);
      },
      90_000,
      2000,
    );
    await waitFor(
      `re-register ${valoper} for the model`,
      () => op.updateExecutor({ models: [tiny.contentRoot], active: true }).then(() => true, () => undefined),
      90_000,
      2000,
    );
    expect((await op.getExecutor(valoper)).active).toBe(true);
  } finally {
    op.disconnect();
  }
  await restart(index);
}
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
  it("(a) honest jobs are all audited by the three other executors and pass; nobody is slashed", async () => {
    const before = await allTokens();
    const outcomes = await runJobs(["Hello", "The sky is", "Once upon a time", "A recipe for bread", "Count to five", "Hi there"]);
    for (const o of outcomes) {
      expect(o.error, `job ${o.jobId}: ${String(o.error)}`).toBeUndefined();
      const audit = o.result!.receipt.audit!;
      expect(audit.outcome).toBe("honest");
      expect(audit.committee.sort()).toEqual(validators.filter((v) => v !== o.executor).sort());
      expect(audit.votes.map((v) => v.verdict)).toEqual(["valid", "valid", "valid"]);
      expect(audit.votes.some((v) => v.outvoted)).toBe(false);
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
        const otherVotes = audit.votes.filter((v) => v.verifier !== validators[silent]);
        expect(silentVote.committed).toBe(true);
        expect(silentVote.verdict).toBeUndefined();
        expect(BigInt(silentVote.reward?.amount ?? "0")).toBe(0n);
        expect(otherVotes.map((v) => v.verdict)).toEqual(["valid", "valid"]);
        for (const v of otherVotes) expect(BigInt(v.reward?.amount ?? "0")).toBeGreaterThan(0n);
      }
      const executor = await clients[0]!.getExecutor(validators[silent]!);
      expect(Number(executor.missedAudits)).toBeGreaterThan(0);
    } finally {
      await restart(silent);
    }
  });

  it("(b) a lazy FRAUD voter (faults.verify.alwaysFraud) is outvoted: not paid, counts misses; no honest executor is slashed", async () => {
    const lazy = 3;
    const lazyVal = validators[lazy]!;
    const missesBefore = Number((await clients[0]!.getExecutor(lazyVal)).missedAudits);
    await restart(lazy, { faults: { verify: { alwaysFraud: true } } });
    try {
      const before = await allTokens();
      let outcomes: Outcome[] = [];
      for (let round = 0; round < 5 && outcomes.length === 0; round++) {
        outcomes = (await runJobs(["Tell me a story", "What is snow", "Good evening", "Name a color"])).filter((o) => o.executor !== lazyVal);
      }
      expect(outcomes.length).toBeGreaterThan(0);
      for (const o of outcomes) {
        expect(o.error, `job ${o.jobId}: ${String(o.error)}`).toBeUndefined();
        const audit = o.result!.receipt.audit!;
        expect(audit.outcome).toBe("honest");
        const lazyVote = audit.votes.find((v) => v.verifier === lazyVal)!;
        expect(lazyVote.verdict).toBe("fraud");
        expect(lazyVote.reason).toMatch(/FAULT INJECTION/);
        expect(lazyVote.outvoted).toBe(true);
        expect(lazyVote.reward).toBeUndefined();
        for (const v of audit.votes.filter((x) => x.verifier !== lazyVal)) {
          expect(v.verdict).toBe("valid");
          expect(v.outvoted).toBe(false);
          expect(BigInt(v.reward?.amount ?? "0")).toBeGreaterThan(0n);
        }
      }
      // nobody slashed; the lazy voter's misses went up (once per block at most)
      expect(await allTokens()).toEqual(before);
      expect(Number((await clients[0]!.getExecutor(lazyVal)).missedAudits)).toBeGreaterThan(missesBefore);
      const shown = await inferchainCli(["job", String(outcomes[0]!.jobId), "--node", localnet.nodes[0]!.endpoints.rpc]);
      expect(shown.stdout).toMatch(/FRAUD \(FAULT INJECTION.*outvoted \(no reward, missed audit\)/);
    } finally {
      await restart(lazy);
    }
  });

  it("(c) a burst of 3x the sidecar's capacity: the rest is rejected as overloaded (refunded at once), the executor stays active, every job settles or refunds", async () => {
    const target = 0;
    const targetVal = validators[target]!;
    // Route the burst to one executor: the others step aside (operator deactivation, undone below).
    const ops = await Promise.all([1, 2, 3].map(operator));
    try {
      for (const op of ops) await op.updateExecutor({ active: false });
      const params = await clients[0]!.getInferenceParams();
      const maxTokens = 200;
      // The sidecar's own measure of itself: a warm-up job of the same size (assigned to the only active executor).
      const warm = await clients[0]!.infer({ model: tiny.contentRoot, prompt: "Warm up", maxTokens, temperature: 0.8, topK: 20 });
      const rt = warm.receipt.runtime!;
      const tokensPerSecond = warm.tokenIds.length / ((Number(rt.prefillMs) + Number(rt.decodeMs)) / 1000);
      const missedBefore = Number((await clients[0]!.getExecutor(targetVal)).missedDeadlines);
      // capacity: jobs of max_tokens that fit in deadline_blocks of 1 s blocks at that rate, each result also
      // taking a block to be included (the sidecar generates the next job after that; no safety margin)
      const capacity = Math.max(1, Math.floor(Number(params.deadlineBlocks) / (maxTokens / tokensPerSecond + 1)));
      const n = 3 * capacity;
      console.error(`[burst] ${tokensPerSecond.toFixed(0)} tokens/s, ${params.deadlineBlocks} blocks, max_tokens ${maxTokens}: capacity ${capacity}, submitting ${n}`);
      // All at once: one transaction per requester, the jobs spread over them.
      const per = clients.map((_, c) => Array.from({ length: n }, (_, i) => i).filter((i) => i % clients.length === c));
      const fee = { denom: params.baseFee!.denom, amount: (BigInt(params.baseFee!.amount) + BigInt(params.feePerToken!.amount) * BigInt(maxTokens)).toString() };
      const ids = (
        await Promise.all(
          per.map(async (mine, c) => {
            const client = clients[c]!;
            const msgs = mine.map((i) => ({
              typeUrl: inferenceTypeUrls.MsgRequestInference,
              value: MsgRequestInference.fromPartial({ requester: client.senderAddress, model: tiny.contentRoot, prompt: `Burst ${i}: write a long story`, maxTokens, temperatureMilli: 900, topK: 0, maxFee: fee }),
            }));
            if (msgs.length === 0) return [];
            const res = await client.signAndBroadcast(msgs);
            return res.msgResponses.filter((r) => r.typeUrl === inferenceResponseTypeUrls.MsgRequestInferenceResponse).map((r) => MsgRequestInferenceResponse.decode(r.value).jobId);
          }),
        )
      ).flat();
      expect(ids).toHaveLength(n);
      const jobs: Job[] = await Promise.all(ids.map((id) => clients[0]!.waitForResult(id, { until: "settled", timeoutMs: 240_000 }).catch(() => clients[0]!.getJob(id))));
      const settled = jobs.filter((j) => j.status === JobStatus.JOB_STATUS_SETTLED);
      const refunded = jobs.filter((j) => j.status === JobStatus.JOB_STATUS_REFUNDED);
      console.error(`[burst] ${settled.length} settled, ${refunded.length} refunded: ${[...new Set(refunded.map((j) => j.statusReason.replace(/\d+/g, "N")))].join(" | ")}`);
      expect(settled.length + refunded.length).toBe(n);
      expect(settled.length).toBeGreaterThan(0);
      // every refund is an overloaded rejection by the executor, in the job's first attempt: nothing expired
      expect(refunded.length).toBeGreaterThan(0);
      for (const j of refunded) {
        expect(j.statusReason).toMatch(/overloaded: /);
        expect(j.attempt).toBe(1);
        expect(j.tried).toEqual([]);
        // refunded at once: well before the deadline
        expect(Number(j.settledHeight)).toBeLessThan(Number(j.deadlineHeight));
      }
      for (const j of settled) expect(j.attempt).toBe(1);
      const after = await clients[0]!.getExecutor(targetVal);
      expect(after.active).toBe(true);
      expect(Number(after.missedDeadlines)).toBe(missedBefore);
      expect(BigInt((await clients[0]!.getBalance(moduleAddress("inference"))).amount)).toBe(0n);
    } finally {
      for (const op of ops) {
        await op.updateExecutor({ active: true }).catch((e: unknown) => console.error(`reactivation failed: ${String(e)}`));
        op.disconnect();
      }
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
          // jobs of the honest executors still settle, audited and passed (the cheater, once caught, is out of
          // the committees but two verifiers are left: quorum)
          for (const o of outcomes.filter((x) => x.executor !== cheater)) expect(o.result?.receipt.audit?.outcome).toBe("honest");
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
        // Back for the next case: unjailed, re-registered after the tombstone cooldown, honest sidecar.
        await restoreExecutor(index);
      }
    });
  }

  it("(b) escape by unbonding: the cheater's validator drops below min-self-delegation right after its forged result, and is still slashed exactly slash_fraction of the recorded stake", async () => {
    const index = 2;
    const cheater = validators[index]!;
    await restart(index, { faults: { executor: { forge: "wrong-tokens" } } });
    const op = await operator(index);
    try {
      let job: Job | undefined;
      let escapeHeight = 0;
      const assigned: string[] = [];
      // Two active executors remain (the earlier cheaters are deactivated) and the block proposer is never
      // assigned: about half the jobs reach the cheater; 20 rounds miss it with probability ~1e-6.
      for (let round = 0; round < 20 && !job; round++) {
        const req = await clients[round % clients.length]!.requestInference({ model: tiny.contentRoot, prompt: `Escape ${round}`, maxTokens: 8, temperature: 0, topK: 0 });
        assigned.push(req.executor);
        if (req.executor !== cheater) {
          await clients[0]!.waitForResult(req.jobId, { until: "settled", timeoutMs: 120_000 }).catch(() => undefined);
          continue;
        }
        await clients[0]!.waitForResult(req.jobId, { until: "result", timeoutMs: 60_000 });
        // The escape: raise min-self-delegation to the whole self-bond and undelegate 1 uinfer, in one tx:
        // x/staking jails the validator and starts unbonding it (power 0) before the audit concludes.
        const v = await validatorInfo(cheater);
        const keep = "[do-not-modify]";
        const res = await op.signAndBroadcast([
          {
            typeUrl: "/cosmos.staking.v1beta1.MsgEditValidator",
            value: { description: { moniker: keep, identity: keep, website: keep, securityContact: keep, details: keep }, validatorAddress: cheater, commissionRate: "", minSelfDelegation: v.tokens.toString() },
          },
          { typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate", value: { delegatorAddress: op.senderAddress, validatorAddress: cheater, amount: { denom: "uinfer", amount: "1" } } },
        ]);
        escapeHeight = res.height;
        job = await clients[0]!.getJob(req.jobId);
      }
      if (!job) {
        const states = await Promise.all(validators.map(async (v) => `${v}: executor active ${(await clients[0]!.getExecutor(v)).active}, jailed ${(await validatorInfo(v)).jailed}`));
        expect.fail(`no job was assigned to ${cheater}; jobs went to ${assigned.join(", ")}; ${states.join("; ")}`);
      }
      const recorded = BigInt(job!.result!.executorTokens);
      expect(recorded).toBeGreaterThan(0n);
      const escaped = await validatorInfo(cheater);
      expect(escaped.jailed).toBe(true);
      expect(escaped.status).not.toBe("BOND_STATUS_BONDED");
      const done = await clients[0]!.waitForResult(job!.id, { until: "settled", timeoutMs: 120_000 }).catch(() => clients[0]!.getJob(job!.id));
      expect(done.status).toBe(JobStatus.JOB_STATUS_REFUNDED);
      // the escape landed before the verdict: the slash had to reach back to the recorded stake
      expect(escapeHeight).toBeLessThan(Number(done.audit!.concludedHeight));
      expect(BigInt(done.audit!.slashed!.amount)).toBe((recorded * 5n) / 100n);
      expect((await clients[0]!.getExecutor(cheater)).active).toBe(false);
      expect(BigInt((await clients[0]!.getBalance(moduleAddress("inference"))).amount)).toBe(0n);
    } finally {
      op.disconnect();
      // Left jailed and unbonding: the last case of the suite. Its sidecar never reports ready again.
      await restart(index, undefined, false);
    }
  });
});
