import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as CDX from "@cyclonedx/cyclonedx-library";
import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "@inferchain/localnet";
import { buildModelBom, InferchainClient, type SigningInferchainClient } from "@inferchain/sdk";
import { clientFor, inferchainCli, makeArtifact } from "./helpers.js";

// Issue 12 over a real localnet: a 3-level lineage (base <- chat fine-tune <- quantized leaf) with datasets and
// attestations; the leaf's ML-BOM from the CLI and the SDK; the explorer CLI serving it, driven in a real
// headless Chromium (the Debian package; `make chromium` installs it).
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const run = Date.now().toString(36);
const CHROMIUM = process.env.INFERCHAIN_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
const HOSTILE = `<script>window.__pwned=1</script>${run}`;

let alice: SigningInferchainClient; // publisher
let bob: SigningInferchainClient; // auditor
const roots = { web: "", chat: "", base: "", mid: "", leaf: "", hostile: "" };
const names = { base: `bom-base-${run}`, mid: `bom-chat-${run}`, leaf: `bom-chat-q8-${run}`, web: `bom-web-${run}`, chat: `bom-sft-${run}` };
const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);

let explorer: ChildProcess | undefined;
let explorerUrl = "";
let browser: Browser | undefined;

/** Node labels that overflow their box in the browser's actual rendering. */
const overflowingLabels = (page: import("puppeteer-core").Page) =>
  page.$$eval("svg.lineage g.node", (els) =>
    els
      .filter((e) => (e.querySelector("text.label") as SVGTextElement).getBBox().width > Number(e.querySelector("rect")!.getAttribute("width")) - 12)
      .map((e) => e.textContent),
  );

