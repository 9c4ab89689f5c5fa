//! The size and content type of `call_media`'s recordings: a "probe" of each media URL, or, with
//! `call_media_probe` off, no request at all (the content type from the URL's file extension, no size).
//!
//! A probe is not a Gong API request: it goes to the presigned media host, outside Gong's request budget,
//! through [`crate::media::media_send`] (no credentials, the client's timeout and classification), its
//! attempts through the client's retry driver (retry policy, and the media host's breaker: once a probe
//! gave up on a host that keeps failing, the other probes of the sync do not ask it). It asks `HEAD`
//! first: no body, so the connection goes straight back to the pool.
//! A host that refuses `HEAD` (403, 405, 501, 400: an S3 URL presigned for GET answers 403) gets the
//! one-byte ranged `GET` instead, and no more `HEAD` for the rest of the read (one [`Probes`] per read),
//! so a refusing host costs one extra request per probe in flight when it is first found out.
//!
//! Invariants: a probe never fails a sync (unknown values are `None`); at most [`PROBE_CONCURRENCY`]
//! probes are in flight per read, whatever the number of pages being lifted at once.

use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use tokio::sync::Semaphore;

use crate::client::{parse_retry_after, Attempt, Attempts, GongClient, Target};
use crate::media::{content_range, header_text, host_error, media_send, redact_url};

/// Probes in flight at once per read. The media host (S3-style object storage) is not under Gong's
/// quota and serves far more; 64 keeps its latency from idling the sync without opening an unbounded
/// number of connections. Probes are independent of `max_concurrent_requests` (Gong's requests).
pub const PROBE_CONCURRENCY: usize = 64;

// The client keeps this many connections idle per host, or probes would close and reopen theirs.
const _: () = assert!(PROBE_CONCURRENCY <= crate::client::IDLE_CONNECTIONS_PER_HOST);

/// The probes of one read: on or off, whether the media host refused `HEAD`, and the in-flight bound.
#[derive(Debug)]
pub struct Probes {
    enabled: bool,
    head_refused: AtomicBool,
    limit: Semaphore,
}

