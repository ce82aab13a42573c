import { html, type SafeHtml, viewHref } from "./html.js";

export interface GraphNode {
  /** Content root. */
  id: string;
  kind: "model" | "dataset";
  label: string;
  /** The node the page is about. */
  subject?: boolean;
}

/** From the newer artifact to what went into it (as the chain's lineage edges). */
export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

export interface PlacedNode extends GraphNode {
  /** Row from the top: the oldest inputs on row 0, the subject on the last row. */
  layer: number;
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

export const NODE_W = 230;
export const NODE_H = 54;
const GAP_X = 36;
const GAP_Y = 74;
const MARGIN = 16;

/**
 * A layered layout of a lineage DAG: a node's depth is its longest path from the subject, so every edge
 * points to a higher row; rows are ordered by kind and name, then once by the barycenter of the nodes
 * above they point to (fewer crossings for the usual chain-of-fine-tunes shape). Edges to unknown nodes
 * are dropped; a cycle (which the chain refuses) cannot loop: depths stop growing after |nodes| rounds.
 */
export function layoutLineage(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): GraphLayout {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const kept = edges.filter((e) => byId.has(e.from) && byId.has(e.to) && e.from !== e.to);
  const depth = new Map(nodes.map((n) => [n.id, 0]));
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const e of kept) {
      const d = depth.get(e.from)! + 1;
      if (d > depth.get(e.to)! && d < nodes.length) {
        depth.set(e.to, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const maxDepth = Math.max(0, ...depth.values());
  const rows: GraphNode[][] = Array.from({ length: maxDepth + 1 }, () => []);
  for (const n of nodes) rows[maxDepth - depth.get(n.id)!]!.push(n);
  const order = (a: GraphNode, b: GraphNode) => (a.kind === b.kind ? a.label.localeCompare(b.label) || a.id.localeCompare(b.id) : a.kind === "model" ? -1 : 1);
  const column = new Map<string, number>();
  rows.forEach((row, r) => {
    row.sort(order);
    if (r > 0) {
      const bary = (n: GraphNode): number => {
        const ups = kept.filter((e) => e.from === n.id).map((e) => column.get(e.to)).filter((c): c is number => c !== undefined);
        return ups.length === 0 ? Number.POSITIVE_INFINITY : ups.reduce((s, c) => s + c, 0) / ups.length;
      };
      const keys = new Map(row.map((n, i) => [n.id, [bary(n), i] as const]));
      row.sort((a, b) => keys.get(a.id)![0] - keys.get(b.id)![0] || keys.get(a.id)![1] - keys.get(b.id)![1]);
    }
    row.forEach((n, i) => column.set(n.id, i));
  });
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X;
  const placed: PlacedNode[] = [];
  rows.forEach((row, r) => {
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    const left = (width - rowWidth) / 2;
    row.forEach((n, i) => placed.push({ ...n, layer: r, x: left + i * (NODE_W + GAP_X), y: MARGIN + r * (NODE_H + GAP_Y) }));
  });
  return { nodes: placed, edges: kept, width, height: MARGIN * 2 + rows.length * NODE_H + (rows.length - 1) * GAP_Y };
}

// Bold 13px sans runs up to about 8.5px a character (DejaVu Sans, the Debian default): longer labels are
// clipped (the full one is in <title>); the e2e test measures the rendered width in Chromium.
const LABEL_CHARS = Math.floor((NODE_W - 24) / 8.5);
const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The layout as inline SVG (no script, no external resources): nodes link to their own pages. */
export function renderLineageSvg(layout: GraphLayout, title: string): SafeHtml {
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const edges = layout.edges.map((e) => {
    // Drawn from the input (upper) to what was made from it (lower).
    const up = at.get(e.to)!;
    const down = at.get(e.from)!;
    const x1 = up.x + NODE_W / 2;
    const y1 = up.y + NODE_H;
    const x2 = down.x + NODE_W / 2;
    const y2 = down.y - 4;
    const my = (y1 + y2) / 2;
    return html`<g class="edge" data-from="${e.to}" data-to="${e.from}"><path d="M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}" marker-end="url(#arrow)"/><text x="${(x1 + x2) / 2}" y="${my - 3}" text-anchor="middle">${e.label}</text></g>`;
  });
  const nodes = layout.nodes.map((n) => {
    const cls = `node ${n.kind}${n.subject ? " subject" : ""}`;
    return html`<a href="${viewHref(n.id)}"><g class="${cls}" data-root="${n.id}" data-kind="${n.kind}" data-layer="${n.layer}"><title>${n.label} (${n.kind}, ${n.id})</title><rect x="${n.x}" y="${n.y}" width="${NODE_W}" height="${NODE_H}" rx="8"/><text class="label" x="${n.x + 12}" y="${n.y + 22}">${clip(n.label, LABEL_CHARS)}</text><text class="meta" x="${n.x + 12}" y="${n.y + 41}">${n.kind} · ${n.id.slice(0, 16)}…</text></g></a>`;
  });
  return html`<svg class="lineage" xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="${title}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${edges}${nodes}</svg>`;
}
