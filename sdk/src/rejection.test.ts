import { describe, expect, it, vi } from "vitest";
import { decodeInferenceEvents, inferenceResponseTypeUrls, inferenceTypeUrls } from "./chain/inference-types.js";
import { createInferchainRegistry } from "./chain/registry-types.js";
import { JobRefundedError } from "./errors.js";
import { MsgRejectJob } from "./generated/inferchain/inference/v1/tx.js";
import { parseRejection } from "./rejection.js";
import { VALOPER, pendingJob, refundedJob } from "./testing/jobs.js";
import { waitForJob, type BlockWaker } from "./client/wait.js";

const REASON = "prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64";
const STATUS = `rejected by executor ${VALOPER}: ${REASON}`;

describe("MsgRejectJob in the cosmjs registry", () => {
  it("encodes and decodes as Any under /inferchain.inference.v1.MsgRejectJob", () => {
    const registry = createInferchainRegistry();
    const m = { typeUrl: inferenceTypeUrls.MsgRejectJob, value: MsgRejectJob.fromPartial({ sidecar: "infer1car", jobId: 7n, reason: REASON }) };
    expect(m.typeUrl).toBe("/inferchain.inference.v1.MsgRejectJob");
    const any = registry.encodeAsAny(m);
    expect(registry.decode(any)).toEqual(m.value);
    expect(registry.lookupType(inferenceResponseTypeUrls.MsgRejectJobResponse)).toBeDefined();
  });

  it("decodes EventJobRejected", () => {
    const [e] = decodeInferenceEvents([
      {
        type: "inferchain.inference.v1.EventJobRejected",
        attributes: [
          { key: "job_id", value: '"7"' },
          { key: "executor", value: JSON.stringify(VALOPER) },
          { key: "reason", value: JSON.stringify(REASON) },
        ],
      },
    ]);
    expect(e).toEqual({ type: "EventJobRejected", value: { jobId: 7n, executor: VALOPER, reason: REASON } });
  });
});

describe("parseRejection", () => {
  it("splits the chain's status_reason into executor, code and detail", () => {
    expect(parseRejection(STATUS)).toEqual({
      executor: VALOPER,
      code: "prompt_too_long",
      detail: "prompt is 2100 tokens; the model's context is 2048 with max_tokens 64",
      hint: expect.stringContaining("shorten the prompt or lower max_tokens"),
    });
    expect(parseRejection(`rejected by executor ${VALOPER}: gpu_on_fire`)).toEqual({ executor: VALOPER, code: "gpu_on_fire", detail: "", hint: undefined });
  });

  it("is undefined for other refunds", () => {
    expect(parseRejection("no executor answered after 3 attempts")).toBeUndefined();
    expect(parseRejection("")).toBeUndefined();
    expect(parseRejection(`rejected by executor ${VALOPER}: Not A Code`)).toBeUndefined();
  });
});

describe("a rejected job reaches waitForResult / infer() as a typed error", () => {
  it("waitForJob rejects with JobRefundedError carrying the rejection and an actionable message", async () => {
    const reads = [pendingJob(), refundedJob(STATUS)];
    let i = 0;
    const fetchJob = vi.fn(async () => reads[Math.min(i++, reads.length - 1)]!);
    const waker: BlockWaker = { next: async () => undefined, close: () => undefined };
    const err = await waitForJob(42n, fetchJob, waker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobRefundedError);
    const refunded = err as JobRefundedError;
    expect(refunded).toMatchObject({ code: "refunded", jobId: 42n, statusReason: STATUS, field: "job_id" });
    expect(refunded.rejection).toMatchObject({ executor: VALOPER, code: "prompt_too_long" });
    expect(refunded.message).toBe(
      `job 42 was refunded in full: ${STATUS}; shorten the prompt or lower max_tokens ` +
        "(or use a model with a longer context), then request again",
    );
  });

  it("other refunds keep their message and have no rejection", () => {
    const err = new JobRefundedError(42n, "no executor answered after 3 attempts");
    expect(err.rejection).toBeUndefined();
    expect(err.message).toBe("job 42 was refunded: no executor answered after 3 attempts");
  });
});
