import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  buildExplorer,
  digestArtifact,
  InferchainError,
  ParentRelation,
  quadraticMatches,
  RoundStatus,
  type SigningInferchainClient,
} from "@inferchain/sdk";
import { clientFor, inferchainCli, makeArtifact, moduleAddress, restartSidecar, waitFor } from "./helpers.js";

// Issue 12 over a real localnet: a quadratic-funding round funds two registered models from several
// contributors and pays out by the QF formula when its window ends; a job on a fine-tune pays the royalty up
// its lineage (base model and dataset publishers).
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const escrow = moduleAddress("funding");

let alice: SigningInferchainClient; // publishes model A (and the tiny model, as the localnet did)
let bob: SigningInferchainClient; // contributor (the whale) and dApp
let carol: SigningInferchainClient; // publishes model B; creates the round
let dave: SigningInferchainClient; // contributor; publishes the dataset of the fine-tune

const balance = async (addr: string): Promise<bigint> => BigInt((await bob.getBalance(addr)).amount);

beforeAll(async () => {
  [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => clientFor(localnet, n)));
});

afterAll(() => {
  for (const c of [alice, bob, carol, dave]) c?.disconnect();
});

async function registerRandomModel(publisher: SigningInferchainClient, name: string): Promise<string> {
  const { digest } = await makeArtifact({ "model.onnx": 5000, "config.json": 100 });
  const res = await publisher.registerModel({ name, version: "1", format: "onnx", files: digest.files, license: "Apache-2.0" });
  return res.contentRoot;
}

