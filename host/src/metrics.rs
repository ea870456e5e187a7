//! Prometheus metrics, served as text at `GET /metrics`: every call into a rules version (calls,
//! latency, fuel, failures by kind) and every API request (by route template and status).
//!
//! Labels are bounded on purpose: matters and versions come from the registry, routes are the
//! router's templates (`/api/v1/cases/{id}`, never a case id), so a scrape cannot grow without
//! bound and carries no personal data.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::runtime::{FailureKind, PluginIdent};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Version {
    matter: String,
    version: String,
    /// The first twelve hex digits of the component's sha256: two uploads may carry the same
    /// version string only if one was refused, but the digest is what cases record.
    sha256: String,
}

impl Version {
    fn of(plugin: &PluginIdent) -> Version {
        Version {
            matter: plugin.matter.clone(),
            version: plugin.version.clone(),
            sha256: plugin.sha256.chars().take(12).collect(),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Call {
    matter: String,
    version: String,
    sha256: String,
    export: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Failure {
    matter: String,
    version: String,
    sha256: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    method: String,
    route: String,
    status: u16,
}

/// The exports the host calls, each with its own call counter.
const RULE_EXPORTS: [&str; 3] = ["manifest", "evaluate", "deadline"];

/// Handles on one rules version's series (see [`Metrics::rule_series`]); clones share them.
#[derive(Clone, Debug)]
pub struct RuleSeries {
    calls: [Counter; RULE_EXPORTS.len()],
    seconds: Histogram,
    fuel: Histogram,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Rules calls take tens of microseconds to (at most) their wall-time budget.
fn call_seconds() -> Histogram {
    Histogram::new(exponential_buckets(10e-6, 2.5, 14))
}

/// Fuel per call: from a few thousand instructions to the default budget of 5·10⁸.
fn fuel_per_call() -> Histogram {
    Histogram::new(exponential_buckets(1e3, 4.0, 15))
}

/// API requests: a millisecond to tens of seconds (an upload compiles a component).
fn request_seconds() -> Histogram {
    Histogram::new(exponential_buckets(100e-6, 3.0, 14))
}

pub struct Metrics {
    registry: Registry,
    rule_calls: Family<Call, Counter>,
    rule_seconds: Histograms<Version>,
    rule_fuel: Histograms<Version>,
    rule_failures: Family<Failure, Counter>,
    elicense_lookups: Family<Version, Counter>,
    http_requests: Family<Answered, Counter>,
    http_seconds: Histograms<Route>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("lianban");
        let rule_calls = Family::<Call, Counter>::default();
        let rule_seconds: Histograms<Version> = Family::new_with_constructor(call_seconds);
        let rule_fuel: Histograms<Version> = Family::new_with_constructor(fuel_per_call);
        let rule_failures = Family::<Failure, Counter>::default();
        let elicense_lookups = Family::<Version, Counter>::default();
        let http_requests = Family::<Answered, Counter>::default();
        let http_seconds: Histograms<Route> = Family::new_with_constructor(request_seconds);
        registry.register(
            "rule_calls",
            "Calls into a rules version, by export (instantiation included)",
            rule_calls.clone(),
        );
        registry.register(
            "rule_call_seconds",
            "Wall time of one call into a rules version, fresh instance included",
            rule_seconds.clone(),
        );
        registry.register(
            "rule_fuel",
            "Fuel (wasm instructions, roughly) one call consumed",
            rule_fuel.clone(),
        );
        registry.register(
            "rule_failures",
            "Calls the host stopped or the guest crashed, by kind (rule_timeout, rule_panic, …)",
            rule_failures.clone(),
        );
        registry.register(
            "elicense_lookups",
            "Electronic certificate lookups made by a rules version (no holder is recorded)",
            elicense_lookups.clone(),
        );
        registry.register(
            "http_requests",
            "API requests answered, by route template and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_seconds",
            "Time to answer an API request, by route template",
            http_seconds.clone(),
        );
        Metrics {
            registry,
            rule_calls,
            rule_seconds,
            rule_fuel,
            rule_failures,
            elicense_lookups,
            http_requests,
            http_seconds,
        }
    }

    /// The series of one rules version, for [`Metrics::rule_call`]. Looked up once, when the
    /// version is prepared: a lookup copies the label strings and hashes them, which cost more
    /// than the observations themselves on every call of a pre-check.
    pub fn rule_series(&self, plugin: &PluginIdent) -> RuleSeries {
        let version = Version::of(plugin);
        let calls = RULE_EXPORTS.map(|export| {
            self.rule_calls
                .get_or_create(&Call {
                    matter: version.matter.clone(),
                    version: version.version.clone(),
                    sha256: version.sha256.clone(),
                    export: export.to_owned(),
                })
                .clone()
        });
        RuleSeries {
            calls,
            seconds: self.rule_seconds.get_or_create(&version).clone(),
            fuel: self.rule_fuel.get_or_create(&version).clone(),
        }
    }

    /// One call into a rules component: `failure` is `None` when it answered.
    pub fn rule_call(
        &self,
        series: &RuleSeries,
        plugin: &PluginIdent,
        export: &str,
        elapsed: Duration,
        fuel: u64,
        failure: Option<FailureKind>,
    ) {
        if let Some(i) = RULE_EXPORTS.iter().position(|e| *e == export) {
            series.calls[i].inc();
        }
        series.seconds.observe(elapsed.as_secs_f64());
        series.fuel.observe(fuel as f64);
        if let Some(kind) = failure {
            let version = Version::of(plugin);
            self.rule_failures
                .get_or_create(&Failure {
                    matter: version.matter,
                    version: version.version,
                    sha256: version.sha256,
                    kind: kind.code().to_owned(),
                })
                .inc();
        }
    }

    /// Certificate lookups one call made.
    pub fn elicense_lookups(&self, plugin: &PluginIdent, lookups: u32) {
        if lookups > 0 {
            self.elicense_lookups
                .get_or_create(&Version::of(plugin))
                .inc_by(u64::from(lookups));
        }
    }

    /// One answered API request; `route` is the router's template.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&Answered {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_seconds
            .get_or_create(&Route {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition (OpenMetrics flavour, `# EOF` at the end).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
