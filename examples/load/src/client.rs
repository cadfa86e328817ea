//! The generator's sockets: subscribers that count what they receive, and one
//! publisher, for the reference server (`Ours`) and the bare baseline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use leptos_sync_protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::stats::{Counters, now_us};

/// A client socket of the generator.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The topic every subscriber follows and the publisher changes.
pub const TOPIC: &str = "load";
/// Any fixed schema hash: the server only checks that all agree.
pub const SCHEMA: u32 = 1;
/// Handshakes in flight at once. With 256, a burst of 200 took a whole second
/// (a SYN retransmit) on this machine; with 64 it takes tens of ms.
const OPENING: usize = 64;
/// Longest wait for one handshake step, or for one frame to be sent.
const STEP: Duration = Duration::from_secs(20);
/// Setup time allowed per subscriber on top of [`STEP`]: 50 times the
/// slowest opening rate seen on this machine (about 1,300/s).
const SETUP_PER_CONN: Duration = Duration::from_millis(15);

/// What [`open`] gives: the fleet, the number that failed, the first failures.
pub type Opened = (Fleet, usize, Vec<String>);

/// Which server the generator talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The reference server and the leptos-sync protocol.
    Ours,
    /// `bare-broadcast`: raw text frames, no protocol.
    Bare,
}

/// The subscribers of one run; their tasks end when this is dropped.
pub struct Fleet {
    tasks: JoinSet<()>,
    /// Subscribers whose socket ended after they were set up.
    pub closed: Arc<AtomicU64>,
}

/// Opens `n` subscribers and waits until each is ready to receive, or failed.
/// Returns the fleet, how many failed and the first failures (at most 5); an
/// error when setting them all up takes longer than any sane run would.
pub async fn open(
    kind: Kind,
    addr: SocketAddr,
    n: usize,
    counters: Arc<Counters>,
) -> Result<Opened, String> {
    let closed = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Semaphore::new(OPENING));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    let mut tasks = JoinSet::new();
    for i in 0..n {
        let (gate, ready, counters, closed) = (
            gate.clone(),
            ready_tx.clone(),
            counters.clone(),
            closed.clone(),
        );
        tasks.spawn(async move {
            let setup = {
                let _permit = gate.acquire().await;
                subscribe(kind, addr, i).await
            };
            let ws = match setup {
                Ok(ws) => ws,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let _ = ready.send(Ok(()));
            receive(kind, ws, &counters).await;
            closed.fetch_add(1, Relaxed);
        });
    }
    drop(ready_tx);
    let (mut failed, mut errors) = (0, Vec::new());
    // Every step of a handshake has its own timeout; this bounds the whole, however many there are.
    let allowed = SETUP_PER_CONN * n as u32 + STEP;
    let deadline = tokio::time::Instant::now() + allowed;
    for _ in 0..n {
        let Ok(ready) = tokio::time::timeout_at(deadline, ready_rx.recv()).await else {
            return Err(format!(
                "{n} subscribers were not set up within {:?}",
                deadline.elapsed()
            ));
        };
        match ready {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                failed += 1;
                if errors.len() < 5 {
                    errors.push(e);
                }
            }
            None => break,
        }
    }
    Ok((Fleet { tasks, closed }, failed, errors))
}

impl Fleet {
    /// Ends every subscriber.
    pub async fn close(mut self) {
        self.tasks.shutdown().await;
    }
}

async fn connect(addr: SocketAddr, who: &str) -> Result<Ws, String> {
    let url = format!("ws://{addr}/ws?client={who}");
    let (ws, _) = tokio::time::timeout(STEP, connect_async(url))
        .await
        .map_err(|_| format!("{who}: handshake timed out"))?
        .map_err(|e| format!("{who}: {e}"))?;
    // The server sets TCP_NODELAY; so does the generator, for the publisher's small frames.
    if let MaybeTlsStream::Plain(tcp) = ws.get_ref() {
        tcp.set_nodelay(true)
            .map_err(|e| format!("{who}: nodelay: {e}"))?;
    }
    Ok(ws)
}

/// The next text frame, skipping control frames; an error when the socket ends or stalls.
pub async fn next_text(ws: &mut Ws) -> Result<String, String> {
    loop {
        match tokio::time::timeout(STEP, ws.next()).await {
            Err(_) => return Err("no frame in time".into()),
            Ok(Some(Ok(Message::Text(t)))) => return Ok(t.to_string()),
            Ok(Some(Ok(Message::Close(f)))) => return Err(format!("closed: {f:?}")),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Err("socket ended".into()),
        }
    }
}

async fn send(ws: &mut Ws, text: String) -> Result<(), String> {
    ws.send(Message::text(text))
        .await
        .map_err(|e| e.to_string())
}

/// Says hello and waits for `welcome`.
pub async fn hello(ws: &mut Ws) -> Result<(), String> {
    let hello = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        token: None,
    };
    send(ws, hello.encode()).await?;
    match ServerMsg::decode(&next_text(ws).await?) {
        Ok(ServerMsg::Welcome { .. }) => Ok(()),
        other => Err(format!("expected welcome, got {other:?}")),
    }
}