describe("funding: a quadratic-funding round over the localnet", () => {
  it("funds two registered models from several contributors; payouts match the QF computation and the balances", async () => {
    const suffix = Date.now().toString(36);
    const [modelA, modelB] = await Promise.all([registerRandomModel(alice, `qf-a-${suffix}`), registerRandomModel(carol, `qf-b-${suffix}`)]);
    const params = await bob.getFundingParams();
    const pool = 32_000n;

    const created = await carol.createFundingRound({ title: `open models ${suffix}`, matchingPool: `${pool}uinfer`, startHeight: "+8", endHeight: "+34" });
    const roundId = created.roundId;
    const round = await bob.getFundingRound(roundId);
    expect(round.status).toBe(RoundStatus.ROUND_STATUS_OPEN);
    expect(round.matchingPool).toEqual({ denom: "uinfer", amount: String(pool) });
    expect(round.creator).toBe(carol.senderAddress);

    // only the publisher enters its model; each gets a project id
    // one after the other: project ids follow inclusion order, and the checks below list A (id 1) before B
    const pa = await alice.registerFundingProject({ roundId, subject: modelA });
    const pb = await carol.registerFundingProject({ roundId, subject: modelB });
    const projectA = pa.projectId;
    const projectB = pb.projectId;
    await expect(bob.registerFundingProject({ roundId, subject: modelA })).rejects.toMatchObject({ code: "unauthorized" });

    // before the window: refused with a typed error
    await expect(bob.contribute({ roundId, projectId: projectA, amount: "1000uinfer" })).rejects.toMatchObject({ code: "invalid_state" });
    await waitFor("the round's start", async () => ((await bob.getHeight()) >= Number(round.startHeight) ? true : undefined), 30_000);

    // A: 9000 + 4000 + 1000 from three accounts; B: a whale of 25000 + 1000
    await Promise.all([
      bob.contribute({ roundId, projectId: projectA, amount: "9000uinfer" }).then(() => bob.contribute({ roundId, projectId: projectB, amount: "25000uinfer" })),
      dave.contribute({ roundId, projectId: projectA, amount: "4000uinfer" }),
      carol.contribute({ roundId, projectId: projectA, amount: "1000uinfer" }),
      alice.contribute({ roundId, projectId: projectB, amount: "1000uinfer" }),
    ]);
    // below the minimum: refused, naming the field
    const below = await dave.contribute({ roundId, projectId: projectB, amount: `${BigInt(params.minContribution!.amount) - 1n}uinfer` }).catch((e: unknown) => e);
    expect(below).toBeInstanceOf(InferchainError);
    expect(below).toMatchObject({ code: "invalid_argument", field: "amount" });

    // the live estimate equals an independent computation of the QF formula (same integer math as the chain)
    const expected = quadraticMatches(pool, [[9000n, 4000n, 1000n], [25000n, 1000n]]);
    const est = await bob.getMatchEstimates(roundId);
    expect(est.estimates.map((e) => BigInt(e.match))).toEqual(expected.matches);
    // ... and, to the unit, the real-number formula: w_A = 1000·(3+2+1)² − 14000 = 22000, w_B = 1000·(5+1)² − 26000 = 10000
    expect(Math.abs(Number(expected.matches[0]) - 22000)).toBeLessThanOrEqual(1);
    expect(Math.abs(Number(expected.matches[1]) - 10000)).toBeLessThanOrEqual(1);
    expect(await balance(escrow)).toBe(pool + 40_000n);

    const cli = await inferchainCli(["funding", "round", String(roundId), "--node", rpc, "--json"]);
    expect(cli.code, cli.stderr).toBe(0);
    const shown = JSON.parse(cli.stdout) as { round: { id: string; totalContributions: string }; projects: { id: string; total: string }[] };
    expect(shown.round).toMatchObject({ id: String(roundId), totalContributions: "40000" });
    expect(shown.projects.map((p) => p.total)).toEqual(["14000", "26000"]);

    // the recipients send nothing more: their balances change only by the payouts
    const aliceBefore = await balance(alice.senderAddress);
    const carolBefore = await balance(carol.senderAddress);
    const done = await waitFor(
      "the round's payout",
      async () => {
        const r = await bob.getFundingRound(roundId);
        return r.status === RoundStatus.ROUND_STATUS_FINALIZED ? r : undefined;
      },
      90_000,
    );
    expect(done.finalizedHeight).toBeGreaterThanOrEqual(round.endHeight);
    expect(await balance(alice.senderAddress)).toBe(aliceBefore + 14_000n + expected.matches[0]!);
    expect(await balance(carol.senderAddress)).toBe(carolBefore + 26_000n + expected.matches[1]!);
    expect(BigInt(done.remainder)).toBe(expected.remainder);
    expect(BigInt(done.matched)).toBe(expected.matches[0]! + expected.matches[1]!);
    // nothing created or lost: pool + contributions = payouts + remainder; the escrow is empty
    expect(pool + 40_000n).toBe(14_000n + 26_000n + BigInt(done.matched) + BigInt(done.remainder));
    expect(await balance(escrow)).toBe(0n);
    const paid = await bob.listAllFundingProjects(roundId);
    expect(paid.map((p) => [p.paid, BigInt(p.match)])).toEqual([
      [true, expected.matches[0]],
      [true, expected.matches[1]],
    ]);

    // after the end: refused
    await expect(bob.contribute({ roundId, projectId: projectA, amount: "1000uinfer" })).rejects.toMatchObject({ code: "invalid_state" });
    // the auditor's explorer shows the round on model A's page, with what it was paid
    const explorer = buildExplorer({ source: bob });
    try {
      const res = await explorer.inject({ method: "GET", url: `/api/subject?ref=${modelA}` });
      expect(res.statusCode).toBe(200);
      const entry = res.json().panels.funding.entries.find((e: { round: string }) => e.round === roundId.toString());
      expect(entry).toMatchObject({ status: "finalized", contributions: "14000", contributors: 3, match: expected.matches[0]!.toString(), recipient: alice.senderAddress });
    } finally {
      await explorer.close();
    }
    const listed = await inferchainCli(["funding", "rounds", "--node", rpc]);
    expect(listed.stdout).toMatch(new RegExp(`#${roundId}\\s+finalized`));
  });

  it("refuses a round without a matching pool and a project whose subject is not registered", async () => {
    await expect(carol.createFundingRound({ title: "empty", matchingPool: "0uinfer", startHeight: "+2", endHeight: "+5" })).rejects.toMatchObject({
      code: "invalid_argument",
      field: "matching_pool",
    });
    await expect(carol.createFundingRound({ title: "late", matchingPool: "10uinfer", startHeight: 1, endHeight: 2 })).rejects.toMatchObject({ code: "invalid_argument" });
    const { roundId } = await carol.createFundingRound({ title: "refusals", matchingPool: "10uinfer", startHeight: "+2", endHeight: "+200" });
    await expect(alice.registerFundingProject({ roundId, subject: "ab".repeat(32) })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("royalties up the lineage through a real inference job", () => {
  let child = "";
  const restore: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const f of restore.reverse()) await f();
  });

  it("a job on a fine-tune of the tiny model pays the base model's and the dataset's publishers", async () => {
    // the fine-tune: the tiny model's files plus a note (so its content root differs), a child of the tiny
    // model trained on dave's dataset, published by carol
    const dir = join(mkdtempSync(join(tmpdir(), "inferchain-child-")), "tiny-ft");
    cpSync(tiny.dir, dir, { recursive: true });
    writeFileSync(join(dir, "FINETUNE.md"), `fine-tune of ${tiny.contentRoot} for the lineage royalty e2e\n`);
    const { digest: ds } = await makeArtifact({ "data.jsonl": 3000 });
    const dataset = (await dave.registerDataset({ name: `ft-data-${Date.now().toString(36)}`, version: "1", files: ds.files })).contentRoot;
    const digest = await digestArtifact(dir);
    child = (
      await carol.registerModel({
        name: `tiny-ft-${Date.now().toString(36)}`,
        version: "1",
        format: "onnx",
        files: digest.files,
        parents: [{ model: tiny.contentRoot, relation: ParentRelation.PARENT_RELATION_FINETUNE }],
        datasets: [{ dataset, role: "finetune" }],
      })
    ).contentRoot;

    // the validator's sidecar serves the fine-tune too (restarted with it), and its executor lists it
    const operator = await clientFor(localnet, "val0");
    const executor = await operator.getExecutor(operator.validatorAddress);
    const served = [...executor.models];
    const registered = localnet.models.map((m) => ({ ...m }));
    restore.push(async () => {
      await operator.updateExecutor({ models: served });
      await restartSidecar(localnet, 0);
      operator.disconnect();
    });
    const childModel = { dir, contentRoot: child, name: "tiny-ft", version: "1" };
    localnet.models.push(childModel);
    try {
      await restartSidecar(localnet, 0);
    } finally {
      localnet.models.splice(0, localnet.models.length, ...registered);
    }
    await operator.updateExecutor({ models: [...served, child] });

    const params = await bob.getInferenceParams();
    const before = { alice: await balance(alice.senderAddress), carol: await balance(carol.senderAddress), dave: await balance(dave.senderAddress) };
    const res = await bob.infer({ model: child, prompt: "Once upon a time", maxTokens: 6, temperature: 0, timeoutMs: 120_000 });
    const split = res.receipt.feeSplit!;
    const royalty = BigInt(split.publisher!.amount);
    expect(royalty).toBeGreaterThan(0n);

    // share s per generation: the fine-tune passes floor(R·s) up, split equally between its parent and its
    // dataset; the rounding remainder stays with the fine-tune's publisher. The tiny model and the dataset
    // have no inputs of their own.
    const shareMicro = BigInt(Math.round(Number(params.lineageRoyaltyShare) * 1e6));
    const up = (royalty * shareMicro) / 1_000_000n;
    const each = up / 2n;
    const want = { carol: royalty - up + (up - 2n * each), alice: each, dave: each };
    expect(want.carol + want.alice + want.dave).toBe(royalty);
    const job = await bob.getJob(res.jobId);
    const shares = Object.fromEntries(job.settlement!.royalties.map((r) => [r.recipient, BigInt(r.amount!.amount)]));
    expect(shares).toEqual({ [carol.senderAddress]: want.carol, [alice.senderAddress]: want.alice, [dave.senderAddress]: want.dave });
    // the receipt names them too, the fine-tune's publisher first, and they sum to the royalty
    expect(split.royalties?.map((r) => r.recipient)).toEqual([carol.senderAddress, alice.senderAddress, dave.senderAddress]);
    expect(split.royalties!.reduce((n, r) => n + BigInt(r.amount.amount), 0n)).toBe(royalty);
    expect(await balance(alice.senderAddress)).toBe(before.alice + want.alice);
    expect(await balance(carol.senderAddress)).toBe(before.carol + want.carol);
    expect(await balance(dave.senderAddress)).toBe(before.dave + want.dave);
  });
});
