import { attestationToJson } from "../../client/json.js";
import { attestationStatus } from "../../bom/subjects.js";
import type { Attestation } from "../../generated/inferchain/registry/v1/types.js";
import { html, safeHref, viewHref } from "../html.js";
import type { Subject } from "../source.js";
import { digest } from "./format.js";
import { always, definePanel } from "./panel.js";

interface Row {
  attestation: Attestation;
  subjectLabel: string;
  status: ReturnType<typeof attestationStatus>;
}

function rows(s: Subject): Row[] {
  const labels = new Map<string, string>();
  const lists = s.kind === "model" ? s.provenance.attestations : s.attestations;
  if (s.kind === "model") {
    for (const m of [s.provenance.model, ...s.provenance.ancestors]) labels.set(m.contentRoot, `${m.name}@${m.version}`);
    for (const d of s.provenance.datasets) labels.set(d.contentRoot, `${d.name}@${d.version}`);
  } else for (const d of [s.dataset, ...s.sources]) labels.set(d.contentRoot, `${d.name}@${d.version}`);
  return Object.values(lists)
    .flat()
    .map((a) => ({ attestation: a, subjectLabel: labels.get(a.subject) ?? a.subject, status: attestationStatus(a, s.height) }));
}

/** Every attestation on the subject and its lineage, with its status at the page's height. */
export const attestationsPanel = definePanel<Row[]>({
  id: "attestations",
  title: "Attestations",
  appliesTo: always,
  load: async (s) => rows(s),
  toJson: (list, s) => ({ height: s.height.toString(), attestations: list.map((r) => ({ status: r.status, attestation: attestationToJson(r.attestation) })) }),
  render: (list, s) => {
    if (list.length === 0) return html`<p class="empty">no attestations on this record or its lineage</p>`;
    return html`<p>status at height ${s.height}.</p><table class="attestations"><thead><tr><th>id</th><th>subject</th><th>predicate</th><th>attester</th><th>score</th><th>issued</th><th>expires</th><th>status</th><th>method / result hash</th><th>uri</th></tr></thead><tbody>${list.map(
      ({ attestation: a, subjectLabel, status }) => {
        const href = safeHref(a.uri);
        return html`<tr class="att-${status}" data-attestation="${a.id}"><td>${a.id}</td><td><a href="${viewHref(a.subject)}">${subjectLabel}</a></td><td>${a.predicate}</td><td><code>${a.attester}</code></td><td>${a.score}</td><td>${a.issuedHeight}</td><td>${a.expiresHeight > 0n ? a.expiresHeight.toString() : "never"}</td><td><span class="badge att-status-${status}">${status}${a.revoked ? ` at ${a.revokedHeight}` : ""}</span></td><td>${a.methodHash === "" ? "" : digest(a.methodHash)}${a.resultHash === "" ? "" : html`<br>${digest(a.resultHash)}`}</td><td>${a.uri === "" ? "" : href ? html`<a href="${href}" rel="noopener noreferrer">${a.uri}</a>` : a.uri}</td></tr>`;
      },
    )}</tbody></table>`;
  },
});
