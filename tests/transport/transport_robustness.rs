//! The server under hostile or broken clients, over raw loopback sockets: slow-loris,
//! oversize and truncated bodies, wrong content types, a thousand connections at once,
//! the connection limit, dropped connections and graceful shutdown.

use crate::transport_support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use transport_support::*;
use uwlr::client::{Client, ClientConfig, ClientError, RetryPolicy};
use uwlr::message::fault::FaultCode;
use uwlr::server::{ConnectionPolicy, Injected, ServerConfig};
use uwlr::{Body, DecodeOptions};

fn valid_request() -> Vec<u8> {
    request_bytes(&Body::LeerlinggegevensVerzoek(verzoek()), &auth())
}

const XML: &str = "Content-Type: text/xml; charset=utf-8\r\nSOAPAction: \"HaalLeerlinggegevens\"\r\n";

fn fault_code(body: &[u8]) -> Option<FaultCode> {
    match uwlr::decode(body, &DecodeOptions::lenient()).map(|d| d.body) {
        Ok(Body::Fault(f)) => f.code,
        _ => None,
    }
}

/// Reads until EOF or error; the time it took.
async fn time_to_close(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn slow_loris_is_cut_off_while_others_are_served() {
    let las = TestLas::new(20);
    let config = ServerConfig {
        connection: ConnectionPolicy { header_read_timeout: Duration::from_millis(600), ..Default::default() },
        ..Default::default()
    };
    let server = start(&las, config).await;
    let addr = server.local_addr();

    // Headers dribbled in a byte every 50 ms: 4 s worth of bytes, far over the 600 ms limit.
    let loris = tokio::spawn(async move {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /uwlr HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nX-Padding: {}\r\n",
            "a".repeat(80)
        );
        let started = Instant::now();
        for b in head.bytes() {
            if s.write_all(&[b]).await.is_err() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            // The server may close while we still can write into the socket buffer: look.
            let mut probe = [0u8; 1];
            if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(1), s.read(&mut probe)).await {
                return started.elapsed();
            }
        }
        panic!("the server waited for the whole slow header");
    });

    // Meanwhile normal clients are served.
    let c = Client::new(ClientConfig::new(format!("{}/uwlr", server.base_url()))).unwrap();
    for _ in 0..5 {
        c.haal_leerlinggegevens(&auth(), &verzoek()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let cut = loris.await.unwrap();
    assert!(cut >= Duration::from_millis(500) && cut < Duration::from_millis(2500), "cut off after {cut:?}");

    // An idle keep-alive-less connection that sends nothing is closed after the timeout too.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let t = time_to_close(&mut idle, Duration::from_secs(5)).await.expect("idle connection closed");
    assert!(t >= Duration::from_millis(500) && t < Duration::from_millis(2000), "{t:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn oversize_bodies_get_a_clear_refusal() {
    let las = TestLas::new(10);
    let server = start(&las, ServerConfig { max_body_bytes: 64 << 10, ..Default::default() }).await;
    let addr = server.local_addr();

    // Declared too large: refused before the body is read.
    let big = vec![b' '; 200 << 10];
    let (status, body) = raw_post(addr, XML, &big).await;
    assert_eq!(status, 413);
    assert_eq!(fault_code(&body), Some(FaultCode::OngeldigBericht));
    assert!(contains(&body, "65536 bytes"), "{}", String::from_utf8_lossy(&body));

    // Chunked, no length: refused once the limit is passed.
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!("POST /uwlr HTTP/1.1\r\nHost: {addr}\r\n{XML}Transfer-Encoding: chunked\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 70 << 10];
    s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.unwrap();
    s.write_all(&chunk).await.unwrap();
    s.write_all(b"\r\n").await.unwrap();
    let (status, body) = read_response(&mut s).await;
    assert_eq!(status, 413);
    assert_eq!(fault_code(&body), Some(FaultCode::OngeldigBericht));
    assert_eq!(las.requests(), 0, "nothing oversize reached the provider");

    // The client sees the refusal as a fault.
    let c = Client::new(ClientConfig::new(server.base_url())).unwrap();
    let big_school = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 300, ..Default::default() });
    let results = uwlr::generate::results(&big_school, &Default::default());
    let e = c.breng_leerresultaten(&auth(), &results).await;
    // Either the fault came back, or the server closed while the body was still being sent.
    match e {
        Err(ClientError::Fault(f)) => assert_eq!(f.code, Some(FaultCode::OngeldigBericht)),
        Err(ClientError::Connect(_)) => {}
        other => panic!("{:.300}", format!("{other:?}")),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn truncated_and_stalled_bodies_do_not_hang_the_server() {
    let las = TestLas::new(10);
    let config = ServerConfig { body_read_timeout: Duration::from_millis(700), ..Default::default() };
    let server = start(&las, config).await;
    let addr = server.local_addr();
    let body = valid_request();

    // Content-Length larger than what comes, then the client closes its side.
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!("POST /uwlr HTTP/1.1\r\nHost: {addr}\r\n{XML}Content-Length: {}\r\n\r\n", body.len() + 5000);
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    s.shutdown().await.unwrap();
    let t = time_to_close(&mut s, Duration::from_secs(5)).await.expect("the server closed the connection");
    assert!(t < Duration::from_millis(500), "closed at once, not after a timeout: {t:?}");

    // Content-Length larger than what comes, and the client keeps the connection open.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body[..100]).await.unwrap();
    let started = Instant::now();
    let (status, resp) = read_response(&mut s).await;
    assert_eq!(status, 408, "{}", String::from_utf8_lossy(&resp));
    assert_eq!(fault_code(&resp), Some(FaultCode::OngeldigBericht));
    assert!(started.elapsed() < Duration::from_secs(3));

    // And the server still serves.
    let (status, _) = raw_post(addr, XML, &body).await;
    assert_eq!(status, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_content_type_gets_a_clear_answer() {
    let las = TestLas::new(10);
    let server = start(&las, ServerConfig::default()).await;
    let addr = server.local_addr();
    let body = valid_request();
    for ct in ["application/json", "text/xml; charset=iso-8859-1"] {
        let (status, resp) = raw_post(addr, &format!("Content-Type: {ct}\r\n"), &body).await;
        assert_eq!(status, 415, "{ct}");
        assert_eq!(fault_code(&resp), Some(FaultCode::OngeldigBericht), "{ct}");
        assert!(contains(&resp, "text/xml; charset=utf-8"), "{}", String::from_utf8_lossy(&resp));
    }
    // A SOAP 1.2 client (its content type): SOAP 1.1's VersionMismatch, as SOAP 1.2's
    // Appendix A asks of a SOAP 1.1 node, saying what to send instead.
    let (status, resp) = raw_post(addr, "Content-Type: application/soap+xml; charset=utf-8\r\n", &body).await;
    assert_eq!(status, 500);
    assert!(contains(&resp, "<faultcode>soap:VersionMismatch</faultcode>"), "{}", String::from_utf8_lossy(&resp));
    assert!(contains(&resp, "text/xml; charset=utf-8"), "{}", String::from_utf8_lossy(&resp));
    // Accepted: plain text/xml (what TC sends), application/xml, and none at all.
    for headers in ["Content-Type: text/xml\r\n", "Content-Type: application/xml\r\n", ""] {
        assert_eq!(raw_post(addr, headers, &body).await.0, 200, "{headers:?}");
    }
    // Not XML at all, with the right type: the codec's OngeldigBericht with a 500.
    let (status, resp) = raw_post(addr, XML, b"{\"hello\": 1}").await;
    assert_eq!(status, 500);
    assert_eq!(fault_code(&resp), Some(FaultCode::OngeldigBericht));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections_each_get_an_answer() {
    let las = TestLas::new(25);
    let server = start(&las, ServerConfig::default()).await;
    let addr = server.local_addr();
    let body = Arc::new(valid_request());
    const N: usize = 1000;
    // Everyone connects first, then all send at once.
    let barrier = Arc::new(tokio::sync::Barrier::new(N));
    let started = Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (barrier, body) = (barrier.clone(), body.clone());
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                barrier.wait().await;
                let head = format!(
                    "POST /uwlr HTTP/1.1\r\nHost: {addr}\r\n{XML}Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                s.write_all(head.as_bytes()).await.unwrap();
                s.write_all(&body).await.unwrap();
                let (status, resp) = read_response(&mut s).await;
                (status, contains(&resp, "leerlinggegevens_antwoord"))
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let (status, answer) = tokio::time::timeout(Duration::from_secs(15), t).await.unwrap().unwrap();
        assert_eq!(status, 200);
        assert!(answer);
        ok += 1;
    }
    assert_eq!(ok, N);
    eprintln!("{N} concurrent requests answered in {:?}", started.elapsed());
    // Still serving.
    let c = Client::new(ClientConfig::new(server.base_url())).unwrap();
    c.haal_leerlinggegevens(&auth(), &verzoek()).await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn beyond_max_connections_a_transient_fault() {
    let las = TestLas::new(10);
    let config = ServerConfig {
        connection: ConnectionPolicy {
            max_connections: 2,
            header_read_timeout: Duration::from_secs(5),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = start(&las, config).await;
    let addr = server.local_addr();
    let hog1 = TcpStream::connect(addr).await.unwrap();
    let hog2 = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let c = Client::new(ClientConfig { retry: RetryPolicy::none(), ..ClientConfig::new(server.base_url()) }).unwrap();
    let e = c.haal_leerlinggegevens(&auth(), &verzoek()).await.unwrap_err();
    assert_eq!(e.fault_code(), Some(FaultCode::TijdelijkNietBeschikbaar), "{e:?}");
    assert!(e.is_transient());
    assert_eq!(las.requests(), 0);

    // Once the hogs leave, a retrying client gets through.
    drop((hog1, hog2));
    let patient = Client::new(ClientConfig {
        retry: RetryPolicy {
            attempts: 20,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
        ..ClientConfig::new(server.base_url())
    })
    .unwrap();
    patient.haal_leerlinggegevens(&auth(), &verzoek()).await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn injected_drop_closes_without_an_answer() {
    let las = TestLas::new(10);
    let server = start(&las, ServerConfig::default()).await;
    las.script([Injected::DropConnection]);
    let (status, body) = raw_post(server.local_addr(), XML, &valid_request()).await;
    assert_eq!((status, body.len()), (0, 0));
    assert_eq!(raw_post(server.local_addr(), XML, &valid_request()).await.0, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let las = TestLas::new(10);
    let server = start(&las, ServerConfig::default()).await;
    let addr = server.local_addr();
    las.script([Injected::Delay(Duration::from_millis(600))]);
    let in_flight = tokio::spawn(async move { raw_post(addr, XML, &valid_request()).await });
    // An idle keep-alive connection must not hold the shutdown up.
    let _idle = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = Instant::now();
    server.shutdown().await;
    let took = started.elapsed();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200, "the request in flight was answered");
    assert!(contains(&body, "leerlinggegevens_antwoord"));
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(5), "{took:?}");
    assert!(TcpStream::connect(addr).await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn a_client_that_never_reads_its_answers_is_disconnected_after_the_exchange_deadline() {
    // ~400 KB per answer: a few of them fill the kernel's buffers, and hyper's write stalls.
    let las = TestLas::new(500);
    let deadline = Duration::from_millis(800);
    let config = ServerConfig {
        connection: ConnectionPolicy { exchange_timeout: deadline, ..Default::default() },
        ..Default::default()
    };
    let server = start(&las, config).await;
    let addr = server.local_addr();
    let one = {
        let body = valid_request();
        let mut r =
            format!("POST /uwlr HTTP/1.1\r\nHost: {addr}\r\n{XML}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        r.extend_from_slice(&body);
        r
    };
    const PIPELINED: usize = 40;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let s = socket.connect(addr).await.unwrap();
    let (mut reader, mut writer) = s.into_split();
    // Requests go out (as far as the server takes them); answers are never read.
    let sending = tokio::spawn(async move {
        for _ in 0..PIPELINED {
            if writer.write_all(&one).await.is_err() {
                break;
            }
        }
        writer
    });
    tokio::time::sleep(deadline * 3).await;
    assert!(las.requests() < PIPELINED, "the server stalled on the unread answers");

    // Had the server kept the connection, reading now would let it answer everything and then
    // wait for the next head (10 s): the connection must already be gone.
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(3), reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => total += n,
            Err(_) => break false,
        }
    };
    assert!(closed, "the connection is still open after {total} bytes read");
    let answered = las.requests();
    assert!(answered < PIPELINED, "{answered} of {PIPELINED} requests answered");
    eprintln!("non-reading client: {answered} of {PIPELINED} pipelined requests answered, {total} bytes left to read, then closed");
    drop(sending.await);

    // Others are served meanwhile and after.
    let c = Client::new(ClientConfig::new(server.base_url())).unwrap();
    c.haal_leerlinggegevens(&auth(), &verzoek()).await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn a_connection_serves_at_most_max_requests_per_connection() {
    let las = TestLas::new(5);
    let config = ServerConfig {
        connection: ConnectionPolicy { max_requests_per_connection: 3, ..Default::default() },
        ..Default::default()
    };
    let server = start(&las, config).await;
    let addr = server.local_addr();
    let mut s = TcpStream::connect(addr).await.unwrap();
    // Five pipelined GETs in one write: three answers, the third with `Connection: close`.
    let get = format!("GET /uwlr?wsdl HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    s.write_all(get.repeat(5).as_bytes()).await.unwrap();
    let mut all = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut all)).await;
    assert!(closed.is_ok(), "the connection was not closed");
    let text = String::from_utf8_lossy(&all);
    assert_eq!(text.matches("HTTP/1.1 200").count(), 3, "{:.300}", text);
    assert_eq!(text.to_ascii_lowercase().matches("connection: close").count(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn the_exchange_deadline_does_not_count_the_servers_own_work() {
    // The provider takes longer than the deadline: the client is not waited for meanwhile.
    let las = TestLas::new(10);
    let config = ServerConfig {
        connection: ConnectionPolicy { exchange_timeout: Duration::from_millis(400), ..Default::default() },
        ..Default::default()
    };
    let server = start(&las, config).await;
    las.script([Injected::Delay(Duration::from_millis(1200))]);
    let (status, body) = raw_post(server.local_addr(), XML, &valid_request()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(contains(&body, "leerlinggegevens_antwoord"));
    server.shutdown().await;
}
