/**
 * Inference provisioning for the localnet: registers the served models in x/registry (publisher: alice),
 * binds each validator's executor to its sidecar account (MsgRegisterExecutor, signed by the operator), and
 * runs one `inferchain-node` sidecar per validator. Idempotent: a restart finds everything registered.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { digestArtifact, NotFoundError, SigningInferchainClient } from "@inferchain/sdk";
import { devAccount } from "./accounts.js";
import { REPO_ROOT } from "./paths.js";
import { isAlive, readPid, startDaemon, stopDaemon } from "./process.js";

/** A model directory produced by `inferchain-node import-model` or the tiny-model script. */
export interface ServedModel {
  dir: string;
  /** Registry name; default: config.json's name with whitespace turned into '-'. */
  name?: string;
  license?: string;
}

export interface RegisteredModel {
  dir: string;
  contentRoot: string;
  name: string;
  version: string;
}

export interface SidecarInfo {
  index: number;
  validator: string;
  sidecar: string;
  api: string;
  pid?: number;
  log: string;
}

/** Sidecar i serves its API on 26680 + offset + 10*i (between the validators' port blocks). */
export const sidecarPort = (index: number, offset: number): number => 26680 + offset + 10 * index;

const sidecarHome = (home: string, i: number) => join(home, `sidecar${i}`);
export const sidecarPidFile = (home: string, i: number) => join(sidecarHome(home, i), "inferchain-node.pid");
export const sidecarLogFile = (home: string, i: number) => join(home, `sidecar${i}.log`);
export const sidecarConfigFile = (home: string, i: number) => join(sidecarHome(home, i), "config.json");

export function valoperOf(account: string): string {
  return toBech32("infervaloper", fromBech32(account, 90).data);
}

async function clientFor(rpc: string, chainId: string, account: string): Promise<SigningInferchainClient> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devAccount(account).mnemonic, { prefix: "infer" });
  return SigningInferchainClient.connectWithSigner(rpc, wallet, { chainId });
}

interface ModelConfigJson {
  name?: string;
  version?: string;
  license?: string;
}

