//! The connection limits of a served sandbox: header and body read timeouts, and the cap on
//! connections served at once. Plain TCP, since they are about the socket.

use std::time::Duration;

use jumio_kyx_sandbox::SandboxConfig;
use jumio_kyx_sandbox::args::exposure_warning;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const HEALTH: &[u8] = b"GET / HTTP/1.1\r\nHost: sandbox\r\nUser-Agent: Tests Sandbox/1.0\r\nConnection: close\r\n\r\n";

/// Reads until the server closes the connection, or `within` passes (then `None`).
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut answer = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut answer))
        .await
        .ok()
        .map(|read| {
            read.ok();
            answer
        })
}

#[tokio::test]
async fn a_client_that_sends_half_a_header_line_is_disconnected_after_the_header_timeout() {
    let sandbox = SandboxConfig {
        header_read_timeout: Duration::from_millis(300),
        ..SandboxConfig::default()
    }
    .start()
    .await
    .unwrap();
    let mut slow = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    let closed = read_to_close(&mut slow, Duration::from_secs(10)).await;
    assert!(closed.is_some(), "the half-sent request was kept open");
    // The sandbox still answers others.
    let mut client = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    client.write_all(HEALTH).await.unwrap();
    let answer = read_to_close(&mut client, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_client_that_sends_half_a_body_is_answered_after_the_body_timeout() {
    let sandbox = SandboxConfig {
        body_read_timeout: Duration::from_millis(300),
        ..SandboxConfig::default()
    }
    .start()
    .await
    .unwrap();
    let mut slow = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    slow.write_all(
        b"POST /oauth2/token HTTP/1.1\r\nHost: sandbox\r\nUser-Agent: Tests Sandbox/1.0\r\nConnection: close\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_",
    )
    .await
    .unwrap();
    let answer = read_to_close(&mut slow, Duration::from_secs(10)).await;
    let answer = answer.expect("the half-sent body was waited for");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let sandbox = SandboxConfig {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(60),
        ..SandboxConfig::default()
    }
    .start()
    .await
    .unwrap();
    let mut idle = Vec::new();
    for _ in 0..2 {
        idle.push(TcpStream::connect(sandbox.local_addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The third connection is not served while two are held open...
    let mut waiting = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    waiting.write_all(HEALTH).await.unwrap();
    assert_eq!(
        read_to_close(&mut waiting, Duration::from_millis(500)).await,
        None,
        "a connection over the cap was served"
    );
    // ...and is served as soon as one closes.
    drop(idle.pop());
    let answer = read_to_close(&mut waiting, Duration::from_secs(10))
        .await
        .expect("the waiting connection was not served after a slot freed");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    sandbox.shutdown().await;
}

#[test]
fn serving_off_loopback_with_a_default_credential_is_warned_about() {
    // Address, client id, client secret, whether to warn.
    let cases = [
        ("127.0.0.1:8787", "sandbox-client", "sandbox-secret", false),
        ("[::1]:8787", "sandbox-client", "sandbox-secret", false),
        ("0.0.0.0:8787", "sandbox-client", "sandbox-secret", true),
        ("[::]:8787", "sandbox-client", "sandbox-secret", true),
        ("192.168.1.20:8787", "mine", "sandbox-secret", true),
        ("192.168.1.20:8787", "sandbox-client", "s3cret", true),
        ("192.168.1.20:8787", "mine", "s3cret", false),
        ("127.0.0.1:8787", "mine", "s3cret", false),
    ];
    for (addr, client_id, client_secret, warns) in cases {
        let config = SandboxConfig {
            addr: addr.parse().unwrap(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            ..SandboxConfig::default()
        };
        let warning = exposure_warning(&config);
        assert_eq!(
            warning.is_some(),
            warns,
            "{addr} {client_id} {client_secret}"
        );
        if let Some(warning) = warning {
            assert!(warning.contains(addr), "{warning}");
        }
    }
}
