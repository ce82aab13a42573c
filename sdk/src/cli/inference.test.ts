import { PassThrough } from "node:stream";
import { CommanderError } from "commander";
import { describe, expect, it, vi } from "vitest";
import { inferResultFromJob } from "../client/inference.js";
import type { InferOptions, RequestInferenceInput } from "../client/signing-client.js";
import { JobRefundedError, JobTimeoutError, NotFoundError } from "../errors.js";
import { Executor, JobStatus } from "../generated/inferchain/inference/v1/types.js";
import type { TestKeyring } from "../keys/keyring.js";
import { ROOT, VALOPER, pendingJob, refundedJob, settledJob, submittedJob } from "../testing/jobs.js";
import type { CliContext, QueryApi, TxApi } from "./context.js";
import { progressLines } from "./render-inference.js";
import { createProgram } from "./program.js";

const requested = { jobId: 42n, executor: VALOPER, deadlineHeight: 30, txHash: "TXHASH", height: 10, gasUsed: 1n, model: ROOT, maxFee: { denom: "uinfer", amount: "1640" } };

function fakeChain(outcome: "settled" | "refunded" | "timeout" = "settled") {
  return {
    senderAddress: "infer1me",
    infer: vi.fn(async (input: RequestInferenceInput & InferOptions) => {
      input.onRequested?.(requested);
      const seq = [pendingJob(), submittedJob(), settledJob()];
      let prev;
      for (const job of outcome === "settled" ? seq : seq.slice(0, 1)) {
        input.onStatus?.({ job, status: "pending", previous: prev });
        prev = job;
      }
      if (outcome === "refunded") throw new JobRefundedError(42n, "no executor answered after 3 attempts");
      if (outcome === "timeout") throw new JobTimeoutError(42n, 120_000, "pending");
      return inferResultFromJob(settledJob(), "TXHASH");
    }),
    getJob: vi.fn(async (id: bigint) => {
      if (id === 7n) throw new NotFoundError("job 7 not found", { field: "job_id" });
      return id === 43n ? refundedJob() : settledJob();
    }),
    listJobs: vi.fn(async () => ({ items: [settledJob(), refundedJob()], nextKey: undefined })),
    listExecutors: vi.fn(async () => ({ items: [Executor.fromPartial({ validator: VALOPER, sidecar: "infer1car", models: [ROOT], active: true, completedJobs: 3n })], nextKey: undefined })),
    getExecutorsOfModel: vi.fn(async () => [] as Executor[]),
    disconnect: vi.fn(),
  };
}

