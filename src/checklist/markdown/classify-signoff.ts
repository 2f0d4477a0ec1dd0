/** A heading or label that introduces approvals: "Sign-offs", "Go-Live Approval", "Approvers", "Signatures". */
const SIGNOFF_SECTION = /\b(?:sign[- ]?offs?|signoffs?|approvals?|approvers?|signatures?)\b/i;

/** "… approved by X", "sign-off from X", "signature of X", "Signed off by: (X)" (a fill-in line, its blank cleaned away). */
const BY_ROLE = /\b(?:approved|signed[- ]off|sign[- ]?off|signoff|approval|signature)\s+(?:by|from|of)(?::\s*|\s+)(.+)$/i;
/** "Approved by" with nothing after it: the name was a blank to fill in. */
const BY_BLANK = /\b(?:approved|signed[- ]off|sign[- ]?off|signoff|approval|signature)\s+(?:by|from|of)$/i;
/** A role written in brackets after a fill-in blank: "(Site Reliability Lead)". */
const BRACKETED = /^\(([^()]+)\)\s*[.]?$/;

/** "X sign-off", "X's approval obtained", "X signature". Ends the item, so "approval ticket created" is not one. */
const ROLE_THEN_KEYWORD =
  /^(.*?)(?:'s)?\s*\b(?:sign[- ]?offs?|signoffs?|signed[- ]off|signatures?|approvals?)\b(?:\s+(?:obtained|received|given|granted|completed?|required|done))?\s*[.!]?$/i;

/** Words that name who approves; a line in a sign-off section whose head does not end in one is an ordinary item. */
const ROLE_NOUN =
  /\b(?:leads?|owners?|managers?|engineers?|engineering|officers?|admins?|administrators?|reviewers?|directors?|architects?|heads?|cto|cio|ciso|cso|ceo|coo|vp|sre|qa|dba|security|operations|ops|devops|product|on-?call|approvers?|stakeholders?|teams?|legal|compliance|cab|board|committee|analysts?|auditors?|sponsors?|captains?|commanders?|champions?|chief|president|supervisors?|coordinators?|developers?|platform|infrastructure|support|business|customers?|finance|marketing)$/i;

const LEADING_FILLER = /^(?:(?:the|a|an|final|formal|written|required|all)(?:\s+|$))+/i;
const TRAILING_FILLER = /(?:\s+(?:review|reviewed|check|checked|approval|approved|sign[- ]?off|signoff|signature|and|by|from|of|has|have|been|is))+$/i;
/** Fill-in placeholders where a name goes: "…", "TBD", "[name]", "____". */
const PLACEHOLDER = /^(?:[.…_\-–—\s]*|tbd|tba|n\/a|\[[^\]]*\]|<[^>]*>|\([^)]*\))$/i;

const MAX_ROLE_WORDS = 6;
const MAX_ROLE_LENGTH = 60;

/** Who must sign: the role's own words, as written in the checklist ("Technical Lead"). */
export interface SignoffRole {
  words: string;
}

/** The fallback when a line is plainly a sign-off but names no role ("Final sign-off"). */
export const GENERIC_APPROVER = 'Approver';

/** Whether a heading or label introduces a list of sign-offs. */
export function isSignoffSection(text: string): boolean {
  return SIGNOFF_SECTION.test(text);
}

function tidyRole(text: string): string {
  return text
    .replace(/[*_`"“”]/g, '')
    .trim()
    .replace(LEADING_FILLER, '')
    .replace(TRAILING_FILLER, '')
    .replace(/[\s:,;.\-–—]+$/, '')
    .trim();
}

function isRoleLike(text: string): boolean {
  return text.length > 0 && text.length <= MAX_ROLE_LENGTH && text.split(/\s+/).length <= MAX_ROLE_WORDS && ROLE_NOUN.test(text);
}

/**
 * Decides whether an item (its own cleaned words, without parent context) is a sign-off, and by whom.
 * Explicit lines ("Technical Lead sign-off", "Security review approved by Security Team", "Deployment
 * Team Lead Signature") are sign-offs anywhere; inside a sign-off section, a line whose head names a role
 * ("Technical Lead: System functioning correctly", "Product Owner") is one too. Lines that are plainly
 * sign-offs but name nobody get {@link GENERIC_APPROVER}. Returns undefined for ordinary items.
 */
export function classifySignoff(text: string, inSignoffSection: boolean): SignoffRole | undefined {
  const by = BY_ROLE.exec(text);
  if (by) {
    const who = (by[1] ?? '').trim().replace(BRACKETED, '$1');
    const named = tidyRole(who.split(/[,;(]|\s[-–—]\s|\.\s|\.$/)[0] ?? '');
    if (named && !PLACEHOLDER.test(named) && named.length <= MAX_ROLE_LENGTH && named.split(/\s+/).length <= MAX_ROLE_WORDS) return { words: named };
    const before = tidyRole(text.slice(0, by.index));
    return { words: isRoleLike(before) ? before : GENERIC_APPROVER };
  }
  if (BY_BLANK.test(text)) return { words: GENERIC_APPROVER };
  const keyword = ROLE_THEN_KEYWORD.exec(text);
  if (keyword) {
    const head = tidyRole((keyword[1] ?? '').split(':').at(-1) ?? '');
    return { words: isRoleLike(head) || (head && !PLACEHOLDER.test(head) && head.split(/\s+/).length <= 2) ? head : GENERIC_APPROVER };
  }
  if (!inSignoffSection) return undefined;
  const head = tidyRole(text.split(/:|\s[-–—]\s/)[0] ?? '');
  return isRoleLike(head) ? { words: head } : undefined;
}
