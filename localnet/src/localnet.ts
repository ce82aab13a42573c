import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { devAccount, MAX_VALIDATORS, USER_ACCOUNTS } from "./accounts.js";
import { inferchaindPath } from "./paths.js";
import { endpointsFor, portsFor, type Endpoints } from "./ports.js";
import { isAlive, readPid, startDaemon, stopDaemon } from "./process.js";
import { setTomlKeys } from "./toml.js";
import { patchGenesis, type InferenceParamOverrides } from "./genesis.js";
import {
  bindExecutor,
  registerModels,
  sidecarPort,
  sidecarStatus,
  startSidecar,
  stopSidecar,
  waitForSidecar,
  type RegisteredModel,
  type ServedModel,
  type SidecarInfo,
} from "./inference.js";

const run = promisify(execFile);

export const CHAIN_ID = "inferchain-local-1";
export const DENOM = "uinfer";
/** Validators and sidecars must pay at least this; the SDK's default gas price (0.025uinfer) is above it. */
export const MIN_GAS_PRICE = `0.0025${DENOM}`;
const ACCOUNT_BALANCE = `100000000000000${DENOM}`; // 1e14 (1e8 INFER)
const SELF_DELEGATION = `100000000000${DENOM}`; // 1e11

export interface LocalnetOptions {
  /** Data directory for all nodes (gitignored .localnet by default). */
  home: string;
  /** Number of validators, 1..4. */
  validators: number;
  /** Added to every default port (validator i adds another 10*i). */
  portOffset: number;
  /** Print progress lines. */
  log?: (line: string) => void;
  /**
   * Model directories the validators' sidecars serve (registered by alice, bound to every executor).
   * Empty: no sidecars. Undefined: those of the previous start.
   */
  models?: readonly ServedModel[];
  /** onnxruntime threads per sidecar (0 = one per core). */
  sidecarThreads?: number;
  /** x/inference params written into genesis (first start only), e.g. a 100% audit rate for tests. */
  inferenceParams?: InferenceParamOverrides;
  /** x/training params written into genesis (first start only), e.g. every result replay-audited. */
  trainingParams?: InferenceParamOverrides;
}

export interface LocalnetNode {
  index: number;
  moniker: string;
  home: string;
  endpoints: Endpoints;
  pid?: number;
}

export interface LocalnetInfo {
  chainId: string;
  home: string;
  nodes: LocalnetNode[];
  /** Accounts funded at genesis (dev mnemonics in localnet/src/accounts.ts). */
  accounts: string[];
  /** Registered models served by the sidecars. */
  models: RegisteredModel[];
  sidecars: SidecarInfo[];
}

interface Manifest {
  chainId: string;
  validators: number;
  portOffset: number;
  models?: RegisteredModel[];
  sidecarThreads?: number;
}

const manifestPath = (home: string) => join(home, "localnet.json");
const nodeHome = (home: string, i: number) => join(home, `val${i}`);
const pidFile = (home: string, i: number) => join(nodeHome(home, i), "inferchaind.pid");
const logFile = (home: string, i: number) => join(home, `val${i}.log`);

async function chaind(args: string[], input?: string): Promise<string> {
  const bin = inferchaindPath();
  if (input === undefined) {
    const { stdout } = await run(bin, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }
  // keys add --recover reads the mnemonic from stdin.
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(" ")} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

function readManifest(home: string): Manifest | undefined {
  const p = manifestPath(home);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Manifest) : undefined;
}

function nodesOf(home: string, m: Manifest): LocalnetNode[] {
  return Array.from({ length: m.validators }, (_, i) => {
    const pid = readPid(pidFile(home, i));
    return {
      index: i,
      moniker: `val${i}`,
      home: nodeHome(home, i),
      endpoints: endpointsFor(portsFor(i, m.portOffset)),
      ...(pid !== undefined && isAlive(pid) ? { pid } : {}),
    };
  });
}

function infoOf(home: string, m: Manifest): LocalnetInfo {
  return {
    chainId: m.chainId,
    home,
    nodes: nodesOf(home, m),
    models: m.models ?? [],
    sidecars: Array.from({ length: m.validators }, (_, i) => sidecarStatus(home, i, m.portOffset)).filter((s): s is SidecarInfo => s !== undefined),
    accounts: [...Array.from({ length: m.validators }, (_, i) => `val${i}`), ...USER_ACCOUNTS, ...Array.from({ length: m.validators }, (_, i) => `sidecar${i}`)],
  };
}

