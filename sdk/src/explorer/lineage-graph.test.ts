import { describe, expect, it } from "vitest";
import { escapeHtml, html, raw, safeHref } from "./html.js";
import { layoutLineage, NODE_W, renderLineageSvg, type GraphNode } from "./lineage-graph.js";

const n = (id: string, kind: GraphNode["kind"] = "model", subject = false): GraphNode => ({ id, kind, label: id, subject });

describe("layoutLineage", () => {
  it("puts each node on the row of its longest path from the subject, oldest on top", () => {
    // leaf -> mid -> base, leaf -> base directly too (a merge), base -> data
    const layout = layoutLineage(
      [n("leaf", "model", true), n("mid"), n("base"), n("data", "dataset")],
      [
        { from: "leaf", to: "mid", label: "finetune" },
        { from: "mid", to: "base", label: "finetune" },
        { from: "leaf", to: "base", label: "merge" },
        { from: "base", to: "data", label: "pretrain" },
      ],
    );
    const layer = Object.fromEntries(layout.nodes.map((x) => [x.id, x.layer]));
    expect(layer).toEqual({ data: 0, base: 1, mid: 2, leaf: 3 });
    // No two nodes overlap.
    for (const a of layout.nodes) for (const b of layout.nodes) if (a !== b && a.layer === b.layer) expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual(NODE_W);
    expect(layout.height).toBeGreaterThan(0);
  });

  it("drops edges to unknown nodes and terminates on a cycle", () => {
    const layout = layoutLineage([n("a", "model", true), n("b")], [{ from: "a", to: "b", label: "x" }, { from: "b", to: "a", label: "y" }, { from: "a", to: "zzz", label: "z" }]);
    expect(layout.nodes).toHaveLength(2);
    expect(layout.edges).toHaveLength(2);
  });

  it("renders escaped SVG with a link per node", () => {
    const svg = renderLineageSvg(layoutLineage([{ id: "r".repeat(64), kind: "model", label: "<b>x</b>", subject: true }], []), "t<").value;
    expect(svg).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(svg).toContain('aria-label="t&lt;"');
    expect(svg).toContain(`href="/view?ref=${"r".repeat(64)}"`);
  });
});

describe("html", () => {
  it("escapes every interpolation unless it is SafeHtml", () => {
    expect(html`<p title="${`"'<>&`}">${"<i>"}${raw("<b>ok</b>")}${[1, "<", html`<u>${"&"}</u>`]}</p>`.value).toBe(
      '<p title="&quot;&#39;&lt;&gt;&amp;">&lt;i&gt;<b>ok</b>1&lt;<u>&amp;</u></p>',
    );
    expect(escapeHtml("a&b")).toBe("a&amp;b");
  });

  it("links only http(s) URIs", () => {
    expect(safeHref("https://example.org/x")).toBe("https://example.org/x");
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("data:text/html,<script>")).toBeUndefined();
    expect(safeHref("not a url")).toBeUndefined();
  });
});
