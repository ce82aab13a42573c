import { invalidArgument } from "./errors.js";
import { isDigest } from "./digest/hex.js";
import { DatasetRole, ModelStatus, ParentRelation } from "./generated/inferchain/registry/v1/types.js";

/** A model or dataset reference: a content root, or a name@version handle. */
export type ArtifactRef = { contentRoot: string } | { name: string; version: string };

/**
 * Parses `ref`: a lowercase 64-hex content root, or `name@version` split at the LAST '@' (so names may contain
 * '@', e.g. "@org/model@1.0" is name "@org/model", version "1.0").
 */
export function parseRef(ref: string, field = "ref"): ArtifactRef {
  if (isDigest(ref)) return { contentRoot: ref };
  const at = ref.lastIndexOf("@");
  if (at <= 0 || at === ref.length - 1) {
    throw invalidArgument(field, `"${ref}" is neither a 64-hex content root (lowercase) nor name@version`);
  }
  return { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

export function formatRef(ref: ArtifactRef): string {
  return "contentRoot" in ref ? ref.contentRoot : `${ref.name}@${ref.version}`;
}

/** Splits "<ref>:<suffix>" at the LAST ':' (refs never end in ':'). */
function splitSpec(spec: string, field: string, what: string): [string, string] {
  const colon = spec.lastIndexOf(":");
  if (colon <= 0 || colon === spec.length - 1) throw invalidArgument(field, `"${spec}" must be <ref>:<${what}>`);
  return [spec.slice(0, colon), spec.slice(colon + 1)];
}

/** Looks up an enum value by its short lowercase name ("finetune") or full proto name ("PARENT_RELATION_FINETUNE"). */
function enumByName<E extends Record<string, string | number>>(e: E, prefix: string, name: string, field: string): E[keyof E] {
  const key = name.toUpperCase().replace(/-/g, "_");
  const full = key.startsWith(prefix) ? key : prefix + key;
  const value = e[full as keyof E];
  if (typeof value !== "number" || full === `${prefix}UNSPECIFIED` || full === "UNRECOGNIZED") {
    const allowed = Object.keys(e)
      .filter((k) => k.startsWith(prefix) && !k.endsWith("UNSPECIFIED"))
      .map((k) => k.slice(prefix.length).toLowerCase());
    throw invalidArgument(field, `unknown value "${name}" (one of: ${allowed.join(", ")})`);
  }
  return value as E[keyof E];
}

/** Short lowercase name of an enum value: PARENT_RELATION_FINETUNE -> "finetune". */
function enumShortName<E extends Record<string, string | number>>(e: E, prefix: string, value: number): string {
  const key = Object.keys(e).find((k) => e[k] === value && k.startsWith(prefix));
  return key ? key.slice(prefix.length).toLowerCase() : `unknown(${value})`;
}

export const parseParentRelation = (name: string, field = "relation"): ParentRelation =>
  enumByName(ParentRelation, "PARENT_RELATION_", name, field);
export const parseDatasetRole = (name: string, field = "role"): DatasetRole => enumByName(DatasetRole, "DATASET_ROLE_", name, field);
export const parseModelStatus = (name: string, field = "status"): ModelStatus => enumByName(ModelStatus, "MODEL_STATUS_", name, field);

export const parentRelationName = (v: ParentRelation): string => enumShortName(ParentRelation, "PARENT_RELATION_", v);
export const datasetRoleName = (v: DatasetRole): string => enumShortName(DatasetRole, "DATASET_ROLE_", v);
export const modelStatusName = (v: ModelStatus): string => enumShortName(ModelStatus, "MODEL_STATUS_", v);

export interface ParentSpec {
  ref: ArtifactRef;
  relation: ParentRelation;
}
export interface DatasetSpec {
  ref: ArtifactRef;
  role: DatasetRole;
}

/** "<content-root|name@version>:<relation>", e.g. "base@1.0:finetune". */
export function parseParentSpec(spec: string, field = "parents"): ParentSpec {
  const [ref, relation] = splitSpec(spec, field, "relation");
  return { ref: parseRef(ref, field), relation: parseParentRelation(relation, field) };
}

/** "<content-root|name@version>:<role>", e.g. "wiki@2024:pretrain". */
export function parseDatasetSpec(spec: string, field = "datasets"): DatasetSpec {
  const [ref, role] = splitSpec(spec, field, "role");
  return { ref: parseRef(ref, field), role: parseDatasetRole(role, field) };
}
