/** A pictograph shown as emoji (by default, or by a following U+FE0F), with its modifiers and ZWJ sequence. */
const EMOJI =
  /(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F)[\u{1F3FB}-\u{1F3FF}\uFE0E\uFE0F\u20E3]*(?:\u200D(?:\p{Emoji_Presentation}|\p{Extended_Pictographic})[\u{1F3FB}-\u{1F3FF}\uFE0E\uFE0F]*)*/gu;
/** Pieces an emoji sequence leaves behind once its pictographs are gone. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each joiner, selector and modifier is listed to be matched on its own, left over.
const EMOJI_DEBRIS = /[\uFE0E\uFE0F\u200D\u20E3\u{1F3FB}-\u{1F3FF}\u{1F1E6}-\u{1F1FF}\u{E0020}-\u{E007F}]/gu;

/**
 * Removes emoji that decorate headings and items ("🚀 Phase 2", "APPROVED ✅"), keeping symbols that are
 * text: ≥, →, ✓, ©, ™ (pictographs that render as text unless followed by U+FE0F). Collapses the spaces
 * left behind.
 */
export function stripEmoji(text: string): string {
  return text.replace(EMOJI, ' ').replace(EMOJI_DEBRIS, '').replace(/\s+/g, ' ').trim();
}
