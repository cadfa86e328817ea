//! The Lua scripts of the Redis engine, its key names, and the parsing of
//! what they answer.
//!
//! Every key of a topic carries the hash tag `{topic}`, so a topic lives in
//! one slot of a Redis Cluster and each script touches one slot. Redis runs
//! one script at a time: each of them is atomic.

use redis::{Script, Value};
use serde_json::{Map, Value as Json};

use crate::engine::{Change, EngineError, IfAbsent, Joined, Start};

/// Publishes one change: creates the epoch if missing (a fresh incarnation
/// drops whatever history, entries and ids an old one left), checks the
/// mutation id, bumps seq, updates the entries, appends to the capped
/// stream (entry id = seq), remembers the id, and publishes from inside the
/// script, so that live order is seq order.
///
/// KEYS: meta, entries, history, ids. ARGV: epoch candidate, mutation id
/// (empty: none), key, value JSON (`null` removes), history size, dedup
/// window, TTL ms (0: none), channel, `1` to refuse a missing topic.
/// Answers `{seq, 1, epoch}` for a fresh change, `{seq, 0, epoch}` for a
/// repeated id and `{0, 2, ''}` for a refused missing topic.
const APPLY: &str = r"
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  if ARGV[9] == '1' then return {0, 2, ''} end
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
end
local id = ARGV[2]
if id ~= '' then
  local seen = redis.call('ZSCORE', KEYS[4], id)
  if seen then return {tonumber(seen), 0, epoch} end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local key, value = ARGV[3], ARGV[4]
if value == 'null' then
  redis.call('HDEL', KEYS[2], key)
else
  redis.call('HSET', KEYS[2], key, value)
end
local cap, ttl = tonumber(ARGV[5]), tonumber(ARGV[7])
if cap > 0 then
  redis.call('XADD', KEYS[3], 'MAXLEN', cap, string.format('%d-0', seq), 'k', key, 'v', value)
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
if id ~= '' then
  redis.call('ZADD', KEYS[4], seq, id)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[6]) + 1))
  if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
end
redis.call('PUBLISH', ARGV[8], string.format('%d|', seq) .. epoch .. '|' .. #key .. '|' .. key .. value)
return {seq, 1, epoch}
";

/// Starts a subscription: the first schema wins, the epoch is created if
/// missing, and the answer is the range after `since` when the epoch
/// matches and the stream still holds `since + 1`, else the snapshot.
///
/// KEYS: meta, entries, history, ids. ARGV: epoch candidate, schema, since
/// (empty: none), the client's epoch (empty: none), `1` to refuse a missing
/// topic. Answers `{0, schema}` on a mismatch, `{1, epoch, seq, range}` for
/// a replay, `{2, epoch, seq, flat entries}` for a snapshot and `{3}` for a
/// refused missing topic.
const JOIN: &str = r"
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'schema')
local epoch, seq, schema = meta[1], tonumber(meta[2] or '0'), meta[3]
if not epoch then
  if ARGV[5] == '1' then return {3} end
  epoch, seq = ARGV[1], 0
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
end
if schema and schema ~= ARGV[2] then return {0, schema} end
if not schema then redis.call('HSET', KEYS[1], 'schema', ARGV[2]) end
local since = tonumber(ARGV[3])
if since and (ARGV[4] == '' or ARGV[4] == epoch) and since <= seq then
  if since == seq then return {1, epoch, seq, {}} end
  local from = string.format('%d-0', since + 1)
  local first = redis.call('XRANGE', KEYS[3], from, '+', 'COUNT', 1)
  if first[1] and first[1][1] == from then
    return {1, epoch, seq, redis.call('XRANGE', KEYS[3], from, '+')}
  end
end
return {2, epoch, seq, redis.call('HGETALL', KEYS[2])}
";

/// Creates a topic holding the given entries unless it exists (atomically,
/// so of racing nodes one creates it): a fresh epoch, an empty history, no
/// ids, and seq 1 (0 for no entries). The seed is not in the history and is
/// not published; `base` records its seq, so a dispatcher that started
/// before the topic existed knows that what it missed up to `base` is in
/// every snapshot.
///
/// KEYS: meta, entries, history, ids. ARGV: epoch candidate, then key and
/// value JSON pairs. Answers 1 when it created the topic, else 0.
const SEED: &str = r"
if redis.call('HEXISTS', KEYS[1], 'epoch') == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
local seq = 0
if #ARGV > 1 then seq = 1 end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'seq', seq, 'base', seq)
for i = 2, #ARGV, 1000 do
  redis.call('HSET', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return 1
";

/// Reads the epoch (false when the topic is gone), the top seq, up to
/// `count` history entries from seq `from` on, and the seq the topic was
/// created with (see [`SEED`]), atomically.
///
/// KEYS: meta, history. ARGV: from, count.
const RANGE: &str = r"
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'base')
if not meta[1] then return {false, 0, {}, 0} end
local range = redis.call('XRANGE', KEYS[2], ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])
return {meta[1], tonumber(meta[2]), range, tonumber(meta[3] or '0')}
";

/// The scripts, hashed once.
pub(super) struct Scripts {
    pub apply: Script,
    pub join: Script,
    pub seed: Script,
    pub range: Script,
}

impl Scripts {
    pub fn new() -> Self {
        Self {
            apply: Script::new(APPLY),
            join: Script::new(JOIN),
            seed: Script::new(SEED),
            range: Script::new(RANGE),
        }
    }
}

