/** The file is not valid GGUF: truncated, corrupt, or inconsistent. */
export class GgufFormatError extends Error {
  override name = 'GgufFormatError';
}

/** Valid GGUF, but something in it (tensor type, architecture, tokenizer) the importer cannot handle. */
export class GgufUnsupportedError extends Error {
  override name = 'GgufUnsupportedError';
}
