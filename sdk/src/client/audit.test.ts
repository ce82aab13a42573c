import { describe, expect, it, vi } from "vitest";
import { JobRefundedError, JobTimeoutError } from "../errors.js";
import { JobStatus, type Job } from "../generated/inferchain/inference/v1/types.js";
import { VERIFIER_A, VERIFIER_B, VERIFIER_C, auditingJob, fraudJob, honestJob, notSelectedJob, settledJob, submittedJob } from "../testing/jobs.js";
import { buildReceipt, jobStatusName, parseJobStatus } from "./inference.js";
import { receiptToJson } from "./json.js";
import { waitForJob, type BlockWaker, type JobUpdate } from "./wait.js";

function reads(seq: Job[]) {
  let i = 0;
  const fetchJob = vi.fn(async () => seq[Math.min(i++, seq.length - 1)]!);
  const waker: BlockWaker = { next: vi.fn(async () => undefined), close: vi.fn() };
  return { fetchJob, waker };
}

describe("audit in the receipt", () => {
  it("is undefined until a block decided it", () => {
    expect(buildReceipt(submittedJob()).audit).toBeUndefined();
  });

  it("not selected: outcome only", () => {
    expect(buildReceipt(notSelectedJob()).audit).toEqual({
      outcome: "not_selected",
      committee: [],
      quorum: 0,
      votes: [],
      slashed: undefined,
      note: "",
      decidedHeight: 13,
      concludedHeight: undefined,
      commitDeadline: undefined,
      revealDeadline: undefined,
    });
  });

  it("in progress: committee, quorum, deadlines, committed votes without verdicts", () => {
    const a = buildReceipt(auditingJob()).audit!;
    expect(a).toMatchObject({ outcome: "in_progress", committee: [VERIFIER_A, VERIFIER_B, VERIFIER_C], quorum: 2, commitDeadline: 23, revealDeadline: 33, decidedHeight: 13 });
    expect(a.votes).toEqual([
      { verifier: VERIFIER_A, committed: true, verdict: undefined, reason: "", reward: undefined, outvoted: false },
      { verifier: VERIFIER_B, committed: true, verdict: undefined, reason: "", reward: undefined, outvoted: false },
    ]);
  });

  it("fraud: verdicts, reasons, rewards, slash, concluded height", () => {
    const r = buildReceipt(fraudJob());
    expect(r.audit).toMatchObject({
      outcome: "fraud",
      slashed: { denom: "uinfer", amount: "5000" },
      concludedHeight: 34,
      votes: [
        { verifier: VERIFIER_A, verdict: "fraud", reason: "step 0: gap 5.21 > eps 0.01", reward: { denom: "uinfer", amount: "50" } },
        { verifier: VERIFIER_B, verdict: "fraud", reward: { amount: "50" } },
      ],
    });
    expect(r.feeSplit).toBeUndefined();
    const j = receiptToJson(r) as { audit: { outcome: string; votes: { reward: unknown }[]; slashed: unknown } };
    expect(j.audit.outcome).toBe("fraud");
    expect(j.audit.slashed).toEqual({ denom: "uinfer", amount: "5000" });
  });

  it("honest: valid verdicts, no slash, the note", () => {
    const a = buildReceipt(honestJob()).audit!;
    expect(a.outcome).toBe("honest");
    expect(a.slashed).toBeUndefined();
    expect(a.votes.map((v) => v.verdict)).toEqual(["valid", "valid"]);
    expect(a.note).toMatch(/committee of 2/);
  });

  it("status names include auditing", () => {
    expect(jobStatusName(JobStatus.JOB_STATUS_AUDITING)).toBe("auditing");
    expect(parseJobStatus("auditing")).toBe(JobStatus.JOB_STATUS_AUDITING);
    expect(parseJobStatus("JOB_STATUS_AUDITING")).toBe(JobStatus.JOB_STATUS_AUDITING);
  });
});

describe("waiting through an audit", () => {
  it("keeps waiting through AUDITING until SETTLED, reporting audit progress", async () => {
    const { fetchJob, waker } = reads([submittedJob(), auditingJob(), auditingJob(), honestJob()]);
    const updates: JobUpdate[] = [];
    const job = await waitForJob(42n, fetchJob, waker, { onStatus: (u) => updates.push(u) });
    expect(job.status).toBe(JobStatus.JOB_STATUS_SETTLED);
    expect(updates.map((u) => u.status)).toEqual(["result_submitted", "auditing", "settled"]);
    expect(buildReceipt(job).audit?.outcome).toBe("honest");
  });

  it("until result: an AUDITING job has its result", async () => {
    const { fetchJob, waker } = reads([auditingJob()]);
    expect((await waitForJob(42n, fetchJob, waker, { until: "result" })).status).toBe(JobStatus.JOB_STATUS_AUDITING);
  });

  it("a FRAUD outcome rejects with JobRefundedError naming the verifiers and the slash", async () => {
    const { fetchJob, waker } = reads([auditingJob(), fraudJob()]);
    const err = await waitForJob(42n, fetchJob, waker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobRefundedError);
    const e = err as JobRefundedError;
    expect(e.fraud).toEqual({ executor: fraudJob().executor, verifiers: [VERIFIER_A, VERIFIER_B], reasons: ["step 0: gap 5.21 > eps 0.01", "step 0: gap 5.20 > eps 0.01"], slashed: "5000uinfer" });
    expect(e.message).toContain("found fraudulent by");
    expect(e.message).toContain(VERIFIER_A);
    expect(e.message).toContain("slashed 5000uinfer");
    expect(e.code).toBe("refunded");
  });

  it("a plain refund carries no fraud", () => {
    expect(new JobRefundedError(1n, "no executor answered after 3 attempts").fraud).toBeUndefined();
  });

  it("a timeout during the audit says settlement is what is missing", async () => {
    const { fetchJob, waker } = reads([auditingJob()]);
    const err = await waitForJob(42n, fetchJob, waker, { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobTimeoutError);
    expect((err as Error).message).toMatch(/no settlement .*last status auditing/);
  });

  it("settled jobs stay settled whatever the audit", async () => {
    const { fetchJob, waker } = reads([settledJob()]);
    expect((await waitForJob(42n, fetchJob, waker)).status).toBe(JobStatus.JOB_STATUS_SETTLED);
  });
});
