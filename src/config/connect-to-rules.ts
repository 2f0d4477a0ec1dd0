/**
 * One `PROBE_CONNECT_TO` rule, curl's `--connect-to` for probes: a probe URL whose host matches `host`
 * (exactly, or any subdomain for `*.suffix`) and whose port is `port` is sent to `to` instead.
 */
export interface ConnectToRule {
  host: string;
  port: number;
  to: { host: string; port: number };
}

const RULE = /^(\*\.)?([A-Za-z0-9.-]+):(\d{1,5})=([A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses `HOST:PORT=ADDR:PORT[,…]`. Returns the rules, or the first entry that is not one, so the caller
 * can name it in its problem.
 */
export function parseConnectToRules(text: string): { rules: ConnectToRule[] } | { bad: string } {
  const rules: ConnectToRule[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    const match = RULE.exec(entry);
    const port = Number(match?.[3]);
    const toPort = Number(match?.[5]);
    if (!match || port < 1 || port > 65535 || toPort < 1 || toPort > 65535) return { bad: entry };
    rules.push({ host: `${match[1] ?? ''}${match[2]!.toLowerCase()}`, port, to: { host: match[4]!, port: toPort } });
  }
  return { rules };
}
