import * as CDX from "@cyclonedx/cyclonedx-library";
import type { Json } from "../client/json.js";
import type { Provenance } from "../client/provenance.js";
import type { ArtifactFile, Attestation, Dataset, Model } from "../generated/inferchain/registry/v1/types.js";
import { datasetRoleName, modelStatusName, parentRelationName } from "../refs.js";
import {
  attestationStatus,
  datasetRef,
  DIGEST_SCHEME,
  indexProvenance,
  isLicenseExpression,
  modelRef,
  subjectRef,
  type BomSubjects,
} from "./subjects.js";
import type { BomContext } from "./context.js";

type JsonObject = { [key: string]: Json };

const P = (name: string, value: string | bigint | number | boolean): CDX.Models.Property => new CDX.Models.Property(name, String(value));

/**
 * A CycloneDX 1.6 JSON ML-BOM for the provenance's model. The library models and normalizes everything it
 * has classes for (components, licenses, properties, external references, dependencies, tools); the 1.6
 * parts it does not model yet (modelCard, pedigree, data, declarations) are added to its normalized output,
 * and the whole document is what tests check with the library's strict 1.6 JSON schema validator.
 *
 * Content and file roots are Merkle roots, not SHA-256 digests of the bytes, so they travel as properties
 * (inferchain:content_root, inferchain:file_root) and never in `hashes`.
 */
export function buildCycloneDx(p: Provenance, ctx: BomContext): JsonObject {
  const s = indexProvenance(p);
  const bom = new CDX.Models.Bom({ serialNumber: `urn:uuid:${ctx.serialNumber}` });
  bom.metadata.timestamp = ctx.timestamp;
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, "inferchain", { group: "inferchain", version: ctx.toolVersion }),
  );
  bom.metadata.properties.add(P("inferchain:digest_scheme", DIGEST_SCHEME));
  if (ctx.chainId !== undefined) bom.metadata.properties.add(P("inferchain:chain_id", ctx.chainId));
  if (ctx.height !== undefined) bom.metadata.properties.add(P("inferchain:height", ctx.height));
  bom.metadata.properties.add(P("inferchain:lineage_truncated", p.truncated));

  const components = new Map<string, CDX.Models.Component>();
  for (const m of s.models) components.set(modelRef(m.contentRoot), modelComponent(m));
  for (const d of s.datasets) components.set(datasetRef(d.contentRoot), datasetComponent(d));
  // Dependencies: a model on its parents and datasets, a dataset on its sources (the lineage as a graph).
  for (const m of s.models) {
    const c = components.get(modelRef(m.contentRoot))!;
    for (const parent of m.parents) link(c, components.get(modelRef(parent.model)));
    for (const ds of m.datasets) link(c, components.get(datasetRef(ds.dataset)));
  }
  for (const d of s.datasets) {
    const c = components.get(datasetRef(d.contentRoot))!;
    for (const src of d.sources) link(c, components.get(datasetRef(src)));
  }
  bom.metadata.component = components.get(modelRef(s.model.contentRoot));
  for (const [ref, c] of components) if (ref !== modelRef(s.model.contentRoot)) bom.components.add(c);

  const factory = new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6);
  // A JSON round trip turns the normalizer's typed output into plain JSON values.
  const doc = JSON.parse(JSON.stringify(factory.makeForBom().normalize(bom, { sortLists: true }))) as JsonObject;
  addMlParts(doc, s);
  const declarations = buildDeclarations(s, ctx.height);
  if (declarations) doc.declarations = declarations;
  return doc;
}

function link(from: CDX.Models.Component, to: CDX.Models.Component | undefined): void {
  // A reference outside a truncated lineage has no component: the dependency is left out, not invented.
  if (to) from.dependencies.add(to.bomRef);
}

function licenses(license: string): CDX.Models.LicenseRepository {
  const repo = new CDX.Models.LicenseRepository();
  if (license === "") return repo;
  if (CDX.SPDX.isSupportedSpdxId(license)) repo.add(new CDX.Models.SpdxLicense(license));
  else if (isLicenseExpression(license)) repo.add(new CDX.Models.LicenseExpression(license));
  else repo.add(new CDX.Models.NamedLicense(license));
  return repo;
}

