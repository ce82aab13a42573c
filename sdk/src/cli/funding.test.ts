import { PassThrough } from "node:stream";
import { CommanderError } from "commander";
import { describe, expect, it, vi } from "vitest";
import { InferchainError, NotFoundError } from "../errors.js";
import { QueryMatchEstimatesResponse } from "../generated/inferchain/funding/v1/query.js";
import { Project, ProjectKind, Round, RoundStatus } from "../generated/inferchain/funding/v1/types.js";
import type { TestKeyring } from "../keys/keyring.js";
import type { CliContext, QueryApi, TxApi } from "./context.js";
import { createProgram } from "./program.js";

const tx = { txHash: "ABCD", height: 7, gasUsed: 1234n, gasWanted: 2000n, events: [] };
const round = Round.fromPartial({
  id: 1n, creator: "infer1creator", title: "Open models", matchingPool: { denom: "uinfer", amount: "10000" }, startHeight: 10n, endHeight: 20n,
  status: RoundStatus.ROUND_STATUS_OPEN, totalContributions: "8100", projectCount: 2n, totalWeight: "0", matched: "0", remainder: "0",
});
const projects = [
  Project.fromPartial({ roundId: 1n, id: 1n, kind: ProjectKind.PROJECT_KIND_MODEL, subject: "a".repeat(64), recipient: "infer1pub", total: "900", contributors: 9, sumSqrt: "0", match: "0" }),
  Project.fromPartial({ roundId: 1n, id: 2n, kind: ProjectKind.PROJECT_KIND_PROPOSAL, title: "tiny-llm v2", uri: "https://x", recipient: "infer1dev", total: "8200", contributors: 2, sumSqrt: "0", match: "0" }),
];
const estimates = QueryMatchEstimatesResponse.fromPartial({
  estimates: [{ projectId: 1n, total: "900", weight: "7200", match: "8000" }, { projectId: 2n, total: "8200", weight: "1800", match: "2000" }],
  matchingPool: "10000uinfer",
  totalWeight: "9000",
});

function fakeChain() {
  return {
    senderAddress: "infer1me",
    getFundingRound: vi.fn(async (id: bigint) => {
      if (id === 9n) throw new NotFoundError("round 9 not found", { field: "round_id" });
      return round;
    }),
    listFundingRounds: vi.fn(async () => ({ items: [round], nextKey: undefined })),
    listFundingProjects: vi.fn(async () => ({ items: projects, nextKey: undefined })),
    getMatchEstimates: vi.fn(async () => estimates),
    createFundingRound: vi.fn(async () => ({ ...tx, roundId: 3n })),
    fundFundingRound: vi.fn(async () => tx),
    registerFundingProject: vi.fn(async () => ({ ...tx, projectId: 4n })),
    contribute: vi.fn(async () => {
      throw new InferchainError("invalid_argument", "over the per-contributor cap", { codespace: "funding", abciCode: 13 });
    }),
    disconnect: vi.fn(),
  };
}

async function run(args: string[]) {
  const chain = fakeChain();
  let out = "";
  let err = "";
  const connect = vi.fn(async () => chain as unknown as QueryApi);
  const connectSigning = vi.fn(async () => chain as unknown as TxApi);
  const ctx: CliContext = {
    io: { out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n"), stderrIsTTY: false, stderr: new PassThrough(), readStdin: async () => "" },
    connect,
    connectSigning,
    keyring: () => ({ signer: vi.fn(async () => ({})) }) as unknown as TestKeyring,
  };
  let error: unknown;
  try {
    await createProgram(ctx).parseAsync(args, { from: "user" });
  } catch (e) {
    error = e;
  }
  return { out, err, error, chain, connect, connectSigning };
}

describe("inferchain funding", () => {
  it("--help lists the subcommands", async () => {
    const r = await run(["funding", "--help"]);
    for (const sub of ["create-round", "fund", "register-project", "contribute", "rounds", "round", "projects"]) expect(r.out).toContain(sub);
  });

  it("create-round passes title, pool and heights through and prints the round id", async () => {
    const r = await run(["funding", "create-round", "Open models", "--pool", "10000uinfer", "--start", "+2", "--end", "+40", "--from", "alice", "--json"]);
    expect(r.error).toBeUndefined();
    expect(r.chain.createFundingRound).toHaveBeenCalledWith({ title: "Open models", matchingPool: "10000uinfer", startHeight: "+2", endHeight: "+40" });
    expect(JSON.parse(r.out)).toMatchObject({ roundId: "3", txHash: "ABCD", height: 7 });
  });

  it("register-project, fund and contribute", async () => {
    const reg = await run(["funding", "register-project", "1", "--subject", "tiny@1", "--from", "alice"]);
    expect(reg.chain.registerFundingProject).toHaveBeenCalledWith({ roundId: 1n, subject: "tiny@1", title: undefined, uri: undefined, recipient: undefined });
    expect(reg.out).toContain("project #4 registered in round #1");
    const fund = await run(["funding", "fund", "1", "500uinfer", "--from", "alice"]);
    expect(fund.chain.fundFundingRound).toHaveBeenCalledWith({ roundId: 1n, amount: "500uinfer" });
    const c = await run(["funding", "contribute", "1", "2", "5000uinfer", "--from", "alice"]);
    expect(c.chain.contribute).toHaveBeenCalledWith({ roundId: 1n, projectId: 2n, amount: "5000uinfer" });
    expect((c.error as InferchainError).message).toContain("over the per-contributor cap");
  });

  it("refuses a malformed round id before connecting", async () => {
    const r = await run(["funding", "contribute", "one", "2", "5uinfer", "--from", "alice"]);
    expect(r.error).toBeInstanceOf(InferchainError);
    expect((r.error as InferchainError).field).toBe("round_id");
    expect(r.connectSigning).not.toHaveBeenCalled();
    const q = await run(["funding", "round", "x"]);
    expect((q.error as InferchainError).field).toBe("round_id");
    expect(q.connect).not.toHaveBeenCalled();
  });

  it("requires --pool, --start and --end", async () => {
    const r = await run(["funding", "create-round", "t", "--from", "alice"]);
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(r.err).toContain("--pool");
  });

  it("round shows the projects with their estimated matches (text and --json)", async () => {
    const text = await run(["funding", "round", "1"]);
    expect(text.out).toContain("round        #1 Open models");
    expect(text.out).toContain("est. match 8000uinfer");
    expect(text.out).toContain('proposal "tiny-llm v2"');
    const json = await run(["funding", "round", "1", "--json"]);
    const parsed = JSON.parse(json.out) as { round: { id: string; status: string }; projects: unknown[]; estimates: { totalWeight: string } };
    expect(parsed.round).toMatchObject({ id: "1", status: "ROUND_STATUS_OPEN" });
    expect(parsed.projects).toHaveLength(2);
    expect(parsed.estimates.totalWeight).toBe("9000");
  });

  it("rounds and projects list", async () => {
    const rounds = await run(["funding", "rounds"]);
    expect(rounds.out).toMatch(/#1\s+open\s+blocks 10..20\s+pool 10000uinfer\s+2 project\(s\)\s+Open models/);
    const ps = await run(["funding", "projects", "1", "--json"]);
    expect((JSON.parse(ps.out) as { estimatedMatch: string }[]).map((p) => p.estimatedMatch)).toEqual(["8000", "2000"]);
  });

  it("an unknown round is a not-found error", async () => {
    const r = await run(["funding", "round", "9"]);
    expect(r.error).toBeInstanceOf(NotFoundError);
  });
});
