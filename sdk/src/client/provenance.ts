import type { Attestation, Dataset, LineageEdge, Model, ArtifactFile } from "../generated/inferchain/registry/v1/types.js";

/** Everything an auditor needs about one model: its weights, where they came from, and who vouched for what. */
export interface Provenance {
  model: Model;
  /** The model's files (path, size, 4 KiB Merkle root). */
  files: ArtifactFile[];
  /** Every model reachable through parents, breadth-first, each once (as the chain's Lineage query). */
  ancestors: Model[];
  /** Every dataset used by the model or an ancestor, and their sources, transitively. */
  datasets: Dataset[];
  edges: LineageEdge[];
  /** True when the chain's max_lineage_nodes stopped the walk. */
  truncated: boolean;
  /**
   * Attestations grouped by subject content root, for the model, each ancestor and each dataset (in that
   * order); every subject has an entry, possibly empty.
   */
  attestations: Record<string, Attestation[]>;
}

/** Subjects whose attestations belong in a provenance record, model first, each once. */
export function provenanceSubjects(model: Model, ancestors: readonly Model[], datasets: readonly Dataset[]): string[] {
  return [...new Set([model.contentRoot, ...ancestors.map((m) => m.contentRoot), ...datasets.map((d) => d.contentRoot)])];
}
