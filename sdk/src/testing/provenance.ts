import { createHash } from "node:crypto";
import type { Provenance } from "../client/provenance.js";
import {
  Attestation,
  Dataset,
  DatasetRole,
  LineageEdge,
  LineageEdgeKind,
  Model,
  ModelStatus,
  ParentRelation,
  SubjectKind,
} from "../generated/inferchain/registry/v1/types.js";

/** A deterministic 64-hex digest standing for a content or file root in synthetic records. */
export const fakeRoot = (label: string): string => createHash("sha256").update(label).digest("hex");

const PUBLISHER = "infer1publisher0000000000000000000000000000";
const AUDITOR = "infer1auditor00000000000000000000000000000";

/** The chain height the synthetic provenance is read at: the safety attestation (expires at 50) has expired. */
export const SYNTHETIC_HEIGHT = 100n;

export interface SyntheticLineage {
  provenance: Provenance;
  roots: { base: string; mid: string; leaf: string; web: string; chat: string; evalset: string };
  attestationIds: { valid: bigint; expired: bigint; revoked: bigint; dataset: bigint };
}

/**
 * A 3-level lineage as getProvenance returns it: base (pretrained on web) <- mid (finetune on chat, which
 * derives from web) <- leaf (quantized, evaluated on evalset), with attestations: a valid eval of the leaf,
 * an expired safety review of it, a revoked license audit of mid, and one on a dataset.
 * `leafName` lets tests put hostile strings where a chain string goes.
 */
export function syntheticLineage(opts: { leafName?: string } = {}): SyntheticLineage {
  const roots = {
    base: fakeRoot("base"),
    mid: fakeRoot("mid"),
    leaf: fakeRoot("leaf"),
    web: fakeRoot("web"),
    chat: fakeRoot("chat"),
    evalset: fakeRoot("evalset"),
  };
  const files = (label: string) => [
    { path: "config.json", size: 210n, root: fakeRoot(`${label}/config.json`) },
    { path: "model.onnx", size: 20_000n, root: fakeRoot(`${label}/model.onnx`) },
  ];
  const model = (root: string, name: string, extra: Partial<Model>): Model =>
    Model.fromPartial({
      contentRoot: root,
      name,
      version: "1.0",
      publisher: PUBLISHER,
      format: "onnx",
      files: files(name),
      totalBytes: 20_210n,
      license: "Apache-2.0",
      status: ModelStatus.MODEL_STATUS_ACTIVE,
      createdHeight: 10n,
      ...extra,
    });
  const base = model(roots.base, "tiny-base", { datasets: [{ dataset: roots.web, role: DatasetRole.DATASET_ROLE_PRETRAIN }], cardUri: "https://example.org/cards/tiny-base" });
  const mid = model(roots.mid, "tiny-chat", {
    parents: [{ model: roots.base, relation: ParentRelation.PARENT_RELATION_FINETUNE }],
    datasets: [{ dataset: roots.chat, role: DatasetRole.DATASET_ROLE_FINETUNE }],
    recipeHash: fakeRoot("recipe"),
    createdHeight: 20n,
  });
  const leaf = model(roots.leaf, opts.leafName ?? "tiny-chat-q8", {
    parents: [{ model: roots.mid, relation: ParentRelation.PARENT_RELATION_QUANTIZED }],
    datasets: [{ dataset: roots.evalset, role: DatasetRole.DATASET_ROLE_EVAL }],
    license: "MIT OR Apache-2.0",
    createdHeight: 30n,
  });
  const dataset = (root: string, name: string, extra: Partial<Dataset>): Dataset =>
    Dataset.fromPartial({
      contentRoot: root,
      name,
      version: "1",
      publisher: PUBLISHER,
      files: [{ path: "part-0.jsonl", size: 9000n, root: fakeRoot(`${name}/part-0`) }],
      totalBytes: 9000n,
      recordCount: 1200n,
      license: "CC-BY-4.0",
      createdHeight: 5n,
      ...extra,
    });
  const web = dataset(roots.web, "web-corpus", { uri: "https://example.org/data/web" });
  const chat = dataset(roots.chat, "chat-sft", { sources: [roots.web] });
  const evalset = dataset(roots.evalset, "eval-set", { license: "CC0-1.0" });

  const attestation = (id: bigint, subject: string, predicate: string, extra: Partial<Attestation>): Attestation =>
    Attestation.fromPartial({
      id,
      subject,
      subjectKind: subject === roots.web || subject === roots.chat || subject === roots.evalset ? SubjectKind.SUBJECT_KIND_DATASET : SubjectKind.SUBJECT_KIND_MODEL,
      attester: AUDITOR,
      predicate,
      issuedHeight: 40n,
      ...extra,
    });
  const valid = attestation(1n, roots.leaf, "eval", { score: "0.873", methodHash: fakeRoot("method"), resultHash: fakeRoot("result"), uri: "https://example.org/evals/1" });
  const expired = attestation(2n, roots.leaf, "safety", { expiresHeight: 50n });
  const revoked = attestation(3n, roots.mid, "license-audit", { revoked: true, revokedHeight: 60n });
  const onDataset = attestation(4n, roots.chat, "license-audit", { attester: PUBLISHER, score: "1" });

  const edge = (from: string, to: string, kind: LineageEdgeKind, extra: Partial<LineageEdge> = {}): LineageEdge => LineageEdge.fromPartial({ from, to, kind, ...extra });
  const provenance: Provenance = {
    model: leaf,
    files: leaf.files,
    ancestors: [mid, base],
    datasets: [evalset, chat, web],
    edges: [
      edge(roots.leaf, roots.mid, LineageEdgeKind.LINEAGE_EDGE_KIND_PARENT, { relation: ParentRelation.PARENT_RELATION_QUANTIZED }),
      edge(roots.leaf, roots.evalset, LineageEdgeKind.LINEAGE_EDGE_KIND_DATASET, { role: DatasetRole.DATASET_ROLE_EVAL }),
      edge(roots.mid, roots.base, LineageEdgeKind.LINEAGE_EDGE_KIND_PARENT, { relation: ParentRelation.PARENT_RELATION_FINETUNE }),
      edge(roots.mid, roots.chat, LineageEdgeKind.LINEAGE_EDGE_KIND_DATASET, { role: DatasetRole.DATASET_ROLE_FINETUNE }),
      edge(roots.base, roots.web, LineageEdgeKind.LINEAGE_EDGE_KIND_DATASET, { role: DatasetRole.DATASET_ROLE_PRETRAIN }),
      edge(roots.chat, roots.web, LineageEdgeKind.LINEAGE_EDGE_KIND_SOURCE),
    ],
    truncated: false,
    attestations: {
      [roots.leaf]: [valid, expired],
      [roots.mid]: [revoked],
      [roots.base]: [],
      [roots.evalset]: [],
      [roots.chat]: [onDataset],
      [roots.web]: [],
    },
  };
  return { provenance, roots, attestationIds: { valid: 1n, expired: 2n, revoked: 3n, dataset: 4n } };
}
