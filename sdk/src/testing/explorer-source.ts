import type { Page, PageOptions } from "../client/pagination.js";
import type { Provenance } from "../client/provenance.js";
import { NotFoundError } from "../errors.js";
import type { ExplorerSource } from "../explorer/source.js";
import { QueryMatchEstimatesResponse } from "../generated/inferchain/funding/v1/query.js";
import type { MatchEstimate, Project, Round } from "../generated/inferchain/funding/v1/types.js";
import { AuditOutcome, Job, JobStatus } from "../generated/inferchain/inference/v1/types.js";
import { LineageEdgeKind, type Attestation, type Dataset, type LineageEdge, type Model } from "../generated/inferchain/registry/v1/types.js";
import { SYNTHETIC_HEIGHT, syntheticLineage, type SyntheticLineage } from "./provenance.js";

function page<T>(all: readonly T[], p: PageOptions): Page<T> {
  const start = p.key ? Number(Buffer.from(p.key).toString()) : 0;
  const limit = p.limit && p.limit > 0 ? p.limit : 100;
  const items = all.slice(start, start + limit);
  return { items, nextKey: start + limit < all.length ? Buffer.from(String(start + limit)) : undefined };
}

/**
 * An in-memory chain for the explorer's tests, over the synthetic lineage: provenance is computed the way the
 * chain's Lineage query walks (parents, datasets, sources, breadth-first), jobs are listed newest first
 * when reverse is set.
 */
/** Funding rounds the fake chain holds: projects and match estimates by round id. */
export interface FakeFunding {
  rounds: Round[];
  projects: Record<string, Project[]>;
  estimates: Record<string, MatchEstimate[]>;
}

export function fakeExplorerSource(lineage: SyntheticLineage = syntheticLineage(), jobs: Job[] = syntheticJobs(lineage), funding: FakeFunding = { rounds: [], projects: {}, estimates: {} }) {
  const p = lineage.provenance;
  const models = [p.model, ...p.ancestors];
  const datasets = p.datasets;
  const attestations = p.attestations;
  const find = <T extends { contentRoot: string; name: string; version: string }>(list: readonly T[], ref: string) =>
    list.find((a) => a.contentRoot === ref || `${a.name}@${a.version}` === ref);
  const calls = { listJobs: 0 };

  const provenanceOf = (root: string, includeRevoked: boolean): Provenance => {
    const model = find(models, root)!;
    const ancestors: Model[] = [];
    const ds: Dataset[] = [];
    const edges: LineageEdge[] = [];
    const seen = new Set([model.contentRoot]);
    const queue: Model[] = [model];
    const dsQueue: Dataset[] = [];
    while (queue.length > 0) {
      const m = queue.shift()!;
      for (const parent of m.parents) {
        edges.push({ from: m.contentRoot, to: parent.model, kind: LineageEdgeKind.LINEAGE_EDGE_KIND_PARENT, relation: parent.relation, role: 0 });
        if (!seen.has(parent.model)) {
          seen.add(parent.model);
          const pm = find(models, parent.model)!;
          ancestors.push(pm);
          queue.push(pm);
        }
      }
      for (const d of m.datasets) {
        edges.push({ from: m.contentRoot, to: d.dataset, kind: LineageEdgeKind.LINEAGE_EDGE_KIND_DATASET, relation: 0, role: d.role });
        if (!seen.has(d.dataset)) {
          seen.add(d.dataset);
          dsQueue.push(find(datasets, d.dataset)!);
        }
      }
    }
    while (dsQueue.length > 0) {
      const d = dsQueue.shift()!;
      ds.push(d);
      for (const src of d.sources) {
        edges.push({ from: d.contentRoot, to: src, kind: LineageEdgeKind.LINEAGE_EDGE_KIND_SOURCE, relation: 0, role: 0 });
        if (!seen.has(src)) {
          seen.add(src);
          dsQueue.push(find(datasets, src)!);
        }
      }
    }
    const atts: Record<string, Attestation[]> = {};
    for (const s of [model, ...ancestors, ...ds]) atts[s.contentRoot] = (attestations[s.contentRoot] ?? []).filter((a) => includeRevoked || !a.revoked);
    return { model, files: model.files, ancestors, datasets: ds, edges, truncated: false, attestations: atts };
  };

  const source: ExplorerSource & { calls: typeof calls } = {
    calls,
    getModel: async (ref) => find(models, ref) ?? Promise.reject(new NotFoundError(`model ${ref} not found`, { field: "model" })),
    getDataset: async (ref) => find(datasets, ref) ?? Promise.reject(new NotFoundError(`dataset ${ref} not found`, { field: "dataset" })),
    getProvenance: async (ref, opts = {}) => {
      const m = find(models, ref);
      if (!m) throw new NotFoundError(`model ${ref} not found`, { field: "model" });
      return provenanceOf(m.contentRoot, opts.includeRevoked ?? false);
    },
    getAttestations: async (root, opts = {}) => (attestations[root] ?? []).filter((a) => opts.includeRevoked || !a.revoked),
    getHeight: async () => Number(SYNTHETIC_HEIGHT),
    getChainId: async () => "inferchain-test-1",
    listJobs: async (_filter, p = {}) => {
      calls.listJobs++;
      const ordered = [...jobs].sort((a, b) => (a.id < b.id ? -1 : 1));
      return page(p.reverse ? ordered.reverse() : ordered, p);
    },
    listModels: async (p = {}) => page(models, p),
    listDatasets: async (p = {}) => page(datasets, p),
    listAllFundingRounds: async () => funding.rounds,
    listAllFundingProjects: async (round) => funding.projects[String(round)] ?? [],
    getMatchEstimates: async (round) => QueryMatchEstimatesResponse.fromPartial({ estimates: funding.estimates[String(round)] ?? [] }),
  };
  return source;
}

/** Jobs for the leaf (one settled after an honest audit, one whose executor was slashed) and one for another model. */
export function syntheticJobs(lineage: SyntheticLineage): Job[] {
  const leaf = lineage.roots.leaf;
  return [
    Job.fromPartial({ id: 7n, model: leaf, requester: "infer1requester", executor: "infervaloper1honest", status: JobStatus.JOB_STATUS_SETTLED, createdHeight: 61n,
      result: { outputTokenIds: [1, 2, 3], outputText: "hi" },
      audit: { outcome: AuditOutcome.AUDIT_OUTCOME_HONEST, committee: ["infervaloper1a", "infervaloper1b", "infervaloper1c"], quorum: 2, votes: [{ verifier: "infervaloper1a" }, { verifier: "infervaloper1b" }] } }),
    Job.fromPartial({ id: 8n, model: leaf, requester: "infer1requester", executor: "infervaloper1cheat", status: JobStatus.JOB_STATUS_REFUNDED, createdHeight: 70n,
      statusReason: "fraud: quorum found the result invalid",
      audit: { outcome: AuditOutcome.AUDIT_OUTCOME_FRAUD, committee: ["infervaloper1a", "infervaloper1b"], quorum: 2, votes: [{ verifier: "infervaloper1a" }, { verifier: "infervaloper1b" }], slashed: { denom: "uinfer", amount: "5000" } } }),
    Job.fromPartial({ id: 9n, model: lineage.roots.base, requester: "infer1requester", executor: "infervaloper1honest", status: JobStatus.JOB_STATUS_PENDING, createdHeight: 90n }),
  ];
}
