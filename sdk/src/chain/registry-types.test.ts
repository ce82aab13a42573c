import { SigningStargateClient } from "@cosmjs/stargate";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { describe, expect, it } from "vitest";
import { signerFromMnemonic } from "../keys/keyring.js";
import { MsgAttest, MsgRegisterModel } from "../generated/inferchain/registry/v1/tx.js";
import { ParentRelation } from "../generated/inferchain/registry/v1/types.js";
import { createInferchainRegistry, registryTypeUrls } from "./registry-types.js";

const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("cosmjs registry with the generated types", () => {
  const msg = MsgRegisterModel.fromPartial({
    publisher: "infer1x",
    contentRoot: "a".repeat(64),
    name: "m",
    version: "1",
    format: "onnx",
    files: [{ path: "w.onnx", size: 5n, root: "b".repeat(64) }],
    parents: [{ model: "c".repeat(64), relation: ParentRelation.PARENT_RELATION_FINETUNE }],
  });

  it("encodes and decodes registry messages as Any", () => {
    const registry = createInferchainRegistry();
    const any = registry.encodeAsAny({ typeUrl: registryTypeUrls.MsgRegisterModel, value: msg });
    expect(any.typeUrl).toBe("/inferchain.registry.v1.MsgRegisterModel");
    expect(registry.decode(any)).toEqual(msg);
    expect(MsgRegisterModel.decode(any.value)).toEqual(msg);
  });

  it("signs a registry tx offline with SIGN_MODE_DIRECT", async () => {
    const signer = await signerFromMnemonic(MNEMONIC);
    const [account] = await signer.getAccounts();
    const client = await SigningStargateClient.offline(signer, { registry: createInferchainRegistry() });
    const value = MsgAttest.fromPartial({ attester: account!.address, subject: "a".repeat(64), predicate: "eval", expiresHeight: 0n });
    const raw = await client.sign(
      account!.address,
      [{ typeUrl: registryTypeUrls.MsgAttest, value }],
      { amount: [{ denom: "uinfer", amount: "5000" }], gas: "200000" },
      "",
      { accountNumber: 0n, sequence: 0, chainId: "inferchain-local-1" },
    );
    const body = TxBody.decode(raw.bodyBytes);
    expect(body.messages[0]!.typeUrl).toBe("/inferchain.registry.v1.MsgAttest");
    expect(MsgAttest.decode(body.messages[0]!.value)).toEqual(value);
    expect(TxRaw.encode(raw).finish().length).toBeGreaterThan(100);
    expect(raw.signatures[0]).toHaveLength(64);
  });
});
