import type { Json } from "../../client/json.js";
import { LineageEdgeKind } from "../../generated/inferchain/registry/v1/types.js";
import { datasetRoleName, parentRelationName } from "../../refs.js";
import { html, viewHref } from "../html.js";
import { layoutLineage, renderLineageSvg, type GraphEdge, type GraphLayout, type GraphNode } from "../lineage-graph.js";
import type { Subject } from "../source.js";
import { always, definePanel } from "./panel.js";

/** The subject's lineage as graph nodes and edges (newer -> what went into it). */
export function lineageGraph(s: Subject): { nodes: GraphNode[]; edges: GraphEdge[]; truncated: boolean } {
  if (s.kind === "model") {
    const p = s.provenance;
    const nodes: GraphNode[] = [
      ...[p.model, ...p.ancestors].map((m) => ({ id: m.contentRoot, kind: "model" as const, label: `${m.name}@${m.version}`, subject: m.contentRoot === s.root })),
      ...p.datasets.map((d) => ({ id: d.contentRoot, kind: "dataset" as const, label: `${d.name}@${d.version}` })),
    ];
    const edges = p.edges.map((e) => ({
      from: e.from,
      to: e.to,
      label:
        e.kind === LineageEdgeKind.LINEAGE_EDGE_KIND_PARENT ? parentRelationName(e.relation) : e.kind === LineageEdgeKind.LINEAGE_EDGE_KIND_DATASET ? datasetRoleName(e.role) : "source",
    }));
    return { nodes: dedupe(nodes), edges, truncated: p.truncated };
  }
  const all = [s.dataset, ...s.sources];
  return {
    nodes: all.map((d) => ({ id: d.contentRoot, kind: "dataset", label: `${d.name}@${d.version}`, subject: d.contentRoot === s.root })),
    edges: all.flatMap((d) => d.sources.map((src) => ({ from: d.contentRoot, to: src, label: "source" }))),
    truncated: s.truncated,
  };
}

function dedupe(nodes: GraphNode[]): GraphNode[] {
  const seen = new Set<string>();
  return nodes.filter((n) => !seen.has(n.id) && (seen.add(n.id), true));
}

export const lineagePanel = definePanel<{ layout: GraphLayout; truncated: boolean }>({
  id: "lineage",
  title: "Lineage",
  appliesTo: always,
  load: async (s) => {
    const g = lineageGraph(s);
    return { layout: layoutLineage(g.nodes, g.edges), truncated: g.truncated };
  },
  toJson: ({ layout, truncated }): Json => ({
    truncated,
    nodes: layout.nodes.map((n) => ({ id: n.id, kind: n.kind, label: n.label, subject: n.subject === true, layer: n.layer })),
    edges: layout.edges.map((e) => ({ from: e.from, to: e.to, label: e.label })),
  }),
  render: ({ layout, truncated }, s) => {
    const label = new Map(layout.nodes.map((n) => [n.id, n.label]));
    const title = `lineage of ${label.get(s.root) ?? s.root}`;
    return html`${truncated ? html`<p class="warn">The chain's max_lineage_nodes stopped the walk: the lineage is incomplete.</p>` : ""}<div class="graph">${renderLineageSvg(layout, title)}</div>${
      layout.edges.length === 0
        ? html`<p class="empty">no parents, datasets or sources</p>`
        : html`<ul class="edges">${layout.edges.map(
            (e) => html`<li><a href="${viewHref(e.from)}">${label.get(e.from)}</a> ← ${e.label} ← <a href="${viewHref(e.to)}">${label.get(e.to)}</a></li>`,
          )}</ul>`
    }`;
  },
});
