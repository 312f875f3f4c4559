//! The key never leaks: with a unique marker as every credential, no trace
//! output at any level and no error's text or debug form contains it.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quendoo_api::{ClientConfig, Email, Error, QuendooClient, SecretString, Sysres, VoiceCall};
use quendoo_sim::{Fault, FaultBody, RunningSim};
use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

use crate::helpers::spawn_with;

const MARKER: &str = "LEAKCANARY7f3a9c";

/// Trace output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn fault(api_key: &str) -> Fault {
    Fault {
        api_key: Some(api_key.to_owned()),
        times: Some(1),
        ..Fault::default()
    }
}

// A current-thread runtime: the client, its connections and the simulator all
// run on this thread, under the capturing subscriber.
#[tokio::test(flavor = "current_thread")]
async fn no_credential_in_traces_errors_or_debug_output() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let key_text = format!("{MARKER}-pms");
    let app = spawn_with(&key_text, |c| {
        c.request_timeout = Duration::from_millis(300);
        c.max_retries = 1;
    })
    .await;
    let key = SecretString::from(key_text.clone());
    let email_bearer = SecretString::from(format!("{MARKER}-pms-email"));
    let call_bearer = SecretString::from(format!("{MARKER}-pms-automation"));
    let mut errors: Vec<Error> = Vec::new();

    // Successes, traced.
    app.client.get_bookings(&key).await.expect("bookings");
    app.client
        .get_availability(&key, app.day(0), app.day(3), Sysres::Ext)
        .await
        .expect("availability");

    // The upstream echoes the request URL, key included, in an error body.
    app.sim.set_fault(Fault {
        status: Some(400),
        ..fault(&key_text)
    });
    let echoed = app.client.get_bookings(&key).await.expect_err("400");
    match &echoed {
        Error::BadRequest { message, .. } => {
            assert!(message.contains("api_key=REDACTED"), "{message}");
            assert!(message.contains("/Booking/getBookings"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    errors.push(echoed);

    // ... or the key alone.
    let bad_dates = app
        .client
        .get_availability(&key, app.day(2), app.day(1), Sysres::Qdo)
        .await;
    errors.extend(bad_dates.err());
    app.sim.set_fault(Fault {
        status: Some(422),
        ..fault(&key_text)
    });
    errors.extend(
        app.client
            .ack_booking(
                &key,
                &quendoo_api::AckBooking {
                    revision_id: 1,
                    booking_items: None,
                },
            )
            .await
            .err(),
    );

    // Every other kind of failure.
    for injected in [
        Fault {
            status: Some(503),
            times: Some(2),
            ..fault(&key_text)
        },
        Fault {
            status: Some(429),
            retry_after: Some(999),
            ..fault(&key_text)
        },
        Fault {
            hang: true,
            times: Some(2),
            ..fault(&key_text)
        },
        Fault {
            body: Some(FaultBody::Malformed),
            ..fault(&key_text)
        },
        Fault {
            body: Some(FaultBody::Oversized),
            ..fault(&key_text)
        },
    ] {
        app.sim.set_fault(injected);
        errors.extend(
            app.client
                .get_rooms_details::<Value>(&key, Some("en"), None)
                .await
                .err(),
        );
    }
    errors.extend(
        app.client
            .get_bookings(&SecretString::from(format!("{MARKER}-unknown")))
            .await
            .err(),
    );
    let email = Email {
        to: "guest@example.com".to_owned(),
        subject: "s".to_owned(),
        message: "m".to_owned(),
        html: false,
    };
    errors.extend(app.client.send_email(&call_bearer, &email).await.err());
    app.client
        .send_email(&email_bearer, &email)
        .await
        .expect("email");
    let call = VoiceCall {
        phone: "+359881234567".to_owned(),
        message: "m".to_owned(),
        language: "en-US".to_owned(),
    };
    errors.extend(app.client.make_call(&email_bearer, &call).await.err());
    app.sim.set_fault(Fault {
        status: Some(400),
        ..Fault::default()
    });
    errors.extend(app.client.make_call(&call_bearer, &call).await.err());

    // A refused connection.
    let dead = {
        let sim = RunningSim::start(Default::default(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim");
        let url = sim.pms_base_url();
        sim.shutdown().await;
        url
    };
    let offline = QuendooClient::new(ClientConfig {
        pms_base_url: dead.parse().expect("url"),
        max_retries: 0,
        ..ClientConfig::default()
    })
    .expect("client");
    errors.extend(offline.get_bookings(&key).await.err());

    let kinds: Vec<String> = errors
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    for kind in [
        "BadRequest",
        "Unavailable",
        "RateLimited",
        "Timeout",
        "NotJson",
        "TooLarge",
        "KeyRejected",
        "Connect",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} among {kinds:?}");
    }
    let mut seen = captured.text();
    assert!(
        seen.contains("upstream call"),
        "the calls were traced:\n{seen}"
    );
    assert!(
        seen.contains("/api/pms/v1/Booking/getBookings"),
        "paths are traced"
    );
    for err in &errors {
        seen.push_str(&format!("\n{err}\n{err:?}"));
    }
    seen.push_str(&format!(
        "\n{:?}\n{:?}\n{:?}",
        app.client, key, email_bearer
    ));
    assert!(!seen.contains(MARKER), "a credential leaked:\n{seen}");
}
