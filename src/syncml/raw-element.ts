/**
 * The intermediate element tree both decoders produce and the message builder
 * consumes. Keeping it generic lets XML and WBXML share one builder — and one
 * set of structural checks and error paths — while each decoder only deals
 * with its own syntax.
 */

/** One decoded element. */
export interface RawElement {
  /** `page * 256 + token` (see tags.ts), or -1 for an element of no known vocabulary. */
  id: number;
  /** Local name, as written (XML) or as the code page names it (WBXML). */
  name: string;
  /** Child elements in order; `null` for none. */
  children: RawElement[] | null;
  /** Character data (entities resolved, CDATA and string runs joined); `null` for none. */
  text: string | null;
  /** OPAQUE content (WBXML only); `null` for none. */
  opaque: Uint8Array | null;
  /** Offset of the element's start in the input (bytes for WBXML, characters for XML). */
  offset: number;
}

/** Limits every decoder enforces; each has a safe default. */
export interface DecodeLimits {
  /** Largest input accepted, in bytes. Default 16 MiB. */
  maxBytes?: number;
  /** Deepest element nesting accepted. Default 64; at most {@link MAX_DEPTH_CEILING}. */
  maxDepth?: number;
  /** Most elements accepted in one document. Default 1,000,000. */
  maxElements?: number;
  /** Longest single text, opaque or string-table entry, in bytes. Default 8 MiB. */
  maxStringBytes?: number;
  /** Deepest nesting of embedded documents (WBXML in OPAQUE). Default 2. */
  maxEmbeddingDepth?: number;
}

/** The limits with every default filled in. */
export type ResolvedLimits = Required<DecodeLimits>;

/** Default decoder limits. */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 1_000_000,
  maxStringBytes: 8 * 1024 * 1024,
  maxEmbeddingDepth: 2,
});

/** The deepest nesting any caller may allow: the decoders recurse per level and must stay well inside the stack. */
export const MAX_DEPTH_CEILING = 1000;

/** Merge caller limits over the defaults (depth clamped to {@link MAX_DEPTH_CEILING}). */
export function resolveLimits(limits?: DecodeLimits): ResolvedLimits {
  if (!limits) return DEFAULT_LIMITS;
  const merged = { ...DEFAULT_LIMITS, ...limits };
  merged.maxDepth = Math.min(merged.maxDepth, MAX_DEPTH_CEILING);
  return merged;
}
