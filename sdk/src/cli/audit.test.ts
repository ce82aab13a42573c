import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import type { Job } from "../generated/inferchain/inference/v1/types.js";
import type { TestKeyring } from "../keys/keyring.js";
import { VERIFIER_A, VERIFIER_B, VERIFIER_C, auditingJob, fraudJob, honestJob, inconclusiveJob, insufficientCommitteeJob, notSelectedJob, outvotedJob, submittedJob } from "../testing/jobs.js";
import type { CliContext, QueryApi, TxApi } from "./context.js";
import { createProgram } from "./program.js";
import { auditProgressLines, progressLines } from "./render-inference.js";

async function run(args: string[], job: Job) {
  const chain = { getJob: vi.fn(async () => job), listJobs: vi.fn(async () => ({ items: [job], nextKey: undefined })), disconnect: vi.fn() };
  let out = "";
  const ctx: CliContext = {
    io: { out: (t) => (out += t + "\n"), err: () => undefined, stderrIsTTY: false, stderr: new PassThrough(), readStdin: async () => "" },
    connect: vi.fn(async () => chain as unknown as QueryApi),
    connectSigning: vi.fn(async () => chain as unknown as TxApi),
    keyring: () => ({ signer: vi.fn() }) as unknown as TestKeyring,
  };
  await createProgram(ctx).parseAsync(args, { from: "user" });
  return { out, chain };
}

describe("inferchain job: the audit", () => {
  it("not audited", async () => {
    expect((await run(["job", "42"], notSelectedJob())).out).toContain("audit        not selected (not audited), decided at block 13");
  });

  it("in progress: committee, deadlines, who committed", async () => {
    const { out } = await run(["job", "42"], auditingJob());
    expect(out).toContain("status       auditing\n");
    expect(out).toContain("audit        in progress, decided at block 13");
    expect(out).toContain("committee  3 verifier(s), quorum 2, commit by block 23, reveal by block 33");
    expect(out).toContain(`verifier   ${VERIFIER_A}: committed (not revealed)`);
    expect(out).toContain(`verifier   ${VERIFIER_C}: no vote`);
  });

  it("fraud: verdicts with reasons and rewards, the slash", async () => {
    const { out } = await run(["job", "42"], fraudJob());
    expect(out).toContain("audit        FRAUD (audited: the result was found fraudulent), decided at block 13, concluded at block 34");
    expect(out).toContain(`verifier   ${VERIFIER_A}: FRAUD (step 0: gap 5.21 > eps 0.01), reward 50uinfer`);
    expect(out).toContain(`verifier   ${VERIFIER_C}: no vote`);
    expect(out).toContain("slashed    5000uinfer from the executor's validator");
    const j = JSON.parse((await run(["job", "42", "--json"], fraudJob())).out) as { receipt: { audit: { outcome: string } } };
    expect(j.receipt.audit.outcome).toBe("fraud");
  });

  it("honest, with the committee note", async () => {
    const { out } = await run(["job", "42"], honestJob());
    expect(out).toContain("audit        honest (audited: the result passed)");
    expect(out).toContain(`verifier   ${VERIFIER_B}: VALID, reward 50uinfer`);
    expect(out).toContain("note       committee of 2");
  });

  it("outvoted verifier: no reward, marked outvoted", async () => {
    const { out } = await run(["job", "42"], outvotedJob());
    expect(out).toContain("audit        honest (audited: the result passed)");
    expect(out).toContain(`verifier   ${VERIFIER_C}: FRAUD (step 1: gap 0.5 > eps 0.001), outvoted (no reward, missed audit)`);
    expect(out).toContain(`verifier   ${VERIFIER_A}: VALID, reward 50uinfer\n`);
    const j = JSON.parse((await run(["job", "42", "--json"], outvotedJob())).out) as { receipt: { audit: { votes: { outvoted: boolean }[] } } };
    expect(j.receipt.audit.votes.map((v) => v.outvoted)).toEqual([false, false, true]);
  });

  it("inconclusive (an abstention): its own label, never 'honest'", async () => {
    const { out } = await run(["job", "42"], inconclusiveJob());
    expect(out).toContain("audit        inconclusive (audited, no quorum either way: settled unverified, nobody slashed)");
    expect(out).not.toContain("honest (audited");
    expect(out).toContain(`verifier   ${VERIFIER_A}: ABSTAIN (no calibrated tolerance for cuda->cpu (tiny f32))`);
    const j = JSON.parse((await run(["job", "42", "--json"], inconclusiveJob())).out) as { receipt: { audit: { outcome: string; votes: { verdict: string }[] } } };
    expect(j.receipt.audit.outcome).toBe("inconclusive");
    expect(j.receipt.audit.votes[0]!.verdict).toBe("abstain");
  });

  it("insufficient committee: not audited, says why", async () => {
    const { out } = await run(["job", "42"], insufficientCommitteeJob());
    expect(out).toContain("audit        not audited (selected, but fewer eligible verifiers than quorum: unverified, no slash possible), decided at block 13");
    expect(out).toContain("note       only 1 other eligible executor serves the model (quorum 2)");
    const j = JSON.parse((await run(["job", "42", "--json"], insufficientCommitteeJob())).out) as { receipt: { audit: { outcome: string } } };
    expect(j.receipt.audit.outcome).toBe("insufficient_committee");
  });

  it("no audit line before a result", async () => {
    const { out } = await run(["job", "42"], { ...submittedJob(), result: undefined });
    expect(out).not.toContain("audit");
  });

  it("jobs --status auditing --verifier filters", async () => {
    const { chain } = await run(["jobs", "--status", "auditing", "--verifier", VERIFIER_A, "--limit", "5"], auditingJob());
    expect(chain.listJobs).toHaveBeenCalledWith(expect.objectContaining({ verifier: VERIFIER_A, status: 5 }), { limit: 5 });
  });
});

describe("progress lines through an audit", () => {
  it("selected, commits, reveals, concluded", () => {
    expect(auditProgressLines(submittedJob(), auditingJob())).toEqual([
      "audit: selected in block 13: committee of 3 (quorum 2), commit by block 23, reveal by block 33",
      "audit: 2/3 verdicts committed",
    ]);
    expect(auditProgressLines(auditingJob(), fraudJob())).toEqual(["audit: 2/3 verdicts revealed", "audit concluded at block 34: FRAUD, executor slashed 5000uinfer"]);
    expect(auditProgressLines(auditingJob(), auditingJob())).toEqual([]);
    expect(progressLines(submittedJob(), notSelectedJob())).toContain("audit: not selected (block 13)");
    expect(auditProgressLines(submittedJob(), insufficientCommitteeJob())).toEqual([
      "audit: selected in block 13 but not audited: too few verifiers for quorum 2 (only 1 other eligible executor serves the model (quorum 2))",
    ]);
    expect(auditProgressLines(auditingJob(), inconclusiveJob())).toContain("audit concluded at block 34: inconclusive (no quorum either way; settled, nobody slashed)");
    expect(auditProgressLines(auditingJob(), outvotedJob())).toContain("audit concluded at block 34: honest (1 verifier(s) outvoted)");
  });
});
