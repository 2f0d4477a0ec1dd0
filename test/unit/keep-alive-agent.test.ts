import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpsProxyAgent } from 'hpagent';
import { describe, expect, it } from 'vitest';
import { createKeepAliveAgent } from '../../src/k8s/keep-alive-agent.js';

describe('createKeepAliveAgent', () => {
  it('gives every fresh agent with the same TLS material one kept-alive agent, and a new one once the material changes', () => {
    const keep = createKeepAliveAgent();
    const first = keep(new HttpsAgent({ ca: 'CA', cert: 'CERT-1', key: 'KEY' }));
    expect(first).toBeInstanceOf(HttpsAgent);
    expect((first as HttpAgent & { keepAlive: boolean }).keepAlive).toBe(true);
    expect((first as HttpAgent & { options: Record<string, unknown> }).options).toMatchObject({ ca: 'CA', cert: 'CERT-1', key: 'KEY' });
    expect(keep(new HttpsAgent({ ca: 'CA', cert: 'CERT-1', key: 'KEY' }))).toBe(first);
    const rotated = keep(new HttpsAgent({ ca: 'CA', cert: 'CERT-2', key: 'KEY' }));
    expect(rotated).not.toBe(first);
    expect((rotated as HttpAgent & { options: Record<string, unknown> }).options).toMatchObject({ cert: 'CERT-2' });
    expect(keep(new HttpsAgent({ ca: 'CA', cert: 'CERT-2', key: 'KEY', rejectUnauthorized: false }))).not.toBe(rotated);
  });

  it('compares Buffers and lists of CAs by content, as client-node reads them afresh for every request', () => {
    const keep = createKeepAliveAgent();
    const first = keep(new HttpsAgent({ ca: [Buffer.from('CA-1'), Buffer.from('CA-2')], cert: Buffer.from('CERT') }));
    expect(keep(new HttpsAgent({ ca: [Buffer.from('CA-1'), Buffer.from('CA-2')], cert: Buffer.from('CERT') }))).toBe(first);
    expect(keep(new HttpsAgent({ ca: [Buffer.from('CA-1')], cert: Buffer.from('CERT') }))).not.toBe(first);
  });

  it('keeps plain HTTP apart from TLS, and leaves proxy agents and no agent as they are', () => {
    const keep = createKeepAliveAgent();
    const plain = keep(new HttpAgent());
    expect(plain?.constructor).toBe(HttpAgent);
    expect(keep(new HttpsAgent())).toBeInstanceOf(HttpsAgent);
    const proxied = new HttpsProxyAgent({ proxy: 'http://proxy.example:3128' });
    expect(keep(proxied)).toBe(proxied);
    expect(keep(undefined)).toBeUndefined();
  });
});
