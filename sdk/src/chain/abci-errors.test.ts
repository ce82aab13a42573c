import { describe, expect, it } from "vitest";
import { InferchainError, NotFoundError } from "../errors.js";
import { cleanChainMessage, fieldOf, fromChainFailure, fromThrown, isNotFound } from "./abci-errors.js";

describe("chain error mapping", () => {
  it("maps a failed DeliverTx from the registry, naming the field", () => {
    const err = fromChainFailure({
      codespace: "registry",
      code: 8,
      log: "failed to execute message; message index: 0: content_root: does not match the files (computed abc, got def): content root mismatch",
      txHash: "AB12",
    });
    expect(err).toBeInstanceOf(InferchainError);
    expect(err.code).toBe("invalid_argument");
    expect(err.field).toBe("content_root");
    expect(err.codespace).toBe("registry");
    expect(err.abciCode).toBe(8);
    expect(err.txHash).toBe("AB12");
    expect(err.message).toBe("content_root: does not match the files (computed abc, got def): content root mismatch");
  });

  it("maps the registry's codes (chain/x/registry/types/errors.go)", () => {
    expect(fromChainFailure({ codespace: "registry", code: 4, log: "files[1].path: a.bin is also files[0].path: duplicate" }).code).toBe("already_exists");
    const nf = fromChainFailure({ codespace: "registry", code: 3, log: "parents[0].model: " + "a".repeat(64) + ": not found" });
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf.field).toBe("parents[0].model");
    expect(fromChainFailure({ codespace: "registry", code: 6, log: "publisher: infer1xyz is not the publisher: unauthorized" }).code).toBe("unauthorized");
    expect(fromChainFailure({ codespace: "registry", code: 7, log: "id: attestation 3: already revoked" }).code).toBe("invalid_state");
    expect(fromChainFailure({ codespace: "registry", code: 13, log: "expires_height: must be 0 (never) or a future height, got 3: invalid expiry" }).field).toBe("expires_height");
  });

  it("maps the same errors by description when only the text is known (simulation)", () => {
    const cases: [string, string][] = [
      ["files[0].root: must be 64 lowercase hex characters (a SHA-256 digest), got XY: invalid digest", "invalid_argument"],
      ["model: llama@9: not found", "not_found"],
      ["files[1].path: a is also files[0].path: duplicate", "already_exists"],
      ["name: too long: invalid field", "invalid_argument"],
      ["publisher: not the model's publisher: unauthorized", "unauthorized"],
      ["id: 3: already revoked", "invalid_state"],
      ["content_root: does not match the files (computed a, got b): content root mismatch", "invalid_argument"],
      ["status: revoked models cannot change: invalid status transition", "invalid_state"],
      ["publisher: decoding bech32 failed: invalid address", "invalid_argument"],
      ["expires_height: must be 0 (never) or a future height, got 3: invalid expiry", "invalid_argument"],
    ];
    for (const [log, code] of cases) expect(fromThrown(new Error(`Query failed with (6): rpc error: code = Unknown desc = failed to execute message; message index: 0: ${log} [cosmos/cosmos-sdk@v0.53.8/baseapp/baseapp.go:1155] With gas wanted: '1' and gas used: '2' : unknown request`)).code, log).toBe(code);
  });

  it("maps authz/feegrant refusals (agent wallets): no grant is unauthorized, an exhausted allowance insufficient funds", () => {
    expect(fromChainFailure({ codespace: "authz", code: 2, log: "failed to execute message; message index: 0: authorization not found" }).code).toBe("unauthorized");
    expect(fromChainFailure({ codespace: "feegrant", code: 2, log: "basic allowance: fee limit exceeded" }).code).toBe("insufficient_funds");
    expect(fromChainFailure({ codespace: "feegrant", code: 3, log: "fee-grant not found: not found" }).code).toBe("unauthorized");
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

  it("maps the registry query server's gRPC statuses as baseapp wraps them", () => {
    const nf = fromThrown(new Error("Query failed with (38): rpc error: code = NotFound desc = model llama@9 not found: key not found"));
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf.message).toBe("model llama@9 not found: key not found");
    const bad = fromThrown(new Error("Query failed with (18): rpc error: code = InvalidArgument desc = name: must not be empty: invalid request"));
    expect(bad).toMatchObject({ code: "invalid_argument", field: "name" });
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

describe("isNotFound", () => {
  it("is true for gRPC NotFound and not-found errors, false for anything else", () => {
    expect(isNotFound(new Error("Query failed with (22): rpc error: code = NotFound desc = job 42 not found: key not found"))).toBe(true);
    expect(isNotFound(new NotFoundError("model x not found"))).toBe(true);
    expect(isNotFound(new Error("Query failed with (18): rpc error: code = InvalidArgument desc = id: must be positive"))).toBe(false);
    expect(isNotFound(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:26657"), { code: "ECONNREFUSED" }))).toBe(false);
    expect(isNotFound(new Error("socket hang up"))).toBe(false);
  });
});
