import { datasetToJson, modelToJson } from "../../client/json.js";
import { modelStatusName } from "../../refs.js";
import { html, safeHref, type HtmlValue } from "../html.js";
import { digest } from "./format.js";
import { always, definePanel } from "./panel.js";

const row = (label: string, value: HtmlValue) => (value === "" || value === undefined ? "" : html`<tr><th>${label}</th><td>${value}</td></tr>`);
const link = (uri: string) => {
  const href = safeHref(uri);
  return href ? html`<a href="${href}" rel="noopener noreferrer">${uri}</a>` : uri;
};

/** What the record is: names, publisher, license, status, digests; for models, the BOM downloads. */
export const summaryPanel = definePanel<null>({
  id: "summary",
  title: "Record",
  appliesTo: always,
  load: async () => null,
  toJson: (_, s) => (s.kind === "model" ? modelToJson(s.model) : datasetToJson(s.dataset)),
  render: (_, s) => {
    if (s.kind === "dataset") {
      const d = s.dataset;
      return html`<table class="kv">${[
        row("name", `${d.name}@${d.version}`),
        row("content root", digest(d.contentRoot)),
        row("publisher", d.publisher),
        row("license", d.license),
        row("records", d.recordCount.toString()),
        row("bytes", d.totalBytes.toString()),
        row("uri", d.uri === "" ? "" : link(d.uri)),
        row("registered at height", d.createdHeight.toString()),
      ]}</table>`;
    }
    const m = s.model;
    const bom = (format: string, label: string) => html`<a class="bom" href="/api/bom?ref=${m.contentRoot}&amp;format=${format}" download>${label}</a>`;
    return html`<table class="kv">${[
      row("name", `${m.name}@${m.version}`),
      row("content root", digest(m.contentRoot)),
      row("publisher", m.publisher),
      row("format", m.format),
      row("license", m.license),
      row("status", html`<span class="badge status-${modelStatusName(m.status)}">${modelStatusName(m.status)}</span>${m.statusReason !== "" ? html` ${m.statusReason}` : ""}`),
      row("superseded by", m.supersededBy === "" ? "" : digest(m.supersededBy)),
      row("bytes", m.totalBytes.toString()),
      row("recipe hash", m.recipeHash === "" ? "" : digest(m.recipeHash)),
      row("card", m.cardUri === "" ? "" : link(m.cardUri)),
      row("card hash", m.cardHash === "" ? "" : digest(m.cardHash)),
      row("registered at height", m.createdHeight.toString()),
    ]}</table><p class="downloads">ML-BOM: ${bom("cyclonedx", "CycloneDX 1.6 JSON")} · ${bom("spdx", "SPDX 3.0.1 JSON-LD")}</p>`;
  },
});
