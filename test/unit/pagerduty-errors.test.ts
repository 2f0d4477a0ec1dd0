import { describe, expect, it } from 'vitest';
import { errorFromRejection, errorFromStatus } from '../../src/pagerduty/to-pagerduty-error.js';

describe('errorFromStatus', () => {
  it.each([
    ['events', 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] }, 'pagerduty-rejected', 'Invalid routing key'],
    ['rest', 401, { error: { message: 'Unauthorized', code: 2006 } }, 'pagerduty-rejected', 'Unauthorized'],
    ['rest', 403, { error: { message: 'Access Denied', code: 2010 } }, 'pagerduty-rejected', 'Access Denied'],
    ['rest', 400, { error: { message: 'Invalid Input Provided', code: 2001, errors: ['Offset too big'] } }, 'pagerduty-rejected', 'Invalid Input Provided; Offset too big'],
    ['events', 429, { status: 'throttle event', message: 'slow down' }, 'pagerduty-unavailable', 'rate-limited'],
    ['rest', 429, { error: { message: 'Rate Limit Exceeded', code: 2020 } }, 'pagerduty-unavailable', 'Rate Limit Exceeded'],
    ['events', 500, undefined, 'pagerduty-unavailable', 'answered 500'],
    ['rest', 503, 'not json', 'pagerduty-unavailable', 'answered 503'],
    ['rest', 408, undefined, 'pagerduty-unavailable', 'answered 408'],
  ] as const)('%s %i → %s', (surface, status, body, code, text) => {
    const err = errorFromStatus(surface, 'trigger event for k', status, body);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(code === 'pagerduty-unavailable');
    expect(err.message).toContain(text);
    expect(err.remedy).toBeTruthy();
  });

  it('points at the API token for REST 401/403 and at the routing key for events', () => {
    expect(errorFromStatus('rest', 'lookup', 401, undefined).remedy).toMatch(/API token/);
    expect(errorFromStatus('events', 'trigger', 400, undefined).remedy).toMatch(/routing/);
  });
});

describe('errorFromRejection', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { name: 'FetchError', type: 'system', code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['an abort', Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }), 'within 1000 ms'],
    ['an invalid JSON body', Object.assign(new Error('invalid json'), { name: 'FetchError', type: 'invalid-json' }), 'not JSON'],
    ['a 200 Response with a non-JSON body', { status: 200 }, 'not JSON'],
    ['a 502 Response with a non-JSON body', { status: 502 }, 'answered 502'],
  ])('maps %s to pagerduty-unavailable', (_name, err, text) => {
    const mapped = errorFromRejection('rest', 'lookup', err, 1000);
    expect(mapped.code).toBe('pagerduty-unavailable');
    expect(mapped.message).toContain(text);
  });

  it('judges a non-JSON 4xx Response by its status', () => {
    expect(errorFromRejection('rest', 'lookup', { status: 404 }, 1000).code).toBe('pagerduty-rejected');
  });
});
