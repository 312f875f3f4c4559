//! Each error kind, provoked by the simulator's checks or injected faults.

use std::time::Duration;

use quendoo_api::{ClientConfig, Email, Error, QuendooClient, SecretString, Service, Sysres};
use quendoo_sim::{Fault, FaultBody};

use crate::helpers::{spawn, spawn_with};

fn fault(status: u16) -> Fault {
    Fault {
        status: Some(status),
        ..Fault::default()
    }
}

#[tokio::test]
async fn an_unknown_key_is_rejected() {
    let app = spawn("errors-401").await;
    let wrong = SecretString::from("not-a-key");
    let err = app.client.get_bookings(&wrong).await.expect_err("401");
    assert!(
        matches!(
            err,
            Error::KeyRejected {
                service: Service::Pms,
                status: 401
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Quendoo rejected the hotel's API key (HTTP 401)"
    );
    app.sim.set_fault(fault(403));
    let err = app.client.get_bookings(&app.key()).await.expect_err("403");
    assert!(
        matches!(err, Error::KeyRejected { status: 403, .. }),
        "{err:?}"
    );
    assert_eq!(app.sim.requests().len(), 2, "key errors are not retried");
}

#[tokio::test]
async fn a_bad_request_keeps_the_upstream_message() {
    let app = spawn("errors-400").await;
    let (from, to) = (app.day(5), app.day(4));
    let err = app
        .client
        .get_availability(&app.key(), from, to, Sysres::Qdo)
        .await
        .expect_err("400");
    match &err {
        Error::BadRequest {
            service: Service::Pms,
            status: 400,
            message,
        } => {
            assert_eq!(message, "date_to must not be before date_from");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "Quendoo refused the request (HTTP 400): date_to must not be before date_from"
    );
    assert_eq!(app.sim.requests().len(), 1);
}

#[tokio::test]
async fn a_429_is_waited_out_within_the_bound_and_reported_beyond_it() {
    let app = spawn("errors-429").await;
    let key = app.key();
    app.sim.set_fault(Fault {
        retry_after: Some(1),
        times: Some(1),
        ..fault(429)
    });
    app.client
        .get_bookings(&key)
        .await
        .expect("succeeds after waiting");
    assert_eq!(app.sim.requests().len(), 2);

    app.sim.clear_requests();
    app.sim.set_fault(Fault {
        retry_after: Some(60),
        ..fault(429)
    });
    let err = app
        .client
        .get_bookings(&key)
        .await
        .expect_err("too long to wait");
    assert!(
        matches!(err, Error::RateLimited { service: Service::Pms, retry_after: Some(d) } if d == Duration::from_secs(60)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Quendoo is rate limiting requests; retry after 60 s"
    );
    assert_eq!(app.sim.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_and_522_are_unavailable() {
    let app = spawn_with("errors-5xx", |c| c.max_retries = 0).await;
    for status in [500, 502, 503, 522] {
        app.sim.clear_faults();
        app.sim.set_fault(fault(status));
        let err = app.client.get_bookings(&app.key()).await.expect_err("5xx");
        assert!(
            matches!(err, Error::Unavailable { service: Service::Pms, status: s } if s == status),
            "{err:?}"
        );
    }
    assert_eq!(app.sim.requests().len(), 4);
}

#[tokio::test]
async fn a_hang_is_a_timeout() {
    let app = spawn_with("errors-timeout", |c| {
        c.request_timeout = Duration::from_millis(300);
        c.max_retries = 0;
    })
    .await;
    app.sim.set_fault(Fault {
        hang: true,
        ..Fault::default()
    });
    let err = app
        .client
        .get_bookings(&app.key())
        .await
        .expect_err("timeout");
    assert!(
        matches!(err, Error::Timeout { service: Service::Pms, after } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "Quendoo did not answer within 0.3 s");
}

#[tokio::test]
async fn broken_bodies_are_not_json_or_too_large() {
    let app = spawn("errors-bodies").await;
    let key = app.key();
    for body in [FaultBody::Malformed, FaultBody::Empty] {
        app.sim.set_fault(Fault {
            body: Some(body),
            times: Some(1),
            ..Fault::default()
        });
        let err = app.client.get_bookings(&key).await.expect_err("not json");
        assert!(
            matches!(
                err,
                Error::NotJson {
                    service: Service::Pms
                }
            ),
            "{body:?}: {err:?}"
        );
    }
    // Streamed without a length: the cap is counted while reading.
    app.sim.set_fault(Fault {
        body: Some(FaultBody::Oversized),
        times: Some(1),
        ..Fault::default()
    });
    let err = app.client.get_bookings(&key).await.expect_err("too large");
    assert!(
        matches!(err, Error::TooLarge { service: Service::Pms, limit } if limit == 8 * 1024 * 1024),
        "{err:?}"
    );

    // A real answer over a small cap, announced by its length.
    let small = spawn_with("errors-cap", |c| c.max_response_bytes = 4096).await;
    let err = small
        .client
        .get_bookings(&small.key())
        .await
        .expect_err("too large");
    assert!(
        matches!(err, Error::TooLarge { limit: 4096, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Quendoo sent a response larger than the 4096-byte limit"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let config = ClientConfig {
        pms_base_url: format!("http://127.0.0.1:{port}/api/pms/v1")
            .parse()
            .expect("url"),
        email_base_url: Some(
            format!("http://127.0.0.1:{port}/email")
                .parse()
                .expect("url"),
        ),
        max_retries: 0,
        ..ClientConfig::default()
    };
    let client = QuendooClient::new(config).expect("client");
    let err = client
        .get_bookings(&SecretString::from("k"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            &err,
            Error::Connect {
                service: Service::Pms,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("could not reach Quendoo: "),
        "{err}"
    );
    let email = Email {
        to: "a@example.com".to_owned(),
        subject: "s".to_owned(),
        message: "m".to_owned(),
        html: false,
    };
    let err = client
        .send_email(&SecretString::from("b"), &email)
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            Error::Connect {
                service: Service::Email,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_configuration_that_is_not_http_is_refused() {
    let config = ClientConfig {
        pms_base_url: "mailto:someone@example.com".parse().expect("url"),
        ..ClientConfig::default()
    };
    let err = QuendooClient::new(config).expect_err("not http");
    assert!(
        matches!(
            err,
            Error::InvalidConfig {
                service: Service::Pms,
                ..
            }
        ),
        "{err:?}"
    );
}

/// An upstream that announces `length` bytes at once but sends them only
/// when `release` is notified: an answer that stays in flight on demand.
async fn slow_upstream(
    length: usize,
    release: std::sync::Arc<tokio::sync::Notify>,
) -> (url::Url, tokio::sync::mpsc::Receiver<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/pms/v1", listener.local_addr().unwrap());
    let (headers_sent, heard) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (release, headers_sent) = (release.clone(), headers_sent.clone());
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let body = format!("{{\"data\":\"{}\"}}", "x".repeat(length - 11));
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                socket.write_all(head.as_bytes()).await.unwrap();
                let _ = headers_sent.send(()).await;
                release.notified().await;
                let _ = socket.write_all(body.as_bytes()).await;
            });
        }
    });
    (base.parse().unwrap(), heard)
}

/// While one answer fills the budget for answers in flight, another is
/// refused at once without being read; the budget comes back after.
#[tokio::test]
async fn answers_beyond_the_budget_in_flight_are_refused() {
    const ANSWER: usize = 64 * 1024;
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let (base, mut heard) = slow_upstream(ANSWER, release.clone()).await;
    let client = QuendooClient::new(ClientConfig {
        pms_base_url: base,
        max_response_bytes: ANSWER,
        answers_in_flight_bytes: ANSWER + ANSWER / 2,
        max_retries: 0,
        ..ClientConfig::default()
    })
    .unwrap();
    let key = SecretString::from("budget-key");
    let first = tokio::spawn({
        let (client, key) = (client.clone(), key.clone());
        async move { client.get_bookings(&key).await }
    });
    heard.recv().await.unwrap();
    let second = tokio::spawn({
        let (client, key) = (client.clone(), key.clone());
        async move { client.get_bookings(&key).await }
    });
    heard.recv().await.unwrap();
    // The first holds the budget: the second is refused while it waits.
    let refused = tokio::time::timeout(Duration::from_secs(2), second)
        .await
        .expect("refused at once")
        .unwrap()
        .expect_err("over the budget");
    assert!(
        matches!(
            refused,
            Error::Overloaded {
                service: Service::Pms
            }
        ),
        "{refused:?}"
    );
    release.notify_waiters();
    first.await.unwrap().expect("the first answer is read");
    let third = tokio::spawn({
        let (client, key) = (client.clone(), key.clone());
        async move { client.get_bookings(&key).await }
    });
    heard.recv().await.unwrap();
    release.notify_waiters();
    third.await.unwrap().expect("the budget came back");
}
