import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.js";
import { AgentStore, parseDuration, type AgentRecord } from "./agents.js";

describe("agent wallets (local parts)", () => {
  it("parseDuration: s, m, h, d; refuses zero and other forms naming the field", () => {
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(() => parseDuration("0h")).toThrow(/expires/);
    expect(() => parseDuration("1 week")).toThrow(/expires/);
  });

  it("AgentStore: put/get/list round trip; an unknown agent is NotFoundError (field agent)", async () => {
    const home = await mkdtemp(join(tmpdir(), "inferchain-agents-"));
    try {
      const store = new AgentStore(home);
      expect(await store.list()).toEqual([]);
      const rec: AgentRecord = { name: "bot", address: "infer1bot", granter: "infer1me", spendLimit: { denom: "uinfer", amount: "5" }, models: [], expires: "2030-01-01T00:00:00.000Z", createdAt: "2029-12-31T00:00:00.000Z", grantTxHash: "AB" };
      await store.put(rec);
      expect(await store.get("bot")).toEqual(rec);
      expect((await store.list()).map((a) => a.name)).toEqual(["bot"]);
      await expect(store.get("nobody")).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.get("../keys/bob")).rejects.toThrow(/not a valid agent name/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
