import { z } from 'zod';
import { IMAGE_TAG } from '../config/image-tag.js';

/** A commit SHA as git prints it: 7 to 64 hex digits (SHA-1 abbreviated up to SHA-256 in full). */
const COMMIT_SHA = /^[0-9a-f]{7,64}$/;
/** Long enough for a sentence and a ticket link, as a lock reason on `/deploy lock`. */
const MAX_REASON = 300;

const name = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `is required: the catalog name of the ${what}` : `must be a string: the catalog name of the ${what}`) })
    .min(1, `is empty: give the catalog name of the ${what}`)
    .max(63, `is longer than 63 characters, so no ${what} of the catalog has it`);

/**
 * The body of `POST /api/v1/deploys` (docs/api/openapi.yaml, `DeployRequest`). Every message says what is wrong
 * and what is expected, since a pipeline's log is all its author sees. Unknown keys are refused, so a typo
 * (`enviroment`) is not silently a deploy to the default environment.
 */
export const deployBodySchema = z.strictObject(
  {
    service: name('service'),
    version: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required: the image tag to deploy, e.g. v1.4.2' : 'must be a string: the image tag to deploy') })
      .regex(IMAGE_TAG, 'is not a valid image tag: up to 128 letters, digits, _, . and -, not starting with . or - (e.g. v1.4.2)'),
    environment: name('environment'),
    commit: z
      .strictObject(
        {
          sha: z.string({ error: 'must be a string of hex digits' }).regex(COMMIT_SHA, 'is not a commit SHA: 7 to 64 lowercase hex digits').optional(),
          time: z.iso
            .datetime({ offset: true, error: 'is not an ISO 8601 date-time with a time zone, e.g. 2026-12-05T21:40:00Z' })
            .optional(),
        },
        { error: 'must be an object: { sha?, time? }' },
      )
      .optional(),
    reason: z.string({ error: 'must be a string' }).min(1, 'is empty: leave it out or say why').max(MAX_REASON, `is longer than ${MAX_REASON} characters`).optional(),
  },
  { error: 'must be a JSON object: { service, version, environment, commit?, reason? }' },
);

/** One problem of a request body, where it is (`commit.time`; empty for the body itself) and what is wrong. */
export interface BodyIssue {
  path: string;
  message: string;
}

/** zod's issues as a pipeline's author reads them; an unknown key names itself. */
export function wordIssues(error: z.ZodError): BodyIssue[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: at ? `${at}.${key}` : key, message: 'is not a field of this request: check its spelling against docs/api/openapi.yaml' }));
    }
    return [{ path: at, message: issue.message }];
  });
}
