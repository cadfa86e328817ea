//! The baseline of `scripts/bench server`: a bare axum WebSocket server with
//! no protocol. Every text frame a client sends goes to every connected
//! client through one tokio broadcast channel, written in batches as the
//! protocol server writes.
//!
//! Usage: `bare-broadcast [--port N]` (0 picks a free port); prints
//! `bare-broadcast listening on ADDR:PORT`. Listens on 127.0.0.1 only.

use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::{self, Sender};

/// Frames a slow receiver may lag behind before it skips some: generous, so
/// the baseline does not win by dropping what ours would deliver.
const CAPACITY: usize = 1 << 16;

#[tokio::main]
async fn main() {
    let port = match parse_port(std::env::args().skip(1)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bare-broadcast: {e}");
            std::process::exit(2);
        }
    };
    let (tx, _) = broadcast::channel::<Utf8Bytes>(CAPACITY);
    let app = Router::new().route("/ws", get(upgrade)).with_state(tx);
    let listener = match tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bare-broadcast: bind: {e}");
            std::process::exit(1);
        }
    };
    let addr: SocketAddr = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("bare-broadcast listening on {addr}");
    // Small frames: without TCP_NODELAY a frame can wait for the peer's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            eprintln!("bare-broadcast: TCP_NODELAY: {e}");
        }
    });
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("bare-broadcast: {e}");
        std::process::exit(1);
    }
}

fn parse_port(mut args: impl Iterator<Item = String>) -> Result<u16, String> {
    let mut port = 0;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                let v = args.next().ok_or("--port needs a value")?;
                port = v.parse().map_err(|e| format!("--port {v}: {e}"))?;
            }
            other => return Err(format!("unknown argument {other:?} (known: --port N)")),
        }
    }
    Ok(port)
}

async fn upgrade(ws: WebSocketUpgrade, State(tx): State<Sender<Utf8Bytes>>) -> Response {
    ws.on_upgrade(move |socket| serve(socket, tx))
}

async fn serve(socket: WebSocket, tx: Sender<Utf8Bytes>) {
    // Subscribe before saying "ready", so nothing published after it is missed.
    let mut rx = tx.subscribe();
    let (mut sink, mut stream) = socket.split();
    if sink.send(Message::Text("ready".into())).await.is_err() {
        return;
    }
    // Written as the protocol server writes: a backlog is fed into the
    // socket's buffer and flushed once, so the baseline is not slowed by one
    // system call per frame where ours is not.
    let forward = async move {
        loop {
            let first = match rx.recv().await {
                Ok(text) => text,
                // The generator counts what arrives; a skipped frame is simply not delivered.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            if sink.feed(Message::Text(first)).await.is_err() {
                return;
            }
            loop {
                match rx.try_recv() {
                    Ok(text) => {
                        if sink.feed(Message::Text(text)).await.is_err() {
                            return;
                        }
                    }
                    Err(TryRecvError::Lagged(_)) => continue,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => return,
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    };
    let receive = async move {
        while let Some(Ok(msg)) = stream.next().await {
            match msg {
                Message::Text(text) => {
                    let _ = tx.send(text);
                }
                Message::Close(_) => return,
                _ => {}
            }
        }
    };
    tokio::select! {
        () = forward => {}
        () = receive => {}
    }
}