impl Probes {
    /// `enabled` is the config's `call_media_probe`.
    pub fn new(enabled: bool) -> Probes {
        Probes {
            enabled,
            head_refused: AtomicBool::new(false),
            limit: Semaphore::new(PROBE_CONCURRENCY),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Size and content type of the media file at `url`: probed when enabled, else from the URL alone.
    pub async fn size_and_type(
        &self,
        client: &GongClient,
        url: &str,
    ) -> (Option<u64>, Option<String>) {
        if !self.enabled {
            return (None, content_type_from_url(url));
        }
        // The semaphore is never closed: a failed acquire cannot happen, and would only lift the bound.
        let _permit = self.limit.acquire().await.ok();
        if !self.head_refused.load(Ordering::Relaxed) {
            match probe_once(client, Method::HEAD, url).await {
                Probed::Known(size, ct) => return (size, ct),
                Probed::Unknown => return (None, None),
                Probed::Refused => self.head_refused.store(true, Ordering::Relaxed),
            }
        }
        match probe_once(client, Method::GET, url).await {
            Probed::Known(size, ct) => (size, ct),
            Probed::Unknown | Probed::Refused => (None, None),
        }
    }
}

/// What one probe (with its retries) learned.
enum Probed {
    Known(Option<u64>, Option<String>),
    /// The host refused the method (only `HEAD` is refused in this sense).
    Refused,
    /// A failure the retry policy gave up on, or a final answer such as 404.
    Unknown,
}

/// Whether an answer to `HEAD` means "ask with GET": the method is not allowed or not signed for.
fn refuses_head(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::FORBIDDEN
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::NOT_IMPLEMENTED
            | StatusCode::BAD_REQUEST
    )
}

/// One probe with `HEAD`, or with a one-byte ranged `GET`, retried by the client's driver.
async fn probe_once(client: &GongClient, method: Method, url: &str) -> Probed {
    let target = Target::media(format!("the size of {}", redact_url(url)), url);
    let mut attempts = Attempts::default();
    loop {
        if client.before_attempt(&target, &mut attempts).is_err() {
            return Probed::Unknown;
        }
        let outcome = probe_attempt(client, &method, url, target.what()).await;
        match client.after_attempt(&target, &attempts, outcome).await {
            Ok(Some(probed)) => return probed,
            Ok(None) => {}
            Err(_) => return Probed::Unknown,
        }
    }
}

/// One request of a probe, and what its answer says.
async fn probe_attempt(
    client: &GongClient,
    method: &Method,
    url: &str,
    what: &str,
) -> crate::error::Result<Attempt<Probed>> {
    let head = method == Method::HEAD;
    let range = (!head).then_some("bytes=0-0");
    let response = match media_send(client, method.clone(), url, range, what).await? {
        Ok(response) => response,
        Err(failure) => return Ok(Attempt::Failed(failure, None)),
    };
    let status = response.status();
    let headers = response.headers();
    if status.is_success() {
        let ct = header_text(headers, CONTENT_TYPE);
        let size = if status == StatusCode::PARTIAL_CONTENT {
            content_range(headers).1
        } else {
            // Not `response.content_length()`: the body of an answer to HEAD is empty.
            headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        return Ok(Attempt::Done(Probed::Known(size, ct)));
    }
    if head && refuses_head(status) {
        return Ok(Attempt::Done(Probed::Refused));
    }
    let retry_after = parse_retry_after(headers);
    Ok(Attempt::Failed(host_error(status, what, ""), retry_after))
}

/// The MIME type a media URL's file extension names (`…/recording.mp3?sig=…` → `audio/mpeg`); `None`
/// when the path's last segment has no extension this connector knows.
pub fn content_type_from_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let last = parsed.path_segments()?.next_back()?;
    let (_, ext) = last.rsplit_once('.')?;
    let ct = match ext.to_ascii_lowercase().as_str() {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "ogg" | "oga" => "audio/ogg",
        "aac" => "audio/aac",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        _ => return None,
    };
    Some(ct.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn content_types_from_url_extensions() {
        let t = |u: &str| content_type_from_url(u);
        assert_eq!(
            t("https://s3.example/a/b/call.MP3?X-Amz-Signature=s").as_deref(),
            Some("audio/mpeg")
        );
        assert_eq!(t("https://h/x/video.mp4").as_deref(), Some("video/mp4"));
        assert_eq!(t("https://h/media/123/audio?expires=1&signature=s"), None);
        assert_eq!(t("https://h/x.y/file"), None);
        assert_eq!(t("https://h/file.bin"), None);
        assert_eq!(t("not a url.mp3"), None);
    }

    /// A media host that refuses HEAD with 403 (as S3 does for a URL presigned for GET) and answers a
    /// ranged GET with 206; counts the requests of each method.
    async fn head_refusing_host(heads: Arc<AtomicUsize>, gets: Arc<AtomicUsize>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (heads, gets) = (heads.clone(), gets.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    loop {
                        let Ok(n) = sock.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        let answer: &[u8] = if buf.starts_with(b"HEAD ") {
                            heads.fetch_add(1, Ordering::SeqCst);
                            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
                        } else {
                            gets.fetch_add(1, Ordering::SeqCst);
                            b"HTTP/1.1 206 Partial Content\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 0-0/4242\r\nContent-Length: 1\r\n\r\nx"
                        };
                        if sock.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("http://{addr}")
    }

    fn client_for(base: &str) -> GongClient {
        let config = crate::config::Config::from_value(
            json!({
                "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                "base_url": base,
                "retry_backoff_base_ms": 1
            }),
            chrono::Utc::now(),
        )
        .unwrap();
        GongClient::new(&config).unwrap()
    }

    /// A HEAD-refusing host that counts its HEADs and GETs, and a client for it.
    async fn counted_host() -> (Arc<AtomicUsize>, Arc<AtomicUsize>, String, GongClient) {
        let (heads, gets) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let base = head_refusing_host(heads.clone(), gets.clone()).await;
        let client = client_for(&base);
        (heads, gets, base, client)
    }

    #[tokio::test]
    async fn a_host_that_refuses_head_gets_ranged_gets_and_no_more_heads() {
        let (heads, gets, base, client) = counted_host().await;
        let probes = Probes::new(true);
        for i in 0..5 {
            let url = format!("{base}/media/{i}/audio?signature=s");
            let got = probes.size_and_type(&client, &url).await;
            assert_eq!(got, (Some(4242), Some("audio/mpeg".to_string())));
        }
        assert_eq!(heads.load(Ordering::SeqCst), 1, "HEAD once, then GET only");
        assert_eq!(gets.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn probes_off_send_nothing() {
        let (heads, gets, base, client) = counted_host().await;
        let probes = Probes::new(false);
        let got = probes
            .size_and_type(&client, &format!("{base}/m/rec.m4a?sig=s"))
            .await;
        assert_eq!(got, (None, Some("audio/mp4".to_string())));
        assert_eq!(
            heads.load(Ordering::SeqCst) + gets.load(Ordering::SeqCst),
            0
        );
    }
}