/** Digests each model dir and registers it unless the chain already has that content root. */
export async function registerModels(rpc: string, chainId: string, models: readonly ServedModel[], log: (l: string) => void): Promise<RegisteredModel[]> {
  const alice = await clientFor(rpc, chainId, "alice");
  try {
    const out: RegisteredModel[] = [];
    for (const m of models) {
      const configPath = join(m.dir, "config.json");
      if (!existsSync(configPath)) throw new Error(`${m.dir} is not a model directory (no config.json): run 'make model' or 'make tiny-model'`);
      const cfg = JSON.parse(readFileSync(configPath, "utf8")) as ModelConfigJson;
      log(`hashing model ${m.dir}`);
      const digest = await digestArtifact(m.dir);
      const name = m.name ?? (cfg.name ?? "model").trim().replace(/[\s@]+/g, "-");
      // The version names the exact bytes, so a rebuilt model with other weights gets its own handle.
      const version = cfg.version ?? digest.contentRoot.slice(0, 12);
      try {
        const existing = await alice.getModel(digest.contentRoot);
        out.push({ dir: m.dir, contentRoot: digest.contentRoot, name: existing.name, version: existing.version });
        continue;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      await alice.registerModel({ name, version, format: "onnx", files: digest.files, contentRoot: digest.contentRoot, license: m.license ?? cfg.license ?? "Apache-2.0" });
      log(`registered model ${name}@${version} (${digest.contentRoot})`);
      out.push({ dir: m.dir, contentRoot: digest.contentRoot, name, version });
    }
    return out;
  } finally {
    alice.disconnect();
  }
}

/** Registers (or updates) validator i's executor: its sidecar account, the served models and the API endpoint. */
export async function bindExecutor(rpc: string, chainId: string, index: number, models: readonly string[], endpoint: string, log: (l: string) => void): Promise<string> {
  const operator = await clientFor(rpc, chainId, `val${index}`);
  try {
    const sidecar = devAccount(`sidecar${index}`).address;
    const validator = valoperOf(devAccount(`val${index}`).address);
    let current;
    try {
      current = await operator.getExecutor(validator);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (current === undefined) {
      await operator.registerExecutor({ sidecar, models: [...models], endpoint });
      log(`registered executor ${validator} -> sidecar ${sidecar}`);
    } else {
      const same = current.sidecar === sidecar && current.endpoint === endpoint && current.active && [...current.models].sort().join() === [...models].sort().join();
      if (!same) {
        await operator.updateExecutor({ sidecar, models: [...models], endpoint, active: true });
        log(`updated executor ${validator}`);
      }
    }
    return validator;
  } finally {
    operator.disconnect();
  }
}

export interface SidecarStartOptions {
  home: string;
  index: number;
  rpc: string;
  chainId: string;
  portOffset: number;
  models: readonly RegisteredModel[];
  threads: number;
  /** Extra top-level config sections merged into the sidecar's config file (e.g. a test's `faults`). */
  extraConfig?: Record<string, unknown>;
}

/** Writes the sidecar's config and mnemonic file, then starts it detached. */
export function startSidecar(o: SidecarStartOptions): SidecarInfo {
  const dir = sidecarHome(o.home, o.index);
  mkdirSync(dir, { recursive: true });
  const mnemonicFile = join(dir, "sidecar.mnemonic");
  writeFileSync(mnemonicFile, `${devAccount(`sidecar${o.index}`).mnemonic}\n`);
  chmodSync(mnemonicFile, 0o600);
  const port = sidecarPort(o.index, o.portOffset);
  const validator = valoperOf(devAccount(`val${o.index}`).address);
  const config = {
    chain: { rpc: o.rpc, chainId: o.chainId },
    sidecar: { mnemonicFile },
    validator,
    dataDir: join(dir, "data"),
    models: o.models.map((m) => ({ contentRoot: m.contentRoot, dir: m.dir })),
    engine: { executionProviders: ["cuda", "cpu"], threads: o.threads },
    api: { host: "127.0.0.1", port },
    ...o.extraConfig,
    // Every sidecar of the localnet is on 127.0.0.1: verifiers may fetch executor endpoints there.
    verify: { allowLoopbackPeers: true, ...(o.extraConfig?.verify as Record<string, unknown> | undefined) },
  };
  writeFileSync(sidecarConfigFile(o.home, o.index), JSON.stringify(config, null, 2));
  const info: SidecarInfo = {
    index: o.index,
    validator,
    sidecar: devAccount(`sidecar${o.index}`).address,
    api: `http://127.0.0.1:${port}`,
    log: sidecarLogFile(o.home, o.index),
  };
  const existing = readPid(sidecarPidFile(o.home, o.index));
  if (existing !== undefined && isAlive(existing)) return { ...info, pid: existing };
  const pid = startDaemon(process.execPath, [join(REPO_ROOT, "node", "dist", "cli", "main.js"), "start", "--config", sidecarConfigFile(o.home, o.index)], {
    logFile: sidecarLogFile(o.home, o.index),
    pidFile: sidecarPidFile(o.home, o.index),
  });
  return { ...info, pid };
}

/** Waits for the sidecar's /readyz (models verified and loaded, executor bound, chain followed). */
export async function waitForSidecar(info: SidecarInfo, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const res = await fetch(`${info.api}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = await res.text();
    } catch (err) {
      last = (err as Error).message;
    }
    if (info.pid !== undefined && !isAlive(info.pid)) throw new Error(`sidecar${info.index} exited; see ${info.log}`);
    if (Date.now() > deadline) throw new Error(`sidecar${info.index} not ready within ${timeoutMs / 1000}s: ${last.slice(0, 500)} (log: ${info.log})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function stopSidecar(home: string, index: number): Promise<boolean> {
  return stopDaemon(sidecarPidFile(home, index), 15_000);
}

export function sidecarStatus(home: string, index: number, portOffset: number): SidecarInfo | undefined {
  if (!existsSync(sidecarConfigFile(home, index))) return undefined;
  const pid = readPid(sidecarPidFile(home, index));
  return {
    index,
    validator: valoperOf(devAccount(`val${index}`).address),
    sidecar: devAccount(`sidecar${index}`).address,
    api: `http://127.0.0.1:${sidecarPort(index, portOffset)}`,
    log: sidecarLogFile(home, index),
    ...(pid !== undefined && isAlive(pid) ? { pid } : {}),
  };
}
