import { ErrorCode, InferchainError, NotFoundError } from "../errors.js";

/** What the chain told us about a failure: from a DeliverTx result, a CheckTx rejection or a failed query. */
export interface ChainFailure {
  codespace?: string;
  code?: number;
  log: string;
  txHash?: string;
}

export const REGISTRY_CODESPACE = "registry";
export const INFERENCE_CODESPACE = "inference";
export const FUNDING_CODESPACE = "funding";

// Registered error descriptions (the last ": " segment of a wrapped Cosmos error) -> our codes. Matched as
// substrings so both the SDK's ("insufficient funds") and the registry module's descriptions map.
// x/authz and x/feegrant (agent wallets), matched anywhere in the text before the descriptions: a missing or used-up
// grant is a permission problem (not a missing object), an exhausted limit a lack of funds.
const GRANT_ERRORS: [RegExp, ErrorCode][] = [
  [/authorization not found|authorization expired|fee-grant not found|message not allowed/i, "unauthorized"],
  [/fee limit exceeded|spend limit/i, "insufficient_funds"],
];

const BY_DESCRIPTION: [RegExp, ErrorCode][] = [
  // x/funding descriptions (chain/x/funding/types/errors.go)
  [/^(outside the round's window|round is not open|too many projects)$/i, "invalid_state"],
  [/^(below the minimum contribution|over the per-contributor cap|invalid window|invalid amount|recipient cannot receive funds)$/i, "invalid_argument"],
  // x/inference descriptions (chain/x/inference/types/errors.go)
  [/^no executor$/i, "unavailable"],
  [/model unavailable|validator not bonded|invalid job state|deadline passed/i, "invalid_state"],
  [/not found|does not exist|unknown (model|dataset|attestation)/i, "not_found"],
  [/already revoked|is revoked/i, "invalid_state"],
  [/already (exists|registered)|duplicate|taken/i, "already_exists"],
  [/unauthori[sz]ed|not the (publisher|attester|authority)|signer/i, "unauthorized"],
  [/insufficient (funds|fee)/i, "insufficient_funds"],
  [/out of gas/i, "out_of_gas"],
  [/revoked|status|expired|invalid state/i, "invalid_state"],
  [/invalid|malformed|mismatch|too (long|many)|empty|must|exceeds/i, "invalid_argument"],
];

// chain/x/registry/types/errors.go (codes are stable there). Used when the codespace is known (DeliverTx,
// CheckTx); a failed simulation only carries the text, which BY_DESCRIPTION maps the same way.
const REGISTRY_CODES: Record<number, ErrorCode> = {
  2: "invalid_argument", // invalid digest
  3: "not_found",
  4: "already_exists", // duplicate
  5: "invalid_argument", // invalid field
  6: "unauthorized",
  7: "invalid_state", // already revoked
  8: "invalid_argument", // content root mismatch
  9: "invalid_state", // invalid status transition
  10: "invalid_argument", // invalid params
  11: "invalid_argument", // invalid genesis
  12: "invalid_argument", // invalid address
  13: "invalid_argument", // invalid expiry
};

// chain/x/inference/types/errors.go (codespace "inference"; codes are stable there).
const INFERENCE_CODES: Record<number, ErrorCode> = {
  2: "invalid_argument", // invalid field
  3: "invalid_argument", // invalid address
  4: "not_found",
  5: "already_exists", // duplicate
  6: "unauthorized",
  7: "invalid_state", // model unavailable (unknown, revoked or deprecated)
  8: "invalid_state", // validator not bonded
  9: "unavailable", // no executor serves the model
  10: "invalid_argument", // insufficient fee: max_fee below base_fee + fee_per_token * max_tokens
  11: "invalid_state", // invalid job state
  12: "invalid_state", // deadline passed
  13: "invalid_argument", // invalid params
  14: "invalid_argument", // invalid genesis
  15: "invalid_state", // wrong audit phase
  40: "invalid_state", // executor tombstoned for the model (a fraud verdict; cooldown or governance)
  41: "invalid_state", // too soon (reactivation in the block of a deactivation by the chain)
};

// chain/x/funding/types/errors.go (codespace "funding"; codes are stable there).
const FUNDING_CODES: Record<number, ErrorCode> = {
  2: "invalid_argument", // invalid params
  3: "invalid_argument", // invalid genesis
  4: "invalid_argument", // invalid address
  5: "invalid_argument", // invalid field
  6: "not_found",
  7: "already_exists", // duplicate
  8: "unauthorized", // not the subject's publisher, not the authority
  9: "invalid_argument", // invalid window
  10: "invalid_state", // outside the round's window (not started yet)
  11: "invalid_argument", // invalid amount (zero, other denom)
  12: "invalid_argument", // below the minimum contribution
  13: "invalid_argument", // over the per-contributor cap
  14: "invalid_state", // too many projects
  15: "invalid_argument", // recipient cannot receive funds
  16: "invalid_state", // round is not open (ended)
};

// The SDK's own codespace/code pairs that matter to users (cosmos-sdk types/errors).
const SDK_CODES: Record<number, ErrorCode> = {
  4: "unauthorized",
  5: "insufficient_funds",
  11: "out_of_gas",
  13: "insufficient_funds", // insufficient fee
  18: "invalid_argument", // invalid request
  22: "not_found", // key not found
};

/**
 * Strips transport noise from a chain error text, leaving "<field>: <reason>: <registered description>":
 * cosmjs's "Query failed with (N): ", gRPC's "rpc error: code = X desc = ", the SDK's
 * "failed to execute message; message index: N: ", the " [cosmos/...go:123]" stack and " With gas wanted ...".
 */
export function cleanChainMessage(log: string): string {
  return log
    .replace(/^Query failed with \(\d+\):\s*/, "")
    .replace(/^rpc error: code = \w+ desc = /, "")
    .replace(/failed to execute message; message index: \d+:\s*/, "")
    .replace(/\s*\[[^\]]*\.go:\d+\]/g, "")
    .replace(/\s*With gas wanted:.*$/s, "")
    .replace(/\s*with gas used:.*$/s, "")
    .trim();
}

/** The field a registry error names: its first segment when that looks like a proto field path (content_root, files[2].root). */
export function fieldOf(message: string): string | undefined {
  const first = message.split(": ")[0]!;
  return /^[a-z][a-z0-9_]*(\[\d+\])?(\.[a-z][a-z0-9_]*(\[\d+\])?)*$/.test(first) && first !== message ? first : undefined;
}

function classify(failure: ChainFailure, message: string): ErrorCode {
  if (/code = NotFound/.test(failure.log)) return "not_found";
  if (/code = InvalidArgument/.test(failure.log)) return "invalid_argument";
  const table =
    failure.codespace === "sdk"
      ? SDK_CODES
      : failure.codespace === REGISTRY_CODESPACE
        ? REGISTRY_CODES
        : failure.codespace === INFERENCE_CODESPACE
          ? INFERENCE_CODES
          : failure.codespace === FUNDING_CODESPACE
            ? FUNDING_CODES
            : undefined;
  if (table && failure.code !== undefined && table[failure.code]) return table[failure.code]!;
  // x/inference's "insufficient fee" is a max_fee below the params minimum (an argument to fix), not the SDK's
  // "insufficient fee" (a tx fee below the gas price, codespace sdk, mapped by SDK_CODES).
  if (/^max_fee: .*below the minimum/.test(message)) return "invalid_argument";
  for (const [re, code] of GRANT_ERRORS) if (re.test(message)) return code;
  const description = message.split(": ").pop() ?? message;
  for (const [re, code] of BY_DESCRIPTION) if (re.test(description)) return code;
  for (const [re, code] of BY_DESCRIPTION) if (re.test(message)) return code;
  return failure.codespace !== undefined ? "tx_failed" : "unknown";
}

/** Maps a chain failure to a typed error; not-found becomes a NotFoundError. */
export function fromChainFailure(failure: ChainFailure): InferchainError {
  const message = cleanChainMessage(failure.log) || `chain error ${failure.codespace ?? ""}/${failure.code ?? "?"}`;
  const code = classify(failure, message);
  const options = {
    // x/inference's "no executor serves model X" names no field; it is about the model.
    field: fieldOf(message) ?? (code === "unavailable" ? "model" : undefined),
    codespace: failure.codespace,
    abciCode: failure.code,
    txHash: failure.txHash,
  };
  return code === "not_found" ? new NotFoundError(message, options) : new InferchainError(code, message, options);
}

/** Maps anything thrown by cosmjs/tendermint-rpc (query failures, broadcast rejections, network errors). */
export function fromThrown(err: unknown): InferchainError {
  if (err instanceof InferchainError) return err;
  if (!(err instanceof Error)) return new InferchainError("unknown", String(err));
  const e = err as Error & { code?: unknown; codespace?: unknown; log?: unknown; txId?: unknown };
  // BroadcastTxError (CheckTx rejection) carries codespace, code and log.
  if (typeof e.codespace === "string" && typeof e.code === "number") {
    return fromChainFailure({ codespace: e.codespace, code: e.code, log: typeof e.log === "string" ? e.log : e.message });
  }
  if (typeof e.txId === "string") {
    return new InferchainError("timeout", e.message, { txHash: e.txId, cause: err });
  }
  const cause = (err as { cause?: { code?: unknown } }).cause;
  const sysCode = typeof e.code === "string" ? e.code : typeof cause?.code === "string" ? cause.code : undefined;
  if (sysCode && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_\w+)$/.test(sysCode) || /fetch failed|socket hang up|ECONNREFUSED/.test(e.message)) {
    return new InferchainError("connection", `cannot reach the node: ${e.message}${sysCode ? ` (${sysCode})` : ""}`, { cause: err });
  }
  const q = /^Query failed with \((\d+)\)/.exec(e.message);
  if (q) return fromChainFailure({ code: Number(q[1]), log: e.message });
  return new InferchainError("unknown", e.message, { cause: err });
}

/**
 * Whether a failed query means "no such object" (a gRPC NotFound, an ABCI not-found code or description), as
 * opposed to a transport or server problem. For callers that treat absence as a value (undefined) and rethrow
 * anything else.
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError || fromThrown(err) instanceof NotFoundError;
}
