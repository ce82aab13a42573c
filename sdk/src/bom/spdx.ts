import type { Json } from "../client/json.js";
import type { Provenance } from "../client/provenance.js";
import { DatasetRole, type ArtifactFile, type Attestation } from "../generated/inferchain/registry/v1/types.js";
import { datasetRoleName, modelStatusName, parentRelationName } from "../refs.js";
import type { BomContext } from "./context.js";
import { attestationStatus, DIGEST_SCHEME, indexProvenance } from "./subjects.js";

type JsonObject = { [key: string]: Json };

export const SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION_INFO = "_:creationinfo";

/**
 * An SPDX 3.0.1 JSON-LD document with the AI and Dataset profiles: the model and its ancestors as
 * ai_AIPackage, datasets as dataset_DatasetPackage, files as software_File, the lineage as Relationships
 * (parent ancestorOf child; model trainedOn / testedOn dataset; source dataset ancestorOf derived one),
 * licenses as simplelicensing_LicenseExpression via hasDeclaredLicense, and attestations as review
 * Annotations on their subject.
 *
 * Content and file roots are Merkle roots: they are carried as Hash with algorithm "other" and a comment
 * naming the scheme, never as sha256.
 */
export function buildSpdx(p: Provenance, ctx: BomContext): JsonObject {
  const s = indexProvenance(p);
  const base = `urn:uuid:${ctx.serialNumber}`;
  const id = (local: string): string => `${base}#${local}`;
  const graph: JsonObject[] = [];
  const elements: string[] = [];
  const add = (el: JsonObject): string => {
    graph.push({ ...el, creationInfo: CREATION_INFO });
    elements.push(el.spdxId as string);
    return el.spdxId as string;
  };

  const toolId = id("tool-inferchain");
  const creatorId = id("agent-inferchain");
  const agents = new Map<string, string>();
  const agent = (address: string): string => {
    let a = agents.get(address);
    if (a === undefined) {
      a = add({ type: "Agent", spdxId: id(`agent-${address}`), name: address, comment: "an account on the Inferchain chain" });
      agents.set(address, a);
    }
    return a;
  };
  const licenses = new Map<string, string>();
  const license = (expr: string): string => {
    let l = licenses.get(expr);
    if (l === undefined) {
      l = add({ type: "simplelicensing_LicenseExpression", spdxId: id(`license-${licenses.size}`), simplelicensing_licenseExpression: expr });
      licenses.set(expr, l);
    }
    return l;
  };
  let relationships = 0;
  const relate = (from: string, type: string, to: string[], comment?: string): void => {
    if (to.length === 0) return;
    add({ type: "Relationship", spdxId: id(`relationship-${relationships++}`), from, relationshipType: type, to, ...(comment ? { comment } : {}) });
  };
  const merkle = (root: string, what: string): JsonObject => ({ type: "Hash", algorithm: "other", hashValue: root, comment: `${what}; ${DIGEST_SCHEME}` });
  const files = (owner: string, list: readonly ArtifactFile[]): void => {
    relate(
      owner,
      "contains",
      list.map((f, i) =>
        add({
          type: "software_File",
          spdxId: `${owner}-file-${i}`,
          name: f.path,
          comment: `${f.size} bytes`,
          verifiedUsing: [merkle(f.root, "inferchain file root")],
        }),
      ),
    );
  };

  graph.push({ type: "CreationInfo", "@id": CREATION_INFO, specVersion: "3.0.1", created: isoSeconds(ctx.timestamp), createdBy: [creatorId], createdUsing: [toolId] });
  add({ type: "SoftwareAgent", spdxId: creatorId, name: "inferchain" });
  add({ type: "Tool", spdxId: toolId, name: `inferchain ${ctx.toolVersion}` });

  const modelIds = new Map<string, string>();
  const datasetIds = new Map<string, string>();
  for (const m of s.models) {
    const mid = id(`model-${m.contentRoot}`);
    modelIds.set(m.contentRoot, mid);
    const comment = [`inferchain model ${m.name}@${m.version}, format ${m.format}, status ${modelStatusName(m.status)}, registered at height ${m.createdHeight}, ${m.totalBytes} bytes`];
    if (m.recipeHash !== "") comment.push(`recipe hash ${m.recipeHash}`);
    if (m.cardHash !== "") comment.push(`card hash ${m.cardHash}`);
    add({
      type: "ai_AIPackage",
      spdxId: mid,
      name: m.name,
      software_packageVersion: m.version,
      software_primaryPurpose: "model",
      suppliedBy: agent(m.publisher),
      verifiedUsing: [merkle(m.contentRoot, "inferchain content root")],
      ...(m.cardUri !== "" ? { software_homePage: m.cardUri } : {}),
      comment: comment.join("; "),
    });
  }
  for (const d of s.datasets) {
    const did = id(`dataset-${d.contentRoot}`);
    datasetIds.set(d.contentRoot, did);
    add({
      type: "dataset_DatasetPackage",
      spdxId: did,
      name: d.name,
      software_packageVersion: d.version,
      software_primaryPurpose: "data",
      // The registry does not record the kind of data.
      dataset_datasetType: ["noAssertion"],
      dataset_datasetSize: Number(d.totalBytes),
      suppliedBy: agent(d.publisher),
      verifiedUsing: [merkle(d.contentRoot, "inferchain content root")],
      ...(d.uri !== "" ? { software_downloadLocation: d.uri } : {}),
      comment: `inferchain dataset ${d.name}@${d.version}, ${d.recordCount} records, registered at height ${d.createdHeight}`,
    });
  }
  for (const m of s.models) {
    const mid = modelIds.get(m.contentRoot)!;
    files(mid, m.files);
    if (m.license !== "") relate(mid, "hasDeclaredLicense", [license(m.license)]);
    for (const parent of m.parents) {
      const pid = modelIds.get(parent.model);
      if (pid) relate(pid, "ancestorOf", [mid], `${m.name}@${m.version} is a ${parentRelationName(parent.relation)} of it`);
    }
    for (const ds of m.datasets) {
      const did = datasetIds.get(ds.dataset);
      if (did) relate(mid, ds.role === DatasetRole.DATASET_ROLE_EVAL ? "testedOn" : "trainedOn", [did], `role ${datasetRoleName(ds.role)}`);
    }
  }
  for (const d of s.datasets) {
    const did = datasetIds.get(d.contentRoot)!;
    files(did, d.files);
    if (d.license !== "") relate(did, "hasDeclaredLicense", [license(d.license)]);
    for (const src of d.sources) {
      const sid = datasetIds.get(src);
      if (sid) relate(sid, "ancestorOf", [did], "source dataset");
    }
  }
  for (const a of s.attestations) {
    const subject = modelIds.get(a.subject) ?? datasetIds.get(a.subject);
    if (subject) add({ type: "Annotation", spdxId: id(`attestation-${a.id}`), annotationType: "review", subject, statement: statement(a, ctx.height) });
  }

  const root = modelIds.get(s.model.contentRoot)!;
  const docComment = [`ML-BOM of ${s.model.name}@${s.model.version} from the Inferchain registry`];
  if (ctx.chainId !== undefined) docComment.push(`chain ${ctx.chainId}`);
  if (ctx.height !== undefined) docComment.push(`height ${ctx.height}`);
  if (p.truncated) docComment.push("lineage truncated by the chain's max_lineage_nodes");
  graph.push({
    type: "SpdxDocument",
    spdxId: id("document"),
    creationInfo: CREATION_INFO,
    name: `${s.model.name}@${s.model.version} ML-BOM`,
    comment: docComment.join("; "),
    profileConformance: ["core", "software", "ai", "dataset", "simpleLicensing"],
    rootElement: [root],
    element: elements,
  });
  return { "@context": SPDX_CONTEXT, "@graph": graph };
}

function statement(a: Attestation, height: bigint | undefined): string {
  const parts = [`inferchain attestation ${a.id}: ${a.predicate} by ${a.attester}`, `status ${attestationStatus(a, height)}`, `issued at height ${a.issuedHeight}`];
  if (a.expiresHeight > 0n) parts.push(`expires at height ${a.expiresHeight}`);
  if (a.revoked) parts.push(`revoked at height ${a.revokedHeight}`);
  if (a.score !== "") parts.push(`score ${a.score}`);
  if (a.methodHash !== "") parts.push(`method hash ${a.methodHash}`);
  if (a.resultHash !== "") parts.push(`result hash ${a.resultHash}`);
  if (a.uri !== "") parts.push(`uri ${a.uri}`);
  return parts.join("; ");
}

/** xsd:dateTimeStamp as SPDX writes it: UTC, whole seconds, "Z". */
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
