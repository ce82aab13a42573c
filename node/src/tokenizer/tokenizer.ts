/**
 * Text <-> token ids and chat templating for a model directory (tokenizer.json + config.json).
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | string;
  content: string;
}

export interface TokenizerMeta {
  bosTokenId: number | null;
  eosTokenId: number;
  /** Extra stop ids (e.g. an end-of-turn token distinct from EOS). */
  stopTokenIds: number[];
  addBos: boolean;
  chatTemplate: string | null;
}

export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}

export class TextTokenizer {
  private readonly hf: HfTokenizer;
  private template: Template | undefined;

  constructor(
    tokenizerJson: Record<string, unknown>,
    readonly meta: TokenizerMeta,
  ) {
    // clean_up_tokenization_spaces would rewrite " ." to "." on decode and break round trips.
    this.hf = new HfTokenizer(tokenizerJson, { clean_up_tokenization_spaces: false });
  }

  /** Encodes text; special-token strings in the text (e.g. `<|im_start|>`) become their ids. */
  encode(text: string, opts: { addBos?: boolean } = {}): number[] {
    const ids = this.hf.encode(text, { add_special_tokens: false }).ids;
    const addBos = opts.addBos ?? this.meta.addBos;
    return addBos && this.meta.bosTokenId !== null ? [this.meta.bosTokenId, ...ids] : ids;
  }

  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    if (ids.length === 0) return ''; // the HF decoder rejects empty input
    return this.hf.decode([...ids], { skip_special_tokens: opts.skipSpecial ?? false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.hf.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.hf.id_to_token(id);
  }

  /** Renders the model's chat template (with the generation prompt for the assistant turn). */
  applyChatTemplate(messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.meta.chatTemplate) throw new ChatTemplateError('this model has no chat template; pass a plain prompt instead');
    this.template ??= new Template(this.meta.chatTemplate);
    const tok = (id: number | null): string => (id === null ? '' : (this.idToToken(id) ?? ''));
    return this.template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: tok(this.meta.bosTokenId),
      eos_token: tok(this.meta.eosTokenId),
    });
  }
}
