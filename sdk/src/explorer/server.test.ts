import * as CDX from "@cyclonedx/cyclonedx-library";
import { afterEach, describe, expect, it } from "vitest";
import { SYNTHETIC_HEIGHT, syntheticLineage } from "../testing/provenance.js";
import { fakeExplorerSource, syntheticJobs } from "../testing/explorer-source.js";
import { MatchEstimate, Project, Round, RoundStatus } from "../generated/inferchain/funding/v1/types.js";
import { Job, JobStatus } from "../generated/inferchain/inference/v1/types.js";
import { html } from "./html.js";
import { defaultPanels, definePanel } from "./panels/index.js";
import { recentJobsOfModel } from "./panels/jobs.js";
import { buildExplorer } from "./server.js";
import type { FastifyInstance } from "fastify";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function explorer(opts: { leafName?: string; mutate?: (l: ReturnType<typeof syntheticLineage>) => void } = {}) {
  const lineage = syntheticLineage(opts.leafName ? { leafName: opts.leafName } : {});
  opts.mutate?.(lineage);
  const source = fakeExplorerSource(lineage);
  const app = buildExplorer({ source });
  apps.push(app);
  return { app, lineage, source };
}

const get = (app: FastifyInstance, url: string) => app.inject({ method: "GET", url });
/** The SVG node groups: [root, kind, layer] in document order. */
const svgNodes = (body: string) => [...body.matchAll(/<g class="node (\w+)[^"]*" data-root="([0-9a-f]{64})" data-kind="\w+" data-layer="(\d+)"/g)].map((m) => ({ kind: m[1], root: m[2], layer: Number(m[3]) }));

describe("explorer pages", () => {
  it("a model's page draws its 3-level lineage with datasets, files, attestations, jobs and BOM links", async () => {
    const { app, lineage } = explorer();
    const { roots } = lineage;
    const res = await get(app, "/view?ref=tiny-chat-q8@1.0");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    const body = res.body;
    const nodes = svgNodes(body);
    const layer = (root: string) => nodes.find((n) => n.root === root)?.layer;
    expect(nodes.filter((n) => n.kind === "model").map((n) => n.root).sort()).toEqual([roots.base, roots.mid, roots.leaf].sort());
    expect(nodes.filter((n) => n.kind === "dataset").map((n) => n.root).sort()).toEqual([roots.web, roots.chat, roots.evalset].sort());
    // Oldest at the top: base above mid above leaf; web (base's and chat's input) above everything.
    expect(layer(roots.base)!).toBeLessThan(layer(roots.mid)!);
    expect(layer(roots.mid)!).toBeLessThan(layer(roots.leaf)!);
    expect(layer(roots.web)!).toBeLessThan(layer(roots.base)!);
    expect(body).toMatch(/class="node model subject" data-root="[0-9a-f]{64}"/);
    expect(body.match(/<g class="edge"/g)).toHaveLength(lineage.provenance.edges.length);
    for (const f of lineage.provenance.files) expect(body).toContain(f.root);
    expect(body).toMatch(/data-attestation="1"[\s\S]*?att-status-valid/);
    expect(body).toMatch(/data-attestation="2"[\s\S]*?att-status-expired/);
    expect(body).toMatch(/data-attestation="3"[\s\S]*?att-status-revoked">revoked at 60/);
    expect(body).toMatch(/data-job="8"[\s\S]*?audit-fraud[\s\S]*?class="slashed">5000uinfer/);
    expect(body).toMatch(/data-job="7"[\s\S]*?audit-honest/);
    expect(body).not.toContain('data-job="9"'); // another model's job
    expect(body).toContain(`/api/bom?ref=${roots.leaf}&amp;format=cyclonedx`);
    expect(body).toContain(`/api/bom?ref=${roots.leaf}&amp;format=spdx`);
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(body).not.toMatch(/<script|https?:\/\/(?!example\.org|www\.w3\.org)/); // no script, nothing external but the record's own links
  });

  it("renders chain strings as text: a <script> model name, hostile predicates and javascript: URIs are inert", async () => {
    const evil = `<script>alert("x")</script>`;
    const { app } = explorer({
      leafName: evil,
      mutate: (l) => {
        const a = l.provenance.attestations[l.roots.leaf]![0]!;
        a.predicate = `<img src=x onerror=alert(1)>`;
        a.uri = "javascript:alert(1)";
        l.provenance.ancestors[1]!.cardUri = `https://example.org/"><script>alert(2)</script>`;
      },
    });
    const res = await get(app, `/view?ref=${encodeURIComponent(`${evil}@1.0`)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("<script");
    expect(res.body).not.toContain("<img");
    expect(res.body).not.toMatch(/href="javascript:/i);
    expect(res.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(res.body).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(res.body).toContain("javascript:alert(1)"); // shown as text, not a link
    const base = await get(app, `/view?ref=tiny-base@1.0`);
    expect(base.body).not.toContain("<script");
    // The search box echoes the query escaped, and the error page escapes the message.
    const search = await get(app, `/?q=${encodeURIComponent(`"><script>alert(3)</script>`)}`);
    expect(search.body).not.toContain("<script");
    const bad = await get(app, `/view?ref=${encodeURIComponent("<script>alert(4)</script>")}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain("<script");
    expect(bad.body).toContain("&lt;script&gt;");
  });

  it("a dataset's page shows its sources and attestations, and no jobs section", async () => {
    const { app, lineage } = explorer();
    const res = await get(app, "/view?ref=chat-sft@1");
    expect(res.statusCode).toBe(200);
    const nodes = svgNodes(res.body);
    expect(nodes.map((n) => n.root).sort()).toEqual([lineage.roots.chat, lineage.roots.web].sort());
    expect(res.body).toContain('id="attestations"');
    expect(res.body).not.toContain('id="jobs"');
    expect(res.body).not.toContain("/api/bom");
  });

  it("answers a bad reference with 400 and an unknown one with 404", async () => {
    const { app } = explorer();
    expect((await get(app, "/view?ref=nope")).statusCode).toBe(400);
    expect((await get(app, "/view")).statusCode).toBe(400);
    expect((await get(app, `/view?ref=${"0".repeat(64)}`)).statusCode).toBe(404);
    expect((await get(app, "/view?ref=a@1&ref=b@1")).statusCode).toBe(400);
  });

  it("search redirects an exact reference to its page and lists name matches otherwise", async () => {
    const { app, lineage } = explorer();
    const exact = await get(app, "/?q=tiny-chat@1.0");
    expect(exact.statusCode).toBe(303);
    expect(exact.headers.location).toBe(`/view?ref=${lineage.roots.mid}`);
    const byRoot = await get(app, `/?q=${lineage.roots.web}`);
    expect(byRoot.headers.location).toBe(`/view?ref=${lineage.roots.web}`);
    const partial = await get(app, "/?q=TINY");
    expect(partial.statusCode).toBe(200);
    expect(partial.body.match(/href="\/view\?ref=[0-9a-f]{64}"/g)).toHaveLength(3);
    const json = await get(app, "/api/search?q=corpus");
    expect(json.json()).toMatchObject({ complete: true, hits: [{ kind: "dataset", name: "web-corpus", root: lineage.roots.web }] });
    expect((await get(app, "/")).statusCode).toBe(200);
  });
});

describe("explorer JSON API", () => {
  it("/api/subject returns every panel's data", async () => {
    const { app, lineage } = explorer();
    const res = await get(app, `/api/subject?ref=${lineage.roots.leaf}`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { kind: string; height: string; panels: Record<string, any> };
    expect(body.kind).toBe("model");
    expect(body.height).toBe(SYNTHETIC_HEIGHT.toString());
    expect(Object.keys(body.panels)).toEqual(defaultPanels.map((p) => p.id));
    expect(body.panels.summary).toMatchObject({ name: "tiny-chat-q8", contentRoot: lineage.roots.leaf });
    expect(body.panels.lineage.nodes).toHaveLength(6);
    expect(body.panels.attestations.attestations.map((a: { status: string }) => a.status).sort()).toEqual(["expired", "revoked", "valid", "valid"]);
    expect(body.panels.jobs.jobs.map((j: { id: string }) => j.id)).toEqual(["8", "7"]);
    expect(body.panels.files.files.map((f: { root: string }) => f.root)).toEqual(lineage.provenance.files.map((f) => f.root));
  });

  it("/api/subject: errors are JSON with the typed code", async () => {
    const { app } = explorer();
    const res = await get(app, `/api/subject?ref=${"1".repeat(64)}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "not_found" });
  });

  it("/api/bom downloads a CycloneDX BOM that passes the strict validator, and SPDX on request", async () => {
    const { app, lineage } = explorer();
    const cdx = await get(app, `/api/bom?ref=tiny-chat-q8@1.0`);
    expect(cdx.statusCode).toBe(200);
    expect(cdx.headers["content-type"]).toMatch(/application\/vnd\.cyclonedx\+json/);
    expect(cdx.headers["content-disposition"]).toBe('attachment; filename="tiny-chat-q8-1.0.cdx.json"');
    expect(await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(cdx.body)).toBeNull();
    expect(JSON.parse(cdx.body).metadata.component["bom-ref"]).toBe(`model:${lineage.roots.leaf}`);
    const spdx = await get(app, `/api/bom?ref=tiny-chat-q8@1.0&format=spdx`);
    expect(JSON.parse(spdx.body)["@context"]).toBe("https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
    expect((await get(app, `/api/bom?ref=tiny-chat-q8@1.0&format=xml`)).statusCode).toBe(400);
    expect((await get(app, `/api/bom?ref=chat-sft@1`)).statusCode).toBe(400);
  });

  it("a file name for the download never carries a chain string's quotes or slashes", async () => {
    const { app } = explorer({ leafName: `../"evil"` });
    const res = await get(app, `/api/bom?ref=${encodeURIComponent(`../"evil"@1.0`)}`);
    expect(res.headers["content-disposition"]).toBe('attachment; filename="_evil_-1.0.cdx.json"');
  });
});

describe("explorer panels", () => {
  it("a new panel is one definePanel module: it shows on the page and in the API", async () => {
    const lineage = syntheticLineage();
    const extra = definePanel<{ rounds: number }>({
      id: "extra",
      title: "Extra rounds",
      appliesTo: (s) => s.kind === "model",
      load: async () => ({ rounds: 2 }),
      toJson: (d) => d,
      render: (d) => html`<p class="rounds">${d.rounds} rounds</p>`,
    });
    const app = buildExplorer({ source: fakeExplorerSource(lineage), panels: [...defaultPanels, extra] });
    apps.push(app);
    const page = await get(app, "/view?ref=tiny-chat-q8@1.0");
    expect(page.body).toContain('<section id="extra"><h2>Extra rounds</h2><p class="rounds">2 rounds</p></section>');
    expect((await get(app, "/api/subject?ref=tiny-chat-q8@1.0")).json().panels.extra).toEqual({ rounds: 2 });
    expect((await get(app, "/view?ref=chat-sft@1")).body).not.toContain('id="extra"');
  });

  it("funding: the rounds in which the subject is a project, with contributions and match; chain strings escaped", async () => {
    const lineage = syntheticLineage();
    const leaf = lineage.roots.leaf;
    const rounds = [
      Round.fromPartial({ id: 1n, title: "<b>spring</b>", status: RoundStatus.ROUND_STATUS_FINALIZED, startHeight: 10n, endHeight: 20n, matchingPool: { denom: "uinfer", amount: "10000" } }),
      Round.fromPartial({ id: 2n, title: "autumn", status: RoundStatus.ROUND_STATUS_OPEN, startHeight: 90n, endHeight: 200n, matchingPool: { denom: "uinfer", amount: "500" } }),
      Round.fromPartial({ id: 3n, title: "other", status: RoundStatus.ROUND_STATUS_OPEN, startHeight: 90n, endHeight: 200n, matchingPool: { denom: "uinfer", amount: "1" } }),
    ];
    const projects = {
      "1": [Project.fromPartial({ roundId: 1n, id: 1n, subject: leaf, recipient: "infer1pub", total: "900", contributors: 9 }), Project.fromPartial({ roundId: 1n, id: 2n, subject: lineage.roots.base, total: "8200", contributors: 2 })],
      "2": [Project.fromPartial({ roundId: 2n, id: 1n, subject: leaf, recipient: "infer1pub", total: "40", contributors: 2 })],
      "3": [Project.fromPartial({ roundId: 3n, id: 1n, subject: lineage.roots.base, total: "5", contributors: 1 })],
    };
    const estimates = { "1": [MatchEstimate.fromPartial({ projectId: 1n, match: "8000" }), MatchEstimate.fromPartial({ projectId: 2n, match: "2000" })], "2": [MatchEstimate.fromPartial({ projectId: 1n, match: "120" })] };
    const app = buildExplorer({ source: fakeExplorerSource(lineage, syntheticJobs(lineage), { rounds, projects, estimates }) });
    apps.push(app);
    const json = (await get(app, `/api/subject?ref=${leaf}`)).json().panels.funding;
    expect(json).toMatchObject({ roundsRead: 3, complete: true });
    expect(json.entries.map((e: { round: string; status: string; contributions: string; match: string }) => [e.round, e.status, e.contributions, e.match])).toEqual([
      ["2", "open", "40", "120"],
      ["1", "finalized", "900", "8000"],
    ]);
    const page = (await get(app, `/view?ref=${leaf}`)).body;
    expect(page).toContain('<section id="funding"><h2>Funding rounds</h2>');
    expect(page).toContain("&lt;b&gt;spring&lt;/b&gt;");
    expect(page).toContain("120 (estimate)");
    const none = (await get(app, "/view?ref=chat-sft@1")).body;
    expect(none).toContain("not a project in any funding round");
  });

  it("recent jobs: newest first, this model's only, bounded scan", async () => {
    const lineage = syntheticLineage();
    const many = Array.from({ length: 250 }, (_, i) => Job.fromPartial({ id: BigInt(i + 1), model: i % 2 === 0 ? lineage.roots.leaf : lineage.roots.base, status: JobStatus.JOB_STATUS_SETTLED }));
    const source = fakeExplorerSource(lineage, many);
    const r = await recentJobsOfModel(source, lineage.roots.leaf, 5);
    expect(r.jobs.map((j) => j.id)).toEqual([249n, 247n, 245n, 243n, 241n]);
    expect(r.complete).toBe(false);
    const capped = await recentJobsOfModel(source, lineage.roots.mid, 20, 150);
    expect(capped).toMatchObject({ jobs: [], scanned: 150, complete: false });
    const all = await recentJobsOfModel(fakeExplorerSource(lineage, syntheticJobs(lineage)), lineage.roots.base);
    expect(all).toMatchObject({ scanned: 3, complete: true });
    expect(all.jobs.map((j) => j.id)).toEqual([9n]);
  });
});
