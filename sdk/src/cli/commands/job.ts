import type { Command } from "commander";
import { buildReceipt } from "../../client/inference.js";
import { jobToJson, receiptToJson } from "../../client/json.js";
import { collectAll } from "../../client/pagination.js";
import { toId } from "../../client/query-client.js";
import { parseJobStatus } from "../../client/inference.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withCommon, type CommonOptions } from "../options.js";
import { renderJob, renderJobLine } from "../render-inference.js";
import { emit, withQuery } from "../run.js";

export interface JobsOptions extends CommonOptions {
  requester?: string;
  executor?: string;
  status?: string;
  verifier?: string;
  limit?: number;
}

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("job")
      .description("show an inference job: status, prompt, output, receipt, audit (committee, verdicts, slash), the refund reason if refunded")
      .argument("<id>", "job id"),
  ).action(async (id: string, opts: CommonOptions) => {
    const jobId = toId(id, "job_id");
    await withQuery(ctx, opts, async (c) => {
      const job = await c.getJob(jobId);
      emit(ctx, opts, () => ({ job: jobToJson(job), receipt: receiptToJson(buildReceipt(job)) }), () => renderJob(job));
    });
  });

  withCommon(
    program
      .command("jobs")
      .description("list inference jobs (filters combine)")
      .option("--requester <address>", "requester account (infer1...)")
      .option("--executor <valoper>", "assigned executor (infervaloper...)")
      .option("--status <status>", "pending, result_submitted, auditing, settled or refunded")
      .option("--verifier <valoper>", "audit committee member (infervaloper...)")
      .option("--limit <n>", "at most this many", parsePositiveInt),
  ).action(async (opts: JobsOptions) => {
    const filter = { requester: opts.requester, executor: opts.executor, verifier: opts.verifier, status: opts.status === undefined ? undefined : parseJobStatus(opts.status) };
    await withQuery(ctx, opts, async (c) => {
      const jobs = opts.limit ? (await c.listJobs(filter, { limit: opts.limit })).items : await collectAll((p) => c.listJobs(filter, p));
      emit(ctx, opts, () => jobs.map(jobToJson), () => (jobs.length ? jobs.map(renderJobLine).join("\n") : "no jobs"));
    });
  });
}
