import { Attestation, Dataset, LineageEdge, Model, Params } from "../generated/inferchain/registry/v1/types.js";
import { Executor, Job, Params as InferenceParams } from "../generated/inferchain/inference/v1/types.js";
import type { InferenceReceipt, InferResult } from "./inference.js";
import type { Provenance } from "./provenance.js";

/** JSON value as produced for --json output (proto3 JSON mapping: camelCase, 64-bit ints as strings, enum names). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// The generated toJSON returns `unknown`; its output is plain JSON by construction.
const j = (value: unknown): Json => value as Json;

export const modelToJson = (m: Model): Json => j(Model.toJSON(m));
export const datasetToJson = (d: Dataset): Json => j(Dataset.toJSON(d));
export const attestationToJson = (a: Attestation): Json => j(Attestation.toJSON(a));
export const edgeToJson = (e: LineageEdge): Json => j(LineageEdge.toJSON(e));
export const paramsToJson = (p: Params): Json => j(Params.toJSON(p));

export const jobToJson = (job: Job): Json => j(Job.toJSON(job));
export const executorToJson = (e: Executor): Json => j(Executor.toJSON(e));
export const inferenceParamsToJson = (p: InferenceParams): Json => j(InferenceParams.toJSON(p));

/** A receipt as JSON (numbers stay numbers; absent parts are null). */
export function receiptToJson(r: InferenceReceipt): Json {
  return j(JSON.parse(JSON.stringify(r, (_k, v: unknown) => (v === undefined ? null : v))));
}

export function inferResultToJson(r: InferResult): Json {
  return { text: r.text, tokenIds: r.tokenIds, jobId: r.jobId.toString(), finishReason: r.finishReason, receipt: receiptToJson(r.receipt) };
}

export function provenanceToJson(p: Provenance): Json {
  return {
    model: modelToJson(p.model),
    files: p.files.map((f) => ({ path: f.path, size: f.size.toString(), root: f.root })),
    ancestors: p.ancestors.map(modelToJson),
    datasets: p.datasets.map(datasetToJson),
    edges: p.edges.map(edgeToJson),
    truncated: p.truncated,
    attestations: Object.fromEntries(Object.entries(p.attestations).map(([s, list]) => [s, list.map(attestationToJson)])),
  };
}

/** JSON.stringify that writes bigints as decimal strings (for SDK objects not converted above). */
export function stringifyJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v), indent);
}
