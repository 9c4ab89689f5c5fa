//! Airbyte protocol messages and the one writer that owns stdout.
//!
//! Written from the protocol's schema (`airbyte_protocol.yaml`, protocol-models 0.18): every message is
//! one JSON object on one line. Only the fields this connector emits are modelled; optional fields are
//! left out rather than sent as `null`.
//!
//! Records are the hot path: [`Output::record`] writes Gong's record bytes through unchanged (no parse and
//! re-serialise), splicing in the few top-level fields the connector adds.
//!
//! Every line written is one line to every reader, Python's `str.splitlines()` included: characters it
//! splits on are escaped (see `write_line`).

use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

/// Milliseconds since the Unix epoch, as the protocol's `emitted_at` wants.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FailureType {
    SystemError,
    ConfigError,
    TransientError,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum StreamStatus {
    Started,
    Running,
    Complete,
    Incomplete,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Fatal,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConnectionStatus {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    FullRefresh,
    Incremental,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamDescriptor {
    pub name: String,
}

/// A stream of the catalog that `discover` prints.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogStream {
    pub name: String,
    pub json_schema: Value,
    pub supported_sync_modes: Vec<SyncMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_defined_cursor: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_cursor_field: Vec<String>,
    pub source_defined_primary_key: Vec<Vec<String>>,
    pub is_resumable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_file_based: Option<bool>,
}

/// Stream status reason: the protocol lets a source say it is waiting on a rate limit.
#[derive(Debug, Clone, Serialize)]
pub struct RateLimitedReason {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rate_limited: RateLimited,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateLimited {
    /// Milliseconds since the epoch at which the quota resets.
    pub quota_reset: i64,
}

/// Every message this connector writes.
#[derive(Debug, Clone)]
pub enum Message {
    Spec(Value),
    ConnectionStatus {
        status: ConnectionStatus,
        message: Option<String>,
    },
    Catalog(Vec<CatalogStream>),
    StreamState {
        stream: String,
        state: Value,
        record_count: u64,
    },
    Log {
        level: LogLevel,
        message: String,
    },
    Error {
        message: String,
        internal_message: Option<String>,
        failure_type: FailureType,
        stream: Option<String>,
    },
    StreamStatus {
        stream: String,
        status: StreamStatus,
        reasons: Vec<RateLimitedReason>,
    },
    Estimate {
        stream: String,
        row_estimate: u64,
    },
    /// A changed connector config to persist, e.g. after a single-use OAuth refresh token rotated.
    ConnectorConfig(Value),
}

impl Message {
    /// The protocol's JSON object for this message.
    pub fn to_json(&self) -> Value {
        use serde_json::json;
        match self {
            Message::Spec(spec) => json!({"type": "SPEC", "spec": spec}),
            Message::ConnectionStatus { status, message } => {
                let mut cs = json!({ "status": status });
                if let Some(m) = message {
                    cs["message"] = Value::String(m.clone());
                }
                json!({"type": "CONNECTION_STATUS", "connectionStatus": cs})
            }
            Message::Catalog(streams) => {
                json!({"type": "CATALOG", "catalog": {"streams": streams}})
            }
            Message::StreamState {
                stream,
                state,
                record_count,
            } => json!({
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {"stream_descriptor": {"name": stream}, "stream_state": state},
                    "sourceStats": {"recordCount": *record_count as f64}
                }
            }),
            Message::Log { level, message } => {
                json!({"type": "LOG", "log": {"level": level, "message": message}})
            }
            Message::Error {
                message,
                internal_message,
                failure_type,
                stream,
            } => {
                let mut error = json!({"message": message, "failure_type": failure_type});
                if let Some(internal) = internal_message {
                    error["internal_message"] = Value::String(internal.clone());
                }
                if let Some(name) = stream {
                    error["stream_descriptor"] = json!({ "name": name });
                }
                json!({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": now_millis() as f64, "error": error}})
            }
            Message::StreamStatus {
                stream,
                status,
                reasons,
            } => {
                let mut st = json!({"stream_descriptor": {"name": stream}, "status": status});
                if !reasons.is_empty() {
                    st["reasons"] = serde_json::to_value(reasons).unwrap_or(Value::Null);
                }
                json!({"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": now_millis() as f64, "stream_status": st}})
            }
            Message::Estimate {
                stream,
                row_estimate,
            } => json!({
                "type": "TRACE",
                "trace": {"type": "ESTIMATE", "emitted_at": now_millis() as f64,
                          "estimate": {"name": stream, "type": "STREAM", "row_estimate": row_estimate}}
            }),
            Message::ConnectorConfig(config) => json!({
                "type": "CONTROL",
                "control": {"type": "CONNECTOR_CONFIG", "emitted_at": now_millis() as f64,
                            "connectorConfig": {"config": config}}
            }),
        }
    }
}

/// Set once stdout's reader has gone away; the run then ends quietly instead of failing.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// True when a write found stdout closed (the reader exited, e.g. `| head`).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// The one writer of stdout. Every protocol line goes through it; nothing else prints to stdout.
pub struct Output<W: Write = io::Stdout> {
    out: BufWriter<W>,
    line: Vec<u8>,
}

impl Output<io::Stdout> {
    pub fn stdout() -> Self {
        Output::new(io::stdout())
    }
}

impl<W: Write> Output<W> {
    pub fn new(writer: W) -> Self {
        Output {
            out: BufWriter::with_capacity(256 * 1024, writer),
            line: Vec::with_capacity(64 * 1024),
        }
    }

    /// Writes one message and flushes, so the platform sees it at once (records are the exception: they
    /// are flushed in batches, see [`Output::record`]).
    pub fn emit(&mut self, message: &Message) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, &message.to_json()).map_err(io::Error::other)?;
        self.write_line()?;
        self.flush()
    }

    /// Writes a RECORD whose `data` is `raw` (a JSON object, written as given) with `added` fields
    /// (already-serialised `"key":value` fragments) spliced in at the top. Not flushed: records are flushed
    /// with the next non-record message or when the buffer fills.
    pub fn record(
        &mut self,
        stream: &str,
        raw: &str,
        added: &[&str],
        emitted_at: i64,
    ) -> io::Result<()> {
        self.record_with(stream, raw, added, emitted_at, "")
    }

    /// [`Output::record`] with `extra`, pre-serialised `"key":value` fields of the RECORD message itself
    /// (e.g. `"file_reference":{…}`); empty for none.
    pub fn record_with(
        &mut self,
        stream: &str,
        raw: &str,
        added: &[&str],
        emitted_at: i64,
        extra: &str,
    ) -> io::Result<()> {
        self.line.clear();
        self.line
            .extend_from_slice(b"{\"type\":\"RECORD\",\"record\":{\"stream\":");
        serde_json::to_writer(&mut self.line, stream).map_err(io::Error::other)?;
        self.line.extend_from_slice(b",\"data\":");
        let raw = raw.trim_start();
        if added.is_empty() || !raw.starts_with('{') {
            self.line.extend_from_slice(raw.as_bytes());
        } else {
            self.line.push(b'{');
            for (i, fragment) in added.iter().enumerate() {
                if i > 0 {
                    self.line.push(b',');
                }
                self.line.extend_from_slice(fragment.as_bytes());
            }
            let rest = raw[1..].trim_start();
            if !rest.starts_with('}') {
                self.line.push(b',');
            }
            self.line.extend_from_slice(rest.as_bytes());
        }
        self.line.extend_from_slice(b",\"emitted_at\":");
        self.line
            .extend_from_slice(itoa::Buffer::new().format(emitted_at).as_bytes());
        if !extra.is_empty() {
            self.line.push(b',');
            self.line.extend_from_slice(extra.as_bytes());
        }
        self.line.extend_from_slice(b"}}");
        self.write_line()
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush().map_err(note_closed)
    }

    /// Writes `self.line` plus a newline, so that the line is one line to every reader: Python's
    /// `str.splitlines()` (which Airbyte's Python tools use) also splits on \x0b, \x0c, \x1c–\x1e, U+0085,
    /// U+2028 and U+2029, and a record from a pretty-printing server could hold raw \n or \r between
    /// tokens. See [`line_break_at`] for what each becomes; the JSON value stays the same.
    fn write_line(&mut self) -> io::Result<()> {
        let Output { out, line } = self;
        // Control bytes are rare (serde_json escapes them in strings); one vectorised pass tells whether
        // the byte-by-byte search is needed. Otherwise memchr finds the rare lead bytes of U+0085 and
        // U+2028/9, and most lines, having none, are written in one call.
        let has_control = line.iter().fold(false, |any, &b| any | (b < 0x20));
        if has_control {
            write_escaped(out, line, 0..line.len())?;
        } else {
            write_escaped(out, line, memchr::memchr2_iter(0xC2, 0xE2, line))?;
        }
        out.write_all(b"\n").map_err(note_closed)
    }
}

