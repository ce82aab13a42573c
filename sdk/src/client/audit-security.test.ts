import { describe, expect, it } from "vitest";
import { fromChainFailure } from "../chain/abci-errors.js";
import { decodeInferenceEvents, inferenceTypeUrls } from "../chain/inference-types.js";
import { createInferchainRegistry } from "../chain/registry-types.js";
import { MsgClearTombstone } from "../generated/inferchain/inference/v1/tx.js";
import { AuditOutcome, Verdict } from "../generated/inferchain/inference/v1/types.js";
import { outvotedJob } from "../testing/jobs.js";
import { auditOutcomeName, buildAuditReceipt, verdictName } from "./inference.js";

// chain/x/inference README, "Audits": the outcomes and the verdict added with issue 9.
describe("x/inference security additions in the SDK", () => {
  it("names ABSTAIN and the two new outcomes (neither is a pass)", () => {
    expect(verdictName(Verdict.VERDICT_ABSTAIN)).toBe("abstain");
    expect(auditOutcomeName(AuditOutcome.AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE)).toBe("insufficient_committee");
    expect(auditOutcomeName(AuditOutcome.AUDIT_OUTCOME_INCONCLUSIVE)).toBe("inconclusive");
    // every named enum value has a receipt name (a new proto value must be named here)
    for (const o of Object.values(AuditOutcome).filter((x): x is AuditOutcome => typeof x === "number" && x > 0)) expect(auditOutcomeName(o), String(o)).toBeDefined();
  });

  it("an outvoted vote is marked in the receipt", () => {
    const r = buildAuditReceipt(outvotedJob().audit);
    expect(r?.votes.map((v) => [v.verdict, v.outvoted, v.reward?.amount])).toEqual([["valid", false, "50"], ["valid", false, "50"], ["fraud", true, undefined]]);
  });

  it("registers MsgClearTombstone (a governance proposal message)", () => {
    const registry = createInferchainRegistry();
    const m = { typeUrl: inferenceTypeUrls.MsgClearTombstone, value: MsgClearTombstone.fromPartial({ authority: "infer1gov", validator: "infervaloper1x", model: "a".repeat(64) }) };
    expect(registry.decode(registry.encodeAsAny(m))).toEqual(m.value);
  });

  it("decodes the pruning, deferral and tombstone events", () => {
    const ev = (type: string, attrs: Record<string, unknown>) => ({ type: `inferchain.inference.v1.${type}`, attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: JSON.stringify(v) })) });
    const decoded = decodeInferenceEvents([
      ev("EventJobPruned", { job: { id: "7", status: "JOB_STATUS_SETTLED", prompt: "hi" } }),
      ev("EventAuditDeferred", { job_id: "8", proposer: "ab", deferred_blocks: 2 }),
      ev("EventExecutorTombstoned", { tombstone: { validator: "infervaloper1x", model: "a".repeat(64), job_id: "9", height: "20", until_height: "0" } }),
    ]);
    expect(decoded.map((e) => e.type)).toEqual(["EventJobPruned", "EventAuditDeferred", "EventExecutorTombstoned"]);
    expect(decoded[0]!.value).toMatchObject({ job: { id: 7n, prompt: "hi" } });
    expect(decoded[1]!.value).toMatchObject({ jobId: 8n, deferredBlocks: 2 });
    expect(decoded[2]!.value).toMatchObject({ tombstone: { jobId: 9n, untilHeight: 0n } });
  });

  it("maps the new error codes", () => {
    expect(fromChainFailure({ codespace: "inference", code: 40, log: "models[0]: validator infervaloper1x is barred from model aaa: executor tombstoned for the model" })).toMatchObject({ code: "invalid_state", field: "models[0]" });
    expect(fromChainFailure({ codespace: "inference", code: 41, log: "active: executor infervaloper1x was deactivated by the chain at this height (9): too soon" })).toMatchObject({ code: "invalid_state", field: "active" });
  });
});
