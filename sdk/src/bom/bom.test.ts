import * as CDX from "@cyclonedx/cyclonedx-library";
import { describe, expect, it } from "vitest";
import type { Json } from "../client/json.js";
import { InferchainError } from "../errors.js";
import { SYNTHETIC_HEIGHT, syntheticLineage } from "../testing/provenance.js";
import { buildModelBom, SPDX_CONTEXT } from "./index.js";

type Obj = { [key: string]: Json };
const fixed = { timestamp: new Date("2026-01-02T03:04:05.678Z"), serialNumber: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", height: SYNTHETIC_HEIGHT, chainId: "inferchain-test-1" };
const { provenance, roots } = syntheticLineage();

const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
const prop = (c: Obj, name: string): string[] => ((c.properties as Obj[] | undefined) ?? []).filter((p) => p.name === name).map((p) => p.value as string);
/** Every value under `key` anywhere in the document. */
function collectKey(value: Json, key: string, out: Json[] = []): Json[] {
  if (Array.isArray(value)) value.forEach((v) => collectKey(v, key, out));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(v);
      collectKey(v, key, out);
    }
  }
  return out;
}

describe("CycloneDX 1.6 ML-BOM", () => {
  const bom = buildModelBom(provenance, { ...fixed, format: "cyclonedx" });
  const doc = bom.document;
  const leaf = (doc.metadata as Obj).component as Obj;
  const components = doc.components as Obj[];
  const byRef = new Map(components.map((c) => [c["bom-ref"] as string, c]));

  it("passes the library's strict CycloneDX 1.6 JSON schema validator", async () => {
    expect(doc.specVersion).toBe("1.6");
    expect(await validator.validate(JSON.stringify(doc))).toBeNull();
  });

  it("the validator is not vacuous: a field the schema does not know is refused", async () => {
    const broken = structuredClone(doc);
    (((broken.declarations as Obj).claims as Obj[])[0] as Obj).confidence = 1;
    expect(await validator.validate(JSON.stringify(broken))).not.toBeNull();
  });

  it("describes the model as a machine-learning-model with a modelCard naming its datasets", () => {
    expect(leaf).toMatchObject({ type: "machine-learning-model", name: "tiny-chat-q8", version: "1.0", "bom-ref": `model:${roots.leaf}` });
    expect(leaf.modelCard).toMatchObject({ modelParameters: { datasets: [{ ref: `dataset:${roots.evalset}` }] } });
    expect(prop(leaf.modelCard as Obj, "inferchain:format")).toEqual(["onnx"]);
    expect(prop(leaf.modelCard as Obj, "inferchain:dataset")).toEqual([`${roots.evalset} eval`]);
    expect(prop(leaf, "inferchain:content_root")).toEqual([roots.leaf]);
  });

  it("lists every ancestor with its relation in pedigree, and each ancestor as a component of its own", () => {
    expect(leaf.pedigree).toEqual({
      ancestors: [{ type: "machine-learning-model", name: "tiny-chat", version: "1.0", properties: [{ name: "inferchain:content_root", value: roots.mid }, { name: "inferchain:relation", value: "quantized" }] }],
    });
    const mid = byRef.get(`model:${roots.mid}`)!;
    expect(((mid.pedigree as Obj).ancestors as Obj[]).map((a) => [a.name, prop(a, "inferchain:relation")[0]])).toEqual([["tiny-base", "finetune"]]);
    const base = byRef.get(`model:${roots.base}`)!;
    expect(base.pedigree).toBeUndefined();
    expect(base.externalReferences).toEqual([{ type: "model-card", url: "https://example.org/cards/tiny-base" }]);
  });

  it("has every dataset as a data component with its sources", () => {
    for (const root of [roots.web, roots.chat, roots.evalset]) expect(byRef.get(`dataset:${root}`)?.type).toBe("data");
    const chat = byRef.get(`dataset:${roots.chat}`)!;
    expect(chat.data).toEqual([{ type: "dataset", name: "chat-sft", description: "derived from web-corpus" }]);
    expect(prop(chat, "inferchain:source")).toEqual([roots.web]);
    expect((byRef.get(`dataset:${roots.web}`)!.data as Obj[])[0]).toMatchObject({ contents: { url: "https://example.org/data/web" } });
  });

  it("encodes the lineage as dependencies between existing bom-refs", () => {
    const deps = new Map((doc.dependencies as Obj[]).map((d) => [d.ref as string, ((d.dependsOn as string[] | undefined) ?? []).slice().sort()]));
    expect(deps.get(`model:${roots.leaf}`)).toEqual([`dataset:${roots.evalset}`, `model:${roots.mid}`].sort());
    expect(deps.get(`model:${roots.mid}`)).toEqual([`dataset:${roots.chat}`, `model:${roots.base}`].sort());
    expect(deps.get(`dataset:${roots.chat}`)).toEqual([`dataset:${roots.web}`]);
    const refs = new Set(collectKey(doc, "bom-ref") as string[]);
    for (const [from, to] of deps) for (const r of [from, ...to]) expect(refs.has(r), r).toBe(true);
    expect(refs.size).toBe(collectKey(doc, "bom-ref").length); // bom-refs are unique
  });

  it("carries Merkle roots as properties and never claims them as SHA-256 hashes", () => {
    expect(collectKey(doc, "hashes")).toEqual([]);
    const files = leaf.components as Obj[];
    expect(files.map((f) => [f.type, f.name, prop(f, "inferchain:file_root")[0], prop(f, "inferchain:size")[0]])).toEqual(
      provenance.files.map((f) => ["file", f.path, f.root, f.size.toString()]),
    );
    expect(prop(doc.metadata as Obj, "inferchain:digest_scheme")[0]).toMatch(/Not a SHA-256 of the file bytes/);
    expect(prop(doc.metadata as Obj, "inferchain:height")).toEqual(["100"]);
  });

  it("uses SPDX license ids, and expressions where the license is one", () => {
    expect(leaf.licenses).toEqual([{ expression: "MIT OR Apache-2.0" }]);
    expect(byRef.get(`model:${roots.base}`)!.licenses).toEqual([{ license: { id: "Apache-2.0" } }]);
    expect(byRef.get(`dataset:${roots.evalset}`)!.licenses).toEqual([{ license: { id: "CC0-1.0" } }]);
  });

  it("lists attestations as declarations: claims on their subject, evidence with hashes and status", () => {
    const decl = doc.declarations as Obj;
    const claims = decl.claims as Obj[];
    expect(claims.map((c) => [c["bom-ref"], c.target, c.predicate])).toEqual([
      ["claim:1", `model:${roots.leaf}`, "eval"],
      ["claim:2", `model:${roots.leaf}`, "safety"],
      ["claim:3", `model:${roots.mid}`, "license-audit"],
      ["claim:4", `dataset:${roots.chat}`, "license-audit"],
    ]);
    const evidence = new Map((decl.evidence as Obj[]).map((e) => [e["bom-ref"], new Map((e.data as Obj[]).map((d) => [d.name, ((d.contents as Obj).attachment as Obj).content]))]));
    expect([1, 2, 3, 4].map((i) => evidence.get(`evidence:${i}`)?.get("status"))).toEqual(["valid", "expired", "revoked", "valid"]);
    expect(evidence.get("evidence:1")?.get("method_hash")).toBe(provenance.attestations[roots.leaf]![0]!.methodHash);
    expect(evidence.get("evidence:1")?.get("result_hash")).toBe(provenance.attestations[roots.leaf]![0]!.resultHash);
    expect(evidence.get("evidence:2")?.get("expires_height")).toBe("50");
    expect(evidence.get("evidence:3")?.get("revoked_height")).toBe("60");
    expect(claims[0]!.externalReferences).toEqual([{ type: "attestation", url: "https://example.org/evals/1" }]);
    // The publisher attesting its own dataset is not a third party; the auditor is.
    expect((decl.assessors as Obj[]).map((a) => [(a.organization as Obj).name, a.thirdParty])).toEqual([
      ["infer1auditor00000000000000000000000000000", true],
      ["infer1publisher0000000000000000000000000000", false],
    ]);
    const auditorMap = ((decl.attestations as Obj[])[0]!.map as Obj[]);
    expect(auditorMap[0]).toMatchObject({ claims: ["claim:1"], conformance: { score: 0.873 } });
  });

  it("without a height, expiry cannot be judged: the expired attestation reads valid, revoked stays revoked", () => {
    const doc2 = buildModelBom(provenance, { ...fixed, height: undefined }).document;
    const status = ((doc2.declarations as Obj).evidence as Obj[]).map((e) => (((e.data as Obj[])[0]!.contents as Obj).attachment as Obj).content);
    expect(status).toEqual(["valid", "valid", "revoked", "valid"]);
  });

  it("is reproducible with a fixed timestamp and serial number", () => {
    expect(JSON.stringify(buildModelBom(provenance, fixed).document)).toBe(JSON.stringify(doc));
    expect(doc.serialNumber).toBe(`urn:uuid:${fixed.serialNumber}`);
  });

  it("still validates when the chain truncated the lineage (references to missing nodes are left out)", async () => {
    const truncated = { ...provenance, ancestors: provenance.ancestors.slice(0, 1), datasets: provenance.datasets.slice(0, 1), truncated: true };
    const d = buildModelBom(truncated, fixed).document;
    expect(await validator.validate(JSON.stringify(d))).toBeNull();
    const refs = new Set(collectKey(d, "bom-ref") as string[]);
    for (const dep of d.dependencies as Obj[]) for (const r of (dep.dependsOn as string[] | undefined) ?? []) expect(refs.has(r), r).toBe(true);
    expect(prop(d.metadata as Obj, "inferchain:lineage_truncated")).toEqual(["true"]);
  });
});