/** Creates genesis, keys and configs for a fresh localnet. */
async function initLocalnet(opts: LocalnetOptions): Promise<Manifest> {
  const log = opts.log ?? (() => {});
  const { home, validators, portOffset } = opts;
  mkdirSync(home, { recursive: true });
  const keyring = ["--keyring-backend", "test"];

  for (let i = 0; i < validators; i++) {
    const h = nodeHome(home, i);
    log(`initialising val${i} in ${h}`);
    await chaind(["init", `val${i}`, "--chain-id", CHAIN_ID, "--default-denom", DENOM, "--home", h]);
    const val = devAccount(`val${i}`);
    await chaind(["keys", "add", `val${i}`, "--recover", ...keyring, "--home", h], `${val.mnemonic}\n`);
  }

  // Every funded account goes into val0's genesis first; the others copy it before their gentx.
  const g0 = nodeHome(home, 0);
  const funded = [
    ...Array.from({ length: validators }, (_, i) => `val${i}`),
    ...USER_ACCOUNTS,
    ...Array.from({ length: validators }, (_, i) => `sidecar${i}`),
  ];
  for (const name of funded) {
    await chaind(["genesis", "add-genesis-account", devAccount(name).address, ACCOUNT_BALANCE, "--home", g0]);
  }
  const genesis0 = join(g0, "config", "genesis.json");
  writeFileSync(genesis0, JSON.stringify(patchGenesis(JSON.parse(readFileSync(genesis0, "utf8")), opts.inferenceParams, opts.trainingParams), null, 2));

  for (let i = 0; i < validators; i++) {
    const h = nodeHome(home, i);
    if (i > 0) copyFileSync(genesis0, join(h, "config", "genesis.json"));
    await chaind(["genesis", "gentx", `val${i}`, SELF_DELEGATION, "--chain-id", CHAIN_ID, ...keyring, "--home", h, "--moniker", `val${i}`]);
    if (i > 0) {
      mkdirSync(join(g0, "config", "gentx"), { recursive: true });
      const dir = join(h, "config", "gentx");
      for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(g0, "config", "gentx", f));
    }
  }
  await chaind(["genesis", "collect-gentxs", "--home", g0]);
  await chaind(["genesis", "validate", "--home", g0]);

  const nodeIds: string[] = [];
  for (let i = 0; i < validators; i++) {
    if (i > 0) copyFileSync(genesis0, join(nodeHome(home, i), "config", "genesis.json"));
    nodeIds.push((await chaind(["comet", "show-node-id", "--home", nodeHome(home, i)])).trim());
  }

  for (let i = 0; i < validators; i++) {
    const ports = portsFor(i, portOffset);
    const peers = nodeIds
      .map((id, j) => (j === i ? undefined : `${id}@127.0.0.1:${portsFor(j, portOffset).p2p}`))
      .filter((p): p is string => p !== undefined)
      .join(",");
    configureNode(nodeHome(home, i), ports, peers, portOffset + 10 * i);
  }

  const manifest: Manifest = { chainId: CHAIN_ID, validators, portOffset };
  writeFileSync(manifestPath(home), JSON.stringify(manifest, null, 2));
  return manifest;
}

function configureNode(h: string, ports: ReturnType<typeof portsFor>, peers: string, shift: number): void {
  const configToml = join(h, "config", "config.toml");
  writeFileSync(
    configToml,
    setTomlKeys(readFileSync(configToml, "utf8"), [
      ["", "proxy_app", `tcp://127.0.0.1:${26658 + shift}`],
      ["rpc", "laddr", `tcp://127.0.0.1:${ports.rpc}`],
      ["rpc", "pprof_laddr", ""],
      ["p2p", "laddr", `tcp://127.0.0.1:${ports.p2p}`],
      ["p2p", "persistent_peers", peers],
      ["p2p", "addr_book_strict", false],
      ["p2p", "allow_duplicate_ip", true],
      ["consensus", "timeout_propose", "1s"],
      ["consensus", "timeout_commit", "1s"],
      ["instrumentation", "prometheus", false],
    ]),
  );
  const appToml = join(h, "config", "app.toml");
  writeFileSync(
    appToml,
    setTomlKeys(readFileSync(appToml, "utf8"), [
      ["", "minimum-gas-prices", MIN_GAS_PRICE],
      ["api", "enable", true],
      ["api", "address", `tcp://127.0.0.1:${ports.api}`],
      ["api", "enabled-unsafe-cors", true],
      ["grpc", "enable", true],
      ["grpc", "address", `127.0.0.1:${ports.grpc}`],
    ]),
  );
  const clientToml = join(h, "config", "client.toml");
  if (existsSync(clientToml)) {
    writeFileSync(
      clientToml,
      setTomlKeys(readFileSync(clientToml, "utf8"), [
        ["", "chain-id", CHAIN_ID],
        ["", "keyring-backend", "test"],
        ["", "node", `tcp://127.0.0.1:${ports.rpc}`],
      ]),
    );
  }
}