/// Writes `line`, replacing each line break that starts at one of the `candidates` (ascending offsets).
fn write_escaped(
    out: &mut impl Write,
    line: &[u8],
    candidates: impl Iterator<Item = usize>,
) -> io::Result<()> {
    let mut start = 0;
    for i in candidates {
        if i < start {
            continue;
        }
        let Some((len, replacement)) = line_break_at(line, i) else {
            continue;
        };
        out.write_all(&line[start..i]).map_err(note_closed)?;
        out.write_all(replacement).map_err(note_closed)?;
        start = i + len;
    }
    out.write_all(&line[start..]).map_err(note_closed)
}

/// The line break that starts at `line[i]`, if any: its length in bytes and what is written instead.
/// Inside a JSON string a raw character becomes its `\uXXXX` escape (the same string); raw \n and \r can
/// only be whitespace between tokens (JSON strings cannot hold them raw), so they become a space.
fn line_break_at(line: &[u8], i: usize) -> Option<(usize, &'static [u8])> {
    let next = |k: usize| line.get(i + k).copied();
    match line[i] {
        b'\n' | b'\r' => Some((1, b" ")),
        0x0B => Some((1, b"\\u000b")),
        0x0C => Some((1, b"\\u000c")),
        0x1C => Some((1, b"\\u001c")),
        0x1D => Some((1, b"\\u001d")),
        0x1E => Some((1, b"\\u001e")),
        0xC2 if next(1) == Some(0x85) => Some((2, b"\\u0085")),
        0xE2 if next(1) == Some(0x80) && next(2) == Some(0xA8) => Some((3, b"\\u2028")),
        0xE2 if next(1) == Some(0x80) && next(2) == Some(0xA9) => Some((3, b"\\u2029")),
        _ => None,
    }
}