/// The key names of one topic.
pub(super) struct Keys {
    /// Hash: epoch, seq, schema, and base for a seeded topic.
    pub meta: String,
    /// Hash: key → value JSON.
    pub entries: String,
    /// Stream: the history, entry id `<seq>-0`, fields `k` and `v`.
    pub history: String,
    /// Sorted set: mutation id scored by the seq it produced.
    pub ids: String,
    /// Pub/sub channel of the live changes.
    pub channel: String,
}

impl Keys {
    /// No suffix ends another, so two topics never share a key.
    pub fn new(prefix: &str, topic: &str) -> Self {
        let tag = format!("{prefix}:{{{topic}}}");
        Self {
            meta: format!("{tag}:meta"),
            entries: format!("{tag}:entries"),
            history: format!("{tag}:history"),
            ids: format!("{tag}:ids"),
            channel: channel(prefix, topic),
        }
    }
}

/// The live channel of a topic.
pub(super) fn channel(prefix: &str, topic: &str) -> String {
    format!("{prefix}:{{{topic}}}:live")
}

/// The topic of a live channel, the inverse of [`channel`].
pub(super) fn topic_of<'a>(prefix: &str, channel: &'a str) -> Option<&'a str> {
    channel
        .strip_prefix(prefix)?
        .strip_prefix(":{")?
        .strip_suffix("}:live")
}

/// A change as published on a topic's channel.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Published {
    pub epoch: String,
    pub change: Change,
}

/// Parses `seq|epoch|keylen|key` followed by the value JSON.
pub(super) fn parse_published(payload: &[u8]) -> Option<Published> {
    let text = std::str::from_utf8(payload).ok()?;
    let (seq, rest) = text.split_once('|')?;
    let (epoch, rest) = rest.split_once('|')?;
    let (len, rest) = rest.split_once('|')?;
    let len: usize = len.parse().ok()?;
    let key = rest.get(..len)?;
    let value = serde_json::from_str(rest.get(len..)?).ok()?;
    Some(Published {
        epoch: epoch.to_owned(),
        change: Change {
            seq: seq.parse().ok()?,
            key: key.to_owned(),
            value,
        },
    })
}

/// A script's answer that does not have the expected shape.
pub(super) fn garbled(what: &str) -> EngineError {
    EngineError::Unavailable(format!("unexpected answer from Redis to {what}"))
}

/// History entries (`[id, [k, key, v, value]]`) as changes.
pub(super) fn parse_range(range: Value) -> Result<Vec<Change>, EngineError> {
    let entries: Vec<(String, Vec<String>)> =
        redis::from_redis_value(range).map_err(|_| garbled("a history read"))?;
    entries
        .into_iter()
        .map(|(id, fields)| {
            let seq = id.strip_suffix("-0").and_then(|s| s.parse().ok());
            let (Some(seq), [_, key, _, value]) = (seq, fields.as_slice()) else {
                return Err(garbled("a history read"));
            };
            Ok(Change {
                seq,
                key: key.clone(),
                value: parse_json(value)?,
            })
        })
        .collect()
}

/// A flat `HGETALL` answer as entries.
pub(super) fn parse_entries(flat: Value) -> Result<Map<String, Json>, EngineError> {
    let flat: Vec<String> = redis::from_redis_value(flat).map_err(|_| garbled("a snapshot"))?;
    let mut entries = Map::new();
    for pair in flat.chunks_exact(2) {
        entries.insert(pair[0].clone(), parse_json(&pair[1])?);
    }
    Ok(entries)
}

/// The join script's answer: `{0, schema}`, `{1, epoch, seq, range}`,
/// `{2, epoch, seq, entries}` or `{3}` (absent).
pub(super) fn parse_joined(answer: Vec<Value>) -> Result<Joined, EngineError> {
    let mut answer = answer.into_iter();
    let mut next = || answer.next().ok_or_else(|| garbled("a join"));
    let tag: u8 = redis::from_redis_value(next()?).map_err(|_| garbled("a join"))?;
    if tag == 3 {
        return Err(EngineError::Absent);
    }
    if tag == 0 {
        let expected = redis::from_redis_value::<String>(next()?)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| garbled("a join"))?;
        return Err(EngineError::SchemaMismatch { expected });
    }
    let epoch: String = redis::from_redis_value(next()?).map_err(|_| garbled("a join"))?;
    let seq: u64 = redis::from_redis_value(next()?).map_err(|_| garbled("a join"))?;
    let start = match tag {
        1 => Start::Replay(parse_range(next()?)?),
        _ => Start::Snapshot(parse_entries(next()?)?),
    };
    Ok(Joined { seq, epoch, start })
}

fn parse_json(text: &str) -> Result<Json, EngineError> {
    serde_json::from_str(text)
        .map_err(|e| EngineError::Unavailable(format!("a stored value is not JSON: {e}")))
}

/// The scripts' flag for [`IfAbsent::Refuse`].
pub(super) fn refuse(if_absent: IfAbsent) -> &'static str {
    match if_absent {
        IfAbsent::Create => "0",
        IfAbsent::Refuse => "1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_round_trips_keys_with_separators() {
        let payload = "12|e-1|3|a|b{\"x\":\"|\"}";
        let p = parse_published(payload.as_bytes()).unwrap();
        assert_eq!(p.epoch, "e-1");
        assert_eq!(p.change.seq, 12);
        assert_eq!(p.change.key, "a|b");
        assert_eq!(p.change.value, serde_json::json!({ "x": "|" }));
        assert_eq!(parse_published(b"12|e|9|short"), None);
    }

    #[test]
    fn channel_names_invert() {
        let c = channel("lsync", "to}:live{do");
        assert_eq!(topic_of("lsync", &c), Some("to}:live{do"));
        assert_eq!(topic_of("other", &c), None);
    }
}
