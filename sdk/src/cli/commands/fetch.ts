import { Option, type Command } from "commander";
import { pullArtifact } from "../../artifacts/pull.js";
import { fetchReporter, renderFetchSummary } from "../../artifacts/progress.js";
import type { CliContext } from "../context.js";
import { collect, parsePositiveInt, withCommon, type CommonOptions } from "../options.js";
import type { Json } from "../../client/json.js";
import { emit, withQuery } from "../run.js";

export interface PeerFetchOptions {
  peer?: string[];
  chainPeers: boolean;
  allowLoopbackPeers: boolean;
  allowPrivatePeers: boolean;
  concurrency: number;
  rangeLeaves: number;
  peerTimeout: number;
  progress: boolean;
}

/** The options `inferchain fetch` and `inferchain-node models pull` share. */
export function withPeerFetchOptions(cmd: Command): Command {
  return cmd
    .option("--peer <url>", "sidecar API base URL to fetch from (repeatable; added to the chain's executor endpoints)", collect)
    .option("--no-chain-peers", "use only --peer URLs, not the executor endpoints on chain")
    .addOption(new Option("--allow-loopback-peers", "allow peers on 127.0.0.0/8 and ::1 (a localnet)").env("INFERCHAIN_ALLOW_LOOPBACK_PEERS").default(false))
    .addOption(new Option("--allow-private-peers", "allow peers on private and link-local networks (a private localnet)").env("INFERCHAIN_ALLOW_PRIVATE_PEERS").default(false))
    .option("--concurrency <n>", "range requests in flight over all peers", parsePositiveInt, 8)
    .option("--range-leaves <n>", "4 KiB leaves per request (at most 1024)", parsePositiveInt, 256)
    .option("--peer-timeout <ms>", "time limit of one request to a peer", parsePositiveInt, 30_000)
    .option("--progress", "print progress even when stderr is not a terminal", false);
}

export function peerFetchSettings(o: PeerFetchOptions): Parameters<typeof pullArtifact>[3] {
  return {
    ...(o.peer ? { peers: o.peer } : {}),
    chainPeers: o.chainPeers,
    policy: { allowLoopback: Boolean(o.allowLoopbackPeers), allowPrivate: Boolean(o.allowPrivatePeers), timeoutMs: o.peerTimeout },
    concurrency: o.concurrency,
    rangeLeaves: o.rangeLeaves,
  };
}

export function register(program: Command, ctx: CliContext): void {
  withPeerFetchOptions(
    withCommon(
      program
        .command("fetch")
        .description("download a registered model or dataset from the sidecars serving it, verifying every 4 KiB against the on-chain root (resumable)")
        .argument("<ref>", "model or dataset: content root or name@version")
        .argument("<dir>", "where to put its files (an interrupted fetch into the same dir resumes)")
        .addOption(new Option("--kind <kind>", "resolve the ref as a model or a dataset (default: model, then dataset)").choices(["model", "dataset"])),
    ),
  ).action(async (ref: string, dir: string, opts: CommonOptions & PeerFetchOptions & { kind?: "model" | "dataset" }) => {
    const reporter = fetchReporter(ctx.io.stderr, ctx.io.stderrIsTTY, ctx.io.stderrIsTTY || opts.progress);
    const summary = await withQuery(ctx, opts, (c) =>
      pullArtifact(c, ref, dir, { ...peerFetchSettings(opts), ...(opts.kind ? { kind: opts.kind } : {}), onProgress: reporter.onProgress, onEvent: reporter.onEvent }),
    ).finally(() => reporter.stop());
    emit(ctx, opts, () => JSON.parse(JSON.stringify(summary)) as Json, () => renderFetchSummary(summary));
  });
}
