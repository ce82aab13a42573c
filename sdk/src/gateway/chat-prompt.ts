/**
 * OpenAI chat messages -> the job prompt. The sidecar wraps the job prompt as ONE user message of the model's
 * chat template (node/src/jobs/prompt.ts), so the mapping is:
 * - a single user message: its content, unchanged (the model sees exactly its own template);
 * - anything else (system prompt, earlier turns): a plain transcript, one "<Role>: <content>" paragraph per
 *   message in order, which then becomes that one user message. The model therefore sees earlier turns as text
 *   inside a user turn, not as separate template turns: an honest approximation until the job prompt carries
 *   messages (a chain change).
 */
import { badRequest } from "./errors.js";

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant";
  content: string;
}

const ROLES = new Set(["system", "developer", "user", "assistant"]);
const LABEL: Record<ChatMessage["role"], string> = { system: "System", developer: "System", user: "User", assistant: "Assistant" };

/** Checks `messages` (strings, or arrays of {type:"text"} parts) and returns them normalized. */
export function parseMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest("messages", "must be a non-empty array");
  return value.map((m, i) => {
    const param = `messages[${i}]`;
    if (typeof m !== "object" || m === null) throw badRequest(param, "must be an object with role and content");
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== "string" || !ROLES.has(role)) throw badRequest(`${param}.role`, `must be one of system, developer, user, assistant (tools are not supported), got ${JSON.stringify(role)}`);
    let text: string;
    if (typeof content === "string") text = content;
    else if (Array.isArray(content)) {
      text = content
        .map((p, k) => {
          const part = p as { type?: unknown; text?: unknown };
          if (part?.type !== "text" || typeof part.text !== "string") throw badRequest(`${param}.content[${k}]`, "only text parts are supported");
          return part.text;
        })
        .join("");
    } else throw badRequest(`${param}.content`, "must be a string or an array of text parts");
    return { role: role as ChatMessage["role"], content: text };
  });
}

export function chatPrompt(messages: readonly ChatMessage[]): string {
  const [only] = messages;
  if (messages.length === 1 && only!.role === "user") return only!.content;
  return messages.map((m) => `${LABEL[m.role]}: ${m.content}`).join("\n\n");
}
