import { describe, expect, it } from "vitest";
import { fromChainFailure } from "./abci-errors.js";
import { MsgContribute, MsgCreateRound, MsgRegisterProject } from "../generated/inferchain/funding/v1/tx.js";
import { createInferchainRegistry } from "./registry-types.js";
import { fundingTypeUrls } from "./funding-types.js";

describe("x/funding messages in the cosmjs registry", () => {
  const registry = createInferchainRegistry();
  it.each([
    [fundingTypeUrls.MsgCreateRound, MsgCreateRound.fromPartial({ creator: "infer1x", title: "t", matchingPool: { denom: "uinfer", amount: "100" }, startHeight: 5n, endHeight: 9n })],
    [fundingTypeUrls.MsgRegisterProject, MsgRegisterProject.fromPartial({ registrant: "infer1x", roundId: 1n, subject: "a".repeat(64) })],
    [fundingTypeUrls.MsgContribute, MsgContribute.fromPartial({ contributor: "infer1x", roundId: 1n, projectId: 2n, amount: { denom: "uinfer", amount: "7" } })],
  ])("encodes and decodes %s as Any", (typeUrl, value) => {
    const any = registry.encodeAsAny({ typeUrl, value });
    expect(any.typeUrl).toBe(typeUrl);
    expect(registry.decode(any)).toEqual(value);
  });
});

describe("x/funding chain errors", () => {
  it("maps the funding codespace to typed codes", () => {
    const cap = fromChainFailure({ codespace: "funding", code: 13, log: "infer1.. already gave 60uinfer in round 1; 41uinfer more exceeds the cap of 100uinfer per contributor per round: over the per-contributor cap" });
    expect(cap.code).toBe("invalid_argument");
    const ended = fromChainFailure({ codespace: "funding", code: 16, log: "round 1 ended at height 20 (now 21, status ROUND_STATUS_OPEN): round is not open" });
    expect(ended.code).toBe("invalid_state");
    const unknown = fromChainFailure({ codespace: "funding", code: 6, log: "subject: no model or dataset with content root aa.. is registered: not found" });
    expect(unknown.code).toBe("not_found");
    expect(unknown.field).toBe("subject");
    // a failed simulation carries only the text: the registered descriptions map the same way
    expect(fromChainFailure({ log: "round 1 accepts contributions from height 30 (now 27): outside the round's window" }).code).toBe("invalid_state");
    expect(fromChainFailure({ log: "round 1 ended at height 20 (now 21, status ROUND_STATUS_OPEN): round is not open" }).code).toBe("invalid_state");
    expect(fromChainFailure({ log: "amount: 999uinfer is below the minimum contribution 1000uinfer: below the minimum contribution" })).toMatchObject({ code: "invalid_argument", field: "amount" });
    expect(fromChainFailure({ log: "x already gave 60uinfer in round 1; 41uinfer more exceeds the cap: over the per-contributor cap" }).code).toBe("invalid_argument");
    expect(fromChainFailure({ codespace: "funding", code: 8, log: "subject x is published by y; only its publisher may register it (signer z): unauthorized" }).code).toBe("unauthorized");
  });
});
