//! The connection loop: what a client may cost the server before it has sent a request.
//!
//! `axum::serve` has no timeouts and no connection cap, so a client that opens connections
//! and sends a byte a second (slowloris) holds each one, and enough of them hold the service.
//! Here every connection is served by hyper with a header-read timeout, which hyper also
//! starts while a kept-alive connection waits for its next request (so it is the idle
//! timeout as well); the body's own deadline is enforced where the body is read
//! (`body_limit.rs`). At most `max_connections` are served at once: the next one waits in
//! the listener's backlog until a slot frees, rather than being accepted and starved.
//!
//! HTTP/1.1 only: TLS and HTTP/2 end at the reverse proxy in front of the platform, and
//! cleartext HTTP/2 has no client here.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a client may take over each part of its request, and how many may be connected.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// From the connection's start, or from the previous answer on a kept-alive connection,
    /// until the request's headers are complete. It is the idle timeout too.
    pub header_read: Duration,
    /// From the headers until the last byte of the body.
    pub body_read: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// After a stop is asked for, how long requests in flight may still take before their
    /// connections are dropped.
    pub shutdown_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            header_read: Duration::from_secs(10),
            // A 32 MiB component over a 4 Mbit/s district line takes about 70 s.
            body_read: Duration::from_secs(120),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Accepts and serves connections until `shutdown` completes, then lets requests in flight
/// finish within `shutdown_grace`.
pub(super) async fn run(
    listener: TcpListener,
    app: Router,
    limits: &HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let capacity = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let slots = Arc::new(Semaphore::new(capacity as usize));
    let graceful = GracefulShutdown::new();
    // Told to every connection once the grace has passed, so that none outlives `run`.
    let (abort, aborted) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some((stream, peer, slot)) = accepted else {
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            // The consultation's per-client limit reads the peer address (`ConnectInfo`).
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let mut aborted = aborted.clone();
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                served = connection => {
                    if let Err(e) = served {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                _ = aborted.wait_for(|a| *a) => {}
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?limits.shutdown_grace,
            "connections still open after the shutdown grace; dropping them"
        );
        let _ = abort.send(true);
        // Each connection's task drops it at its next poll; the last slot comes back then.
        let _ = slots.acquire_many(capacity).await;
    }
}

/// Waits for a free slot, then for a connection. An accept error (the process is out of file
/// descriptors, say) is logged and followed by a short pause instead of a hot loop.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(
    tokio::net::TcpStream,
    SocketAddr,
    tokio::sync::OwnedSemaphorePermit,
)> {
    let slot = slots.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => {
            let _ = stream.set_nodelay(true);
            Some((stream, peer, slot))
        }
        Err(e) => {
            tracing::warn!(error = %e, "accepting a connection failed");
            tokio::time::sleep(Duration::from_millis(50)).await;
            None
        }
    }
}
