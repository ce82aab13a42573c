import { describe, expect, it, vi } from "vitest";
import { InferchainError, JobRefundedError, JobTimeoutError, NotFoundError } from "../errors.js";
import type { Job } from "../generated/inferchain/inference/v1/types.js";
import { pendingJob, refundedJob, settledJob, submittedJob } from "../testing/jobs.js";
import { intervalWaker, waitForJob, websocketUrl, type BlockWaker, type JobUpdate } from "./wait.js";

/** A job source that answers the given reads in turn (the last one repeats), and a waker that counts blocks. */
function fakeChain(reads: (Job | Error)[]) {
  let i = 0;
  const fetchJob = vi.fn(async (id: bigint) => {
    expect(id).toBe(42n);
    const r = reads[Math.min(i++, reads.length - 1)]!;
    if (r instanceof Error) throw r;
    return r;
  });
  const waker: BlockWaker & { blocks: number } = {
    blocks: 0,
    next: vi.fn(async () => {
      waker.blocks++;
    }),
    close: vi.fn(),
  };
  return { fetchJob, waker };
}

describe("waitForJob", () => {
  it("reads the job every block: pending -> submitted -> settled, reporting each change once", async () => {
    const { fetchJob, waker } = fakeChain([pendingJob(), pendingJob(), submittedJob(), submittedJob(), settledJob()]);
    const updates: JobUpdate[] = [];
    const job = await waitForJob(42n, fetchJob, waker, { onStatus: (u) => updates.push(u) });
    expect(job.settledHeight).toBe(13n);
    expect(fetchJob).toHaveBeenCalledTimes(5);
    expect(waker.blocks).toBe(4);
    expect(updates.map((u) => u.status)).toEqual(["pending", "result_submitted", "settled"]);
    expect(updates[0]!.previous).toBeUndefined();
    expect(updates[2]!.previous?.status).toBe(submittedJob().status);
  });

  it("until result stops at the submitted result", async () => {
    const { fetchJob } = fakeChain([pendingJob(), submittedJob(), settledJob()]);
    const job = await waitForJob(42n, fetchJob, intervalWaker(), { until: "result", pollIntervalMs: 1 });
    expect(job.result?.outputText).toBe(" there was a cat");
    expect(fetchJob).toHaveBeenCalledTimes(2);
  });

  it("reports a reassignment (new executor / attempt) as an update", async () => {
    const again = pendingJob({ executor: "infervaloper1other", attempt: 2, assignedHeight: 31n, deadlineHeight: 51n });
    const { fetchJob, waker } = fakeChain([pendingJob(), again, settledJob({ executor: "infervaloper1other", attempt: 2 })]);
    const updates: JobUpdate[] = [];
    await waitForJob(42n, fetchJob, waker, { onStatus: (u) => updates.push(u) });
    expect(updates.map((u) => [u.status, u.job.attempt])).toEqual([["pending", 1], ["pending", 2], ["settled", 2]]);
  });

  it("rejects a refunded job with a typed error carrying status_reason", async () => {
    const { fetchJob, waker } = fakeChain([pendingJob(), refundedJob("no executor answered after 3 attempts")]);
    const err = await waitForJob(42n, fetchJob, waker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobRefundedError);
    expect(err).toMatchObject({ code: "refunded", jobId: 42n, statusReason: "no executor answered after 3 attempts", field: "job_id" });
    expect((err as Error).message).toBe("job 42 was refunded: no executor answered after 3 attempts");
  });

  it("times out with a typed error that carries the job id and says the job is not lost", async () => {
    const { fetchJob } = fakeChain([pendingJob()]);
    const started = Date.now();
    const err = await waitForJob(42n, fetchJob, intervalWaker(), { timeoutMs: 120, pollIntervalMs: 20 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(JobTimeoutError);
    expect(err).toMatchObject({ code: "timeout", jobId: 42n, lastStatus: "pending", field: "job_id" });
    expect((err as Error).message).toMatch(/^job 42: no result after 0s \(last status pending\); the job is not lost/);
    expect((err as Error).message).toContain("`inferchain job 42`");
    expect(fetchJob.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it("a timeout after the result says settlement is what is missing", async () => {
    const { fetchJob } = fakeChain([submittedJob()]);
    const err = await waitForJob(42n, fetchJob, intervalWaker(), { timeoutMs: 50, pollIntervalMs: 10 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no settlement after/);
  });

  it("a read that hangs does not outlive the timeout", async () => {
    const fetchJob = vi.fn(() => new Promise<Job>(() => undefined));
    const err = await waitForJob(42n, fetchJob, intervalWaker(), { timeoutMs: 60 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobTimeoutError);
    expect((err as JobTimeoutError).lastStatus).toBeUndefined();
  });

  it("rides out a node that is briefly unreachable, but not a definite answer", async () => {
    const down = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    const { fetchJob, waker } = fakeChain([pendingJob(), down, down, settledJob()]);
    expect((await waitForJob(42n, fetchJob, waker)).settledHeight).toBe(13n);
    const missing = fakeChain([new NotFoundError("job 42 not found", { field: "job_id" })]);
    await expect(waitForJob(42n, missing.fetchJob, missing.waker)).rejects.toBeInstanceOf(NotFoundError);
    expect(missing.fetchJob).toHaveBeenCalledTimes(1);
  });

  it("a timeout while the node is down keeps the last error as its cause", async () => {
    const { fetchJob } = fakeChain([new InferchainError("connection", "cannot reach the node")]);
    const err = (await waitForJob(42n, fetchJob, intervalWaker(), { timeoutMs: 40, pollIntervalMs: 10 }).catch((e: unknown) => e)) as JobTimeoutError;
    expect(err).toBeInstanceOf(JobTimeoutError);
    expect((err.cause as InferchainError).code).toBe("connection");
  });

  it("derives the websocket URL from the RPC endpoint", () => {
    expect(websocketUrl("http://127.0.0.1:26657")).toBe("ws://127.0.0.1:26657");
    expect(websocketUrl("https://rpc.example.com/")).toBe("wss://rpc.example.com");
    expect(websocketUrl("ws://node:26657")).toBe("ws://node:26657");
  });
});