function fileComponents(owner: string, files: readonly ArtifactFile[]): CDX.Models.ComponentRepository {
  const repo = new CDX.Models.ComponentRepository();
  for (const f of files) {
    const c = new CDX.Models.Component(CDX.Enums.ComponentType.File, f.path, { bomRef: `${owner}/file:${f.path}` });
    c.properties.add(P("inferchain:file_root", f.root));
    c.properties.add(P("inferchain:size", f.size));
    repo.add(c);
  }
  return repo;
}

function commonProperties(c: CDX.Models.Component, a: { contentRoot: string; totalBytes: bigint; createdHeight: bigint }): void {
  c.properties.add(P("inferchain:content_root", a.contentRoot));
  c.properties.add(P("inferchain:total_bytes", a.totalBytes));
  c.properties.add(P("inferchain:created_height", a.createdHeight));
}

function modelComponent(m: Model): CDX.Models.Component {
  const ref = modelRef(m.contentRoot);
  const c = new CDX.Models.Component(CDX.Enums.ComponentType.MachineLearningModel, m.name, {
    bomRef: ref,
    version: m.version,
    publisher: m.publisher,
    licenses: licenses(m.license),
    components: fileComponents(ref, m.files),
  });
  commonProperties(c, m);
  c.properties.add(P("inferchain:status", modelStatusName(m.status)));
  if (m.supersededBy !== "") c.properties.add(P("inferchain:superseded_by", m.supersededBy));
  if (m.statusReason !== "") c.properties.add(P("inferchain:status_reason", m.statusReason));
  if (m.recipeHash !== "") c.properties.add(P("inferchain:recipe_hash", m.recipeHash));
  if (m.cardHash !== "") c.properties.add(P("inferchain:card_hash", m.cardHash));
  if (m.cardUri !== "") c.externalReferences.add(new CDX.Models.ExternalReference(m.cardUri, CDX.Enums.ExternalReferenceType.ModelCard));
  return c;
}

function datasetComponent(d: Dataset): CDX.Models.Component {
  const ref = datasetRef(d.contentRoot);
  const c = new CDX.Models.Component(CDX.Enums.ComponentType.Data, d.name, {
    bomRef: ref,
    version: d.version,
    publisher: d.publisher,
    licenses: licenses(d.license),
    components: fileComponents(ref, d.files),
  });
  commonProperties(c, d);
  c.properties.add(P("inferchain:record_count", d.recordCount));
  for (const src of d.sources) c.properties.add(P("inferchain:source", src));
  if (d.uri !== "") c.externalReferences.add(new CDX.Models.ExternalReference(d.uri, CDX.Enums.ExternalReferenceType.Distribution));
  return c;
}

const prop = (name: string, value: string): JsonObject => ({ name, value });

/** modelCard and pedigree on models, data on datasets: the 1.6 fields the library has no classes for. */
function addMlParts(doc: JsonObject, s: BomSubjects): void {
  const metadata = doc.metadata as JsonObject;
  const all = [metadata.component as JsonObject, ...((doc.components as JsonObject[] | undefined) ?? [])];
  for (const c of all) {
    const ref = c["bom-ref"] as string;
    const root = ref.slice(ref.indexOf(":") + 1);
    const m = ref.startsWith("model:") ? s.modelsByRoot.get(root) : undefined;
    const d = ref.startsWith("dataset:") ? s.datasetsByRoot.get(root) : undefined;
    if (m) {
      c.modelCard = {
        "bom-ref": `${ref}/model-card`,
        modelParameters: {
          // Data references to the dataset components (those of a truncated lineage may be absent).
          datasets: m.datasets.filter((x) => s.datasetsByRoot.has(x.dataset)).map((x) => ({ ref: datasetRef(x.dataset) })),
        },
        properties: [
          prop("inferchain:format", m.format),
          ...(m.license !== "" ? [prop("inferchain:license", m.license)] : []),
          ...m.datasets.map((x) => prop("inferchain:dataset", `${x.dataset} ${datasetRoleName(x.role)}`)),
        ],
      };
      if (m.parents.length > 0) {
        // Ancestors are descriptions, not new components: no bom-ref (each parent in the lineage is a component
        // of its own, linked through `dependencies`), the relation and root as properties.
        c.pedigree = {
          ancestors: m.parents.map((parent) => {
            const pm = s.modelsByRoot.get(parent.model);
            const ancestor: JsonObject = { type: "machine-learning-model", name: pm?.name ?? parent.model };
            if (pm) ancestor.version = pm.version;
            ancestor.properties = [prop("inferchain:content_root", parent.model), prop("inferchain:relation", parentRelationName(parent.relation))];
            return ancestor;
          }),
        };
      }
    }
    if (d) {
      const data: JsonObject = { type: "dataset", name: d.name };
      if (d.uri !== "") data.contents = { url: d.uri };
      if (d.sources.length > 0) data.description = `derived from ${d.sources.map((x) => s.datasetsByRoot.get(x)?.name ?? x).join(", ")}`;
      c.data = [data];
    }
  }
}

