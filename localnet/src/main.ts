#!/usr/bin/env node
/**
 * inferchain-localnet: start | stop | reset | status a loopback-only localnet.
 * Used by `make localnet`, `make localnet-stop`, `make localnet-reset`.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MODEL_NAME, defaultLocalnetHome, defaultModelDir } from "./paths.js";
import { localnetStatus, resetLocalnet, startLocalnet, stopLocalnet } from "./localnet.js";

const usage = `usage: inferchain-localnet <start|stop|reset|status> [options]

  start    initialise (first time) and start the validators; waits for blocks, prints endpoints
  stop     stop every process of the localnet (by pid); state is kept
  reset    stop and delete all localnet state
  status   print the nodes and whether they run

options:
  --home <dir>         data directory (default: $INFERCHAIN_LOCALNET_HOME or <repo>/.localnet)
  --validators <n>     number of validators, 1..4 (default 1; only used when initialising)
  --port-offset <n>    added to every default port (default 0: RPC 26657, gRPC 9090, REST 1317)
  --model <dir>        a model directory every validator's sidecar serves (repeatable); registered on chain
                       by alice and bound to each executor. Default: the models of the previous start.
  --no-sidecars        start only the chain (no models, no sidecars)
  --threads <n>        onnxruntime threads per sidecar (default 0 = one per core)
  --json               machine-readable output
  -h, --help           this help`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      home: { type: "string" },
      validators: { type: "string", default: "1" },
      "port-offset": { type: "string", default: "0" },
      json: { type: "boolean", default: false },
      model: { type: "string", multiple: true },
      "no-sidecars": { type: "boolean", default: false },
      threads: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(usage);
    return;
  }
  const home = values.home ?? defaultLocalnetHome();
  const validators = Number.parseInt(values.validators, 10);
  const portOffset = Number.parseInt(values["port-offset"], 10);
  if (!Number.isInteger(validators)) throw new Error(`--validators must be a number, got "${values.validators}"`);
  if (!Number.isInteger(portOffset) || portOffset < 0) throw new Error(`--port-offset must be a non-negative number, got "${values["port-offset"]}"`);
  const log = (line: string) => console.error(`[localnet] ${line}`);

  switch (command) {
    case "start": {
      const threads = values.threads === undefined ? undefined : Number.parseInt(values.threads, 10);
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 0)) throw new Error(`--threads must be a non-negative number, got "${values.threads}"`);
      // The default model gets its proper registry name (its GGUF's general.name is a training-run label).
      const models = values["no-sidecars"] ? [] : values.model?.map((dir) => ({ dir: resolve(dir), ...(resolve(dir) === defaultModelDir() ? { name: DEFAULT_MODEL_NAME } : {}) }));
      const info = await startLocalnet({ home, validators, portOffset, log, ...(models ? { models } : {}), ...(threads !== undefined ? { sidecarThreads: threads } : {}) });
      if (values.json) {
        console.log(JSON.stringify(info, null, 2));
        break;
      }
      console.log(`localnet ${info.chainId} is producing blocks (data: ${info.home})`);
      for (const n of info.nodes) {
        console.log(`  ${n.moniker}: rpc ${n.endpoints.rpc}  grpc ${n.endpoints.grpc}  rest ${n.endpoints.api}  (pid ${n.pid ?? "?"})`);
      }
      for (const m of info.models) console.log(`  model ${m.name}@${m.version}: ${m.contentRoot}`);
      for (const sc of info.sidecars) console.log(`  sidecar${sc.index}: api ${sc.api}  executor ${sc.validator}  (pid ${sc.pid ?? "?"}, log ${sc.log})`);
      console.log(`  funded dev accounts: ${info.accounts.join(", ")} (mnemonics: localnet/src/accounts.ts; DEV ONLY)`);
      console.log(`  stop: make localnet-stop    wipe: make localnet-reset`);
      break;
    }
    case "stop": {
      const n = await stopLocalnet(home);
      console.log(n > 0 ? `stopped ${n} process(es)` : "nothing was running");
      break;
    }
    case "reset":
      await resetLocalnet(home);
      console.log(`removed ${home}`);
      break;
    case "status": {
      const info = localnetStatus(home);
      if (values.json) console.log(JSON.stringify(info ?? null, null, 2));
      else if (info === undefined) console.log(`no localnet in ${home}`);
      else {
        for (const n of info.nodes) console.log(`${n.moniker}: ${n.pid !== undefined ? `running (pid ${n.pid})` : "stopped"}  rpc ${n.endpoints.rpc}`);
        for (const sc of info.sidecars) console.log(`sidecar${sc.index}: ${sc.pid !== undefined ? `running (pid ${sc.pid})` : "stopped"}  api ${sc.api}`);
      }
      break;
    }
    default:
      throw new Error(`unknown command "${command}"\n${usage}`);
  }
}

main().catch((err: unknown) => {
  console.error(`localnet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
