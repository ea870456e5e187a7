//! `/metrics` over HTTP: calls, latency, fuel and failures per rules version, and the API's
//! requests by route template, counted as a scraper would read them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use lianban_e2e::{TestHost, component, fixture, set_field};
use reqwest::StatusCode;

/// One scrape: every sample, keyed by metric name and its labels in a canonical order.
#[derive(Debug)]
struct Scrape(BTreeMap<(String, BTreeMap<String, String>), f64>);

impl Scrape {
    fn parse(text: &str) -> Scrape {
        let mut samples = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').unwrap();
                    let labels = body
                        .split("\",")
                        .filter(|p| !p.is_empty())
                        .map(|pair| {
                            let (k, v) = pair.split_once('=').unwrap();
                            (k.to_owned(), v.trim_matches('"').to_owned())
                        })
                        .collect();
                    (name.to_owned(), labels)
                }
                None => (series.to_owned(), BTreeMap::new()),
            };
            samples.insert((name, labels), value.parse().unwrap());
        }
        Scrape(samples)
    }

    /// The sum over every series of `name` whose labels include all of `want`.
    fn sum(&self, name: &str, want: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|((n, labels), _)| {
                n == name
                    && want
                        .iter()
                        .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, v)| v)
            .sum()
    }

    fn has_label_value(&self, value: &str) -> bool {
        self.0
            .keys()
            .any(|(_, labels)| labels.values().any(|v| v.contains(value)))
    }
}

async fn scrape(host: &TestHost) -> Scrape {
    // No token: a scraper is not a user of the platform.
    let response = host.client.get(host.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = response.text().await.unwrap();
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    Scrape::parse(&text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_calls_failures_and_requests_are_counted() {
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    // A rule that panics on demand, active as a version of 预防接种证办理.
    host.install(
        "vaccination-certificate",
        component("lianban-guest-hostile"),
    )
    .await;

    let before = scrape(&host).await;
    for _ in 0..3 {
        let (status, report) = host.precheck(&fixture("newborn-window-complete")).await;
        assert_eq!(status, StatusCode::OK, "{report}");
    }
    let mut panicking = fixture("newborn-window-complete");
    set_field(&mut panicking, "hostile.mode", "panic");
    let (status, _) = host.precheck(&panicking).await;
    assert_eq!(status, StatusCode::OK);
    // A case that does not exist: counted under the route's template, not under its id.
    let (status, _) = host
        .get("/api/v1/cases/no-such-case-4711", &host.tokens.admin)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let after = scrape(&host).await;

    let delta = |name: &str, want: &[(&str, &str)]| after.sum(name, want) - before.sum(name, want);
    let registration = [("matter", "birth-registration")];

    // Four pre-checks, one `evaluate` each for 出生登记.
    let evaluate = [("matter", "birth-registration"), ("export", "evaluate")];
    assert_eq!(delta("lianban_rule_calls_total", &evaluate), 4.0);
    assert_eq!(delta("lianban_rule_call_seconds_count", &registration), 4.0);
    assert!(delta("lianban_rule_call_seconds_sum", &registration) > 0.0);
    assert_eq!(delta("lianban_rule_fuel_count", &registration), 4.0);
    // A real rule runs thousands of instructions at least.
    assert!(delta("lianban_rule_fuel_sum", &registration) > 4_000.0);
    // The version label is the one the registry holds.
    assert!(after.sum("lianban_rule_calls_total", &[("version", "1.0.0")]) > 0.0);

    // Only the hostile rule failed, once, and by the kind the clerk was shown.
    let panics = [
        ("matter", "vaccination-certificate"),
        ("kind", "rule_panic"),
    ];
    assert_eq!(delta("lianban_rule_failures_total", &panics), 1.0);
    assert_eq!(delta("lianban_rule_failures_total", &[]), 1.0);
    assert_eq!(delta("lianban_rule_failures_total", &registration), 0.0);

    // The API's side.
    let prechecks = [
        ("method", "POST"),
        ("route", "/api/v1/prechecks"),
        ("status", "200"),
    ];
    assert_eq!(delta("lianban_http_requests_total", &prechecks), 4.0);
    let missing = [("route", "/api/v1/cases/{id}"), ("status", "404")];
    assert_eq!(delta("lianban_http_requests_total", &missing), 1.0);
    assert!(!after.has_label_value("no-such-case-4711"));
    assert_eq!(
        delta(
            "lianban_http_request_seconds_count",
            &[("route", "/api/v1/prechecks")]
        ),
        4.0
    );
    drop(host.stop().await);
}
