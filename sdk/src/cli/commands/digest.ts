import type { Command } from "commander";
import { digestArtifact, type ArtifactDigest } from "../../digest/digest.js";
import type { Json } from "../../client/json.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withCommon, type CommonOptions } from "../options.js";
import { hashProgress } from "../progress.js";
import { emit } from "../run.js";
import { renderFiles } from "../render.js";
import { formatBytes } from "../progress.js";

export interface HashOptions {
  progress: boolean;
  workers?: number;
}

/** Hashes the inputs with a progress bar on stderr (shared by digest and register-*). */
export async function hashWithProgress(ctx: CliContext, paths: string[], opts: HashOptions): Promise<ArtifactDigest> {
  const bar = hashProgress(ctx.io, opts.progress);
  try {
    return await digestArtifact(paths, { onProgress: bar.onProgress, workers: opts.workers });
  } finally {
    bar.stop();
  }
}

export function withHashOptions(cmd: Command): Command {
  return cmd
    .option("--progress", "show the hashing progress bar even when stderr is not a terminal", false)
    .option("--workers <n>", "hashing threads (default: one per core)", parsePositiveInt);
}

export function digestJson(d: ArtifactDigest): Json {
  return { contentRoot: d.contentRoot, totalBytes: d.totalBytes.toString(), files: d.files.map((f) => ({ path: f.path, size: f.size.toString(), root: f.root })) };
}

export function register(program: Command, ctx: CliContext): void {
  withHashOptions(
    withCommon(
      program
        .command("digest")
        .description("compute the content root of files/directories (a directory contributes its files, named relative to it)")
        .argument("<path...>", "files or directories"),
    ),
  ).action(async (paths: string[], opts: CommonOptions & HashOptions) => {
    const d = await hashWithProgress(ctx, paths, opts);
    emit(ctx, opts, digestJson(d), () =>
      [...renderFiles(d.files), `content_root ${d.contentRoot}  (${d.files.length} file(s), ${formatBytes(d.totalBytes)})`].join("\n"),
    );
  });
}
