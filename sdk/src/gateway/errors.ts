/**
 * OpenAI error responses: `{error: {message, type, param, code}}` with the status an OpenAI client expects,
 * mapped from the SDK's typed errors (errors.ts, chain/abci-errors.ts) by their code, never by message text.
 */
import { InferchainError, type ErrorCode } from "../errors.js";
import { fromThrown } from "../chain/abci-errors.js";

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface HttpError {
  status: number;
  body: OpenAiErrorBody;
}

const MAP: Record<ErrorCode, { status: number; type: string }> = {
  invalid_argument: { status: 400, type: "invalid_request_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  already_exists: { status: 409, type: "invalid_request_error" },
  unauthorized: { status: 403, type: "permission_error" },
  insufficient_funds: { status: 402, type: "insufficient_quota" },
  out_of_gas: { status: 502, type: "api_error" },
  invalid_state: { status: 409, type: "invalid_request_error" },
  unavailable: { status: 503, type: "service_unavailable" },
  refunded: { status: 502, type: "api_error" },
  tx_failed: { status: 502, type: "api_error" },
  io: { status: 500, type: "api_error" },
  connection: { status: 503, type: "service_unavailable" },
  timeout: { status: 504, type: "timeout" },
  unknown: { status: 500, type: "api_error" },
};

/** A gateway-side refusal (e.g. an agent's model list, its spend limit) in the same shape. */
export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export function badRequest(param: string, message: string): GatewayError {
  return new GatewayError(400, "invalid_request_error", `${param}: ${message}`, param, "invalid_value");
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof GatewayError) return { status: err.status, body: { error: { message: err.message, type: err.type, param: err.param, code: err.code } } };
  const e = err instanceof InferchainError ? err : fromThrown(err);
  const m = MAP[e.code];
  const code = e.code === "not_found" && e.field === "model" ? "model_not_found" : e.code;
  return { status: m.status, body: { error: { message: e.message, type: m.type, param: e.field ?? null, code } } };
}
