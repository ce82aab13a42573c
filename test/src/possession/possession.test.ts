import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sidecarLogFile } from "@inferchain/localnet";
import { inferenceTypeUrls, type PossessionChallenge, type SigningInferchainClient } from "@inferchain/sdk";
import { clientFor, waitFor } from "../helpers.js";

// Issue 11's proof of possession over the real localnet (challenge every 30 blocks, 2 leaves, 30 blocks to answer:
// localnet/src/genesis.ts): the honest sidecar answers from its files and keeps its models; once the tiny model's
// weights are gone from its disk it cannot answer, and the chain drops the model from its executor.
const localnet = inject("localnet");
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const weights = join(tiny.dir, "model.onnx");
const aside = `${weights}.moved-aside`;

let operator: SigningInferchainClient;
let served: string[] = [];

async function openChallenge(model: string, after: bigint): Promise<PossessionChallenge | undefined> {
  return (await operator.getPossessionChallenges(operator.validatorAddress)).find((c) => c.model === model && c.epoch > after);
}

async function height(): Promise<number> {
  return operator.stargate.getHeight();
}

beforeAll(async () => {
  operator = await clientFor(localnet, "val0");
  served = [...(await operator.getExecutor(operator.validatorAddress)).models];
});

afterAll(async () => {
  // leave the localnet as the other files expect it: the weights back, the executor serving every model again
  if (existsSync(aside)) renameSync(aside, weights);
  const e = await operator.getExecutor(operator.validatorAddress);
  if (served.some((m) => !e.models.includes(m)) || !e.active) await operator.updateExecutor({ models: served, active: true });
  operator.disconnect();
});

describe("proof of possession", () => {
  it("an honest sidecar answers its challenges and keeps its models", async () => {
    expect(served).toContain(tiny.contentRoot);
    const c = await waitFor("a challenge for the tiny model", () => openChallenge(tiny.contentRoot, 0n), 90_000, 500);
    expect(c.leaves).toHaveLength(2);
    expect(c.deadlineHeight - c.issuedHeight).toBe(30n);
    // answered before its deadline: the challenge closes with the executor still serving the model
    await waitFor("the challenge to be answered", async () => ((await openChallenge(tiny.contentRoot, c.epoch - 1n)) === undefined ? true : undefined), 60_000, 500);
    expect(BigInt(await height())).toBeLessThanOrEqual(c.deadlineHeight + 1n);
    const txs = await operator.stargate.searchTx(`message.action='${inferenceTypeUrls.MsgProvePossession}'`);
    expect(txs.filter((t) => t.code === 0).length).toBeGreaterThan(0);
    const e = await operator.getExecutor(operator.validatorAddress);
    expect(e.models).toEqual(served);
    expect(e.active).toBe(true);
  }, 180_000);

  it("a sidecar whose weights are gone cannot answer, and the chain drops the model from its executor", async () => {
    const last = (await operator.getPossessionChallenges(operator.validatorAddress)).find((c) => c.model === tiny.contentRoot)?.epoch ?? 0n;
    const since = BigInt(await height()) / 30n; // only a challenge issued after the weights left counts
    renameSync(weights, aside);
    const c = await waitFor("the next challenge for the tiny model", () => openChallenge(tiny.contentRoot, since > last ? since : last), 90_000, 500);
    await waitFor("the sidecar to say it cannot answer", async () => (/CANNOT ANSWER the challenge for model [0-9a-f]+/.test(readFileSync(sidecarLogFile(localnet.home, 0), "utf8")) ? true : undefined), 60_000, 500);
    await waitFor("the window to close", async () => (BigInt(await height()) > c.deadlineHeight + 1n ? true : undefined), 90_000, 1000);
    const e = await operator.getExecutor(operator.validatorAddress);
    expect(e.models).not.toContain(tiny.contentRoot);
    expect(e.models.length).toBe(served.length - 1); // the other model, proven, stays
    expect(e.active).toBe(true);
    expect((await operator.getExecutorsOfModel(tiny.contentRoot)).map((x) => x.validator)).not.toContain(operator.validatorAddress);
    expect(await openChallenge(tiny.contentRoot, c.epoch - 1n)).toBeUndefined();

    // restored: the weights back and the model re-added with a normal update; the next challenge is answered
    renameSync(aside, weights);
    await operator.updateExecutor({ models: served });
    expect((await operator.getExecutor(operator.validatorAddress)).models).toEqual(served);
    const next = await waitFor("a challenge after the restore", () => openChallenge(tiny.contentRoot, c.epoch), 90_000, 500);
    await waitFor("the restored sidecar to answer", async () => ((await openChallenge(tiny.contentRoot, next.epoch - 1n)) === undefined ? true : undefined), 60_000, 500);
    expect((await operator.getExecutor(operator.validatorAddress)).models).toEqual(served);
  }, 360_000);
});