/// Connects subscriber `i` and waits until the server will send it every later change.
async fn subscribe(kind: Kind, addr: SocketAddr, i: usize) -> Result<Ws, String> {
    let ws = connect(addr, &format!("load-{i}")).await?;
    join(kind, ws, i).await
}

/// Makes `ws` subscriber `i`: returns once the server will send it every later change.
pub async fn join(kind: Kind, mut ws: Ws, i: usize) -> Result<Ws, String> {
    let err = |e: String| format!("subscriber {i}: {e}");
    match kind {
        Kind::Ours => {
            hello(&mut ws).await.map_err(err)?;
            let sub = ClientMsg::Subscribe {
                sub: 1,
                topic: TOPIC.into(),
                schema: SCHEMA,
                since: None,
                epoch: None,
            };
            send(&mut ws, sub.encode()).await.map_err(err)?;
            // `subscribed` then `snapshot`: from here on every change arrives as an update.
            for want in ["subscribed", "snapshot"] {
                let text = next_text(&mut ws).await.map_err(err)?;
                match ServerMsg::decode(&text) {
                    Ok(ServerMsg::Subscribed { .. }) if want == "subscribed" => {}
                    Ok(ServerMsg::Snapshot { .. }) if want == "snapshot" => {}
                    other => return Err(err(format!("expected {want}, got {other:?}"))),
                }
            }
        }
        Kind::Bare => {
            let text = next_text(&mut ws).await.map_err(err)?;
            if text != "ready" {
                return Err(err(format!("expected ready, got {text:?}")));
            }
        }
    }
    Ok(ws)
}

/// The `{"s": step, "t": sent_us}` stamp of a published value.
fn stamp(value: &Value) -> Option<(u64, u64)> {
    Some((value.get("s")?.as_u64()?, value.get("t")?.as_u64()?))
}

/// Counts every stamped update until the socket ends.
async fn receive(kind: Kind, mut ws: Ws, counters: &Counters) {
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(text) = msg else {
            if matches!(msg, Message::Close(_)) {
                return;
            }
            continue;
        };
        let value = match kind {
            Kind::Ours => match ServerMsg::decode(&text) {
                Ok(ServerMsg::Update { value, .. }) => value,
                _ => continue,
            },
            Kind::Bare => match serde_json::from_str::<Value>(&text) {
                Ok(v) => v,
                Err(_) => continue,
            },
        };
        if let Some((step, sent)) = stamp(&value) {
            counters.record(step, sent);
        }
    }
}

/// The one client that publishes; ours sends `mutate`, bare sends the value itself.
pub struct Publisher {
    kind: Kind,
    sink: SplitSink<Ws, Message>,
    /// Mutations the server answered with anything but `ack`.
    pub rejected: Arc<AtomicU64>,
    reader: tokio::task::JoinHandle<()>,
}

impl Publisher {
    /// Connects (and for ours says hello); its replies are drained in the background.
    pub async fn open(kind: Kind, addr: SocketAddr) -> Result<Self, String> {
        let mut ws = connect(addr, "load-publisher").await?;
        match kind {
            Kind::Ours => hello(&mut ws).await?,
            Kind::Bare => {
                next_text(&mut ws).await?;
            }
        }
        let (sink, stream) = ws.split();
        let rejected = Arc::new(AtomicU64::new(0));
        let reader = tokio::spawn(drain(kind, stream, rejected.clone()));
        Ok(Self {
            kind,
            sink,
            rejected,
            reader,
        })
    }

    /// Publishes change `i` of `step`, stamped with the time of sending.
    pub async fn publish(&mut self, step: u64, i: u64) -> Result<(), String> {
        let value = json!({ "s": step, "t": now_us() });
        let text = match self.kind {
            Kind::Ours => ClientMsg::Mutate {
                id: format!("{step}-{i}"),
                topic: TOPIC.into(),
                key: format!("k{}", i % 64),
                value,
            }
            .encode(),
            Kind::Bare => value.to_string(),
        };
        match tokio::time::timeout(STEP, self.sink.send(Message::text(text))).await {
            Ok(sent) => sent.map_err(|e| format!("publisher: {e}")),
            Err(_) => Err(format!("publisher: the server took no frame for {STEP:?}")),
        }
    }

    /// Closes the publisher.
    pub async fn close(mut self) {
        let _ = self.sink.close().await;
        self.reader.abort();
    }
}

async fn drain(kind: Kind, mut stream: SplitStream<Ws>, rejected: Arc<AtomicU64>) {
    while let Some(Ok(msg)) = stream.next().await {
        if let (Kind::Ours, Message::Text(text)) = (kind, msg) {
            match ServerMsg::decode(&text) {
                Ok(ServerMsg::Ack { .. } | ServerMsg::Pong { .. }) => {}
                _ => {
                    rejected.fetch_add(1, Relaxed);
                }
            }
        }
    }
}
