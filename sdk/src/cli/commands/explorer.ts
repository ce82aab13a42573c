import { InvalidArgumentError, Option, type Command } from "commander";
import { DEFAULT_EXPLORER_HOST, DEFAULT_EXPLORER_PORT, serveExplorer } from "../../explorer/serve.js";
import type { CliContext } from "../context.js";
import { withCommon, type CommonOptions } from "../options.js";

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("expected a port number (0-65535)");
  return Number(value);
}

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("explorer")
      .description("serve the auditor's web explorer (lineage graph, files, attestations, jobs, BOM downloads) until interrupted")
      .addOption(new Option("--port <port>", "port to listen on (0: any free port)").argParser(parsePort).default(DEFAULT_EXPLORER_PORT))
      .addOption(new Option("--host <host>", "address to bind (loopback by default; the explorer has no authentication)").default(DEFAULT_EXPLORER_HOST)),
  ).action(async (opts: CommonOptions & { port: number; host: string }) => {
    const client = await ctx.connect(opts.node);
    try {
      const running = await serveExplorer({ source: client, host: opts.host, port: opts.port });
      if (opts.json) ctx.io.out(JSON.stringify({ url: running.url, node: opts.node }));
      else ctx.io.out(`explorer on ${running.url} (chain node ${opts.node}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await running.close();
    } finally {
      client.disconnect();
    }
  });
}