async function run(args: string[], outcome?: "settled" | "refunded" | "timeout", stdin = "") {
  const chain = fakeChain(outcome);
  let out = "";
  let err = "";
  const connect = vi.fn(async () => chain as unknown as QueryApi);
  const connectSigning = vi.fn(async () => chain as unknown as TxApi);
  const signer = vi.fn(async () => ({}));
  const ctx: CliContext = {
    io: { out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n"), stderrIsTTY: false, stderr: new PassThrough(), readStdin: async () => stdin },
    connect,
    connectSigning,
    keyring: () => ({ signer }) as unknown as TestKeyring,
  };
  let error: unknown;
  try {
    await createProgram(ctx).parseAsync(args, { from: "user" });
  } catch (e) {
    error = e;
  }
  return { out, err, error, chain, connect, connectSigning, signer };
}

describe("inferchain infer", () => {
  it("parses options, streams status lines to stderr, prints the text to stdout", async () => {
    const r = await run(["infer", "--model", "llama@1", "--max-tokens", "32", "--temperature", "0.7", "--top-k", "40", "--max-fee", "5000uinfer", "--from", "alice", "--timeout", "30", "Once upon a time"]);
    expect(r.error).toBeUndefined();
    expect(r.chain.infer).toHaveBeenCalledWith(
      expect.objectContaining({ model: "llama@1", prompt: "Once upon a time", maxTokens: 32, temperature: 0.7, topK: 40, maxFee: "5000uinfer", timeoutMs: 30_000 }),
    );
    expect(r.out).toBe(" there was a cat\n");
    const lines = r.err.split("\n");
    expect(lines[0]).toBe("requested: job 42 in block 10 (tx TXHASH, escrowed 1640uinfer)");
    expect(lines[1]).toBe(`assigned to ${VALOPER} in block 10, deadline block 30`);
    expect(lines[2]).toMatch(/^result at block 12 from infer1sidecar\w* \(eos, 3 tokens\)$/);
    expect(lines[3]).toBe("settled at block 13: charged 1030uinfer, refunded 610uinfer");
    expect(r.err).toContain("fee split    executor 721uinfer, publisher 103uinfer, verifier pool 103uinfer, community pool 103uinfer");
    expect(r.err).toContain(`model        ${ROOT}`);
  });

  it("defaults: 64 tokens, greedy, no top-k, minimum fee, 120 s", async () => {
    const r = await run(["infer", "--model", ROOT, "--from", "alice", "hi"]);
    expect(r.chain.infer.mock.calls[0]![0]).toMatchObject({ maxTokens: 64, temperature: 0, topK: 0, maxFee: undefined, timeoutMs: 120_000 });
  });

  it("--seed passes the client seed (0 and seeds above 2^53 included); no --seed sends none", async () => {
    for (const [arg, want] of [["0", 0n], ["18446744073709551615", 18446744073709551615n]] as const) {
      const r = await run(["infer", "--model", ROOT, "--from", "alice", "--seed", arg, "hi"]);
      expect(r.chain.infer.mock.calls[0]![0]).toMatchObject({ seed: want });
    }
    const r = await run(["infer", "--model", ROOT, "--from", "alice", "hi"]);
    expect(r.chain.infer.mock.calls[0]![0]).not.toHaveProperty("seed");
  });

  it("--json prints everything as one JSON document on stdout", async () => {
    const r = await run(["infer", "--model", "llama@1", "--from", "alice", "--json", "hi"]);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({ text: " there was a cat", tokenIds: [5, 6, 7], jobId: "42", finishReason: "eos" });
    expect(j["receipt"]).toMatchObject({ model: ROOT, executor: VALOPER, heights: { requested: 10, assigned: 10, result: 12, settled: 13 }, charged: { amount: "1030" }, txHash: "TXHASH" });
  });

  it("reads the prompt from stdin with -", async () => {
    const r = await run(["infer", "--model", "llama@1", "--from", "alice", "-"], undefined, "from stdin\n");
    expect(r.chain.infer.mock.calls[0]![0]).toMatchObject({ prompt: "from stdin" });
  });

  it("refuses bad input before loading the key or connecting", async () => {
    const cases: [string[], string][] = [
      [["--model", "llama@1", ""], "prompt"],
      [["--model", "llama@1", "--temperature", "-0.5", "hi"], "temperature"],
      [["--model", "llama@1", "--max-fee", "12.5uinfer", "hi"], "max_fee"],
      [["--model", "llama@1", "--max-fee", "uinfer", "hi"], "max_fee"],
      [["--model", "llama", "hi"], "model"],
      [["--model", "llama@1", "--top-k", "5000", "hi"], "top_k"],
    ];
    for (const [args, field] of cases) {
      const r = await run(["infer", "--from", "alice", ...args]);
      expect(r.error, args.join(" ")).toMatchObject({ code: "invalid_argument", field });
      expect(r.signer).not.toHaveBeenCalled();
      expect(r.connectSigning).not.toHaveBeenCalled();
    }
    for (const args of [["--max-tokens", "0"], ["--max-tokens", "x"], ["--temperature", "warm"], ["--top-k", "-1"], ["--seed", "-1"], ["--seed", "1.5"], ["--seed", "18446744073709551616"]]) {
      const r = await run(["infer", "--from", "alice", "--model", "llama@1", ...args, "hi"]);
      expect(r.error, args.join(" ")).toBeInstanceOf(CommanderError);
      expect(r.connectSigning).not.toHaveBeenCalled();
    }
    expect((await run(["infer", "--model", "llama@1", "hi"])).error).toBeInstanceOf(CommanderError); // --from is required
  });

  it("a refunded job fails with its reason; a timeout names the job to query later", async () => {
    const refunded = await run(["infer", "--model", "llama@1", "--from", "alice", "hi"], "refunded");
    expect(refunded.error).toBeInstanceOf(JobRefundedError);
    expect((refunded.error as Error).message).toBe("job 42 was refunded: no executor answered after 3 attempts");
    expect(refunded.out).toBe("");
    const timeout = await run(["infer", "--model", "llama@1", "--from", "alice", "hi"], "timeout");
    expect((timeout.error as Error).message).toContain("`inferchain job 42`");
    expect(timeout.err).toContain("requested: job 42");
  });
});

describe("inferchain job / jobs / executors", () => {
  it("job shows status, prompt, output and receipt", async () => {
    const r = await run(["job", "42"]);
    expect(r.chain.getJob).toHaveBeenCalledWith(42n);
    expect(r.out).toMatch(/^job +42\nstatus +settled\n/);
    expect(r.out).toContain('prompt       "Once upon a time"');
    expect(r.out).toContain("output:\n there was a cat\n");
    expect(r.out).toContain("heights      requested 10, assigned 10, result 12, settled 13");
    const j = JSON.parse((await run(["job", "42", "--json"])).out) as { job: Record<string, unknown>; receipt: Record<string, unknown> };
    expect(j.job).toMatchObject({ id: "42", status: "JOB_STATUS_SETTLED", prompt: "Once upon a time" });
    expect(j.receipt).toMatchObject({ charged: { amount: "1030" } });
  });

  it("job shows the reason of a refund; unknown and malformed ids fail clearly", async () => {
    const r = await run(["job", "43"]);
    expect(r.out).toContain("status       refunded\n");
    expect(r.out).toContain("reason       no executor answered after 3 attempts");
    expect((await run(["job", "7"])).error).toBeInstanceOf(NotFoundError);
    const bad = await run(["job", "x1"]);
    expect(bad.error).toMatchObject({ code: "invalid_argument", field: "job_id" });
    expect(bad.connect).not.toHaveBeenCalled();
  });

  it("jobs passes the filters and lists one line per job", async () => {
    const r = await run(["jobs", "--requester", "infer1me", "--executor", VALOPER, "--status", "settled", "--limit", "5"]);
    expect(r.chain.listJobs).toHaveBeenCalledWith({ requester: "infer1me", executor: VALOPER, status: JobStatus.JOB_STATUS_SETTLED }, { limit: 5 });
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(/^#42 +settled +model a{12}… +infervaloper1\w+ +created 10$/);
    expect(lines[1]).toContain("(no executor answered after 3 attempts)");
    expect((await run(["jobs", "--status", "done"])).error).toMatchObject({ field: "status" });
    expect(JSON.parse((await run(["jobs", "--json"])).out)).toHaveLength(2);
  });

  it("executors lists all, or the active ones of a model", async () => {
    const all = await run(["executors"]);
    expect(all.out).toContain(`${VALOPER}  active`);
    expect(all.out).toContain(`  model      ${ROOT}`);
    const of = await run(["executors", "--model", "llama@1"]);
    expect(of.chain.getExecutorsOfModel).toHaveBeenCalledWith("llama@1");
    expect(of.out).toBe("no active executor serves llama@1\n");
    expect((await run(["executors", "--model", "llama"])).error).toMatchObject({ field: "model" });
  });
});

describe("progress lines", () => {
  it("tell the whole story even when the first read is already settled", () => {
    expect(progressLines(undefined, settledJob()).map((l) => l.split(" ")[0])).toEqual(["assigned", "result", "settled"]);
    expect(progressLines(settledJob(), settledJob())).toEqual([]);
    const re = pendingJob({ attempt: 2, executor: "infervaloper1b", assignedHeight: 31n, deadlineHeight: 51n });
    expect(progressLines(pendingJob(), re)).toEqual(["reassigned (attempt 2, after a missed deadline) to infervaloper1b in block 31, deadline block 51"]);
    expect(progressLines(pendingJob(), refundedJob())).toContain("refunded at block 70: no executor answered after 3 attempts");
  });
});
