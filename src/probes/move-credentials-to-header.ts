/**
 * fetch refuses URLs with credentials, so `user:pass@` becomes Basic authentication, as curl does it.
 * An Authorization header the probe sets itself wins.
 */
export function moveCredentialsToHeader(raw: string, headers: Record<string, string>): { url: string; headers: Record<string, string> } {
  const url = new URL(raw);
  if (url.username === '' && url.password === '') return { url: raw, headers };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  return { url: url.toString(), headers: hasAuthorization ? headers : { ...headers, authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}
