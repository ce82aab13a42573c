/** Context-length rules shared by generation and scoring, so both agree on termination. */

export class ContextOverflowError extends Error {
  override name = 'ContextOverflowError';
  constructor(
    readonly promptTokens: number,
    readonly maxContext: number,
  ) {
    super(`prompt has ${promptTokens} tokens but the context holds ${maxContext} (prompt + at least 1 output token); shorten the prompt`);
  }
}

/** The number of output tokens actually allowed: min(maxTokens, room left in the context). */
export function effectiveMaxTokens(promptTokens: number, maxTokens: number, maxContext: number): number {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`maxTokens must be an integer >= 1, got ${maxTokens}`);
  if (promptTokens < 1) throw new RangeError('the prompt must have at least one token');
  if (promptTokens >= maxContext) throw new ContextOverflowError(promptTokens, maxContext);
  return Math.min(maxTokens, maxContext - promptTokens);
}
