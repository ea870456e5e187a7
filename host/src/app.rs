//! Assembly: opens the store and builds every service the routes share.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth::Auth;
use crate::calendar::{Calendar, CalendarError};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::consultation::{Consultation, ConsultationError};
use crate::elicense::StoredCertificates;
use crate::files::MaterialFiles;
use crate::notify::{DeliveryTimeouts, ExtraRoots, HttpSmsGateway, LogSink, Outbox, SmsSink};
use crate::registry::{Registry, RegistryError};
use crate::runtime::{ArtifactKey, Runtime, RuntimeConfig};
use crate::secret::SecretKey;
use crate::store::{IdempotencyStore, SledStore, StoreError};
use crate::workflow::service::Workflow;

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub runtime: RuntimeConfig,
    /// Largest component upload, bytes.
    pub max_upload_bytes: usize,
    /// Largest JSON body, bytes.
    pub max_json_bytes: usize,
    /// Largest material or result file, bytes.
    pub max_file_bytes: usize,
    /// Bytes of files one caller (one token) may upload per day.
    pub file_quota_bytes_per_day: u64,
    /// Timeouts and the connection cap of the API server.
    pub http: crate::http::HttpLimits,
    /// Reverse proxies whose `X-Forwarded-For` is believed for the client's address (the
    /// public consultation's per-client limit).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// An HTTP SMS gateway (`url`, `secret`); without one, SMS go to the sent log only.
    pub sms_gateway: Option<(String, String)>,
    /// How often the outbox and the clocks are looked at.
    pub background_every: std::time::Duration,
    /// First retry delay of a failed delivery, milliseconds; later ones double.
    pub retry_base_ms: i64,
    /// How long one SMS or webhook delivery may take to connect, and in all.
    pub delivery_timeouts: DeliveryTimeouts,
    /// PEM files of certificate authorities trusted for HTTPS deliveries besides the public
    /// roots built in (a department's own CA).
    pub delivery_ca: Vec<PathBuf>,
    /// Attempts after which a delivery is given up as a dead letter.
    pub max_delivery_attempts: u32,
    /// Webhooks may point at loopback, private and link-local addresses (department systems
    /// on the platform's own network); off, only public addresses are reached.
    pub allow_private_webhooks: bool,
    /// How often the supervisor looks at the clocks.
    pub clock_every: std::time::Duration,
    /// How often expired idempotent answers are forgotten.
    pub sweep_every: std::time::Duration,
    /// Weights of the quarterly scores of departments and clerks.
    pub assessment: crate::supervision::assessment::Weights,
    /// How long a rating may be changed, and the 差评 loop's working days.
    pub ratings: crate::ratings::RatingRules,
    /// Share of a clock's promised working days after which it raises its yellow card.
    pub yellow_share: f64,
    /// Whether commands keep the supervision figures as they commit (on unless measuring what
    /// they cost: see the lifecycle benchmark).
    pub figures: bool,
    /// Recent inputs kept per matter for shadow replays; zero keeps none.
    pub replay_inputs: usize,
    /// Activation (by hand or scheduled) needs a reviewed replay against the version in
    /// service.
    pub require_replay_review: bool,
    /// Versions never put into service that one department may hold.
    pub max_pending_versions: usize,
    /// The file holding the key that seals compiled artifacts (`runtime/artifact.rs`). It is
    /// kept out of the database on purpose: whoever can write the database must not be able to
    /// forge an artifact. Created on first start.
    pub artifact_key: PathBuf,
    /// The file holding the key of the audit chains' hashes (`workflow/audit.rs`), outside the
    /// database for the same reason. Created on first start.
    pub audit_key: PathBuf,
    /// The keyring that seals personal data at rest (`privacy/keyring.rs`). Outside the
    /// database so that a copy of the database alone reveals no one; a deployment keeps it on
    /// another volume and backs it up apart. Created on first start.
    pub data_keys: PathBuf,
    /// The algorithm of the first data key, when the keyring is created; later keys are chosen
    /// by `lianban keys rotate --algorithm`.
    pub data_key_algorithm: crate::privacy::Algorithm,
    /// How long personal data, recorded inputs and sent messages are kept (`retention.rs`).
    pub retention: crate::retention::RetentionConfig,
    /// The identity providers people sign in with, and their sessions' lifetimes.
    pub identity: crate::identity::config::IdentityConfig,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            artifact_key: data_dir.join("keys/artifact.key"),
            audit_key: data_dir.join("keys/audit.key"),
            data_keys: data_dir.join("keys/data.keys"),
            data_key_algorithm: crate::privacy::Algorithm::Aes256Gcm,
            retention: Default::default(),
            max_pending_versions: 20,
            data_dir,
            runtime: RuntimeConfig::default(),
            max_upload_bytes: 32 << 20,
            max_json_bytes: 1 << 20,
            max_file_bytes: 20 << 20,
            file_quota_bytes_per_day: 2 << 30,
            trusted_proxies: Vec::new(),
            http: crate::http::HttpLimits::default(),
            sms_gateway: None,
            background_every: std::time::Duration::from_millis(500),
            retry_base_ms: 1_000,
            delivery_timeouts: DeliveryTimeouts::default(),
            delivery_ca: Vec::new(),
            max_delivery_attempts: crate::notify::DEFAULT_MAX_ATTEMPTS,
            allow_private_webhooks: false,
            clock_every: std::time::Duration::from_secs(60),
            sweep_every: std::time::Duration::from_secs(600),
            replay_inputs: 200,
            require_replay_review: false,
            identity: Default::default(),
            figures: true,
            yellow_share: crate::workflow::clocks::DEFAULT_YELLOW_SHARE,
            ratings: crate::ratings::RatingRules::default(),
            assessment: crate::supervision::assessment::Weights::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the store in {path}: {source}")]
    Store { path: PathBuf, source: StoreError },
    #[error("cannot start the rules runtime: {0}")]
    Runtime(String),
    #[error("cannot load the calendar: {0}")]
    Calendar(#[from] CalendarError),
    #[error("cannot load active plugins: {0}")]
    Registry(#[from] RegistryError),
    #[error("cannot open the material files: {0}")]
    Files(std::io::Error),
    #[error("cannot read or create the audit key {path}: {source}")]
    AuditKey {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    DataKeys(#[from] crate::privacy::KeyringError),
    #[error("cannot read the delivery CA certificates: {0}")]
    DeliveryCa(String),
    #[error("cannot seal the audit chains: {0}")]
    Audit(String),
    #[error("cannot build the supervision figures from the audit events: {0}")]
    Figures(String),
    #[error("cannot set up sign-in: {0}")]
    Identity(String),
    #[error("cannot read or create the artifact key {path}: {source}")]
    ArtifactKey {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub struct Services {
    pub config: Config,
    pub store: Arc<SledStore>,
    pub catalog: Arc<Catalog>,
    pub calendar: Arc<Calendar>,
    pub registry: Arc<Registry>,
    pub auth: Auth,
    pub clock: Arc<dyn Clock>,
    /// Evaluations running at once; each holds one pooled instance at a time.
    pub eval_slots: Arc<Semaphore>,
    /// Active versions that failed to load at startup, reported by `/healthz`.
    pub load_failures: Vec<String>,
    /// `Idempotency-Key`s whose first request is running.
    pub in_flight: crate::http::idempotency::InFlight,
    pub workflow: Arc<Workflow>,
    pub outbox: Arc<Outbox>,
    pub consultation: Arc<Consultation>,
    pub ratings: Arc<crate::ratings::Ratings>,
    pub reports: Arc<crate::supervision::report::Reports>,
    pub identity: Arc<crate::identity::Identity>,
}

pub type AppState = Arc<Services>;

/// Opens the data directory and loads the active plugins.
pub fn open(config: Config, clock: Arc<dyn Clock>) -> Result<AppState, OpenError> {
    let keys =
        crate::privacy::Keyring::load_or_create(&config.data_keys, config.data_key_algorithm)?;
    if keys.current_algorithm() != config.data_key_algorithm {
        tracing::warn!(
            configured = %config.data_key_algorithm,
            current = %keys.current_algorithm(),
            "the data keyring seals with another algorithm; `lianban keys rotate` changes it"
        );
    }
    let store = Arc::new(
        SledStore::open_with_keys(&config.data_dir, Arc::new(keys)).map_err(|source| {
            OpenError::Store {
                path: config.data_dir.clone(),
                source,
            }
        })?,
    );
    let key = ArtifactKey::load_or_create(&config.artifact_key).map_err(|source| {
        OpenError::ArtifactKey {
            path: config.artifact_key.clone(),
            source,
        }
    })?;
    let runtime = Arc::new(
        Runtime::new(config.runtime.clone())
            .map_err(|e| OpenError::Runtime(format!("{e:#}")))?
            .with_artifact_key(key),
    );
    let catalog = Arc::new(Catalog::new(store.clone(), clock.clone()));
    catalog
        .seed_dictionary()
        .map_err(|source| OpenError::Store {
            path: config.data_dir.clone(),
            source,
        })?;
    let calendar = Arc::new(Calendar::load(store.clone())?);
    let mut registry = Registry::new(
        runtime,
        store.clone(),
        catalog.clone(),
        calendar.clone(),
        config.max_upload_bytes,
    );
    registry.replay_keep = config.replay_inputs;
    registry.max_pending_versions = config.max_pending_versions;
    registry.require_replay_review = config.require_replay_review;
    let registry = registry.with_elicense_source(Arc::new(StoredCertificates(store.clone())));
    let registry = Arc::new(registry);
    let load_failures: Vec<String> = registry
        .load_active()?
        .into_iter()
        .map(|(matter, err)| {
            tracing::error!(%matter, %err, "active plugin failed to load");
            format!("{matter}: {err}")
        })
        .collect();
    // Stored idempotent responses are replayed for a day; older ones are dropped at startup.
    let retention = crate::http::idempotency::RETENTION_SECS;
    store
        .forget_before(clock.now().timestamp() - retention)
        .map_err(|source| OpenError::Store {
            path: config.data_dir.clone(),
            source,
        })?;
    let audit_key_error = |source| OpenError::AuditKey {
        path: config.audit_key.clone(),
        source,
    };
    // A database without an audit key has chains in the old unkeyed format: they are checked
    // and sealed with the new key before the key is put in place. Only then — the decision is
    // never taken from the database, whose writer could otherwise have forged chains sealed.
    let (audit_key, staged_key) =
        SecretKey::load_or_stage(&config.audit_key).map_err(audit_key_error)?;
    let files = MaterialFiles::open(&config.data_dir.join("files"), config.max_file_bytes)
        .map_err(OpenError::Files)?;
    let ratings = crate::ratings::Ratings::new(
        store.clone(),
        clock.clone(),
        calendar.clone(),
        crate::ratings::RatingRules {
            yellow_share: config.yellow_share,
            ..config.ratings
        },
        &config.identity.public_url,
    )
    .map_err(|e| OpenError::Store {
        path: config.data_dir.clone(),
        source: StoreError::Corrupt(e.to_string()),
    })?;
    let workflow = Arc::new(
        Workflow::new(
            store.clone(),
            registry.clone(),
            calendar.clone(),
            catalog.clone(),
            files,
            clock.clone(),
            audit_key,
        )
        .keeping_figures(config.figures)
        .inviting_ratings(ratings.links.clone()),
    );
    workflow
        .prepare_figures()
        .map_err(|e| OpenError::Figures(e.to_string()))?;
    if let Some(staged) = staged_key {
        let sealed = workflow
            .seal_unkeyed_chains()
            .map_err(|e| OpenError::Audit(e.to_string()))?;
        if sealed > 0 {
            tracing::info!(cases = sealed, "audit chains sealed with the new audit key");
        }
        staged.commit().map_err(audit_key_error)?;
    }
    let roots = ExtraRoots::load(&config.delivery_ca).map_err(OpenError::DeliveryCa)?;
    let sms: Arc<dyn SmsSink> = match &config.sms_gateway {
        Some((url, secret)) => Arc::new(HttpSmsGateway {
            url: url.clone(),
            secret: secret.clone(),
            client: config.delivery_timeouts.client(&roots),
        }),
        None => Arc::new(LogSink),
    };
    let mut outbox = Outbox::new(
        store.clone(),
        store.clone(),
        sms,
        clock.clone(),
        config.delivery_timeouts,
        &roots,
        config.allow_private_webhooks,
    );
    outbox.base_backoff_ms = config.retry_base_ms;
    outbox.max_attempts = config.max_delivery_attempts.max(1);
    let consultation =
        Consultation::new(store.clone(), clock.clone()).map_err(|e| OpenError::Store {
            path: config.data_dir.clone(),
            source: match e {
                ConsultationError::Store(s) => s,
                other => StoreError::Corrupt(other.to_string()),
            },
        })?;
    let identity = config
        .identity
        .build(store.clone(), clock.clone())
        .map_err(|e| OpenError::Identity(e.to_string()))?;
    let slots = config.runtime.instance_slots as usize;
    let reports = crate::supervision::report::Reports {
        figures: store.clone(),
        ratings: store.clone(),
        frozen: store.clone(),
        catalog: catalog.clone(),
        clock: clock.clone(),
        weights: config.assessment,
    };
    Ok(Arc::new(Services {
        consultation: Arc::new(consultation),
        reports: Arc::new(reports),
        ratings: Arc::new(ratings),
        identity: Arc::new(identity),
        auth: Auth::new(store.clone()),
        eval_slots: Arc::new(Semaphore::new(slots.max(1))),
        config,
        store,
        catalog,
        calendar,
        registry,
        clock,
        load_failures,
        in_flight: Default::default(),
        workflow,
        outbox: Arc::new(outbox),
    }))
}
