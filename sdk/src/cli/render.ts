import type { Provenance } from "../client/provenance.js";
import { LineageEdgeKind, type Attestation, type Dataset, type Model } from "../generated/inferchain/registry/v1/types.js";
import { datasetRoleName, modelStatusName, parentRelationName } from "../refs.js";
import { formatBytes } from "./progress.js";

/** Human-readable text for the query commands; --json bypasses all of this. */

const short = (root: string): string => `${root.slice(0, 12)}…`;

export function renderModel(m: Model): string {
  const lines = [
    `model        ${m.name}@${m.version}`,
    `content_root ${m.contentRoot}`,
    `status       ${modelStatusName(m.status)}${m.supersededBy ? ` (superseded by ${m.supersededBy})` : ""}${m.statusReason ? `: ${m.statusReason}` : ""}`,
    `publisher    ${m.publisher}`,
    `format       ${m.format}`,
    `license      ${m.license || "-"}`,
    `size         ${formatBytes(m.totalBytes)} in ${m.files.length} file(s)`,
    `created at   height ${m.createdHeight}`,
  ];
  if (m.cardUri) lines.push(`card         ${m.cardUri}${m.cardHash ? ` (${m.cardHash})` : ""}`);
  if (m.recipeHash) lines.push(`recipe_hash  ${m.recipeHash}`);
  for (const p of m.parents) lines.push(`parent       ${p.model} (${parentRelationName(p.relation)})`);
  for (const d of m.datasets) lines.push(`dataset      ${d.dataset} (${datasetRoleName(d.role)})`);
  lines.push("files:", ...renderFiles(m.files));
  return lines.join("\n");
}

export function renderDataset(d: Dataset): string {
  const lines = [
    `dataset      ${d.name}@${d.version}`,
    `content_root ${d.contentRoot}`,
    `publisher    ${d.publisher}`,
    `license      ${d.license || "-"}`,
    `records      ${d.recordCount}`,
    `size         ${formatBytes(d.totalBytes)} in ${d.files.length} file(s)`,
    `created at   height ${d.createdHeight}`,
  ];
  if (d.uri) lines.push(`uri          ${d.uri}`);
  for (const s of d.sources) lines.push(`source       ${s}`);
  lines.push("files:", ...renderFiles(d.files));
  return lines.join("\n");
}

export function renderFiles(files: readonly { path: string; size: bigint; root: string }[]): string[] {
  return files.map((f) => `  ${f.root}  ${String(f.size).padStart(12)}  ${f.path}`);
}

export function renderAttestation(a: Attestation): string {
  const parts = [`#${a.id} ${a.predicate}`, `by ${a.attester}`];
  if (a.score) parts.push(`score ${a.score}`);
  parts.push(`at height ${a.issuedHeight}`);
  if (a.expiresHeight > 0n) parts.push(`expires ${a.expiresHeight}`);
  if (a.revoked) parts.push(`REVOKED at ${a.revokedHeight}`);
  if (a.uri) parts.push(a.uri);
  return parts.join("  ");
}

/**
 * The lineage as a tree rooted at the model: parents, datasets and dataset sources as children, each node
 * with its attestations. Shared ancestors (a DAG) are expanded once and referenced after.
 */
export function renderProvenance(p: Provenance): string {
  const label = new Map<string, string>();
  label.set(p.model.contentRoot, `${p.model.name}@${p.model.version}`);
  for (const m of p.ancestors) label.set(m.contentRoot, `${m.name}@${m.version}`);
  for (const d of p.datasets) label.set(d.contentRoot, `${d.name}@${d.version}`);
  const status = new Map(p.ancestors.map((m) => [m.contentRoot, m.status]));
  const children = new Map<string, typeof p.edges>();
  for (const e of p.edges) children.set(e.from, [...(children.get(e.from) ?? []), e]);

  const out: string[] = [];
  const name = (root: string): string => `${label.get(root) ?? "?"}  ${short(root)}`;
  const attLines = (root: string, indent: string): void => {
    for (const a of p.attestations[root] ?? []) out.push(`${indent}✓ ${renderAttestation(a)}`);
  };
  const expanded = new Set<string>([p.model.contentRoot]);

  out.push(`${name(p.model.contentRoot)}  [${modelStatusName(p.model.status)}]`);
  attLines(p.model.contentRoot, "  ");
  const walk = (root: string, prefix: string): void => {
    const edges = children.get(root) ?? [];
    edges.forEach((e, i) => {
      const last = i === edges.length - 1;
      const kind =
        e.kind === LineageEdgeKind.LINEAGE_EDGE_KIND_PARENT
          ? `parent (${parentRelationName(e.relation)})`
          : e.kind === LineageEdgeKind.LINEAGE_EDGE_KIND_DATASET
            ? `dataset (${datasetRoleName(e.role)})`
            : "source";
      const st = status.get(e.to);
      const flag = st !== undefined && modelStatusName(st) !== "active" ? `  [${modelStatusName(st)}]` : "";
      const seen = expanded.has(e.to);
      out.push(`${prefix}${last ? "└── " : "├── "}${kind} ${name(e.to)}${flag}${seen ? "  (see above)" : ""}`);
      if (seen) return;
      expanded.add(e.to);
      const childPrefix = prefix + (last ? "    " : "│   ");
      attLines(e.to, childPrefix + "  ");
      walk(e.to, childPrefix);
    });
  };
  walk(p.model.contentRoot, "");
  out.push(`${p.ancestors.length} ancestor(s), ${p.datasets.length} dataset(s), ${Object.values(p.attestations).reduce((n, l) => n + l.length, 0)} attestation(s)`);
  if (p.truncated) out.push("warning: lineage truncated by the chain's max_lineage_nodes");
  return out.join("\n");
}
