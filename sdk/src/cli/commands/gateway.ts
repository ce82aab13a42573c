import { Command, InvalidArgumentError, Option } from "commander";
import { SigningInferchainClient } from "../../client/signing-client.js";
import { invalidArgument } from "../../errors.js";
import { AgentStore } from "../../agents/agents.js";
import { ChainBackend } from "../../gateway/backend.js";
import { buildGateway } from "../../gateway/server.js";
import { streamKeyFromMnemonic } from "../../stream-auth.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withCommon, withHome } from "../options.js";
import { DEFAULT_CHAIN_ID } from "../../client/query-client.js";
import { DEFAULT_GAS_PRICE } from "../../client/signing-client.js";

interface GatewayCliOptions {
  node: string;
  json: boolean;
  home?: string;
  key?: string;
  agent?: string;
  host: string;
  port: number;
  chainId: string;
  gasPrice: string;
  timeout: number;
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return Number(value);
}

export function register(program: Command, ctx: CliContext): void {
  withHome(withCommon(program.command("gateway")))
    .description("serve an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models) backed by the chain")
    .option("--key <name>", "keyring key that signs and pays each request")
    .option("--agent <name>", "sign as this agent wallet (see `inferchain agent create`): its granter pays, within the agent's limits")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on (0 = any free one)", parsePort, 8080)
    .addOption(new Option("--chain-id <id>", "refuse to sign for another chain").env("INFERCHAIN_CHAIN_ID").default(DEFAULT_CHAIN_ID))
    .addOption(new Option("--gas-price <price>", "gas price; gas is simulated").env("INFERCHAIN_GAS_PRICE").default(DEFAULT_GAS_PRICE))
    .option("--timeout <seconds>", "longest wait for a job's on-chain result (then 504)", parsePositiveInt, 120)
    .action(async (opts: GatewayCliOptions) => {
      if ((opts.key === undefined) === (opts.agent === undefined)) throw invalidArgument("key", "give exactly one of --key <name> or --agent <name>");
      const keyring = ctx.keyring(opts.home);
      const store = new AgentStore(opts.home);
      const agent = opts.agent !== undefined ? await store.get(opts.agent) : undefined;
      const keyName = opts.key ?? opts.agent!;
      const stored = await keyring.export(keyName);
      const client = await SigningInferchainClient.connectWithSigner(opts.node, await keyring.signer(keyName), {
        gasPrice: opts.gasPrice,
        chainId: opts.chainId,
        // Time to first token waits for the request's block: notice its inclusion quickly.
        broadcastPollIntervalMs: 100,
        // Concurrent OpenAI clients: their requests share blocks instead of failing on the account sequence.
        pipelineTxs: true,
      });
      const backend = new ChainBackend({
        client,
        chainId: opts.chainId,
        streamKey: await streamKeyFromMnemonic(stored.mnemonic, stored.hdPath),
        gasPrice: opts.gasPrice,
        ...(agent ? { agent: { record: agent } } : {}),
      });
      const app = await buildGateway({
        backend,
        resultTimeoutMs: opts.timeout * 1000,
        ...(agent && agent.models.length > 0 ? { allowedModels: new Set(agent.models) } : {}),
      });
      const url = await app.listen({ host: opts.host, port: opts.port });
      ctx.io.err(`gateway listening on ${url}/v1 (signing as ${agent ? `agent ${agent.name} for ${agent.granter}` : client.senderAddress}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void app.close().then(() => {
            client.disconnect();
            resolve();
          });
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
