import { describe, expect, it } from "vitest";
import { renderReceipt } from "../cli/render-inference.js";
import { InferchainError } from "../errors.js";
import { JobStatus } from "../generated/inferchain/inference/v1/types.js";
import { PARAMS, ROOT, SIDECAR, VALOPER, pendingJob, refundedJob, settledJob, submittedJob } from "../testing/jobs.js";
import {
  buildReceipt,
  checkAgainstParams,
  inferResultFromJob,
  jobStatusName,
  minimumFeeFor,
  parseCoin,
  parseJobStatus,
  temperatureToMilli,
  validateInferenceRequest,
} from "./inference.js";

const good = { model: "llama@1", prompt: "hi", maxTokens: 64 };

function fieldOf(fn: () => unknown): { code: string; field: string | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InferchainError);
    const e = err as InferchainError;
    return { code: e.code, field: e.field, message: e.message };
  }
  throw new Error("expected an error");
}

describe("receipt", () => {
  it("is built from a settled job: heights, executor, sidecar, fee split, charged", () => {
    const r = buildReceipt(settledJob(), "TXHASH");
    expect(r).toEqual({
      model: ROOT,
      executor: VALOPER,
      sidecar: SIDECAR,
      requester: settledJob().requester,
      heights: { requested: 10, assigned: 10, result: 12, settled: 13 },
      attempt: 1,
      maxFee: { denom: "uinfer", amount: "1640" },
      feeSplit: {
        executor: { denom: "uinfer", amount: "721" },
        publisher: { denom: "uinfer", amount: "103" },
        verifierPool: { denom: "uinfer", amount: "103" },
        communityPool: { denom: "uinfer", amount: "103" },
        refund: { denom: "uinfer", amount: "610" },
      },
      charged: { denom: "uinfer", amount: "1030" },
      commitment: "c".repeat(64),
      runtime: { executionProvider: "cpu", threads: 4, prefillMs: 12, decodeMs: 34, promptTokens: 4, engine: "onnxruntime-node" },
      txHash: "TXHASH",
    });
    // the split sums to max_fee
    const s = r.feeSplit!;
    expect([s.executor, s.publisher, s.verifierPool, s.communityPool, s.refund].reduce((n, c) => n + BigInt(c.amount), 0n)).toBe(1640n);
  });

  it("names the royalty recipients when the royalty went up the lineage", () => {
    const job = settledJob();
    job.settlement!.royalties = [
      { recipient: "infer1child", amount: { denom: "uinfer", amount: "53" } },
      { recipient: "infer1base", amount: { denom: "uinfer", amount: "25" } },
      { recipient: "infer1data", amount: { denom: "uinfer", amount: "25" } },
    ];
    const r = buildReceipt(job);
    expect(r.feeSplit!.royalties).toEqual([
      { recipient: "infer1child", amount: { denom: "uinfer", amount: "53" } },
      { recipient: "infer1base", amount: { denom: "uinfer", amount: "25" } },
      { recipient: "infer1data", amount: { denom: "uinfer", amount: "25" } },
    ]);
    expect(r.feeSplit!.royalties!.reduce((n, x) => n + BigInt(x.amount.amount), 0n)).toBe(BigInt(r.feeSplit!.publisher.amount));
    expect(renderReceipt(r)).toContain("royalties    infer1child 53uinfer, infer1base 25uinfer, infer1data 25uinfer (up the lineage)");
    expect(buildReceipt(settledJob()).feeSplit!.royalties).toBeUndefined(); // all to the job model's publisher
  });

  it("leaves result and settlement parts empty until they happen", () => {
    const p = buildReceipt(pendingJob());
    expect(p.heights).toEqual({ requested: 10, assigned: 10, result: undefined, settled: undefined });
    expect(p.sidecar).toBeUndefined();
    expect(p.feeSplit).toBeUndefined();
    expect(p.charged).toBeUndefined();
    expect(p.txHash).toBeUndefined();
    const s = buildReceipt(submittedJob());
    expect(s.heights.result).toBe(12);
    expect(s.sidecar).toBe(SIDECAR);
    expect(s.feeSplit).toBeUndefined();
    const refunded = buildReceipt(refundedJob());
    expect(refunded.attempt).toBe(3);
    expect(refunded.heights.settled).toBeUndefined();
  });

  it("infer result: text, token ids, finish reason and receipt", () => {
    const r = inferResultFromJob(settledJob(), "TX");
    expect(r).toMatchObject({ text: " there was a cat", tokenIds: [5, 6, 7], jobId: 42n, finishReason: "eos", receipt: { txHash: "TX", heights: { settled: 13 } } });
    expect(() => inferResultFromJob(pendingJob())).toThrow(/no result yet/);
  });
});

