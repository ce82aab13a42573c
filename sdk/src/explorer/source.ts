import type { InferchainClient } from "../client/query-client.js";
import type { Provenance } from "../client/provenance.js";
import { NotFoundError } from "../errors.js";
import type { Attestation, Dataset, Model } from "../generated/inferchain/registry/v1/types.js";
import { formatRef, parseRef } from "../refs.js";

/**
 * The chain queries the explorer uses (a subset of InferchainClient, so tests can stand in for the chain).
 * A panel that needs another query adds its method here.
 */
export type ExplorerSource = Pick<
  InferchainClient,
  | "getModel"
  | "getDataset"
  | "getProvenance"
  | "getAttestations"
  | "getHeight"
  | "getChainId"
  | "listJobs"
  | "listModels"
  | "listDatasets"
  | "listAllFundingRounds"
  | "listAllFundingProjects"
  | "getMatchEstimates"
>;

interface SubjectBase {
  root: string;
  /** The chain height the page was read at (attestation expiry is judged against it). */
  height: bigint;
  chainId: string;
}

export interface ModelSubject extends SubjectBase {
  kind: "model";
  model: Model;
  /** Revoked attestations included (shown as revoked). */
  provenance: Provenance;
}

export interface DatasetSubject extends SubjectBase {
  kind: "dataset";
  dataset: Dataset;
  /** Datasets it derives from, transitively, breadth-first, each once (capped at MAX_SOURCES). */
  sources: Dataset[];
  truncated: boolean;
  /** By content root: the dataset's and each source's, revoked included. */
  attestations: Record<string, Attestation[]>;
}

export type Subject = ModelSubject | DatasetSubject;

export const MAX_SOURCES = 64;

/** Resolves a content root or name@version to a model, else a dataset, and reads what every page shows. */
export async function loadSubject(source: ExplorerSource, ref: string): Promise<Subject> {
  const parsed = parseRef(ref.trim(), "ref");
  const text = formatRef(parsed);
  const model = await orNotFound(source.getModel(text));
  if (model) {
    const provenance = await source.getProvenance(model.contentRoot, { includeRevoked: true });
    const [height, chainId] = await Promise.all([source.getHeight(), source.getChainId()]);
    return { kind: "model", root: model.contentRoot, model, provenance, height: BigInt(height), chainId };
  }
  const dataset = await orNotFound(source.getDataset(text));
  if (!dataset) throw new NotFoundError(`no model or dataset ${text} on this chain`, { field: "ref" });
  const sources: Dataset[] = [];
  const seen = new Set([dataset.contentRoot]);
  const queue = [...dataset.sources];
  let truncated = false;
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    if (sources.length >= MAX_SOURCES) {
      truncated = true;
      break;
    }
    seen.add(next);
    const d = await orNotFound(source.getDataset(next));
    if (d) {
      sources.push(d);
      queue.push(...d.sources);
    }
  }
  const attestations: Record<string, Attestation[]> = {};
  for (const d of [dataset, ...sources]) attestations[d.contentRoot] = await source.getAttestations(d.contentRoot, { includeRevoked: true });
  const [height, chainId] = await Promise.all([source.getHeight(), source.getChainId()]);
  return { kind: "dataset", root: dataset.contentRoot, dataset, sources, truncated, attestations, height: BigInt(height), chainId };
}

async function orNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
