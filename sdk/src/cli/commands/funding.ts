import type { Command } from "commander";
import { collectAll } from "../../client/pagination.js";
import { toId } from "../../client/query-client.js";
import type { Json } from "../../client/json.js";
import { QueryMatchEstimatesResponse } from "../../generated/inferchain/funding/v1/query.js";
import { Project, Round } from "../../generated/inferchain/funding/v1/types.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withCommon, withTx, type CommonOptions, type TxOptions } from "../options.js";
import { renderProjectLine, renderRound, renderRoundLine } from "../render-funding.js";
import { emit, txJson, txText, withQuery, withSigning } from "../run.js";

const roundJson = (r: Round): Json => Round.toJSON(r) as Json;
const projectJson = (p: Project): Json => Project.toJSON(p) as Json;
const estimatesJson = (e: QueryMatchEstimatesResponse): Json => QueryMatchEstimatesResponse.toJSON(e) as Json;

interface CreateRoundOptions extends TxOptions {
  pool: string;
  start: string;
  end: string;
}

interface RegisterProjectOptions extends TxOptions {
  subject?: string;
  title?: string;
  uri?: string;
  recipient?: string;
}

/** `inferchain funding ...`: quadratic-funding rounds for open models and datasets (x/funding). */
export function register(program: Command, ctx: CliContext): void {
  const funding = program
    .command("funding")
    .description("quadratic-funding rounds for open models and datasets: create, fund, enter, contribute, inspect");

  withTx(
    funding
      .command("create-round")
      .description("open a round; the matching pool is escrowed from --from and split by the QF formula when the window ends")
      .argument("<title>", "what the round funds")
      .requiredOption("--pool <amount>", "matching pool, e.g. 1000000uinfer (a bare number is uinfer)")
      .requiredOption("--start <height>", "first block accepting contributions: a height or +N blocks from now")
      .requiredOption("--end <height>", "last block accepting contributions: a height or +N blocks from now"),
  ).action(async (title: string, opts: CreateRoundOptions) => {
    const res = await withSigning(ctx, opts, (c) => c.createFundingRound({ title, matchingPool: opts.pool, startHeight: opts.start, endHeight: opts.end }));
    emit(ctx, opts, { roundId: res.roundId.toString(), ...txJson(res) }, () => [`round #${res.roundId} created`, txText(res)].join("\n"));
  });

  withTx(
    funding
      .command("fund")
      .description("add to a round's matching pool (until its end height)")
      .argument("<round>", "round id")
      .argument("<amount>", "e.g. 50000uinfer"),
  ).action(async (round: string, amount: string, opts: TxOptions) => {
    const roundId = toId(round, "round_id");
    const res = await withSigning(ctx, opts, (c) => c.fundFundingRound({ roundId, amount }));
    emit(ctx, opts, { roundId: roundId.toString(), ...txJson(res) }, () => [`round #${roundId} funded with ${amount}`, txText(res)].join("\n"));
  });

  withTx(
    funding
      .command("register-project")
      .description("enter a model or dataset you published (--subject), or a proposal (--title --uri --recipient), in a round")
      .argument("<round>", "round id")
      .option("--subject <ref>", "content root or name@version of your model or dataset (paid to its publisher: you)")
      .option("--title <title>", "proposal title (or an optional label for a subject)")
      .option("--uri <uri>", "proposal description URI")
      .option("--recipient <address>", "proposal payout address (infer1...)"),
  ).action(async (round: string, opts: RegisterProjectOptions) => {
    const roundId = toId(round, "round_id");
    const res = await withSigning(ctx, opts, (c) =>
      c.registerFundingProject({ roundId, subject: opts.subject, title: opts.title, uri: opts.uri, recipient: opts.recipient }),
    );
    emit(ctx, opts, { roundId: roundId.toString(), projectId: res.projectId.toString(), ...txJson(res) }, () =>
      [`project #${res.projectId} registered in round #${roundId}`, txText(res)].join("\n"),
    );
  });

  withTx(
    funding
      .command("contribute")
      .description("contribute to a project of a round within its window (per-account cap and minimum apply)")
      .argument("<round>", "round id")
      .argument("<project>", "project id within the round")
      .argument("<amount>", "e.g. 5000uinfer"),
  ).action(async (round: string, project: string, amount: string, opts: TxOptions) => {
    const roundId = toId(round, "round_id");
    const projectId = toId(project, "project_id");
    const res = await withSigning(ctx, opts, (c) => c.contribute({ roundId, projectId, amount }));
    emit(ctx, opts, { roundId: roundId.toString(), projectId: projectId.toString(), ...txJson(res) }, () =>
      [`contributed ${amount} to project #${projectId} of round #${roundId}`, txText(res)].join("\n"),
    );
  });

  withCommon(
    funding
      .command("rounds")
      .description("list funding rounds")
      .option("--limit <n>", "at most this many", parsePositiveInt),
  ).action(async (opts: CommonOptions & { limit?: number }) => {
    await withQuery(ctx, opts, async (c) => {
      const rounds = opts.limit ? (await c.listFundingRounds({ limit: opts.limit })).items : await collectAll((p) => c.listFundingRounds(p));
      emit(ctx, opts, () => rounds.map(roundJson), () => (rounds.length ? rounds.map(renderRoundLine).join("\n") : "no rounds"));
    });
  });

  withCommon(
    funding
      .command("round")
      .description("show a round with its projects and each project's (estimated, then paid) match")
      .argument("<round>", "round id"),
  ).action(async (round: string, opts: CommonOptions) => {
    const roundId = toId(round, "round_id");
    await withQuery(ctx, opts, async (c) => {
      const r = await c.getFundingRound(roundId);
      const projects = await collectAll((p) => c.listFundingProjects(roundId, p));
      const estimates = await c.getMatchEstimates(roundId);
      emit(ctx, opts, () => ({ round: roundJson(r), projects: projects.map(projectJson), estimates: estimatesJson(estimates) }), () => renderRound(r, projects, estimates));
    });
  });

  withCommon(
    funding
      .command("projects")
      .description("list the projects of a round with their estimated matches")
      .argument("<round>", "round id"),
  ).action(async (round: string, opts: CommonOptions) => {
    const roundId = toId(round, "round_id");
    await withQuery(ctx, opts, async (c) => {
      const r = await c.getFundingRound(roundId);
      const projects = await collectAll((p) => c.listFundingProjects(roundId, p));
      const estimates = await c.getMatchEstimates(roundId);
      const est = new Map(estimates.estimates.map((e) => [e.projectId, e.match]));
      const denom = r.matchingPool?.denom ?? "";
      emit(
        ctx,
        opts,
        () => projects.map((p) => ({ ...(projectJson(p) as { [k: string]: Json }), estimatedMatch: est.get(p.id) ?? "0" })),
        () => (projects.length ? projects.map((p) => renderProjectLine(p, denom, est.get(p.id))).join("\n") : "no projects"),
      );
    });
  });
}
