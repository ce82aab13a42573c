import { html } from "../html.js";
import { digest, filesTable } from "./format.js";
import { always, definePanel } from "./panel.js";

/** The subject's files with their Merkle roots, and the content root over them. */
export const filesPanel = definePanel<null>({
  id: "files",
  title: "Files and Merkle roots",
  appliesTo: always,
  load: async () => null,
  toJson: (_, s) => {
    const a = s.kind === "model" ? s.model : s.dataset;
    return { contentRoot: a.contentRoot, totalBytes: a.totalBytes.toString(), files: a.files.map((f) => ({ path: f.path, size: f.size.toString(), root: f.root })) };
  },
  render: (_, s) => {
    const a = s.kind === "model" ? s.model : s.dataset;
    return html`<p>content root ${digest(a.contentRoot)} over ${a.files.length} file(s), ${a.totalBytes} bytes. Roots are RFC 6962 Merkle roots over 4 KiB SHA-256 leaves (verify local files with <code>inferchain verify</code>).</p>${filesTable(a.files)}`;
  },
});
