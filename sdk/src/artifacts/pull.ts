/**
 * `pullArtifact`: resolve a model or dataset ref on chain, find the sidecars that serve it (the Executor
 * record's `endpoint`), and fetch it with fetchArtifact. `inferchain fetch` and `inferchain-node models pull`
 * are both this function.
 */
import { NotFoundError } from "../errors.js";
import type { Page, PageOptions } from "../client/pagination.js";
import type { Dataset, Model } from "../generated/inferchain/registry/v1/types.js";
import type { Executor } from "../generated/inferchain/inference/v1/types.js";
import { fetchArtifact, type FetchOptions, type FetchSummary } from "./fetch.js";

/** What pullArtifact needs from the chain (InferchainClient has all of it). */
export interface PullChain {
  getModel(ref: string): Promise<Model>;
  getDataset(ref: string): Promise<Dataset>;
  getExecutorsOfModel(ref: string): Promise<Executor[]>;
  listExecutors(page?: PageOptions): Promise<Page<Executor>>;
}

export interface PullOptions extends Omit<FetchOptions, "peers"> {
  /** Extra peer URLs (tried with the chain's). */
  peers?: readonly string[];
  /** Also use the endpoints the chain lists (default true). */
  chainPeers?: boolean;
  /** Which registry to resolve the ref in (default: model, then dataset). */
  kind?: "model" | "dataset" | "auto";
}

export interface PullSummary extends FetchSummary {
  kind: "model" | "dataset";
  name: string;
  version: string;
}

async function resolve(chain: PullChain, ref: string, kind: PullOptions["kind"]): Promise<{ kind: "model" | "dataset"; record: Model | Dataset }> {
  if (kind !== "dataset") {
    try {
      return { kind: "model", record: await chain.getModel(ref) };
    } catch (e) {
      if (kind === "model" || !(e instanceof NotFoundError)) throw e;
    }
  }
  try {
    return { kind: "dataset", record: await chain.getDataset(ref) };
  } catch (e) {
    if (e instanceof NotFoundError && kind !== "dataset") throw new NotFoundError(`no model or dataset "${ref}" is registered`, { field: "ref" });
    throw e;
  }
}

/** Endpoints of active executors: those serving the model, or (datasets are not bound to executors) all of them. */
export async function chainPeersFor(chain: PullChain, kind: "model" | "dataset", contentRoot: string): Promise<string[]> {
  let executors: Executor[];
  if (kind === "model") executors = await chain.getExecutorsOfModel(contentRoot);
  else {
    executors = [];
    let key: Uint8Array | undefined;
    do {
      const page = await chain.listExecutors(key ? { key } : {});
      executors.push(...page.items);
      key = page.nextKey;
    } while (key && key.length > 0);
  }
  return [...new Set(executors.filter((e) => e.active && e.endpoint.trim() !== "").map((e) => e.endpoint.trim()))];
}

export async function pullArtifact(chain: PullChain, ref: string, dir: string, o: PullOptions = {}): Promise<PullSummary> {
  const { kind, record } = await resolve(chain, ref, o.kind ?? "auto");
  const fromChain = o.chainPeers === false ? [] : await chainPeersFor(chain, kind, record.contentRoot);
  const peers = [...new Set([...(o.peers ?? []), ...fromChain])];
  const { peers: _ignored, chainPeers: _c, kind: _k, ...fetchOpts } = o;
  const summary = await fetchArtifact({ contentRoot: record.contentRoot, files: record.files }, dir, { ...fetchOpts, peers });
  return { ...summary, kind, name: record.name, version: record.version };
}