export async function latestHeight(rpc: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${rpc}/status`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
    const h = body.result?.sync_info?.latest_block_height;
    return h === undefined ? undefined : Number(h);
  } catch {
    return undefined;
  }
}

/** Waits until the node at rpc has produced at least `minHeight` blocks. */
export async function waitForHeight(rpc: string, minHeight: number, timeoutMs: number, alive?: () => boolean): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await latestHeight(rpc);
    if (h !== undefined && h >= minHeight) return h;
    if (alive && !alive()) throw new Error(`the node behind ${rpc} exited before producing blocks`);
    if (Date.now() > deadline) throw new Error(`no block ${minHeight} from ${rpc} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Starts the localnet, initialising it first if `home` holds none. A restart keeps the chain state; the
 * validator count and port offset are those of the first start (see `reset` to change them).
 */
export async function startLocalnet(opts: LocalnetOptions): Promise<LocalnetInfo> {
  const log = opts.log ?? (() => {});
  if (opts.validators < 1 || opts.validators > MAX_VALIDATORS) {
    throw new Error(`validators must be between 1 and ${MAX_VALIDATORS}, got ${opts.validators}`);
  }
  let manifest = readManifest(opts.home);
  if (manifest === undefined) {
    manifest = await initLocalnet(opts);
  } else if (manifest.validators !== opts.validators || manifest.portOffset !== opts.portOffset) {
    log(`note: ${opts.home} already holds a ${manifest.validators}-validator localnet (port offset ${manifest.portOffset}); reusing it (reset to change)`);
  }
  const bin = inferchaindPath();
  for (let i = 0; i < manifest.validators; i++) {
    const existing = readPid(pidFile(opts.home, i));
    if (existing !== undefined && isAlive(existing)) {
      log(`val${i} already running (pid ${existing})`);
      continue;
    }
    const pid = startDaemon(bin, ["start", "--home", nodeHome(opts.home, i)], {
      logFile: logFile(opts.home, i),
      pidFile: pidFile(opts.home, i),
    });
    log(`started val${i} (pid ${pid}), log ${logFile(opts.home, i)}`);
  }
  const nodes = nodesOf(opts.home, manifest);
  for (const node of nodes) {
    const pid = readPid(pidFile(opts.home, node.index));
    try {
      await waitForHeight(node.endpoints.rpc, 2, 90_000, () => pid !== undefined && isAlive(pid));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- last lines of ${logFile(opts.home, node.index)} ---\n${tail(logFile(opts.home, node.index))}`);
    }
  }
  await startSidecars(opts, manifest, nodes[0]?.endpoints.rpc ?? "");
  return infoOf(opts.home, manifest);
}

/** Registers the models, binds every validator's executor and starts (or resumes) one sidecar per validator. */
async function startSidecars(opts: LocalnetOptions, manifest: Manifest, rpc: string): Promise<void> {
  const log = opts.log ?? (() => {});
  const dirs = opts.models ?? manifest.models?.map((m) => ({ dir: m.dir })) ?? [];
  if (dirs.length === 0) return;
  const models = await registerModels(rpc, manifest.chainId, dirs, log);
  manifest.models = models;
  manifest.sidecarThreads = opts.sidecarThreads ?? manifest.sidecarThreads ?? 0;
  writeFileSync(manifestPath(opts.home), JSON.stringify(manifest, null, 2));
  const started: SidecarInfo[] = [];
  for (let i = 0; i < manifest.validators; i++) {
    const endpoint = `http://127.0.0.1:${sidecarPort(i, manifest.portOffset)}`;
    await bindExecutor(rpc, manifest.chainId, i, models.map((m) => m.contentRoot), endpoint, log);
    const s = startSidecar({ home: opts.home, index: i, rpc: nodesOf(opts.home, manifest)[i]?.endpoints.rpc ?? rpc, chainId: manifest.chainId, portOffset: manifest.portOffset, models, threads: manifest.sidecarThreads });
    log(`sidecar${i} (pid ${s.pid ?? "?"}) serving ${models.map((m) => `${m.name}@${m.version}`).join(", ")} on ${s.api}, log ${s.log}`);
    started.push(s);
  }
  for (const s of started) await waitForSidecar(s, 300_000);
}

export async function stopLocalnet(home: string): Promise<number> {
  const manifest = readManifest(home);
  if (manifest === undefined) return 0;
  let stopped = 0;
  // Every sidecar slot, not only the validators': a test may have started one by hand (pid files tell).
  for (let i = 0; i < MAX_VALIDATORS; i++) if (await stopSidecar(home, i)) stopped++;
  for (let i = 0; i < manifest.validators; i++) if (await stopDaemon(pidFile(home, i))) stopped++;
  return stopped;
}

export async function resetLocalnet(home: string): Promise<void> {
  await stopLocalnet(home);
  rmSync(home, { recursive: true, force: true });
}

export function localnetStatus(home: string): LocalnetInfo | undefined {
  const manifest = readManifest(home);
  return manifest === undefined ? undefined : infoOf(home, manifest);
}
