import { describe, expect, it } from "vitest";
import { Executor } from "../generated/inferchain/inference/v1/types.js";
import { Model, ModelStatus } from "../generated/inferchain/registry/v1/types.js";
import { NotFoundError } from "../errors.js";
import type { SigningInferchainClient } from "../client/signing-client.js";
import { ChainBackend } from "./backend.js";

const root = (c: string): string => c.repeat(64);
const models = [
  Model.fromPartial({ contentRoot: root("a"), name: "base", version: "1", status: ModelStatus.MODEL_STATUS_ACTIVE }),
  Model.fromPartial({ contentRoot: root("b"), name: "child", version: "1", status: ModelStatus.MODEL_STATUS_PENDING, statusReason: "trained by training job 3, audited until block 45" }),
  Model.fromPartial({ contentRoot: root("c"), name: "old", version: "1", status: ModelStatus.MODEL_STATUS_REVOKED }),
];
const executor = Executor.fromPartial({ validator: "infervaloper1x", active: true, models: models.map((m) => m.contentRoot) });

/** The read side of a client, all the listing and resolving use; the signing methods are never called here. */
type ReadClient = Pick<SigningInferchainClient, "listAllModels" | "listAllExecutors" | "getModel" | "getExecutorsOfModel">;
const client: ReadClient = {
  listAllModels: async () => models,
  listAllExecutors: async () => [executor],
  getModel: async (ref: string) => models.find((m) => `${m.name}@${m.version}` === ref || m.contentRoot === ref) ?? Model.fromPartial({}),
  getExecutorsOfModel: async () => [executor],
};
const backend = new ChainBackend({ client: client as unknown as SigningInferchainClient, chainId: "test", streamKey: { privkey: new Uint8Array(32), pubkey: new Uint8Array(33), address: "infer1gateway" }, gasPrice: "0uinfer" });

describe("ChainBackend listing", () => {
  it("lists only active models: a trained child pending its audit is not offered", async () => {
    expect((await backend.models()).map((m) => m.id)).toEqual(["base@1"]);
  });

  it("refuses to resolve a pending child, naming the audit", async () => {
    const err = await backend.resolve("child@1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe("model child@1 is pending its training audit (trained by training job 3, audited until block 45); it is served once its training job settles");
    await expect(backend.resolve("old@1")).rejects.toThrow("model old@1 is not active (revoked)");
    await expect(backend.resolve("base@1")).resolves.toMatchObject({ id: "base@1" });
  });
});