describe("SPDX 3.0.1 AI + Dataset JSON-LD", () => {
  const doc = buildModelBom(provenance, { ...fixed, format: "spdx" }).document;
  const graph = doc["@graph"] as Obj[];
  const elements = graph.filter((e) => e.type !== "CreationInfo");
  const byId = new Map(elements.map((e) => [e.spdxId as string, e]));
  const rel = (type: string) => elements.filter((e) => e.type === "Relationship" && e.relationshipType === type).map((e) => [e.from, ...(e.to as string[])]);
  const mid = (root: string) => `urn:uuid:${fixed.serialNumber}#model-${root}`;
  const did = (root: string) => `urn:uuid:${fixed.serialNumber}#dataset-${root}`;

  it("has the 3.0.1 context, one CreationInfo and an SpdxDocument rooted at the model", () => {
    expect(doc["@context"]).toBe(SPDX_CONTEXT);
    const info = graph.filter((e) => e.type === "CreationInfo");
    expect(info).toEqual([{ type: "CreationInfo", "@id": "_:creationinfo", specVersion: "3.0.1", created: "2026-01-02T03:04:05Z", createdBy: [expect.any(String)], createdUsing: [expect.any(String)] }]);
    const document = elements.find((e) => e.type === "SpdxDocument")!;
    expect(document.rootElement).toEqual([mid(roots.leaf)]);
    expect(document.profileConformance).toEqual(expect.arrayContaining(["core", "software", "ai", "dataset"]));
  });

  it("every element has a unique spdxId, a type and the CreationInfo; every reference names an element", () => {
    expect(byId.size).toBe(elements.length);
    const document = elements.find((e) => e.type === "SpdxDocument")!;
    expect(new Set(document.element as string[])).toEqual(new Set([...byId.keys()].filter((k) => k !== document.spdxId)));
    for (const e of elements) {
      expect(typeof e.type).toBe("string");
      expect(e.creationInfo).toBe("_:creationinfo");
      expect(e.spdxId as string).toMatch(/^urn:uuid:[0-9a-f-]+#/);
    }
    const info = graph.find((e) => e.type === "CreationInfo")!;
    const refs = [
      ...(info.createdBy as string[]),
      ...(info.createdUsing as string[]),
      ...(document.rootElement as string[]),
      ...elements.flatMap((e) => [e.from, ...((e.to as string[] | undefined) ?? []), e.subject, e.suppliedBy].filter((x): x is string => typeof x === "string")),
    ];
    for (const r of refs) expect(byId.has(r), r).toBe(true);
  });

  it("models are ai_AIPackage, datasets dataset_DatasetPackage, with their required properties", () => {
    const ai = elements.filter((e) => e.type === "ai_AIPackage");
    expect(ai.map((e) => e.name).sort()).toEqual(["tiny-base", "tiny-chat", "tiny-chat-q8"]);
    for (const e of ai) expect(e).toMatchObject({ software_primaryPurpose: "model", software_packageVersion: "1.0", suppliedBy: expect.any(String) });
    const ds = elements.filter((e) => e.type === "dataset_DatasetPackage");
    expect(ds.map((e) => e.name).sort()).toEqual(["chat-sft", "eval-set", "web-corpus"]);
    for (const e of ds) expect(e).toMatchObject({ software_primaryPurpose: "data", dataset_datasetType: ["noAssertion"], dataset_datasetSize: 9000 });
    expect(byId.get(did(roots.web))?.software_downloadLocation).toBe("https://example.org/data/web");
  });

  it("draws the lineage with ancestorOf, trainedOn and testedOn", () => {
    expect(rel("ancestorOf")).toEqual(expect.arrayContaining([[mid(roots.base), mid(roots.mid)], [mid(roots.mid), mid(roots.leaf)], [did(roots.web), did(roots.chat)]]));
    expect(rel("ancestorOf")).toHaveLength(3);
    expect(rel("trainedOn")).toEqual(expect.arrayContaining([[mid(roots.base), did(roots.web)], [mid(roots.mid), did(roots.chat)]]));
    expect(rel("testedOn")).toEqual([[mid(roots.leaf), did(roots.evalset)]]);
    const quantized = elements.find((e) => e.type === "Relationship" && e.from === mid(roots.mid) && e.relationshipType === "ancestorOf");
    expect(quantized?.comment).toMatch(/quantized/);
  });

  it("licenses are declared license expressions", () => {
    const licenseOf = (id: string) => rel("hasDeclaredLicense").filter((r) => r[0] === id).map((r) => byId.get(r[1] as string)?.simplelicensing_licenseExpression);
    expect(licenseOf(mid(roots.leaf))).toEqual(["MIT OR Apache-2.0"]);
    expect(licenseOf(did(roots.evalset))).toEqual(["CC0-1.0"]);
  });

  it("roots are Hash 'other' with the scheme named, never sha256; files are contained with their roots", () => {
    const hashes = collectKey(doc, "verifiedUsing").flat() as Obj[];
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes) expect(h).toMatchObject({ type: "Hash", algorithm: "other", comment: expect.stringMatching(/Not a SHA-256 of the file bytes/) });
    const leafFiles = rel("contains").find((r) => r[0] === mid(roots.leaf))!.slice(1).map((id) => byId.get(id as string)!);
    expect(leafFiles.map((f) => [f.type, f.name, ((f.verifiedUsing as Obj[])[0] as Obj).hashValue])).toEqual(provenance.files.map((f) => ["software_File", f.path, f.root]));
  });

  it("attestations are review annotations on their subject with their status", () => {
    const notes = elements.filter((e) => e.type === "Annotation");
    expect(notes.map((n) => [n.subject, n.annotationType, (n.statement as string).match(/status (\w+)/)?.[1]])).toEqual([
      [mid(roots.leaf), "review", "valid"],
      [mid(roots.leaf), "review", "expired"],
      [mid(roots.mid), "review", "revoked"],
      [did(roots.chat), "review", "valid"],
    ]);
  });
});

describe("buildModelBom input checks", () => {
  it("refuses an unknown format and a malformed serial number", () => {
    expect(() => buildModelBom(provenance, { format: "xml" as never })).toThrow(InferchainError);
    expect(() => buildModelBom(provenance, { format: "xml" as never })).toThrow(/one of: cyclonedx, spdx/);
    expect(() => buildModelBom(provenance, { serialNumber: "not-a-uuid" })).toThrow(/serialNumber/);
  });
});
