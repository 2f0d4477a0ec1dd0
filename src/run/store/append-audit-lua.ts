/**
 * Lua appending the audit tail that starts at ARGV[`first`]: the stream's length cap, a count, then five
 * fields per entry (see auditArgs). `MAXLEN ~` lets Redis trim whole stream nodes, so the cap is met within
 * one node (about 100 entries) at O(1) cost, in the same script as the write the entries describe.
 */
export function appendAuditLua(streamKey: string, first: string): string {
  return `
do
  local auditFirst = ${first}
  local cap = ARGV[auditFirst]
  for i = 0, tonumber(ARGV[auditFirst + 1]) - 1 do
    local o = auditFirst + 2 + i * 5
    redis.call('XADD', ${streamKey}, 'MAXLEN', '~', cap, '*', 'run', ARGV[o], 'actor', ARGV[o + 1], 'action', ARGV[o + 2], 'detail', ARGV[o + 3], 'at', ARGV[o + 4])
  end
end
`;
}
