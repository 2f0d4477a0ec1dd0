/*
 * What a heading says about the section under it: a follow-up due some time after the deployment
 * ("+1 hour", "Within 24 Hours" under "Post-Deployment Tasks", "Short-term (1-7 days)"), or a rollback
 * procedure whose items are what people do when a deployment is undone, not steps a deployment waits for.
 */

const UNIT = '(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)';
/** "+1 hour", "T+24h", "+7d". */
const PLUS = new RegExp(`(?:^|[\\s(\\[T])\\+\\s*(\\d{1,3})\\s*${UNIT}\\b`, 'i');
/** "0-24 hours", "1–7 days", "1 to 7 days": the window ends at the larger bound. */
const RANGE = new RegExp(`\\b\\d{1,3}\\s*(?:-|–|—|to)\\s*(\\d{1,3})\\s*${UNIT}\\b`, 'i');
/** "Within 1 hour", "within 24 hours". */
const WITHIN = new RegExp(`\\bwithin\\s+(?:the\\s+first\\s+)?(\\d{1,3})\\s*${UNIT}\\b`, 'i');
/** "1 hour after deployment", "24 hours post-release". */
const AFTER = new RegExp(`\\b(\\d{1,3})\\s*${UNIT}\\s+(?:after|post)\\b`, 'i');
/** "After 1 week", "after 24h". */
const AFTER_LEADING = new RegExp(`\\bafter\\s+(\\d{1,3})\\s*${UNIT}\\b`, 'i');
/** "Day 2", "Week 1": counted from the deployment day. */
const NTH = /\b(day|week)\s+(\d{1,3})\b/i;

/** Headings (this one or an enclosing one) that put a section after the deployment. */
const AFTER_DEPLOYMENT =
  /\b(?:post[- ]?(?:deploy(?:ment)?|release|launch|go[- ]?live|rollout)|after\s+(?:the\s+)?(?:deploy(?:ment)?|release|launch|go[- ]?live|rollout)|follow[- ]?ups?|day[- ]after|aftercare|monitoring\s+period)\b/i;

/** "Rollback Procedure", "Rolling back", "Revert plan", "Back-out steps". Not "Rollback criteria" or "Rollback Preparedness": those say when, or get ready before the deployment. */
const ROLLBACK = /\b(?:roll(?:ing)?[- ]?back|revert(?:ing)?|back[- ]?out)\b/i;
const ROLLBACK_WHEN = /\b(?:when|criteria|triggers?|decision|if|prepar\w*|readiness|ready|drills?|tests?|tested)\b/i;

function unitToDuration(amount: number, unit: string): string {
  const u = unit.toLowerCase();
  if (u.startsWith('w')) return `${amount * 7}d`;
  if (u.startsWith('d')) return `${amount}d`;
  if (u.startsWith('h')) return `${amount}h`;
  return `${amount}m`;
}

/**
 * The checklist duration (`after:`) at which a follow-up section falls due, or undefined when the heading
 * is not a follow-up. A heading with "+N" or "N … after" is one on its own; a time window ("Within 24 Hours",
 * "Short-term (1-7 days)", "Day 2") is one under a heading that puts it after the deployment (`context`: the
 * words of the enclosing headings). A window falls due when it closes: the work in it should be done by then.
 */
export function followUpDelay(own: string, context: string): string | undefined {
  const explicit = PLUS.exec(own) ?? AFTER.exec(own) ?? AFTER_LEADING.exec(own);
  if (explicit) return unitToDuration(Number(explicit[1]), explicit[2] ?? 'h');
  if (!AFTER_DEPLOYMENT.test(`${context} ${own}`)) return undefined;
  const window = RANGE.exec(own) ?? WITHIN.exec(own);
  if (window) return unitToDuration(Number(window[1]), window[2] ?? 'h');
  const nth = NTH.exec(own);
  if (nth) {
    const count = Number(nth[2]);
    return nth[1]?.toLowerCase() === 'week' ? `${count * 7}d` : `${count}d`;
  }
  return undefined;
}

/** Whether a heading introduces the steps of a rollback (not the conditions for one). */
export function isRollbackHeading(own: string): boolean {
  return ROLLBACK.test(own) && !ROLLBACK_WHEN.test(own);
}

/** Troubleshooting, emergency and reference sections: their commands are for when something went wrong, not steps. */
const REFERENCE = /\b(?:troubleshoot\w*|common\s+(?:issues|problems)|known\s+issues|faq|issue:|quick\s+fix|emergency|incident\s+response|contacts?|appendix|references?|examples?)\b/i;

/** Whether a heading introduces a section whose code is reference material (see {@link REFERENCE}). */
export function isReferenceHeading(own: string): boolean {
  return REFERENCE.test(own);
}
