//! Public consultation (民意征求, 第七条): anyone may propose a new one-thing or comment on an
//! existing one; people support proposals; the bureau answers each; a ranking by support
//! helps choose what to add next.
//!
//! Privacy: a proposer's contact is kept for the bureau only and never appears in a public
//! view. Supporters are identified by the online service or the window (which know who they
//! are) and stored only as a keyed hash, enough to count one support per person per proposal.
//!
//! Abuse limits: bounded text, a few proposals per client address per hour, a daily number of
//! supports per person. The client address is the peer's, or behind a reverse proxy the
//! platform trusts, the one that proxy reports (`http/consultation.rs`). The hourly counts are
//! kept in memory for the addresses seen in the last hour only: older ones are pruned as new
//! proposals come, so a flood of addresses cannot grow the host's memory for longer than that.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::clock::Clock;
use crate::store::{ConsultationStore, StoreError};

pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_TEXT_CHARS: usize = 2_000;
pub const MAX_CONTACT_CHARS: usize = 100;
/// Proposals one client address may submit per hour.
pub const PROPOSALS_PER_HOUR: usize = 5;
/// Supports one person may give per day (China time).
pub const SUPPORTS_PER_DAY: u32 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProposalKind)]
pub enum Kind {
    /// 建议新增一件事.
    NewOneThing,
    /// 对已有一件事的意见.
    Comment,
}

/// The bureau's answer so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProposalStatus)]
pub enum Status {
    /// 已收到.
    Received,
    /// 研究中.
    UnderStudy,
    /// 已采纳.
    Adopted,
    /// 未采纳.
    Declined,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reply {
    pub status: Status,
    pub text: String,
    pub by: String,
    pub at: String,
}

/// A proposal as stored, contact included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: u64,
    pub kind: Kind,
    /// The one-thing commented on.
    pub one_thing: Option<String>,
    pub title: String,
    pub need: String,
    pub contact: Option<String>,
    pub created_at: String,
    pub status: Status,
    pub supports: u64,
    /// Every answer of the bureau, oldest first.
    pub replies: Vec<Reply>,
}

/// What the public sees of a proposal: no contact.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicProposal {
    pub id: u64,
    pub kind: Kind,
    pub one_thing: Option<String>,
    pub title: String,
    pub need: String,
    pub created_at: String,
    pub status: Status,
    pub supports: u64,
    pub replies: Vec<PublicReply>,
}

/// An answer as the public sees it: not who on the bureau's staff wrote it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicReply {
    pub status: Status,
    pub text: String,
    pub at: String,
}