/** Starts `inferchain explorer --port 0` and reads the URL it prints. */
async function startExplorer(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(REPO_ROOT, "sdk", "dist", "cli", "main.js"), "explorer", "--port", "0", "--node", rpc], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`explorer did not start in 30s: ${stderr}`)), 30_000);
    proc.once("exit", (code) => reject(new Error(`explorer exited with ${code}: ${stderr}`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /explorer on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { proc, url };
}

beforeAll(async () => {
  alice = await clientFor(localnet, "alice");
  bob = await clientFor(localnet, "bob");
  const web = await makeArtifact({ "part-0.jsonl": 9000 });
  const chat = await makeArtifact({ "train.jsonl": 5000 });
  roots.web = (await alice.registerDataset({ name: names.web, version: "1", files: web.digest.files, recordCount: 1200, license: "CC-BY-4.0", uri: "https://example.org/data/web" })).contentRoot;
  roots.chat = (await alice.registerDataset({ name: names.chat, version: "1", files: chat.digest.files, recordCount: 300, license: "CC-BY-4.0", sources: [roots.web] })).contentRoot;
  const weights = (seed: number) => makeArtifact({ "model.onnx": 20_000 + seed, "tokenizer.json": 3000, "config.json": 200 + seed });
  const [base, mid, leaf, hostile] = await Promise.all([weights(0), weights(1), weights(2), weights(3)]);
  roots.base = (await alice.registerModel({ name: names.base, version: "1.0", format: "onnx", files: base.digest.files, datasets: [{ dataset: roots.web, role: "pretrain" }], license: "Apache-2.0" })).contentRoot;
  roots.mid = (
    await alice.registerModel({ name: names.mid, version: "1.0", format: "onnx", files: mid.digest.files, parents: [{ model: roots.base, relation: "finetune" }], datasets: [{ dataset: roots.chat, role: "finetune" }], license: "Apache-2.0" })
  ).contentRoot;
  roots.leaf = (await alice.registerModel({ name: names.leaf, version: "1.0", format: "onnx", files: leaf.digest.files, parents: [{ model: roots.mid, relation: "quantized" }], license: "Apache-2.0" })).contentRoot;
  // A model whose name is markup: the chain accepts it (no whitespace), the explorer must show it as text.
  roots.hostile = (await alice.registerModel({ name: HOSTILE, version: "1.0", format: "onnx", files: hostile.digest.files, parents: [{ model: roots.leaf, relation: "adapter" }] })).contentRoot;
  await bob.attest({ subject: roots.leaf, predicate: "eval", score: "0.91", uri: "https://example.org/evals/leaf" });
  const revoked = await bob.attest({ subject: roots.mid, predicate: "safety" });
  await bob.revokeAttestation(revoked.id);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (explorer && explorer.exitCode === null) {
    const exited = new Promise((r) => explorer!.once("exit", r));
    explorer.kill("SIGTERM");
    await exited;
  }
  alice?.disconnect();
  bob?.disconnect();
});

describe("ML-BOM of a fine-tuned, quantized model", () => {
  it("inferchain bom writes a CycloneDX 1.6 BOM that validates and names the base model and the datasets", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "inferchain-bom-")), "leaf.cdx.json");
    const r = await inferchainCli(["bom", `${names.leaf}@1.0`, "--node", rpc, "--out", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 ancestor model\(s\), 2 dataset\(s\), 2 attestation\(s\)/);
    const text = readFileSync(file, "utf8");
    expect(await validator.validate(text)).toBeNull();
    const doc = JSON.parse(text);
    expect(doc.metadata.component).toMatchObject({ type: "machine-learning-model", name: names.leaf, "bom-ref": `model:${roots.leaf}` });
    expect(doc.metadata.component.pedigree.ancestors[0]).toMatchObject({ name: names.mid, properties: expect.arrayContaining([{ name: "inferchain:relation", value: "quantized" }]) });
    const byRef = new Map<string, { type: string; name: string; pedigree?: { ancestors: { name: string }[] } }>(doc.components.map((c: { "bom-ref": string }) => [c["bom-ref"], c]));
    expect(byRef.get(`model:${roots.mid}`)?.pedigree?.ancestors.map((a) => a.name)).toEqual([names.base]);
    expect(byRef.get(`model:${roots.base}`)).toMatchObject({ type: "machine-learning-model", name: names.base });
    expect(byRef.get(`dataset:${roots.chat}`)).toMatchObject({ type: "data", name: names.chat });
    expect(byRef.get(`dataset:${roots.web}`)).toMatchObject({ type: "data", name: names.web });
    const statuses = doc.declarations.evidence.map((e: { data: { name: string; contents: { attachment: { content: string } } }[] }) => e.data.find((d) => d.name === "status")?.contents.attachment.content);
    expect(statuses.sort()).toEqual(["revoked", "valid"]);
  });

  it("buildModelBom over the SDK's provenance gives the same lineage as SPDX 3 JSON-LD", async () => {
    const client = await InferchainClient.connect(rpc);
    try {
      const p = await client.getProvenance(roots.leaf, { includeRevoked: true });
      const doc = buildModelBom(p, { format: "spdx", height: await client.getHeight() }).document;
      const graph = doc["@graph"] as { type: string; name?: string; spdxId?: string; from?: string; to?: string[]; relationshipType?: string }[];
      const idOf = (name: string) => graph.find((e) => e.name === name)?.spdxId;
      const rel = (from: string | undefined, type: string, to: string | undefined) => graph.some((e) => e.type === "Relationship" && e.from === from && e.relationshipType === type && e.to?.includes(to ?? "-"));
      expect(rel(idOf(names.base), "ancestorOf", idOf(names.mid))).toBe(true);
      expect(rel(idOf(names.mid), "ancestorOf", idOf(names.leaf))).toBe(true);
      expect(rel(idOf(names.mid), "trainedOn", idOf(names.chat))).toBe(true);
      expect(rel(idOf(names.web), "ancestorOf", idOf(names.chat))).toBe(true);
    } finally {
      client.disconnect();
    }
  });
});

