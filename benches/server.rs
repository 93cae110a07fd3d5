//! Server throughput and latency: HaalLeerlinggegevens for a 500-pupil school over loopback,
//! our full server (`uwlr::server::serve`: HTTP, limits, decode, the check order, the
//! provider, encode) beside a bare hyper server answering the same pre-encoded bytes (the
//! floor: HTTP and sockets only). Prints requests/s and latency percentiles of both and
//! their ratio.
//!
//! `cargo bench --bench server`. Knobs: `UWLR_BENCH_REQUESTS` (per run, default 4000),
//! `UWLR_BENCH_CONCURRENCY` (comma list, default `1,8,32`), `UWLR_BENCH_PUPILS` (500).
//! Under `cargo test --all-targets` (no `--bench` argument) it runs a few requests as a smoke
//! test.
//!
//! Load: each of C clients keeps one HTTP/1.1 keep-alive connection and sends its share of
//! the requests back to back (a minimal client over raw sockets, so that client overhead is
//! small and the same for both servers).

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uwlr::message::fault::Fault;
use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens, LeerlinggegevensAntwoord, Verzoek};
use uwlr::message::leerresultaten::LeerresultatenVerzoek;
use uwlr::message::values::{SchoolId, Schooljaar};
use uwlr::message::Autorisatie;
use uwlr::server::{serve, ConnectionPolicy, LasProvider, ServerConfig};
use uwlr::{Body, EncodeOptions};

struct BenchLas {
    data: Leerlinggegevens,
}

impl LasProvider for BenchLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klantcode == "TP01" && klantnaam == "Toetsplatform"
    }
    async fn autoriseer(&self, auth: &Autorisatie, _school: &SchoolId) -> bool {
        use subtle::ConstantTimeEq;
        auth.autorisatiesleutel.as_bytes().ct_eq(b"bench-key-0123456789").into()
    }
    async fn leerlinggegevens(&self, _req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        Ok(Antwoord::Gegevens(self.data.clone()))
    }
    async fn leerresultaten(&self, _auth: &Autorisatie, _req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        Ok(())
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn request_body() -> Vec<u8> {
    let auth = Autorisatie {
        autorisatiesleutel: "bench-key-0123456789".into(),
        klantcode: "TP01".into(),
        klantnaam: "Toetsplatform".into(),
    };
    let v = Verzoek {
        schooljaar: Schooljaar::new(2025).unwrap(),
        school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) },
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    };
    uwlr::encode_to_vec(
        &Body::LeerlinggegevensVerzoek(v),
        Some(&auth),
        &EncodeOptions { envelope: true, indent: false, declaration: true },
    )
    .unwrap()
}

/// The floor: hyper answering every request with the same bytes.
async fn bare_server(answer: Bytes) -> SocketAddr {
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let answer = answer.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let answer = answer.clone();
                    async move {
                        // Read the body, as a real server must.
                        let _ = http_body_util::BodyExt::collect(req.into_body()).await;
                        let mut r = Response::new(Full::new(answer));
                        r.headers_mut().insert("content-type", "text/xml; charset=utf-8".parse().unwrap());
                        Ok::<_, std::convert::Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    addr
}

/// One keep-alive connection, `n` requests; the latency of each.
async fn client(addr: SocketAddr, body: Arc<Vec<u8>>, n: usize, expect_len: usize) -> Vec<Duration> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    let head = format!(
        "POST /uwlr HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"HaalLeerlinggegevens\"\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(&body);
    let mut buf = vec![0u8; 256 << 10];
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        s.write_all(&request).await.unwrap();
        // Read the head, then exactly Content-Length bytes.
        let mut have = 0;
        let head_end = loop {
            let k = s.read(&mut buf[have..]).await.unwrap();
            assert!(k > 0, "server closed");
            have += k;
            if let Some(p) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        let head = std::str::from_utf8(&buf[..head_end]).unwrap().to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        let len: usize =
            head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse().unwrap()).unwrap();
        assert_eq!(len, expect_len);
        let mut body_have = have - head_end;
        while body_have < len {
            let k = s.read(&mut buf[..]).await.unwrap();
            assert!(k > 0, "server closed");
            body_have += k;
        }
        lat.push(t.elapsed());
    }
    lat
}

struct Run {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn run(addr: SocketAddr, body: &Arc<Vec<u8>>, requests: usize, concurrency: usize, expect_len: usize) -> Run {
    // Warm-up: connections, allocator, caches.
    client(addr, body.clone(), 20, expect_len).await;
    let per = requests / concurrency;
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency).map(|_| tokio::spawn(client(addr, body.clone(), per, expect_len))).collect();
    let mut lat = Vec::with_capacity(requests);
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    Run { rps: lat.len() as f64 / elapsed.as_secs_f64(), p50: pct(0.50), p99: pct(0.99) }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let pupils = env_or("UWLR_BENCH_PUPILS", 500usize);
    let requests = if bench { env_or("UWLR_BENCH_REQUESTS", 4000usize) } else { 40 };
    let levels: Vec<usize> = if bench {
        std::env::var("UWLR_BENCH_CONCURRENCY")
            .unwrap_or_else(|_| "1,8,32".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    } else {
        vec![4]
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let las = Arc::new(BenchLas {
            data: uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils, ..Default::default() }),
        });
        let body = Arc::new(request_body());
        // The exact bytes our server answers, for the bare server to send.
        let answer = uwlr::server::handle(&*las, &body, &Default::default()).await;
        assert_eq!(answer.status, 200);
        let answer_len = answer.body.len();
        // In-process, no sockets: what the UWLR work alone costs per request.
        let n = if bench { 300 } else { 3 };
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(uwlr::server::handle(&*las, &body, &Default::default()).await);
        }
        let dispatch_only = t.elapsed() / n;
        let bare = bare_server(Bytes::from(answer.body)).await;
        let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        // One keep-alive connection per client carries up to 4,000 requests; the default
        // policy closes a connection after 1,000 (the bare server has no such limit).
        let connection = ConnectionPolicy { max_requests_per_connection: usize::MAX, ..Default::default() };
        let config = ServerConfig { connection, ..Default::default() };
        let ours = serve(las.clone(), listener, config).await.unwrap();

        println!(
            "HaalLeerlinggegevens, {pupils} pupils: request {} B, answer {answer_len} B; {requests} requests per run; {} worker threads",
            body.len(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "dispatch::handle alone (decode request, checks, provider clone, encode answer): {:.2} ms = {:.0} req/s on one core",
            dispatch_only.as_secs_f64() * 1000.0,
            1.0 / dispatch_only.as_secs_f64()
        );
        println!(
            "{:>5} | {:>22} | {:>22} | {:>9}",
            "conc.", "uwlr req/s (p50/p99)", "bare req/s (p50/p99)", "uwlr/bare"
        );
        for &c in &levels {
            let u = run(ours.local_addr(), &body, requests, c, answer_len).await;
            let b = run(bare, &body, requests, c, answer_len).await;
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "{c:>5} | {:>8.0} ({:>5.2}/{:>6.2} ms) | {:>8.0} ({:>5.2}/{:>6.2} ms) | {:>8.1}%",
                u.rps,
                ms(u.p50),
                ms(u.p99),
                b.rps,
                ms(b.p50),
                ms(b.p99),
                100.0 * u.rps / b.rps
            );
        }
        ours.shutdown().await;
    });
}
