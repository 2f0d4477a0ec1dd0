/** Entries are moved to the day archives in batches of about one stream node, as `MAXLEN ~` used to trim. */
const ARCHIVE_BATCH = 100;

/** A run's own index keeps at most about this many of its entries: far more than a run writes. */
const RUN_INDEX_CAP = 1000;

/**
 * Lua appending the audit tail that starts at ARGV[`first`]: the stream's length cap, the archive's retention
 * in days, how long a run's own index is kept (ms), a count, then five fields per entry (see auditArgs).
 *
 * Each entry of a run is also added, under the same id, to the run's own index (`<stream>:run-<id>`, renewed
 * for that long at every write that adds to it), so a deployment log reads its run's entries, not the whole stream: scanning
 * the stream for them cost every log a read of every run's entries (at 10,000 runs, the bound on how fast
 * threads completed). The index is under the stream's hash tag, as the day archives are.
 *
 * Once the stream is a batch over its cap, its oldest entries are moved, in the same script as the write the
 * new entries describe, to per-day archive streams `<stream>:YYYY-MM-DD` (the UTC day of each entry's own
 * `at`) under their original ids, and trimmed from the stream exactly (`XTRIM MINID`), so nothing is both
 * kept and archived, nor lost between the two. Each day key expires `days` whole days after its day ended
 * (on Redis's clock); entries already past that are dropped rather than written and expired at once; a day
 * holds at most about `cap` entries (`MAXLEN ~`), so the archive is bounded even on a day of floods. With
 * `days` 0 nothing is archived: the oldest entries are dropped, as before archives existed.
 */
export function appendAuditLua(streamKey: string, first: string): string {
  return `
do
  local auditFirst = ${first}
  local stream = ${streamKey}
  local cap = tonumber(ARGV[auditFirst])
  local keepDays = tonumber(ARGV[auditFirst + 1])
  local runKeepMs = tonumber(ARGV[auditFirst + 2])
  local owns, seen = {}, {}
  for i = 0, tonumber(ARGV[auditFirst + 3]) - 1 do
    local o = auditFirst + 4 + i * 5
    local id = redis.call('XADD', stream, '*', 'run', ARGV[o], 'actor', ARGV[o + 1], 'action', ARGV[o + 2], 'detail', ARGV[o + 3], 'at', ARGV[o + 4])
    if ARGV[o] ~= '' then
      local own = stream .. ':run-' .. ARGV[o]
      redis.call('XADD', own, 'MAXLEN', '~', ${RUN_INDEX_CAP}, id, 'run', ARGV[o], 'actor', ARGV[o + 1], 'action', ARGV[o + 2], 'detail', ARGV[o + 3], 'at', ARGV[o + 4])
      if not seen[own] then
        seen[own] = true
        table.insert(owns, own)
      end
    end
  end
  -- Renewed once per index, in the order first written, however many of the write's entries it got.
  for _, own in ipairs(owns) do redis.call('PEXPIRE', own, runKeepMs) end
  local over = redis.call('XLEN', stream) - cap
  if over >= ${ARCHIVE_BATCH} then
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', over + 1)
    if keepDays > 0 then
      local clock = redis.call('TIME')
      local nowMs = tonumber(clock[1]) * 1000
      for j = 1, over do
        local id, fields = oldest[j][1], oldest[j][2]
        local at
        for f = 1, #fields - 1, 2 do
          if fields[f] == 'at' then at = tonumber(fields[f + 1]) end
        end
        -- An entry without a usable time is dated by its id, which is Redis's time when it was written.
        at = at or tonumber(string.match(id, '^(%d+)'))
        local day = math.floor(at / 86400000)
        local expiresAt = (day + 1 + keepDays) * 86400000
        if expiresAt > nowMs then
          -- Hinnant's civil_from_days: the UTC date of a day number (Redis's Lua has no os.date).
          local z = day + 719468
          local era = math.floor(z / 146097)
          local doe = z - era * 146097
          local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
          local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
          local mp = math.floor((5 * doy + 2) / 153)
          local d = doy - math.floor((153 * mp + 2) / 5) + 1
          local m = mp < 10 and mp + 3 or mp - 9
          local y = yoe + era * 400 + (m <= 2 and 1 or 0)
          local archive = stream .. ':' .. string.format('%04d-%02d-%02d', y, m, d)
          -- Ids only grow, so the original id fits; should a restored stream have gone back in time, a new id
          -- keeps the entry rather than failing the write it belongs to.
          local added = redis.pcall('XADD', archive, 'MAXLEN', '~', cap, id, unpack(fields))
          if type(added) == 'table' and added.err then redis.call('XADD', archive, 'MAXLEN', '~', cap, '*', unpack(fields)) end
          redis.call('PEXPIREAT', archive, expiresAt)
        end
      end
    end
    redis.call('XTRIM', stream, 'MINID', oldest[over + 1][1])
  end
end
`;
}
