//! The admin API's connections under the policy every listener we run shares: an idle
//! connection and a slow head are closed after the head timeout, a body that never comes
//! after the exchange deadline, a pipelining client after its request cap, and connections
//! beyond the cap get a 503 that says why. Raw loopback sockets, a gateway on SQLite.

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uwlr::api::{self, AdminToken, RunningApi};
use uwlr::gateway::Gateway;
use uwlr::server::ConnectionPolicy;

const TOKEN: &str = "t0k3n-for-connection-tests";

async fn start(policy: ConnectionPolicy) -> (RunningApi, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::open(dir.path(), None, Default::default()).await.unwrap();
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    (api::spawn(gw, AdminToken::new(TOKEN.into()), listener, policy).unwrap(), dir)
}

/// Reads until the server closes (EOF or reset): what came and when, or `None` when the
/// connection was still open after `limit`.
async fn until_closed(s: &mut TcpStream, limit: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some((String::from_utf8_lossy(&all).into_owned(), started.elapsed())),
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

fn health(addr: std::net::SocketAddr) -> String {
    format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\n\r\n")
}

#[tokio::test]
async fn the_admin_api_closes_idle_and_slow_connections() {
    let policy = ConnectionPolicy {
        header_read_timeout: Duration::from_millis(500),
        exchange_timeout: Duration::from_millis(900),
        ..Default::default()
    };
    let (api, _dir) = start(policy).await;
    let addr = api.local_addr;

    // Connected, nothing sent.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let (_, t) = until_closed(&mut idle, Duration::from_secs(5)).await.expect("an idle connection is closed");
    assert!(t >= Duration::from_millis(400) && t < Duration::from_secs(3), "{t:?}");

    // Idle after an answer (keep-alive): closed after the same time.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(health(addr).as_bytes()).await.unwrap();
    let (text, t) =
        until_closed(&mut kept, Duration::from_secs(5)).await.expect("an idle keep-alive connection is closed");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(t < Duration::from_secs(3), "{t:?}");

    // A head dribbled in a byte every 100 ms.
    let mut loris = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let mut cut = None;
    for b in health(addr).bytes().chain(std::iter::repeat(b'x')).take(60) {
        if loris.write_all(&[b]).await.is_err() {
            cut = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut probe = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(1), loris.read(&mut probe)).await {
            cut = Some(started.elapsed());
            break;
        }
    }
    let cut = cut.expect("the server waited for the whole slow head");
    assert!(cut < Duration::from_secs(3), "{cut:?}");

    // A head that promises a body that never comes: the exchange deadline.
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/koppelingen HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let (_, t) = until_closed(&mut stalled, Duration::from_secs(5)).await.expect("a stalled body is cut off");
    assert!(t >= Duration::from_millis(800) && t < Duration::from_secs(3), "{t:?}");

    // Pipelined requests under the cap all come back.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(health(addr).repeat(3).as_bytes()).await.unwrap();
    let (text, _) = until_closed(&mut s, Duration::from_secs(5)).await.unwrap();
    assert_eq!(text.matches("HTTP/1.1 200").count(), 3, "{text}");
    api.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_admin_api_caps_connections_and_requests_per_connection() {
    let policy = ConnectionPolicy {
        max_connections: 2,
        max_requests_per_connection: 4,
        header_read_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let (api, _dir) = start(policy).await;
    let addr = api.local_addr;

    // A pipelining client: four answers, the last with `Connection: close`, then closed.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(health(addr).repeat(10).as_bytes()).await.unwrap();
    let (text, _) = until_closed(&mut s, Duration::from_secs(3)).await.expect("closed after the cap");
    assert_eq!(text.matches("HTTP/1.1 200").count(), 4, "{text}");
    assert_eq!(text.to_ascii_lowercase().matches("connection: close").count(), 1, "{text}");

    // Two connections held: the third is answered 503 with the reason and closed.
    let hog1 = TcpStream::connect(addr).await.unwrap();
    let hog2 = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(health(addr).as_bytes()).await.unwrap();
    let (text, _) = until_closed(&mut third, Duration::from_secs(3)).await.expect("closed after the 503");
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.to_ascii_lowercase().contains("retry-after: 1"), "{text}");
    assert!(text.contains(r#""error":"too many connections (limit 2); try again shortly""#), "{text}");

    // Once one hog leaves, the API answers again.
    drop(hog1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fourth = TcpStream::connect(addr).await.unwrap();
    fourth.write_all(health(addr).as_bytes()).await.unwrap();
    let mut buf = [0u8; 12];
    fourth.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    drop((hog2, fourth));
    api.shutdown().await.unwrap();
}
