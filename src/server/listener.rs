//! One connection policy for every listener we run: the UWLR server, the gateway's admin
//! API, the mocks' admin APIs (and any listener added later). Each of them is an [`App`]
//! (what a request gets) served by [`serve`] under a [`ConnectionPolicy`] (how long and how
//! many), so a client that misbehaves at the connection level meets the same limits
//! wherever it connects.
//!
//! What the policy bounds, and how:
//!
//! - **Connections at once** (`max_connections`): each accepted connection takes a permit
//!   of a semaphore. Beyond it the connection is still accepted and every request on it
//!   gets the app's [`App::busy`] answer (a 503) with `Connection: close`, so the caller
//!   learns why instead of waiting in the kernel backlog; those overflow connections are
//!   themselves capped (`max_connections / 4 + 16`), beyond which a connection is closed at
//!   once.
//! - **Idle and slow heads** (`header_read_timeout`): the TLS handshake, and each request
//!   head from the moment hyper starts waiting for it, including the wait for the next
//!   request on an idle keep-alive connection (a slow-loris client, an idle one).
//! - **The exchange** (`exchange_timeout`): the client's part of it, reading the request
//!   body and taking the answer. A client that sends requests and never reads the answers
//!   stalls hyper's writes once the kernel's send buffer is full; hyper then waits for ever
//!   (it has no write timeout, and no head is being read, so the head timer does not run).
//!   The deadline closes that connection. It runs while a request body is being read, and
//!   again from the app's answer until the socket has taken all of it; it is suspended
//!   while the app works (a fetch through the admin API may take minutes: that is the
//!   server's time, not the client's). Pipelined requests keep the earliest deadline.
//! - **Requests per connection** (`max_requests_per_connection`): the answer to the last
//!   one allowed says `Connection: close`, so a pipelining client cannot keep one
//!   connection (and its buffers) busy for ever, and load balances out across connections.
//!
//! Shutdown: [`RunningServer::shutdown`] stops accepting, asks each connection to finish
//! the request in flight (idle keep-alive connections close at once) and waits until all
//! are gone or `shutdown_timeout` has passed. Dropping the handle stops accepting too,
//! without waiting.

