/**
 * Executor rejections (MsgRejectJob). When the assigned executor refuses a job that no executor can run, the
 * chain refunds the whole max_fee and stores status_reason = "rejected by executor <infervaloper>: <reason>",
 * where reason starts with a stable machine code: "<code>" or "<code>: <explanation>".
 */

/** Machine codes the reference sidecar sends; other executors may send others (the chain checks the form only). */
export const rejectionCodes = {
  /** The prompt (chat template applied) plus max_tokens does not fit the model's context window. */
  promptTooLong: "prompt_too_long",
} as const;

export interface JobRejection {
  /** The executor (infervaloper address) that rejected the job. */
  executor: string;
  /** The machine code, e.g. "prompt_too_long". */
  code: string;
  /** The executor's explanation after the code ("" when it sent the code alone). */
  detail: string;
  /** What the requester can do about it, for the known codes. */
  hint: string | undefined;
}

const PREFIX = "rejected by executor ";
const CODE = /^[a-z][a-z0-9_]{0,63}$/;

const hints: Record<string, string> = {
  [rejectionCodes.promptTooLong]: "shorten the prompt or lower max_tokens (or use a model with a longer context), then request again",
};

/** Parses a job's status_reason; undefined when the job was not refunded by an executor's rejection. */
export function parseRejection(statusReason: string): JobRejection | undefined {
  if (!statusReason.startsWith(PREFIX)) return undefined;
  const rest = statusReason.slice(PREFIX.length);
  const sep = rest.indexOf(": ");
  if (sep <= 0) return undefined;
  const executor = rest.slice(0, sep);
  const reason = rest.slice(sep + 2);
  const colon = reason.indexOf(":");
  const code = colon < 0 ? reason : reason.slice(0, colon);
  if (!CODE.test(code)) return undefined;
  const detail = colon < 0 ? "" : reason.slice(colon + 1).trim();
  return { executor, code, detail, hint: hints[code] };
}