fn note_closed(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(f: impl FnOnce(&mut Output<&mut Vec<u8>>)) -> Vec<Value> {
        let mut buf = Vec::new();
        {
            let mut out = Output::new(&mut buf);
            f(&mut out);
            out.flush().unwrap();
        }
        String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn record_passes_bytes_through_and_splices_added_fields() {
        let out = lines(|o| {
            o.record("calls", r#"{"a":1.50,"b":"x"}"#, &["\"id\":\"7\""], 5)
                .unwrap();
            o.record("calls", r#"{}"#, &["\"id\":\"8\""], 5).unwrap();
            o.record("users", r#"{"id":"1"}"#, &[], 5).unwrap();
        });
        assert_eq!(
            out[0]["record"]["data"],
            serde_json::json!({"id":"7","a":1.5,"b":"x"})
        );
        assert_eq!(out[1]["record"]["data"], serde_json::json!({"id":"8"}));
        assert_eq!(out[2]["record"]["stream"], "users");
        assert_eq!(out[2]["record"]["emitted_at"], 5);
    }

    #[test]
    fn line_separators_are_escaped() {
        let mut buf = Vec::new();
        {
            let mut out = Output::new(&mut buf);
            out.record("calls", "{\"t\":\"a\u{2028}b\u{2029}c\"}", &[], 1)
                .unwrap();
            out.flush().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("a\\u2028b\\u2029c"), "{text}");
        assert_eq!(text.lines().count(), 1);
        let v: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["record"]["data"]["t"], "a\u{2028}b\u{2029}c");
    }

    #[test]
    fn every_character_splitlines_splits_on_is_escaped() {
        let breaks = "\u{0b}\u{0c}\u{1c}\u{1d}\u{1e}\u{85}\u{2028}\u{2029}";
        let mut buf = Vec::new();
        {
            let mut out = Output::new(&mut buf);
            let raw =
                serde_json::to_string(&serde_json::json!({"t": format!("a{breaks}b é°\u{a0}’")}))
                    .unwrap();
            // A record from a server that pretty-prints: raw newlines between tokens.
            out.record("users", &raw.replacen(':', ":\r\n ", 1), &[], 1)
                .unwrap();
            out.record("users", &format!("{{\"raw\":\"{breaks}\"}}"), &[], 1)
                .unwrap();
            out.emit(&Message::Log {
                level: LogLevel::Info,
                message: breaks.into(),
            })
            .unwrap();
            out.flush().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let python_breaks = [
            '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
            '\u{2029}',
        ];
        assert_eq!(text.matches(python_breaks).count(), 3, "{text:?}");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines[0]["record"]["data"]["t"],
            format!("a{breaks}b é°\u{a0}’")
        );
        assert_eq!(lines[1]["record"]["data"]["raw"], breaks);
        assert_eq!(lines[2]["log"]["message"], breaks);
    }

    #[test]
    fn state_and_trace_shapes() {
        let out = lines(|o| {
            o.emit(&Message::StreamState {
                stream: "calls".into(),
                state: serde_json::json!({"cursor": "x"}),
                record_count: 3,
            })
            .unwrap();
            o.emit(&Message::Error {
                message: "m".into(),
                internal_message: None,
                failure_type: FailureType::ConfigError,
                stream: Some("calls".into()),
            })
            .unwrap();
        });
        assert_eq!(out[0]["state"]["type"], "STREAM");
        assert_eq!(out[0]["state"]["sourceStats"]["recordCount"], 3.0);
        assert_eq!(out[1]["trace"]["error"]["failure_type"], "config_error");
        assert_eq!(
            out[1]["trace"]["error"]["stream_descriptor"]["name"],
            "calls"
        );
    }
}