describe("fees", () => {
  it("minimum fee = base_fee + fee_per_token * max_tokens", () => {
    expect(minimumFeeFor(PARAMS, 1)).toEqual({ denom: "uinfer", amount: "1010" });
    expect(minimumFeeFor(PARAMS, 64)).toEqual({ denom: "uinfer", amount: "1640" });
    // no float rounding with large amounts
    const big = { baseFee: { denom: "uinfer", amount: "9007199254740993" }, feePerToken: { denom: "uinfer", amount: "1000000000000" } };
    expect(minimumFeeFor(big, 65536).amount).toBe((9007199254740993n + 1000000000000n * 65536n).toString());
    expect(fieldOf(() => minimumFeeFor(PARAMS, 0)).field).toBe("max_tokens");
  });

  it("max_fee defaults to the minimum and is checked against it and the denom", () => {
    expect(checkAgainstParams(validateInferenceRequest(good), PARAMS)).toEqual({ denom: "uinfer", amount: "1640" });
    expect(checkAgainstParams(validateInferenceRequest({ ...good, maxFee: "1640uinfer" }), PARAMS)).toEqual({ denom: "uinfer", amount: "1640" });
    expect(checkAgainstParams(validateInferenceRequest({ ...good, maxFee: { denom: "uinfer", amount: "5000" } }), PARAMS).amount).toBe("5000");
    const low = fieldOf(() => checkAgainstParams(validateInferenceRequest({ ...good, maxFee: "1639uinfer" }), PARAMS));
    expect(low).toMatchObject({ code: "invalid_argument", field: "max_fee" });
    expect(low.message).toBe("max_fee: 1639uinfer is below the minimum 1640uinfer for max_tokens=64");
    expect(fieldOf(() => checkAgainstParams(validateInferenceRequest({ ...good, maxFee: "5000stake" }), PARAMS)).message).toMatch(/denom must be uinfer/);
    expect(fieldOf(() => checkAgainstParams(validateInferenceRequest({ ...good, maxTokens: 2000 }), PARAMS)).field).toBe("max_tokens");
    expect(fieldOf(() => checkAgainstParams(validateInferenceRequest({ ...good, prompt: "x".repeat(20000) }), PARAMS)).field).toBe("prompt");
  });

  it("parses coins", () => {
    expect(parseCoin("12345uinfer")).toEqual({ denom: "uinfer", amount: "12345" });
    expect(parseCoin(" 007uinfer ")).toEqual({ denom: "uinfer", amount: "7" });
    expect(parseCoin("5ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2").denom).toMatch(/^ibc\//);
    for (const bad of ["", "uinfer", "12.5uinfer", "-5uinfer", "12345", "12345 uinfer", "12u"]) {
      expect(fieldOf(() => parseCoin(bad)), bad).toMatchObject({ code: "invalid_argument", field: "max_fee" });
    }
    expect(fieldOf(() => parseCoin({ denom: "uinfer", amount: "1.5" })).field).toBe("max_fee");
  });
});

describe("request validation (before anything is sent)", () => {
  it("converts temperature to milli (0 = greedy)", () => {
    expect(temperatureToMilli(0)).toBe(0);
    expect(temperatureToMilli(0.7)).toBe(700);
    expect(temperatureToMilli(1)).toBe(1000);
    expect(temperatureToMilli(0.0015)).toBe(2);
    expect(temperatureToMilli(5)).toBe(5000);
    expect(validateInferenceRequest({ ...good, temperature: 0.8 }).temperatureMilli).toBe(800);
    expect(validateInferenceRequest(good)).toEqual({ model: "llama@1", prompt: "hi", maxTokens: 64, temperatureMilli: 0, topK: 0, maxFee: undefined });
  });

  it("refuses bad temperatures, naming the field", () => {
    expect(fieldOf(() => temperatureToMilli(-0.1))).toMatchObject({ code: "invalid_argument", field: "temperature" });
    expect(fieldOf(() => temperatureToMilli(-0.1)).message).toMatch(/must not be negative/);
    expect(fieldOf(() => temperatureToMilli(Number.NaN)).field).toBe("temperature");
    expect(fieldOf(() => temperatureToMilli(Infinity)).field).toBe("temperature");
    expect(fieldOf(() => temperatureToMilli(5.001)).field).toBe("temperature");
    expect(fieldOf(() => temperatureToMilli(0.0001)).message).toMatch(/smallest non-zero temperature/);
  });

  it("refuses bad input with clear field-naming errors", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ prompt: "" }, "prompt", /must not be empty/],
      [{ maxTokens: 0 }, "max_tokens", /positive integer/],
      [{ maxTokens: 1.5 }, "max_tokens", /positive integer/],
      [{ maxTokens: -3 }, "max_tokens", /positive integer/],
      [{ temperature: -1 }, "temperature", /negative/],
      [{ topK: -1 }, "top_k", /0 \(no top-k\) to 1000/],
      [{ topK: 1001 }, "top_k", /1000/],
      [{ maxFee: "lots" }, "max_fee", /<amount><denom>/],
      [{ maxFee: "12.5uinfer" }, "max_fee", /<amount><denom>/],
      [{ model: "" }, "model", /content root or name@version/],
      [{ model: "not-a-ref" }, "model", /neither a 64-hex content root/],
    ];
    for (const [patch, field, re] of cases) {
      const e = fieldOf(() => validateInferenceRequest({ ...good, ...patch } as typeof good));
      expect(e.field, JSON.stringify(patch)).toBe(field);
      expect(e.code).toBe("invalid_argument");
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(`${field}: `)).toBe(true);
    }
  });
});

describe("job status names", () => {
  it("round-trips names and aliases", () => {
    expect(jobStatusName(JobStatus.JOB_STATUS_RESULT_SUBMITTED)).toBe("result_submitted");
    expect(parseJobStatus("settled")).toBe(JobStatus.JOB_STATUS_SETTLED);
    expect(parseJobStatus("JOB_STATUS_REFUNDED")).toBe(JobStatus.JOB_STATUS_REFUNDED);
    expect(parseJobStatus("result-submitted")).toBe(JobStatus.JOB_STATUS_RESULT_SUBMITTED);
    expect(parseJobStatus("Pending")).toBe(JobStatus.JOB_STATUS_PENDING);
    expect(fieldOf(() => parseJobStatus("done"))).toMatchObject({ field: "status", code: "invalid_argument" });
  });
});
