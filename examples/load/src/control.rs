//! A keep-alive HTTP/1.1 connection to the reference server's control API
//! (`--control`, loopback only), through hyper's client.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// One connection to `/control`.
pub struct Control {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Control {
    /// Connects to the server at `addr`.
    pub async fn open(addr: SocketAddr) -> Result<Self, String> {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("control: {e}"))?;
        tcp.set_nodelay(true)
            .map_err(|e| format!("control: nodelay: {e}"))?;
        let (sender, conn) = http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| format!("control: {e}"))?;
        // The connection's own task; it ends with the server or with `sender`.
        tokio::spawn(conn);
        Ok(Self { addr, sender })
    }

    /// `GET /control/<path>` or `POST` it with a JSON `body`; the answer's JSON.
    pub async fn call(&mut self, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let err = |e: &dyn std::fmt::Display| format!("control {path}: {e}");
        let method = if body.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        let request = Request::builder()
            .method(method)
            .uri(format!("/control/{path}"))
            .header(hyper::header::HOST, self.addr.to_string())
            .body(Full::new(Bytes::from(
                body.map_or_else(String::new, Value::to_string),
            )))
            .map_err(|e| err(&e))?;
        self.sender.ready().await.map_err(|e| err(&e))?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| err(&e))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| err(&e))?
            .to_bytes();
        if status != StatusCode::OK {
            return Err(err(&format!(
                "{status}: {}",
                String::from_utf8_lossy(&bytes)
            )));
        }
        serde_json::from_slice(&bytes).map_err(|e| err(&e))
    }
}