use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{HeaderValue, CONNECTION};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The error of an answer's body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Returned by an [`App`] to make hyper close the connection without an answer; the text
/// says why (for the debug log).
#[derive(Debug)]
pub struct CloseConnection(pub &'static str);

impl std::fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for CloseConnection {}

/// Limits and timeouts of one listener's connections. The defaults suit an
/// internet-facing endpoint; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPolicy {
    /// Time for the TLS handshake and for each request head, which is also the idle time
    /// allowed between requests on a keep-alive connection. Default 10 s.
    pub header_read_timeout: Duration,
    /// Time the client gets to send a request body, and again to take the answer (from
    /// the app's answer until the socket has taken all of it); the app's own work is not
    /// counted. Default 60 s: above the UWLR server's 30 s body timeout, so a slow body
    /// still gets its 408.
    pub exchange_timeout: Duration,
    /// Requests served on one connection; the answer to the last says
    /// `Connection: close`. Default 1000.
    pub max_requests_per_connection: usize,
    /// Connections served at once; beyond it each request gets the app's busy answer
    /// (503). Default 1024.
    pub max_connections: usize,
    /// How long [`RunningServer::shutdown`] waits for requests in flight. Default 30 s.
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionPolicy {
    fn default() -> Self {
        ConnectionPolicy {
            header_read_timeout: Duration::from_secs(10),
            exchange_timeout: Duration::from_secs(60),
            max_requests_per_connection: 1000,
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// What a listener answers: one request in, one response out (or an error, which closes
/// the connection without an answer).
pub trait App: Send + Sync + 'static {
    /// The body of every answer.
    type Body: Body<Data = Bytes, Error: Into<BoxError>> + Send + Unpin + 'static;

    /// Answers one request; `scheme` is `http` or `https`.
    fn call(
        &self,
        req: Request<RequestBody>,
        scheme: &'static str,
    ) -> impl Future<Output = Result<Response<Self::Body>, CloseConnection>> + Send;

    /// The answer to every request on a connection beyond `max_connections` (`limit`):
    /// a 503 that says why. [`serve`] adds `Connection: close`.
    fn busy(&self, req: &Request<RequestBody>, limit: usize) -> Response<Self::Body>;
}

#[cfg(any(feature = "gateway", feature = "mock"))]
pub use router::RouterApp;

#[cfg(any(feature = "gateway", feature = "mock"))]
mod router {
    use super::{App, CloseConnection, RequestBody};
    use http_body_util::{Either, Full};
    use hyper::body::Bytes;
    use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
    use hyper::{Request, Response, StatusCode};
    use std::future::Future;

    /// An axum router as an [`App`]: its routes answer, and a connection over the limit gets
    /// 503 with `{"error": "...", "status": 503}` (the admin APIs' error shape) and
    /// `Retry-After: 1`. Only with the features that serve an axum router (`gateway`, `mock`):
    /// the UWLR server itself answers without one.
    #[derive(Debug, Clone)]
    pub struct RouterApp(pub axum::Router);

    impl App for RouterApp {
        type Body = Either<axum::body::Body, Full<Bytes>>;

        fn call(
            &self,
            req: Request<RequestBody>,
            _scheme: &'static str,
        ) -> impl Future<Output = Result<Response<Self::Body>, CloseConnection>> + Send {
            use tower_service::Service;
            // A router is cheap to clone (an `Arc` inside) and always ready.
            let call = self.0.clone().call(req);
            async move {
                match call.await {
                    Ok(r) => Ok(r.map(Either::Left)),
                    Err(never) => match never {},
                }
            }
        }

        fn busy(&self, _req: &Request<RequestBody>, limit: usize) -> Response<Self::Body> {
            let body = serde_json::json!({
                "error": format!("too many connections (limit {limit}); try again shortly"),
                "status": 503,
            });
            let mut r = Response::new(Either::Right(Full::new(Bytes::from(body.to_string()))));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
    }
}

/// A listener started by [`serve`]. Dropping it stops the accept loop and asks open
/// connections to finish (without waiting for them); [`RunningServer::shutdown`] waits.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    scheme: &'static str,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT` or `https://...`: the listener's address, without path.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.local_addr)
    }

    /// Graceful: stops accepting, lets in-flight requests finish (idle keep-alive
    /// connections are closed), and returns when all connections are gone or
    /// `shutdown_timeout` has passed.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// The listen backlog [`bind`] asks for: room for a burst of connections while the
/// accept loop catches up. (`tokio::net::TcpListener::bind` asks for 128; a burst beyond the
/// backlog is reset by the kernel before the server sees it.)
pub const LISTEN_BACKLOG: u32 = 1024;

/// Binds a listener for [`serve`] with a backlog of [`LISTEN_BACKLOG`] (the kernel caps it
/// at `net.core.somaxconn`).
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// [`bind`] for an address as a user types it (`127.0.0.1:8080`, `localhost:8080`,
/// `[::1]:8080`): the first address it resolves to.
pub async fn bind_str(addr: &str) -> io::Result<TcpListener> {
    let mut last = None;
    for a in tokio::net::lookup_host(addr).await? {
        match bind(a) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the address resolves to nothing")))
}

/// Starts serving `app` on `listener` under `policy` and returns at once; it runs on the
/// tokio runtime until [`RunningServer::shutdown`] (or until the handle is dropped).
/// `tls: Some` makes every connection TLS.
pub fn serve<A: App>(
    app: Arc<A>,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    policy: ConnectionPolicy,
) -> io::Result<RunningServer> {
    let local_addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared { app, policy, tls, local_addr });
    let task = tokio::spawn(accept_loop(shared, listener, stop_rx));
    Ok(RunningServer { local_addr, scheme, stop, task })
}

/// Everything a connection task needs.
struct Shared<A> {
    app: Arc<A>,
    policy: ConnectionPolicy,
    tls: Option<tokio_rustls::TlsAcceptor>,
    local_addr: SocketAddr,
}

fn permits(n: usize) -> usize {
    n.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize))
}

async fn accept_loop<A: App>(shared: Arc<Shared<A>>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    let max = permits(shared.policy.max_connections);
    let max_overflow = permits(max / 4 + 16);
    let slots = Arc::new(Semaphore::new(max));
    let overflow = Arc::new(Semaphore::new(max_overflow));
    loop {
        let accepted = tokio::select! {
            // A `true`, or a dropped handle (Err): stop accepting.
            r = stop.changed() => match r {
                Ok(()) if !*stop.borrow() => continue,
                _ => break,
            },
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Typically EMFILE/ENFILE: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if let Ok(permit) = slots.clone().try_acquire_owned() {
            tokio::spawn(connection(shared.clone(), stream, peer, permit, stop.clone(), false));
        } else if let Ok(permit) = overflow.clone().try_acquire_owned() {
            tracing::warn!(%peer, limit = max, addr = %shared.local_addr, "connection limit reached: answering 503");
            tokio::spawn(connection(shared.clone(), stream, peer, permit, stop.clone(), true));
        } else {
            tracing::warn!(%peer, addr = %shared.local_addr, "connection limit and overflow limit reached: closing at once");
            drop(stream);
        }
    }
    drop(listener);
    tracing::info!(addr = %shared.local_addr, "stopping: waiting for open connections");
    let all = async {
        let _a = slots.acquire_many(max as u32).await;
        let _b = overflow.acquire_many(max_overflow as u32).await;
    };
    if tokio::time::timeout(shared.policy.shutdown_timeout, all).await.is_err() {
        tracing::warn!(addr = %shared.local_addr, "shutdown timeout: connections still open are abandoned");
    }
}

async fn connection<A: App>(
    shared: Arc<Shared<A>>,
    stream: TcpStream,
    peer: SocketAddr,
    _permit: OwnedSemaphorePermit,
    stop: watch::Receiver<bool>,
    overflow: bool,
) {
    match &shared.tls {
        None => serve_connection(shared.clone(), stream, peer, "http", stop, overflow).await,
        Some(acceptor) => {
            match tokio::time::timeout(shared.policy.header_read_timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => serve_connection(shared.clone(), tls, peer, "https", stop, overflow).await,
                // rustls' description of the failure (no certificate, unknown CA, bad version...):
                // never key material.
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn serve_connection<A, IO>(
    shared: Arc<Shared<A>>,
    io: IO,
    peer: SocketAddr,
    scheme: &'static str,
    mut stop: watch::Receiver<bool>,
    overflow: bool,
) where
    A: App,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let policy = &shared.policy;
    let exchanges = Exchanges::new(policy.exchange_timeout);
    let mut deadline = exchanges.deadline.subscribe();
    let io = TokioIo::new(Watched { inner: io, exchanges: exchanges.clone() });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(policy.header_read_timeout).keep_alive(!overflow);
    let served = Arc::new(AtomicUsize::new(0));
    let (app, max_requests, max_connections) =
        (shared.app.clone(), policy.max_requests_per_connection.max(1), policy.max_connections);
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let req = req.map(|body| exchanges.request(body));
        // The client's address, as axum's `ConnectInfo` extractor reads it (the console's
        // sign-in throttle counts by it); without axum nothing reads it.
        #[cfg(any(feature = "gateway", feature = "mock"))]
        let req = {
            let mut req = req;
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            req
        };
        let n = served.fetch_add(1, Ordering::Relaxed) + 1;
        let (app, exchanges) = (app.clone(), exchanges.clone());
        async move {
            let mut resp = if overflow {
                app.busy(&req, max_connections)
            } else {
                match app.call(req, scheme).await {
                    Ok(r) => r,
                    Err(e) => return Err(e),
                }
            };
            if overflow || n >= max_requests {
                resp.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            }
            let guard = exchanges.answer();
            Ok::<_, CloseConnection>(resp.map(|body| Answer { body, _guard: guard }))
        }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    let result = loop {
        let due = *deadline.borrow_and_update();
        tokio::select! {
            r = conn.as_mut() => break r,
            // The sender lives in `Watched`, inside `conn`: it cannot be gone while we poll.
            _ = deadline.changed() => {}
            () = sleep_until(due) => {
                tracing::debug!(%peer, "exchange deadline passed: connection closed");
                return;
            }
            // A `true`, or a dropped handle: finish the request in flight, then close.
            _ = stop.wait_for(|stopping| *stopping), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    };
    if let Err(e) = result {
        // Header timeouts, broken-off bodies, injected drops, clients that went away.
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// Sleeps until `due`, or for ever when there is none.
async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The exchanges of one connection and the deadline that bounds them. The deadline runs
/// while the client has something to do: send a request body, or take an answer. It is
/// suspended while the app works (a fetch through the admin API may take minutes; that is
/// the server's time, not the client's), and armed afresh when the app answers.
struct Exchanges {
    state: Mutex<Phases>,
    deadline: watch::Sender<Option<Instant>>,
    timeout: Duration,
}

/// What is under way on a connection.
#[derive(Debug, Default)]
struct Phases {
    /// Request bodies not yet read to their end (nor dropped).
    reading: usize,
    /// Answers returned by the app whose body hyper has not finished with.
    answering: usize,
    /// An answer was handed to hyper and the socket has not been flushed since.
    unflushed: bool,
}

impl Phases {
    /// Whether the client is being waited for.
    fn waiting_for_client(&self) -> bool {
        self.reading > 0 || self.answering > 0 || self.unflushed
    }
}

impl Exchanges {
    fn new(timeout: Duration) -> Arc<Exchanges> {
        Arc::new(Exchanges { state: Mutex::new(Phases::default()), deadline: watch::Sender::new(None), timeout })
    }

    /// Applies `change`, then arms the deadline if the client is now waited for and none
    /// runs (a running one is kept: the earliest counts), or clears it if not.
    fn update(&self, change: impl FnOnce(&mut Phases)) {
        let mut phases = self.state.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut phases);
        let waiting = phases.waiting_for_client();
        drop(phases);
        let due = Instant::now() + self.timeout;
        self.deadline.send_if_modified(|d| match (waiting, d.is_some()) {
            (true, false) => {
                *d = Some(due);
                true
            }
            (false, true) => {
                *d = None;
                true
            }
            _ => false,
        });
    }

    /// A request has entered the app with its body (`RequestBody` reports its end).
    fn request(self: &Arc<Self>, body: Incoming) -> RequestBody {
        let ended = body.is_end_stream();
        if !ended {
            self.update(|p| p.reading += 1);
        }
        RequestBody { inner: body, exchanges: (!ended).then(|| self.clone()) }
    }

    /// The app has answered: the client is waited for until the answer is written.
    fn answer(self: &Arc<Self>) -> AnswerGuard {
        self.update(|p| p.answering += 1);
        AnswerGuard(self.clone())
    }

    /// The socket has taken everything written so far.
    fn flushed(&self) {
        self.update(|p| {
            if p.answering == 0 {
                p.unflushed = false;
            }
        });
    }
}

/// A request's body as the app reads it: hyper's, telling the connection's deadline when
/// it has been read to its end (or dropped), so the deadline stops counting the client's
/// sending.
pub struct RequestBody {
    inner: Incoming,
    exchanges: Option<Arc<Exchanges>>,
}

impl RequestBody {
    fn ended(&mut self) {
        if let Some(ex) = self.exchanges.take() {
            ex.update(|p| p.reading = p.reading.saturating_sub(1));
        }
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        self.ended();
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody").finish_non_exhaustive()
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Held from the app's answer until hyper is done with its body (the body has gone into
/// hyper's write buffer); then the socket's flush ends the exchange.
struct AnswerGuard(Arc<Exchanges>);

impl Drop for AnswerGuard {
    fn drop(&mut self) {
        self.0.update(|p| {
            p.answering = p.answering.saturating_sub(1);
            p.unflushed = true;
        });
    }
}

/// An answer's body with its guard: the body as it was, the guard dropped with it.
struct Answer<B> {
    body: B,
    _guard: AnswerGuard,
}

impl<B> Body for Answer<B>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, BoxError>>> {
        Pin::new(&mut self.body).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, telling [`Exchanges`] when a flush completes: hyper flushes
/// the socket only once its own write buffer is empty, so a completed flush means every
/// answer so far has reached the kernel.
struct Watched<IO> {
    inner: IO,
    exchanges: Arc<Exchanges>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        if let Poll::Ready(Ok(())) = r {
            self.exchanges.flushed();
        }
        r
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_deadline_runs_while_the_client_sends_or_takes_an_answer_and_not_while_the_app_works() {
        let ex = Exchanges::new(Duration::from_secs(5));
        let due = || *ex.deadline.borrow();
        assert_eq!(due(), None);
        // A body being read.
        ex.update(|p| p.reading += 1);
        let first = due().expect("armed while the body comes");
        // Read: the app works, the client is not waited for.
        ex.update(|p| p.reading -= 1);
        assert_eq!(due(), None);
        // The app answers: armed afresh until the answer is written.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let answer = ex.answer();
        let second = due().expect("armed while the answer goes out");
        assert!(second > first);
        ex.flushed();
        assert_eq!(due(), Some(second), "the answer is still with hyper");
        drop(answer);
        assert_eq!(due(), Some(second), "handed to hyper, not yet to the socket");
        // A pipelined request's body meanwhile keeps the earlier deadline.
        ex.update(|p| p.reading += 1);
        assert_eq!(due(), Some(second));
        ex.update(|p| p.reading -= 1);
        assert_eq!(due(), Some(second), "the earlier answer is not flushed yet");
        ex.flushed();
        assert_eq!(due(), None);
    }
}
