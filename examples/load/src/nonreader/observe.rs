//! The non-reader itself, and the watch over the server while it is there:
//! the server's RSS, and whether the server still fans out to it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::net::TcpSocket;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, client_async};

use crate::control::Control;
use leptos_sync_load::client::Ws;
use leptos_sync_load::spawn::Server;

/// The non-reader's `client` name, by which the control API finds it.
const NAME: &str = "load-nonreader";
/// Its receive buffer: small, so what it does not read piles up in the server.
const RECV_BUFFER: u32 = 16 * 1024;
/// How often the server's RSS and the non-reader's subscription are read.
const SAMPLE: Duration = Duration::from_millis(100);
/// How long the non-reader may take, once let go, to reach its close frame.
const DRAIN: Duration = Duration::from_secs(10);

/// What became of the non-reader.
pub enum Fate {
    /// Still subscribed when the phase ended (with the last control API
    /// error, if its subscriptions could not be read).
    Held(Option<String>),
    /// Let go by the server this long into the phase, then ended with this.
    Closed(Duration, String),
}

/// Server RSS readings: time into the phase, bytes.
pub type Rss = Vec<(Duration, u64)>;

/// A subscriber's socket with a small receive buffer.
pub async fn connect(addr: SocketAddr) -> Result<Ws, String> {
    let err = |e: std::io::Error| format!("{NAME}: {e}");
    let socket = TcpSocket::new_v4().map_err(err)?;
    socket.set_recv_buffer_size(RECV_BUFFER).map_err(err)?;
    let tcp = socket.connect(addr).await.map_err(err)?;
    let url = format!("ws://{addr}/ws?client={NAME}");
    let (ws, _) = client_async(url, MaybeTlsStream::Plain(tcp))
        .await
        .map_err(|e| format!("{NAME}: {e}"))?;
    Ok(ws)
}

/// Until `stopped`: samples the server's RSS, and once the server has let
/// the non-reader go, reads that one to its end.
pub async fn watch(
    server: &Server,
    mut ws: Option<Ws>,
    mut stopped: watch::Receiver<bool>,
) -> (Rss, Fate) {
    let start = Instant::now();
    let mut rss = Vec::new();
    let mut control = None;
    let mut control_error = None;
    // Once let go, the non-reader reads in a task of its own, while the sampling goes on.
    let mut closed = None;
    let mut tick = tokio::time::interval(SAMPLE);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.changed() => break,
        }
        if let Ok(bytes) = server.rss_bytes() {
            rss.push((start.elapsed(), bytes));
        }
        if ws.is_none() {
            continue;
        }
        let subscribed = match control.as_mut() {
            Some(control) => still_subscribed(control).await,
            None => Control::open(server.addr).await.map(|c| {
                control = Some(c);
                true
            }),
        };
        match subscribed {
            Ok(true) => {}
            Ok(false) => {
                if let Some(socket) = ws.take() {
                    closed = Some((start.elapsed(), tokio::spawn(close_code(socket))));
                }
            }
            Err(e) => control_error = Some(e),
        }
    }
    let fate = match closed {
        Some((at, end)) => Fate::Closed(at, end.await.unwrap_or_else(|e| e.to_string())),
        None => Fate::Held(control_error),
    };
    (rss, fate)
}

/// Reads the non-reader's socket to its end: the close code and reason, or
/// how it ended without one.
async fn close_code(mut ws: Ws) -> String {
    let drain = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(Some(f)))) => {
                    return format!("{} {:?}", f.code, f.reason.as_str());
                }
                Some(Ok(Message::Close(None))) => return "a close frame without a code".into(),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return format!("an error ({e}) before any close frame"),
                None => return "the end of the socket before any close frame".into(),
            }
        }
    };
    tokio::time::timeout(DRAIN, drain)
        .await
        .unwrap_or_else(|_| format!("no end within {DRAIN:?}"))
}

/// Whether the server still fans out to the non-reader.
async fn still_subscribed(control: &mut Control) -> Result<bool, String> {
    let subs = control
        .call(&format!("subscriptions?client={NAME}"), None)
        .await?;
    Ok(subs.as_array().is_some_and(|subs| !subs.is_empty()))
}
