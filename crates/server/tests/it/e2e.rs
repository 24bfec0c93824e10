//! The server on a real socket: health, a publication, and graceful shutdown.

use std::time::Duration;

use server::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{MARCHES, api};

/// Sends one HTTP/1.1 request and returns the whole response as text (`Connection: close`).
async fn http(address: std::net::SocketAddr, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{head}\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_port_and_shuts_down_gracefully() {
    let fixture = api();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState::new(fixture.catalogue.clone(), crate::support::quiet_config());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state, async {
        stopped.await.ok();
    }));

    let health = http(address, "GET /healthz HTTP/1.1", b"").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let ready = http(address, "GET /readyz HTTP/1.1", b"").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");

    let upload = http(
        address,
        &format!(
            "POST /api/v1/resources/{}/versions?filename=marches.csv HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Type: text/csv",
            fixture.resource, fixture.editor
        ),
        MARCHES,
    )
    .await;
    assert!(upload.starts_with("HTTP/1.1 201"), "{upload}");
    assert!(upload.contains("\"outcome\":\"published\""), "{upload}");

    // A request in progress when shutdown starts still gets its answer.
    let slow_client = tokio::spawn(async move {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /api/v1/schemas HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        stream
            .write_all(b"Connection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        String::from_utf8_lossy(&response).into_owned()
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let answered = slow_client.await.unwrap();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops after shutdown")
        .unwrap()
        .unwrap();
    // And it no longer accepts connections.
    assert!(TcpStream::connect(address).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_address_limit_sees_the_real_peer_address() {
    let fixture = api();
    let mut config = crate::support::quiet_config();
    config.rate_limit_per_address = 2;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState::new(fixture.catalogue.clone(), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state, async {
        stopped.await.ok();
    }));
    for _ in 0..2 {
        let answer = http(address, "GET /api/v1/schemas HTTP/1.1", b"").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let limited = http(address, "GET /api/v1/schemas HTTP/1.1", b"").await;
    assert!(limited.starts_with("HTTP/1.1 429"), "{limited}");
    assert!(
        limited.to_ascii_lowercase().contains("retry-after: 30"),
        "{limited}"
    );
    assert!(
        limited.contains("\"code\":\"too_many_requests\""),
        "{limited}"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