/**
 * Attestations as CycloneDX declarations: one assessor per attester, one claim per attestation (its
 * predicate on the attested component), its evidence (method/result hashes, heights, status), and each
 * attester's attestation mapping its claims. Expired and revoked attestations stay visible, marked so.
 */
function buildDeclarations(s: BomSubjects, height: bigint | undefined): JsonObject | undefined {
  if (s.attestations.length === 0) return undefined;
  const attesters = [...new Set(s.attestations.map((a) => a.attester))];
  const publisherOf = (root: string): string | undefined => s.modelsByRoot.get(root)?.publisher ?? s.datasetsByRoot.get(root)?.publisher;
  const assessorRef = (addr: string): string => `assessor:${addr}`;
  const text = (name: string, value: string): JsonObject => ({ name, contents: { attachment: { contentType: "text/plain", content: value } } });

  const claims: JsonObject[] = [];
  const evidence: JsonObject[] = [];
  for (const a of s.attestations) {
    const status = attestationStatus(a, height);
    const claim: JsonObject = {
      "bom-ref": `claim:${a.id}`,
      target: subjectRef(a.subject, s),
      predicate: a.predicate,
      reasoning: describe(a, status),
      evidence: [`evidence:${a.id}`],
    };
    if (a.uri !== "") claim.externalReferences = [{ type: "attestation", url: a.uri }];
    claims.push(claim);
    const data = [text("status", status), text("issued_height", a.issuedHeight.toString())];
    if (a.expiresHeight > 0n) data.push(text("expires_height", a.expiresHeight.toString()));
    if (a.revoked) data.push(text("revoked_height", a.revokedHeight.toString()));
    if (a.methodHash !== "") data.push(text("method_hash", a.methodHash));
    if (a.resultHash !== "") data.push(text("result_hash", a.resultHash));
    if (a.score !== "") data.push(text("score", a.score));
    evidence.push({ "bom-ref": `evidence:${a.id}`, propertyName: `inferchain:attestation:${a.predicate}`, data });
  }
  return {
    assessors: attesters.map((addr) => ({
      "bom-ref": assessorRef(addr),
      // Third party unless it attested something it published itself.
      thirdParty: s.attestations.every((a) => a.attester !== addr || publisherOf(a.subject) !== addr),
      organization: { name: addr },
    })),
    attestations: attesters.map((addr) => ({
      summary: `attestations by ${addr}`,
      assessor: assessorRef(addr),
      map: s.attestations
        .filter((a) => a.attester === addr)
        .map((a) => {
          const entry: JsonObject = { claims: [`claim:${a.id}`] };
          const score = Number(a.score);
          if (a.score !== "" && Number.isFinite(score) && score >= 0 && score <= 1) {
            entry.conformance = { score, rationale: `${a.predicate} score ${a.score} (${attestationStatus(a, height)})` };
          }
          return entry;
        }),
    })),
    claims,
    evidence,
  };
}

function describe(a: Attestation, status: string): string {
  const parts = [`attestation ${a.id}: ${a.predicate} by ${a.attester}, issued at height ${a.issuedHeight}`];
  if (a.expiresHeight > 0n) parts.push(`expires at height ${a.expiresHeight}`);
  if (a.revoked) parts.push(`revoked at height ${a.revokedHeight}`);
  if (a.score !== "") parts.push(`score ${a.score}`);
  parts.push(`status ${status}`);
  return parts.join(", ");
}
