import { describe, expect, it } from "vitest";
import { InferchainError, NotFoundError } from "../errors.js";
import { cleanChainMessage, fieldOf, fromChainFailure, fromThrown } from "./abci-errors.js";

describe("chain error mapping", () => {
  it("maps a failed DeliverTx from the registry, naming the field", () => {
    const err = fromChainFailure({
      codespace: "registry",
      code: 4,
      log: "failed to execute message; message index: 0: content_root: does not match files (computed abc): invalid digest",
      txHash: "AB12",
    });
    expect(err).toBeInstanceOf(InferchainError);
    expect(err.code).toBe("invalid_argument");
    expect(err.field).toBe("content_root");
    expect(err.codespace).toBe("registry");
    expect(err.abciCode).toBe(4);
    expect(err.txHash).toBe("AB12");
    expect(err.message).toBe("content_root: does not match files (computed abc): invalid digest");
  });

  it("maps duplicates, unknown references and authorization", () => {
    expect(fromChainFailure({ codespace: "registry", code: 3, log: "name: llama@1 already registered: model already exists" }).code).toBe("already_exists");
    const nf = fromChainFailure({ codespace: "registry", code: 5, log: "parents[0].model: " + "a".repeat(64) + ": model not found" });
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf.field).toBe("parents[0].model");
    expect(fromChainFailure({ codespace: "registry", code: 7, log: "publisher: infer1xyz is not the publisher: unauthorized" }).code).toBe("unauthorized");
    expect(fromChainFailure({ codespace: "registry", code: 9, log: "id: attestation 3 already revoked: invalid state" }).code).toBe("invalid_state");
  });

  it("maps SDK codes", () => {
    expect(fromChainFailure({ codespace: "sdk", code: 5, log: "spendable balance 0uinfer is smaller than 10uinfer: insufficient funds" }).code).toBe("insufficient_funds");
    expect(fromChainFailure({ codespace: "sdk", code: 11, log: "out of gas in location: WriteFlat; gasWanted: 1, gasUsed: 2: out of gas" }).code).toBe("out_of_gas");
  });

  it("maps a failed simulation (cosmjs query error) by its text", () => {
    const simulated = new Error(
      "Query failed with (6): rpc error: code = Unknown desc = failed to execute message; message index: 0: files[1].root: not a lowercase 64-hex digest: invalid digest [cosmos/cosmos-sdk@v0.53.8/baseapp/baseapp.go:1155] With gas wanted: '18446744073709551615' and gas used: '53077' : unknown request",
    );
    const err = fromThrown(simulated);
    expect(err.field).toBe("files[1].root");
    expect(err.code).toBe("invalid_argument");
    expect(err.message).toBe("files[1].root: not a lowercase 64-hex digest: invalid digest");
  });

  it("maps gRPC NotFound from queries to NotFoundError", () => {
    const err = fromThrown(new Error("Query failed with (6): rpc error: code = NotFound desc = model llama@9: not found"));
    expect(err).toBeInstanceOf(NotFoundError);
  });

  it("maps a CheckTx rejection (BroadcastTxError shape)", () => {
    const e = Object.assign(new Error("Broadcasting transaction failed with code 32"), { code: 32, codespace: "sdk", log: "account sequence mismatch, expected 5, got 4: incorrect account sequence" });
    const err = fromThrown(e);
    expect(err.codespace).toBe("sdk");
    expect(err.abciCode).toBe(32);
    expect(err.message).toMatch(/account sequence mismatch/);
  });

  it("maps connection failures", () => {
    const e = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    expect(fromThrown(e).code).toBe("connection");
  });

  it("cleans messages and finds fields only when they look like one", () => {
    expect(cleanChainMessage("x [foo/bar.go:12] With gas wanted: 1")).toBe("x");
    expect(fieldOf("content_root: bad")).toBe("content_root");
    expect(fieldOf("files[0].path: bad")).toBe("files[0].path");
    expect(fieldOf("account sequence mismatch, expected 5: x")).toBeUndefined();
    expect(fieldOf("content_root")).toBeUndefined();
  });
});
