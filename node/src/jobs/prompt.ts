import type { LoadedModel, PromptInput } from '../engine/index.js';

/**
 * How a job's prompt text becomes the model's input, for executors and verifiers alike: the user message of the
 * model's chat template, or the raw text when the model has none. One definition, so a verifier rebuilds exactly
 * the token ids the executor ran.
 */
export function jobPromptInput(model: LoadedModel, prompt: string): PromptInput {
  return model.config.tokenizer.chatTemplate ? { messages: [{ role: 'user', content: prompt }] } : { prompt };
}