describe("explorer in headless Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run 'make chromium' (apt-get install chromium) or set INFERCHAIN_CHROMIUM`);
    ({ proc: explorer, url: explorerUrl } = await startExplorer());
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  }, 120_000);

  it("search finds the leaf and its page draws all three model levels and both datasets", async () => {
    const page = await browser!.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const res = await page.goto(`${explorerUrl}/?q=${encodeURIComponent(`${names.leaf}@1.0`)}`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${explorerUrl}/view?ref=${roots.leaf}`);
    const nodes = await page.$$eval("svg.lineage g.node", (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { root: e.getAttribute("data-root"), kind: e.getAttribute("data-kind"), layer: Number(e.getAttribute("data-layer")), text: e.textContent ?? "", w: r.width, h: r.height, top: r.top };
      }),
    );
    const at = (root: string) => nodes.find((n) => n.root === root);
    for (const [root, name] of [[roots.base, names.base], [roots.mid, names.mid], [roots.leaf, names.leaf]] as const) {
      expect(at(root), name).toMatchObject({ kind: "model" });
      expect(at(root)!.text).toContain(name.slice(0, 20));
      expect(at(root)!.w).toBeGreaterThan(100); // actually laid out and drawn
    }
    expect(at(roots.web)?.kind).toBe("dataset");
    expect(at(roots.chat)?.kind).toBe("dataset");
    // Three levels, top to bottom on screen: base above the fine-tune above the leaf.
    expect(at(roots.base)!.top).toBeLessThan(at(roots.mid)!.top);
    expect(at(roots.mid)!.top).toBeLessThan(at(roots.leaf)!.top);
    expect(new Set([at(roots.base)!.layer, at(roots.mid)!.layer, at(roots.leaf)!.layer]).size).toBe(3);
    expect(await overflowingLabels(page)).toEqual([]);
    expect(await page.$$eval("svg.lineage g.edge", (els) => els.length)).toBe(5); // 2 parents, 2 datasets, 1 source
    const statuses = await page.$$eval("#attestations tbody tr", (rows) => rows.map((r) => r.querySelector(".badge")?.textContent ?? ""));
    expect(statuses.map((s) => s.split(" ")[0]).sort()).toEqual(["revoked", "valid"]);
    expect(await page.$eval("#files", (e) => e.textContent ?? "")).toContain("model.onnx");
    expect(await page.$eval("#jobs", (e) => e.textContent ?? "")).toMatch(/0 job\(s\) for this model/);
    await page.screenshot({ path: join(ARTIFACTS, "explorer-lineage.png"), fullPage: true });

    // The BOM link downloads a valid BOM. Fetched from here: the page's CSP (connect-src 'none') keeps even
    // the page's own scripts, were there any, from calling out.
    const href = await page.$eval("a.bom", (a) => a.getAttribute("href") ?? "");
    const download = await fetch(new URL(href, explorerUrl));
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename=".*\.cdx\.json"$/);
    expect(await validator.validate(await download.text())).toBeNull();

    // A node is a link to its own page.
    await Promise.all([page.waitForNavigation(), page.click(`svg.lineage g.node[data-root="${roots.base}"] rect`)]);
    expect(page.url()).toBe(`${explorerUrl}/view?ref=${roots.base}`);
    await page.close();
  });

  it("a model named <script>...</script> renders as text and runs nothing", async () => {
    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${explorerUrl}/view?ref=${roots.hostile}`, { waitUntil: "load" });
    expect(await page.$eval("h1", (e) => e.textContent ?? "")).toContain(`${HOSTILE}@1.0`);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$eval("script", (s) => s.length)).toBe(0);
    expect(dialogs).toEqual([]);
    // Four levels now: the hostile adapter on top of the leaf's lineage.
    expect(await page.$$eval("svg.lineage g.node.model", (els) => els.length)).toBe(4);
    await page.screenshot({ path: join(ARTIFACTS, "explorer-hostile-name.png"), fullPage: true });
    await page.close();
  });

  it("the served model's page lists its settled job with the audit outcome", async () => {
    const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
    const res = await bob.infer({ model: tiny.contentRoot, prompt: "Once upon a time", maxTokens: 6, temperature: 0, timeoutMs: 90_000 });
    const job = await bob.waitForResult(res.jobId, { until: "settled", timeoutMs: 90_000 });
    const page = await browser!.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${explorerUrl}/view?ref=${tiny.contentRoot}`, { waitUntil: "load" });
    const row = await page.$eval(`#jobs tr[data-job="${res.jobId}"]`, (tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? ""));
    expect(row[0]).toBe(res.jobId.toString());
    expect(row[1]).toBe("settled");
    expect(row[2]).toBe(job.executor);
    expect(await overflowingLabels(page)).toEqual([]); // the tiny model's name@version is 30 characters
    expect(row[5]).toMatch(/^(not_selected|skipped|honest)$/); // one validator: no committee to audit with
    await page.$eval("#jobs", (e) => e.scrollIntoView());
    await page.screenshot({ path: join(ARTIFACTS, "explorer-jobs.png"), fullPage: true });
    await page.close();
  });

  it("a dataset's page shows where it comes from", async () => {
    const page = await browser!.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(`${explorerUrl}/?q=${encodeURIComponent(`${names.chat}@1`)}`, { waitUntil: "load" });
    expect(page.url()).toBe(`${explorerUrl}/view?ref=${roots.chat}`);
    const roots_ = await page.$$eval("svg.lineage g.node", (els) => els.map((e) => e.getAttribute("data-root")));
    expect(roots_.sort()).toEqual([roots.chat, roots.web].sort());
    await page.screenshot({ path: join(ARTIFACTS, "explorer-dataset.png"), fullPage: true });
    await page.close();
  });
});