impl From<Proposal> for PublicProposal {
    fn from(p: Proposal) -> PublicProposal {
        PublicProposal {
            id: p.id,
            kind: p.kind,
            one_thing: p.one_thing,
            title: p.title,
            need: p.need,
            created_at: p.created_at,
            status: p.status,
            supports: p.supports,
            replies: p
                .replies
                .into_iter()
                .map(|r| PublicReply {
                    status: r.status,
                    text: r.text,
                    at: r.at,
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    pub kind: Kind,
    #[serde(default)]
    pub one_thing: Option<String>,
    pub title: String,
    pub need: String,
    #[serde(default)]
    pub contact: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsultationError {
    #[error("invalid proposal: {}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error("no proposal {0}")]
    NotFound(u64),
    #[error("this person already supports proposal {0}")]
    AlreadySupported(u64),
    #[error("too many requests, retry in {0} s")]
    TooMany(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, ConsultationError>;

pub struct Consultation {
    store: Arc<dyn ConsultationStore>,
    clock: Arc<dyn Clock>,
    /// Key of the supporter hashes; kept in the store so counts survive restarts.
    key: Vec<u8>,
    /// Recent proposals per client address (in memory: a restart forgives).
    recent: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    by_client: HashMap<IpAddr, VecDeque<Instant>>,
    /// How many addresses the last prune left, and when it ran.
    pruned: Option<(usize, Instant)>,
}

/// Addresses kept before a prune that is not yet due by time.
const PRUNE_ABOVE: usize = 1_024;
/// Longest between two prunes of the per-address counts.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl Consultation {
    pub fn new(store: Arc<dyn ConsultationStore>, clock: Arc<dyn Clock>) -> Result<Consultation> {
        let key = store.consultation_key()?;
        Ok(Consultation {
            store,
            clock,
            key,
            recent: Mutex::new(Recent::default()),
        })
    }

    /// Submits a proposal from `client`; `known_one_things` are the codes a comment may name.
    pub fn propose(
        &self,
        client: IpAddr,
        input: NewProposal,
        known_one_thing: impl Fn(&str) -> bool,
    ) -> Result<PublicProposal> {
        let title = input.title.trim().to_owned();
        let need = input.need.trim().to_owned();
        let contact = input
            .contact
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        let mut problems = Vec::new();
        if title.is_empty() || chars(&title) > MAX_TITLE_CHARS {
            problems.push(format!("标题不能为空，且不超过 {MAX_TITLE_CHARS} 个字"));
        }
        if need.is_empty() || chars(&need) > MAX_TEXT_CHARS {
            problems.push(format!("诉求内容不能为空，且不超过 {MAX_TEXT_CHARS} 个字"));
        }
        if contact
            .as_deref()
            .is_some_and(|c| chars(c) > MAX_CONTACT_CHARS)
        {
            problems.push(format!("联系方式不超过 {MAX_CONTACT_CHARS} 个字"));
        }
        match (input.kind, input.one_thing.as_deref()) {
            (Kind::Comment, None) => problems.push("对已有一件事的意见须注明是哪件事".into()),
            (Kind::Comment, Some(code)) if !known_one_thing(code) => {
                problems.push(format!("没有一件事“{code}”"))
            }
            (Kind::NewOneThing, Some(_)) => {
                problems.push("建议新增的一件事不应引用已有一件事".into())
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(ConsultationError::Invalid(problems));
        }
        self.admit(client)?;
        let proposal = Proposal {
            id: self.store.next_proposal_id()?,
            kind: input.kind,
            one_thing: input.one_thing,
            title,
            need,
            contact,
            created_at: self.clock.stamp(),
            status: Status::Received,
            supports: 0,
            replies: Vec::new(),
        };
        self.store.put_proposal(&proposal)?;
        Ok(proposal.into())
    }

    /// Counts a proposal against the client's hourly allowance.
    fn admit(&self, client: IpAddr) -> Result<()> {
        self.admit_at(client, Instant::now())
    }

    fn admit_at(&self, client: IpAddr, now: Instant) -> Result<()> {
        let hour = Duration::from_secs(3600);
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        // Addresses whose last proposal is an hour old owe nothing any more and are forgotten:
        // a sweep over the map at most once a minute, or sooner when it has doubled.
        let (left, when) = recent.pruned.unwrap_or((0, now));
        let due = now.duration_since(when) >= PRUNE_EVERY
            || recent.by_client.len() >= PRUNE_ABOVE.max(2 * left);
        if due {
            recent
                .by_client
                .retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < hour));
            recent.pruned = Some((recent.by_client.len(), now));
        }
        let times = recent.by_client.entry(client).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= hour)
        {
            times.pop_front();
        }
        if times.len() >= PROPOSALS_PER_HOUR {
            let wait = times
                .front()
                .map_or(hour, |t| hour.saturating_sub(now.duration_since(*t)));
            return Err(ConsultationError::TooMany(wait.as_secs().max(1)));
        }
        times.push_back(now);
        Ok(())
    }

    fn person_hash(&self, person: &str) -> String {
        // The key is any length; `new_from_slice` cannot fail for HMAC.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(person.trim().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// One support of `person` (an identifier the online service or the window vouches for).
    pub fn support(&self, id: u64, person: &str) -> Result<PublicProposal> {
        if person.trim().is_empty() || chars(person) > 100 {
            return Err(ConsultationError::Invalid(vec![
                "支持者身份标识不能为空，且不超过 100 个字符".into(),
            ]));
        }
        let who = self.person_hash(person);
        let day = self.clock.today().to_string();
        match self.store.add_support(id, &who, &day, SUPPORTS_PER_DAY)? {
            SupportOutcome::Counted(p) => Ok((*p).into()),
            SupportOutcome::NoSuchProposal => Err(ConsultationError::NotFound(id)),
            SupportOutcome::AlreadySupported => Err(ConsultationError::AlreadySupported(id)),
            SupportOutcome::DailyLimit => Err(ConsultationError::TooMany(86_400)),
        }
    }

    /// The bureau's answer; adopting or declining needs a reply the proposer can read.
    pub fn answer(&self, id: u64, status: Status, text: String, by: &str) -> Result<Proposal> {
        let text = text.trim().to_owned();
        if text.is_empty() || chars(&text) > MAX_TEXT_CHARS {
            return Err(ConsultationError::Invalid(vec![format!(
                "答复内容不能为空，且不超过 {MAX_TEXT_CHARS} 个字"
            )]));
        }
        let reply = Reply {
            status,
            text,
            by: by.to_owned(),
            at: self.clock.stamp(),
        };
        self.store
            .answer_proposal(id, &reply)?
            .ok_or(ConsultationError::NotFound(id))
    }

    pub fn proposal(&self, id: u64) -> Result<Proposal> {
        self.store
            .proposal(id)?
            .ok_or(ConsultationError::NotFound(id))
    }

    /// Every proposal for the bureau, contacts included, newest first.
    pub fn inbox(&self) -> Result<Vec<Proposal>> {
        let mut all = self.store.proposals()?;
        all.reverse();
        Ok(all)
    }

    /// The public ranking: most supported first, older first among equals; `limit` proposals
    /// from the `offset`-th.
    pub fn ranking(
        &self,
        status: Option<Status>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<PublicProposal>> {
        let mut all: Vec<Proposal> = self
            .store
            .proposals()?
            .into_iter()
            .filter(|p| status.is_none_or(|s| p.status == s))
            .collect();
        all.sort_by(|a, b| b.supports.cmp(&a.supports).then(a.id.cmp(&b.id)));
        Ok(all
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(PublicProposal::from)
            .collect())
    }

    /// Client addresses whose proposals are counted now.
    pub fn tracked_clients(&self) -> usize {
        self.recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .by_client
            .len()
    }
}

/// What adding a support did.
pub enum SupportOutcome {
    Counted(Box<Proposal>),
    NoSuchProposal,
    AlreadySupported,
    DailyLimit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_an_hour_old_are_forgotten_as_new_ones_come() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(crate::store::SledStore::open(dir.path()).unwrap());
        let clock = Arc::new(crate::clock::FixedClock::at_noon(lianban_sdk::Date::ymd(
            2026, 11, 27,
        )));
        let c = Consultation::new(store, clock).unwrap();
        let start = Instant::now();
        for i in 0..10_000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            c.admit_at(ip, start).unwrap();
        }
        assert!(c.tracked_clients() >= 10_000);
        let later = start + Duration::from_secs(3_601);
        c.admit_at(IpAddr::from([192, 0, 2, 1]), later).unwrap();
        assert_eq!(c.tracked_clients(), 1);
        // An address still within its hour keeps its count.
        for _ in 1..PROPOSALS_PER_HOUR {
            c.admit_at(IpAddr::from([192, 0, 2, 1]), later).unwrap();
        }
        assert!(c.admit_at(IpAddr::from([192, 0, 2, 1]), later).is_err());
    }

    #[test]
    fn public_view_has_no_contact_and_no_staff_names() {
        let p = Proposal {
            id: 1,
            kind: Kind::NewOneThing,
            one_thing: None,
            title: "入学一件事".into(),
            need: "孩子入学要跑好几个部门".into(),
            contact: Some("13812345678".into()),
            created_at: String::new(),
            status: Status::Adopted,
            supports: 3,
            replies: vec![Reply {
                status: Status::Adopted,
                text: "已纳入第三批".into(),
                by: "王科长".into(),
                at: String::new(),
            }],
        };
        let public = serde_json::to_string(&PublicProposal::from(p)).unwrap();
        assert!(!public.contains("13812345678"));
        assert!(!public.contains("王科长"));
        assert!(public.contains("已纳入第三批"));
    }
}
