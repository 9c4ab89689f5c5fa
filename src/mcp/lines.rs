//! The MCP server's stdio, with a size limit on requests that is answered: rmcp drops a line over its
//! own limit without a word (the client then waits forever), so every line of stdin goes through here
//! first. A line of at most [`MAX_REQUEST_BYTES`] goes on to rmcp as it is; a longer one is never held
//! in memory (it is read through and dropped) and gets a JSON-RPC error with the request's id when the
//! line's first bytes name it, `null` otherwise.
//!
//! Invariant: stdout gets whole lines only, rmcp's answers and these errors, never interleaved.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The largest request line the server reads (8 MiB: tool arguments are small; a larger line is no
/// request the server could serve).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// How much of an oversized line is kept to find its id.
const HEAD_BYTES: usize = 512;

/// The server's side of stdio: what rmcp reads and writes, and the task that writes stdout, which ends
/// once rmcp's writer is dropped and everything is written.
pub struct GuardedStdio {
    pub read: DuplexStream,
    pub write: DuplexStream,
    pub done: JoinHandle<()>,
}

/// Starts the tasks between the process's stdio and rmcp.
pub fn guarded_stdio(limit: usize) -> GuardedStdio {
    let (rmcp_read, to_rmcp) = tokio::io::duplex(64 * 1024);
    let (from_rmcp, rmcp_write) = tokio::io::duplex(64 * 1024);
    let (errors, error_lines) = mpsc::unbounded_channel();
    tokio::spawn(filter(tokio::io::stdin(), to_rmcp, errors, limit));
    let done = tokio::spawn(write_lines(from_rmcp, error_lines, tokio::io::stdout()));
    GuardedStdio {
        read: rmcp_read,
        write: rmcp_write,
        done,
    }
}

/// Reads `input` line by line: lines within `limit` go to `to_rmcp`, longer ones are answered on
/// `errors`.
pub async fn filter<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    input: R,
    mut to_rmcp: W,
    errors: mpsc::UnboundedSender<String>,
    limit: usize,
) {
    let mut input = BufReader::new(input);
    loop {
        match read_line(&mut input, limit).await {
            Ok(Line::Whole(line)) => {
                if to_rmcp.write_all(&line).await.is_err() {
                    return;
                }
            }
            Ok(Line::Oversized { head, len }) => {
                let _ = errors.send(too_large(&head, len, limit));
            }
            Ok(Line::End) | Err(_) => {
                let _ = to_rmcp.shutdown().await;
                return;
            }
        }
    }
}

enum Line {
    Whole(Vec<u8>),
    Oversized { head: Vec<u8>, len: usize },
    End,
}

/// One line with its newline, or its first bytes and length when it is over `limit`.
async fn read_line<R: AsyncBufReadExt + Unpin>(
    input: &mut R,
    limit: usize,
) -> std::io::Result<Line> {
    let (mut line, mut len, mut over) = (Vec::new(), 0usize, false);
    loop {
        let buf = input.fill_buf().await?;
        if buf.is_empty() {
            // A last line without its newline is no whole message: rmcp would drop it too.
            return Ok(if over {
                Line::Oversized { head: line, len }
            } else {
                Line::End
            });
        }
        let (take, end) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        len += take;
        if !over && len > limit {
            over = true;
            line.truncate(HEAD_BYTES);
        }
        let room = if over {
            HEAD_BYTES.saturating_sub(line.len())
        } else {
            take
        };
        line.extend_from_slice(&buf[..take.min(room)]);
        input.consume(take);
        if end {
            return Ok(if over {
                Line::Oversized { head: line, len }
            } else {
                Line::Whole(line)
            });
        }
    }
}

/// The JSON-RPC error for a request line of `len` bytes over `limit`.
fn too_large(head: &[u8], len: usize, limit: usize) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": request_id(head),
        "error": {
            "code": -32600,
            "message": format!(
                "The request is {len} bytes long; this server reads requests of at most {limit} bytes. Send smaller arguments."
            ),
        }
    })
    .to_string()
}

/// The `id` a request's first bytes give (a number or a short string), else `null`.
fn request_id(head: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(head);
    let Some(at) = text.find("\"id\"") else {
        return serde_json::Value::Null;
    };
    let rest = text[at + 4..]
        .trim_start()
        .strip_prefix(':')
        .unwrap_or("")
        .trim_start();
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(id @ (serde_json::Value::Number(_) | serde_json::Value::String(_)))) => id,
        _ => serde_json::Value::Null,
    }
}

/// Writes rmcp's output and the filter's errors to `out`, a whole line at a time.
pub async fn write_lines<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    from_rmcp: R,
    mut error_lines: mpsc::UnboundedReceiver<String>,
    mut out: W,
) {
    let mut from_rmcp = BufReader::new(from_rmcp);
    let mut line = Vec::new();
    let mut errors_open = true;
    loop {
        tokio::select! {
            read = from_rmcp.read_until(b'\n', &mut line) => {
                if !matches!(read, Ok(n) if n > 0) {
                    break;
                }
                if out.write_all(&line).await.is_err() || out.flush().await.is_err() {
                    return;
                }
                line.clear();
            }
            error = error_lines.recv(), if errors_open => match error {
                Some(text) => {
                    let text = format!("{text}\n");
                    if out.write_all(text.as_bytes()).await.is_err() || out.flush().await.is_err() {
                        return;
                    }
                }
                None => errors_open = false,
            },
        }
    }
    while let Ok(text) = error_lines.try_recv() {
        let _ = out.write_all(format!("{text}\n").as_bytes()).await;
    }
    let _ = out.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_oversized_line_is_answered_and_the_next_goes_through() {
        let big = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":\"{}\"}}\n",
            "x".repeat(5000)
        );
        let input = format!(
            "{big}{{\"id\":8}}\n{{\"id\":\"nine\",\"x\":\"{}\"}}\n",
            "y".repeat(3000)
        );
        let (mut rmcp_side, to_rmcp) = tokio::io::duplex(1 << 16);
        let (tx, mut rx) = mpsc::unbounded_channel();
        filter(input.as_bytes(), to_rmcp, tx, 1000).await;
        let mut passed = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut rmcp_side, &mut passed)
            .await
            .unwrap();
        assert_eq!(passed, "{\"id\":8}\n");
        let first: serde_json::Value = serde_json::from_str(&rx.recv().await.unwrap()).unwrap();
        assert_eq!(first["id"], 7);
        assert_eq!(first["error"]["code"], -32600);
        assert!(first["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 1000 bytes"));
        let second: serde_json::Value = serde_json::from_str(&rx.recv().await.unwrap()).unwrap();
        assert_eq!(second["id"], "nine");
        assert_eq!(request_id(b"{\"method\":\"x\""), serde_json::Value::Null);
    }
}
