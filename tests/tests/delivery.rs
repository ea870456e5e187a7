//! No receiver holds up the others (`host/src/notify.rs`): with an SMS gateway that accepts
//! connections and never answers, and one department's system that drops every connection,
//! the other departments still get their webhooks at once, and the host still stops promptly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use lianban::Config;
use lianban::notify::DeliveryTimeouts;
use lianban_e2e::{NEWBORN, TestHost, department_of, received_case};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A receiver that takes everything and remembers what it took.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let got = got.clone();
            move |body: Bytes| {
                got.lock()
                    .unwrap()
                    .push(serde_json::from_slice::<Value>(&body).unwrap());
                async { "ok" }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

/// Accepts connections and never answers; keeps them open.
async fn black_hole() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// Accepts connections and closes them at once.
async fn slammer() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    url
}

/// A host with the newborn plugins, retrying quickly, whose health department's system is at
/// `url` (on this machine, so private addresses are allowed), and a case taken in for it.
async fn host_with_webhook(url: &str, edit: impl FnOnce(&mut Config)) -> (TestHost, String) {
    let host = TestHost::start_with(|c: &mut Config| {
        c.background_every = Duration::from_millis(20);
        c.retry_base_ms = 20;
        c.allow_private_webhooks = true;
        edit(c);
    })
    .await;
    host.install_plugins(NEWBORN).await;
    let health = department_of("birth-medical-certificate");
    let (s, b) = host
        .put(
            &format!("/api/v1/departments/{health}/webhook"),
            &host.tokens.admin,
            &json!({ "url": url, "secret": "a-signing-key-of-the-department" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let id = received_case(&host, &host.tokens.clerk.clone()).await;
    (host, id)
}

/// The first dead letter, once there is one (within ten seconds).
async fn first_dead_letter(host: &TestHost) -> Value {
    let started = Instant::now();
    loop {
        let (s, dead) = host.get("/api/v1/outbox/dead", &host.tokens.admin).await;
        assert_eq!(s, StatusCode::OK, "{dead}");
        if let Some(m) = dead.as_array().unwrap().first() {
            return m.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never given up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for(what: &str, got: &Arc<Mutex<Vec<Value>>>, matter: &str, within: Duration) {
    let started = Instant::now();
    while !got.lock().unwrap().iter().any(|m| m["matter"] == matter) {
        assert!(
            started.elapsed() < within,
            "{what}: nothing for {matter} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_gateway_and_a_slamming_receiver_delay_no_one_else() {
    let (health_url, health) = receiver().await;
    let (police_url, police) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.background_every = Duration::from_millis(20);
    config.retry_base_ms = 30;
    config.sms_gateway = Some((black_hole().await, "sms-secret".into()));
    // The receivers run on this machine, a private address the platform refuses by default.
    config.allow_private_webhooks = true;
    config.delivery_timeouts = DeliveryTimeouts {
        connect: Duration::from_millis(300),
        total: Duration::from_millis(800),
    };
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    host.install_plugins(NEWBORN).await;
    let slam = slammer().await;
    for (matter, url) in [
        ("birth-medical-certificate", health_url.as_str()),
        ("vaccination-certificate", slam.as_str()),
        ("birth-registration", police_url.as_str()),
    ] {
        let (s, b) = host
            .put(
                &format!("/api/v1/departments/{}/webhook", department_of(matter)),
                &host.tokens.admin,
                &json!({ "url": url, "secret": "a-signing-key-of-the-department" }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    // Intake queues an SMS (to the silent gateway) and a webhook to 出生医学证明's department.
    let id = received_case(&host, &host.tokens.clerk.clone()).await;
    wait_for(
        "health",
        &health,
        "birth-medical-certificate",
        Duration::from_secs(3),
    )
    .await;

    // Its approval sends 预防接种证办理 to a system that slams the door, and 出生登记 to one that
    // works: the working one hears at once.
    let health_token = host
        .tokens
        .department(&department_of("birth-medical-certificate"))
        .to_owned();
    for step in [
        json!({ "action": "accept" }),
        json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "出生医学证明", "elicense_number": "E-1" }] }),
    ] {
        let (s, b) = host
            .post(
                &format!("/api/v1/cases/{id}/items/birth-medical-certificate"),
                &health_token,
                &step,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    wait_for(
        "police",
        &police,
        "birth-registration",
        Duration::from_secs(3),
    )
    .await;

    // And a stop waits for no receiver longer than one delivery's timeout.
    let started = Instant::now();
    drop(host.stop().await);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopping took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_given_up_is_a_dead_letter_an_administrator_can_send_again() {
    // A department system that refuses everything until it is fixed.
    let fixed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let got = Arc::new(Mutex::new(Vec::<Value>::new()));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let (fixed, got) = (fixed.clone(), got.clone());
            move |body: Bytes| {
                let ok = fixed.load(std::sync::atomic::Ordering::SeqCst);
                if ok {
                    got.lock()
                        .unwrap()
                        .push(serde_json::from_slice::<Value>(&body).unwrap());
                }
                async move {
                    if ok {
                        axum::http::StatusCode::OK
                    } else {
                        axum::http::StatusCode::SERVICE_UNAVAILABLE
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (host, id) = host_with_webhook(&url, |c| c.max_delivery_attempts = 3).await;

    // Three refusals, and the outbox gives up.
    let dead = first_dead_letter(&host).await;
    assert_eq!(dead["case_id"], id.as_str());
    assert_eq!(dead["attempts"], 3);
    assert!(dead["dead_at"].is_string(), "{dead}");
    assert!(
        dead["last_error"].as_str().unwrap().contains("503"),
        "{dead}"
    );
    // It is not tried again on its own.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(got.lock().unwrap().is_empty());

    // Only an administrator sends it again; once the receiver is fixed, it arrives.
    let message = dead["id"].as_u64().unwrap();
    let path = format!("/api/v1/outbox/dead/{message}/retry");
    let (s, _) = host.post(&path, &host.tokens.clerk, &json!(null)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = host
        .post(
            "/api/v1/outbox/dead/999999/retry",
            &host.tokens.admin,
            &json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    fixed.store(true, std::sync::atomic::Ordering::SeqCst);
    let (s, revived) = host.post(&path, &host.tokens.admin, &json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{revived}");
    assert_eq!(revived["attempts"], 0);
    wait_for(
        "fixed receiver",
        &got,
        "birth-medical-certificate",
        Duration::from_secs(5),
    )
    .await;
    let (_, dead) = host.get("/api/v1/outbox/dead", &host.tokens.admin).await;
    assert_eq!(dead, json!([]));
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_reach_no_inward_address_unless_the_platform_allows_it() {
    let (url, got) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.background_every = Duration::from_millis(20);
    config.retry_base_ms = 20;
    config.max_delivery_attempts = 2;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    host.install_plugins(NEWBORN).await;
    let health = department_of("birth-medical-certificate");
    let path = format!("/api/v1/departments/{health}/webhook");
    let secret = "a-signing-key-of-the-department";
    // Addresses given as IPs are refused when set.
    for inward in [
        url.clone(),
        "http://10.0.0.8/hook".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://[::1]:8080/hook".to_owned(),
    ] {
        let (s, b) = host
            .put(
                &path,
                &host.tokens.admin,
                &json!({ "url": inward, "secret": secret }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{inward}: {b}");
        assert_eq!(b["error"]["code"], "webhook_target_not_allowed");
    }
    // A name is resolved when used, and an inward answer reaches nothing.
    let named = url.replace("127.0.0.1", "localhost");
    let (s, b) = host
        .put(
            &path,
            &host.tokens.admin,
            &json!({ "url": named, "secret": secret }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let id = received_case(&host, &host.tokens.clerk.clone()).await;
    let dead = first_dead_letter(&host).await;
    assert_eq!(dead["case_id"], id.as_str());
    assert!(
        dead["last_error"].as_str().unwrap().contains("public"),
        "{dead}"
    );
    assert!(
        got.lock().unwrap().is_empty(),
        "an inward receiver was reached"
    );
    drop(host.stop().await);
}

/// A department system served over HTTPS with a certificate from the department's own CA:
/// it receives its webhooks once the platform trusts that CA (`--delivery-ca`), and without
/// it every attempt fails on the certificate — verification is real, not switched off.
async fn tls_receiver(
    dir: &std::path::Path,
) -> (String, std::path::PathBuf, Arc<Mutex<Vec<Value>>>) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let ca_file = dir.join("department-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let got = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn({
        let got = got.clone();
        async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let got = got.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake here.
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let got = got.clone();
                            async move {
                                use http_body_util::BodyExt;
                                let body = req.into_body().collect().await?.to_bytes();
                                got.lock()
                                    .unwrap()
                                    .push(serde_json::from_slice::<Value>(&body).unwrap());
                                Ok::<_, hyper::Error>(hyper::Response::new(
                                    http_body_util::Full::new(Bytes::from_static(b"ok")),
                                ))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    });
    (url, ca_file, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_webhooks_are_delivered_to_a_receiver_whose_ca_the_platform_trusts() {
    let keys = tempfile::tempdir().unwrap();
    let (url, ca_file, got) = tls_receiver(keys.path()).await;
    for trusted in [false, true] {
        let (host, id) = host_with_webhook(&url, |c| {
            c.max_delivery_attempts = 2;
            if trusted {
                c.delivery_ca = vec![ca_file.clone()];
            }
        })
        .await;
        if trusted {
            wait_for(
                "https",
                &got,
                "birth-medical-certificate",
                Duration::from_secs(10),
            )
            .await;
            assert!(
                got.lock()
                    .unwrap()
                    .iter()
                    .all(|m| m["case_id"] == id.as_str())
            );
        } else {
            let dead = first_dead_letter(&host).await;
            let why = dead["last_error"].as_str().unwrap().to_lowercase();
            assert!(why.contains("certificate"), "{dead}");
            assert!(
                got.lock().unwrap().is_empty(),
                "delivered to an untrusted certificate"
            );
        }
        drop(host.stop().await);
    }
}
