//! The dashboard's hand-written client, byte for byte: raw HTTP/1.1 over a
//! socket, so no library adds a header the real client does not send (no
//! `Accept`, no `Mcp-Session-Id`, no `MCP-Protocol-Version`).

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// An open `GET /sse` stream.
pub struct SseStream {
    socket: TcpStream,
    /// Everything read so far.
    pub received: String,
    /// How much of `received` the `message` events taken so far span.
    taken: usize,
    /// Bytes read that do not make a whole character yet.
    pending: Vec<u8>,
}

impl SseStream {
    /// `GET /sse` with no custom header.
    pub async fn open(addr: SocketAddr) -> Result<SseStream, String> {
        Self::open_with(addr, &[]).await
    }

    /// `GET /sse` with these headers (a client that sends its credential).
    pub async fn open_with(
        addr: SocketAddr,
        headers: &[(&str, &str)],
    ) -> Result<SseStream, String> {
        let mut socket = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let mut request = format!("GET /sse HTTP/1.1\r\nHost: {addr}\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        socket
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        Ok(SseStream {
            socket,
            received: String::new(),
            taken: 0,
            pending: Vec::new(),
        })
    }

    /// The JSON data of the next `message` event.
    pub async fn next_message(&mut self) -> Result<Value, String> {
        const MARK: &str = "event: message\ndata: ";
        loop {
            if let Some(start) = self.received[self.taken..].find(MARK) {
                let start = self.taken + start + MARK.len();
                if let Some(end) = self.received[start..].find('\n') {
                    self.taken = start + end;
                    let data = &self.received[start..start + end];
                    return serde_json::from_str(data).map_err(|e| format!("{e}: {data}"));
                }
            }
            self.read_more().await?;
        }
    }

    /// Reads until `needle` has arrived; `Err` if the server closed first.
    pub async fn read_until(&mut self, needle: &str) -> Result<(), String> {
        while !self.received.contains(needle) {
            self.read_more().await?;
        }
        Ok(())
    }

    async fn read_more(&mut self) -> Result<(), String> {
        let mut buffer = [0u8; 1024];
        let n = self
            .socket
            .read(&mut buffer)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!("stream closed; got: {}", self.received));
        }
        // A character may be split between two reads: keep its first bytes
        // until the rest arrives.
        self.pending.extend_from_slice(&buffer[..n]);
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(error) if error.error_len().is_none() => error.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text: Vec<u8> = self.pending.drain(..complete).collect();
        self.received.push_str(&String::from_utf8_lossy(&text));
        Ok(())
    }

    /// The data of the `endpoint` event (the path to POST to).
    pub async fn endpoint(&mut self) -> Result<String, String> {
        const MARK: &str = "event: endpoint\ndata: ";
        self.read_until(MARK).await?;
        loop {
            let start = self.received.find(MARK).unwrap_or(0) + MARK.len();
            if let Some(end) = self.received[start..].find('\n') {
                return Ok(self.received[start..start + end].to_owned());
            }
            self.read_more().await?;
        }
    }

    pub fn status_line(&self) -> &str {
        self.received.lines().next().unwrap_or("")
    }
}

/// One HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// A POST with exactly these headers (plus Host, Content-Length, Connection).
pub async fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// The dashboard backend's session: opened on `/sse`, then JSON-RPC POSTs
/// carrying the hotel's key.
pub struct Dashboard {
    pub addr: SocketAddr,
    /// Kept open for the session's lifetime, as the dashboard does.
    pub stream: SseStream,
    pub messages_path: String,
    pub key: String,
    next_id: u64,
}

impl Dashboard {
    /// Opens `/sse` on `base` (e.g. `http://127.0.0.1:PORT/sse`), waits for
    /// the endpoint and keeps only the host of `base` before its path.
    pub async fn connect(base: &str, key: &str) -> Dashboard {
        let url = url::Url::parse(base).expect("base URL");
        let addr: SocketAddr = format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port().expect("port")
        )
        .parse()
        .expect("socket address");
        let mut stream = SseStream::open(addr).await.expect("GET /sse");
        let messages_path = stream.endpoint().await.expect("endpoint event");
        assert!(
            messages_path.starts_with("/messages/?session_id="),
            "{messages_path}"
        );
        Dashboard {
            addr,
            stream,
            messages_path,
            key: key.to_owned(),
            next_id: 0,
        }
    }

    pub async fn send(&self, body: &Value) -> Reply {
        post(
            self.addr,
            &self.messages_path,
            &[("X-Quendoo-Api-Key", &self.key)],
            &body.to_string(),
        )
        .await
    }

    /// A request with the next id (the first is 0); the whole JSON-RPC
    /// response. Like the dashboard, this takes it from a 200 body, or after
    /// a 202 from the stream (where this server sends it).
    pub async fn request(&mut self, method: &str, params: Option<Value>) -> Value {
        let mut body = json!({"jsonrpc": "2.0", "id": self.next_id, "method": method});
        if let Some(params) = params {
            body["params"] = params;
        }
        let reply = self.send(&body).await;
        let response = match reply.status {
            200 => reply.json(),
            202 => self
                .stream
                .next_message()
                .await
                .expect("the answer on the stream"),
            _ => panic!("{method}: {reply:?}"),
        };
        assert_eq!(response["id"], json!(self.next_id), "{response}");
        self.next_id += 1;
        response
    }

    /// The handshake as the dashboard does it: `initialize` with id 0, no
    /// `notifications/initialized`, then `tools/list` without `params`.
    pub async fn handshake(&mut self) -> (Value, Value) {
        let init = self
            .request(
                "initialize",
                Some(json!({"protocolVersion": "2024-11-05", "capabilities": {},
                            "clientInfo": {"name": "quendoo-dashboard", "version": "1"}})),
            )
            .await;
        let tools = self.request("tools/list", None).await;
        (init, tools)
    }

    /// `tools/call`: the JSON-RPC `result` (the tool result).
    pub async fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self
            .request(
                "tools/call",
                Some(json!({"name": tool, "arguments": arguments})),
            )
            .await;
        response["result"].clone()
    }
}
