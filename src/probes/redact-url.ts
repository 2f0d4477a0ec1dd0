/**
 * A URL as it may appear in a message: user name, password and query string removed, because
 * connection URLs often carry credentials. Unparseable input yields a placeholder instead of the text.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname === '/' ? '' : parsed.pathname;
    return `${parsed.protocol}//${parsed.host}${path}`;
  } catch {
    return '(invalid URL)';
  }
}
