/** Ids in a checklist: lowercase letters, digits and dashes, at most 63 characters, as the schema requires. */
export const MAX_ID_LENGTH = 63;

const FOLDS: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/**
 * A readable id from free text: accents folded, everything but letters and digits turned into dashes,
 * cut at a word boundary to at most `maxLength`. Empty when the text has no Latin letters or digits.
 */
export function slugify(text: string, maxLength = 48): string {
  const folded = text
    .toLowerCase()
    .replace(/[ßæøœłđðþı]/g, (char) => FOLDS[char] ?? char)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '');
  const slug = folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength + 1);
  const boundary = cut.lastIndexOf('-');
  return (boundary > maxLength / 2 ? cut.slice(0, boundary) : cut.slice(0, maxLength)).replace(/-+$/, '');
}

export interface IdRegistry {
  /**
   * An unused id made from `text` (or `fallback` when the text makes no slug), with `-2`, `-3`, … added
   * when the plain slug is taken. The id is recorded as used.
   */
  claim(text: string, fallback: string): string;
}

/** Hands out ids unique within one checklist. */
export function createIdRegistry(): IdRegistry {
  const used = new Set<string>();
  const nextSuffix = new Map<string, number>();
  return {
    claim(text, fallback) {
      const base = slugify(text) || fallback;
      if (!used.has(base)) {
        used.add(base);
        return base;
      }
      for (let n = nextSuffix.get(base) ?? 2; ; n += 1) {
        const suffix = `-${n}`;
        const candidate = `${base.slice(0, MAX_ID_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
        if (!used.has(candidate)) {
          used.add(candidate);
          nextSuffix.set(base, n + 1);
          return candidate;
        }
      }
    },
  };
}
