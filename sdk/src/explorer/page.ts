import { html, raw, type SafeHtml, viewHref } from "./html.js";

const STYLE = raw(`
:root{--fg:#1d2330;--muted:#5b6475;--line:#d6dae2;--bg:#f6f7f9;--model:#e8f0fe;--model-b:#3b6fd8;--data:#e7f6ec;--data-b:#2f8a4f;--bad:#b3261e;--warn:#9a6700}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:10px 24px;display:flex;gap:24px;align-items:center}
header a.home{font-weight:700;color:var(--fg);text-decoration:none}header form{display:flex;gap:8px;flex:1}
input[type=search]{flex:1;max-width:640px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
button{padding:6px 14px;border:1px solid var(--model-b);background:var(--model-b);color:#fff;border-radius:6px;font:inherit;cursor:pointer}
main{padding:16px 24px;max-width:1400px}h1{font-size:20px;margin:8px 0 4px}h1 .kind{font-size:12px;text-transform:uppercase;color:var(--muted);margin-right:8px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:14px 0}section h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
table.kv th{width:180px;color:var(--muted);font-weight:500}td.num,th.num{text-align:right}
code.digest{font-size:12px;word-break:break-all}.empty{color:var(--muted)}.warn{color:var(--warn)}.error{color:var(--bad)}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;background:#eef0f3}
.att-status-valid,.status-active,.audit-honest{background:#dff3e4;color:#1f6b3a}.att-status-expired,.status-deprecated,.status-pending,.audit-skipped{background:#fff1cc;color:var(--warn)}
.att-status-revoked,.status-revoked,.audit-fraud{background:#fde2e0;color:var(--bad)}tr.att-revoked td,tr.att-expired td{color:var(--muted)}td.slashed{color:var(--bad);font-weight:600}
.graph{overflow-x:auto}svg.lineage .node rect{stroke-width:1.5}svg.lineage .model rect{fill:var(--model);stroke:var(--model-b)}
svg.lineage .dataset rect{fill:var(--data);stroke:var(--data-b)}svg.lineage .subject rect{stroke-width:3}
svg.lineage text{font:12px system-ui,sans-serif;fill:var(--fg)}svg.lineage text.label{font-weight:600;font-size:13px}svg.lineage text.meta{fill:var(--muted);font-size:11px}
svg.lineage .edge path{fill:none;stroke:#8a93a3;stroke-width:1.4}svg.lineage .edge text{fill:var(--muted);font-size:11px}svg.lineage marker path{fill:#8a93a3}
ul.edges{color:var(--muted);margin:8px 0 0;padding-left:18px}.downloads a{margin:0 4px}
`);

/** The page frame: no script anywhere (the server's CSP forbids it too), styles inline, nothing external. */
export function page(title: string, body: SafeHtml, query = ""): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · Inferchain explorer</title><style>${STYLE}</style></head><body><header><a class="home" href="/">Inferchain explorer</a><form action="/" method="get" role="search"><input type="search" name="q" value="${query}" placeholder="model or dataset: content root, name@version, or part of a name" aria-label="search"><button type="submit">Search</button></form></header><main>${body}</main></body></html>`.value;
}

export interface SearchHit {
  kind: "model" | "dataset";
  root: string;
  name: string;
  version: string;
}

export function searchPage(query: string, hits: readonly SearchHit[] | undefined, scannedAll: boolean): string {
  if (hits === undefined) {
    return page("Search", html`<h1>Search the registry</h1><p>Enter a model or dataset content root (64 hex), a <code>name@version</code>, or part of a name.</p>`);
  }
  const list =
    hits.length === 0
      ? html`<p class="empty">nothing matches “${query}”</p>`
      : html`<table><thead><tr><th>kind</th><th>name</th><th>content root</th></tr></thead><tbody>${hits.map(
          (h) => html`<tr><td>${h.kind}</td><td><a href="${viewHref(h.root)}">${h.name}@${h.version}</a></td><td><code class="digest">${h.root}</code></td></tr>`,
        )}</tbody></table>`;
  return page(`Search ${query}`, html`<h1>Results for “${query}”</h1>${scannedAll ? "" : html`<p class="warn">only the first records of a large registry were searched by name</p>`}${list}`, query);
}

export function errorPage(status: number, message: string, query = ""): string {
  return page(`Error ${status}`, html`<h1>${status === 404 ? "Not found" : status === 400 ? "Bad request" : "Error"}</h1><p class="error">${message}</p>`, query);
}
