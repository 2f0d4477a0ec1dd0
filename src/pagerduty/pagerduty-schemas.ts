import { z } from 'zod';

/** 202 from `POST /v2/enqueue`. */
export const eventAcceptedSchema = z.object({ status: z.string(), message: z.string().optional(), dedup_key: z.string().min(1) });

/** 202 from `POST /v2/change/enqueue`; its body is not documented precisely, so only `status` is required. */
export const changeAcceptedSchema = z.object({ status: z.string() });

/** 400 from the Events API. */
export const eventErrorSchema = z.object({ status: z.string().optional(), message: z.string().optional(), errors: z.array(z.string()).optional() });

/** Error envelope of the REST API. */
export const restErrorSchema = z.object({
  error: z.object({ message: z.string().optional(), code: z.number().optional(), errors: z.array(z.string()).optional() }),
});

const userSchema = z.object({ id: z.string().min(1), email: z.string().optional() });

/** One page of `GET /oncalls` (classic offset pagination). */
export const onCallPageSchema = z.object({
  oncalls: z.array(z.object({ escalation_level: z.number(), user: userSchema })),
  more: z.boolean().optional(),
});

/** `GET /users/{id}`. */
export const userResponseSchema = z.object({ user: z.object({ id: z.string(), email: z.string().min(1) }) });
