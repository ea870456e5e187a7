//! Who is calling, and what each kind of caller may do.
//!
//! Roles: `admin` (the bureau: activates and rolls back rule versions, loads calendar years,
//! issues tokens), `clerk` (the window: pre-checks, intake, delivery), `department:<code>` (a
//! department: its own items and rule versions), `online-service` (the 政务服务网 system,
//! acting for the signed-in person it names), `citizen` (a person signed in with their own
//! account: their own cases only). `permits` is the whole policy; the route table states one
//! `Need` per route (`http/contract.rs`); which case is whose is checked by the case routes.

pub mod tokens;

pub use tokens::{Auth, Refusal, token_hash};

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Role {
    Admin,
    Clerk,
    Department(String),
    /// The online service (政务服务网 / 豫事办), a machine acting for the signed-in person it
    /// names in `X-On-Behalf-Of`.
    OnlineService,
    /// A person signed in through the citizens' identity provider.
    Citizen,
}

impl Role {
    /// The online service or a citizen: callers who act for one person and see that person's
    /// cases only.
    pub fn is_applicant(&self) -> bool {
        matches!(self, Role::OnlineService | Role::Citizen)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::Clerk => f.write_str("clerk"),
            Role::Department(d) => write!(f, "department:{d}"),
            Role::OnlineService => f.write_str("online-service"),
            Role::Citizen => f.write_str("citizen"),
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "clerk" => Ok(Role::Clerk),
            // `applicant` is what the online service's tokens were called before citizens
            // could sign in; the tokens stored under it keep working as what they were.
            "online-service" | "applicant" => Ok(Role::OnlineService),
            "citizen" => Ok(Role::Citizen),
            _ => match s.strip_prefix("department:") {
                Some(code) if crate::keys::is_key(code) => Ok(Role::Department(code.to_owned())),
                _ => Err(format!(
                    "unknown role {s:?}: use admin, clerk, department:<code>, online-service or citizen"
                )),
            },
        }
    }
}

impl From<Role> for String {
    fn from(r: Role) -> String {
        r.to_string()
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(s: String) -> Result<Role, String> {
        s.parse()
    }
}

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// The credential presented: a machine token's id (`tk_…`) or a session's (`ss_…`).
    pub credential: String,
    /// The person an applicant caller acts for: a citizen themselves, or the person the online
    /// service names. Their 公民身份号码.
    pub person: Option<String>,
}

/// What an endpoint requires. Each route states one; `permits` is the whole policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any valid caller, the online service and citizens included; the handler decides what
    /// each may see.
    Any,
    /// Any member of staff: not the online service, not a citizen.
    Staff,
    /// The window (or the bureau).
    Clerk,
    /// The bureau.
    Admin,
    /// A department; which matters it may touch is checked against the catalog.
    Department,
    /// The bureau, or a department (for reading its own matters).
    AdminOrDepartment,
    /// The window, or an applicant (a citizen, or the online service for one): submissions,
    /// corrections, withdrawals — an applicant's own cases only.
    ClerkOrApplicant,
    /// The bureau, or an applicant (their own cases only): the record of who read a case.
    AdminOrApplicant,
    /// An applicant: a citizen, or the online service for the person it names.
    Applicant,
}

impl Need {
    /// The roles that meet this need, as the API document names them (`x-roles`).
    pub fn roles(self) -> &'static [&'static str] {
        match self {
            Need::Any => &["admin", "clerk", "department", "online-service", "citizen"],
            Need::Staff => &["admin", "clerk", "department"],
            Need::Clerk => &["admin", "clerk"],
            Need::Admin => &["admin"],
            Need::Department => &["department"],
            Need::AdminOrDepartment => &["admin", "department"],
            Need::ClerkOrApplicant => &["admin", "clerk", "online-service", "citizen"],
            Need::AdminOrApplicant => &["admin", "online-service", "citizen"],
            Need::Applicant => &["online-service", "citizen"],
        }
    }
}

pub fn permits(role: &Role, need: Need) -> bool {
    match need {
        Need::Any => true,
        Need::Staff => !role.is_applicant(),
        Need::Clerk => matches!(role, Role::Clerk | Role::Admin),
        Need::Admin => matches!(role, Role::Admin),
        Need::Department => matches!(role, Role::Department(_)),
        Need::AdminOrDepartment => matches!(role, Role::Admin | Role::Department(_)),
        Need::ClerkOrApplicant => {
            matches!(
                role,
                Role::Clerk | Role::Admin | Role::OnlineService | Role::Citizen
            )
        }
        Need::AdminOrApplicant => {
            matches!(role, Role::Admin | Role::OnlineService | Role::Citizen)
        }
        Need::Applicant => role.is_applicant(),
    }
}

impl Principal {
    pub fn department(&self) -> Option<&str> {
        match &self.role {
            Role::Department(d) => Some(d),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's `x-roles` and the check are one policy.
    #[test]
    fn the_roles_a_need_names_are_the_roles_it_permits() {
        let roles = [
            ("admin", Role::Admin),
            ("clerk", Role::Clerk),
            ("online-service", Role::OnlineService),
            ("citizen", Role::Citizen),
            ("department", Role::Department("tax".into())),
        ];
        for need in [
            Need::Any,
            Need::Staff,
            Need::Clerk,
            Need::Admin,
            Need::Department,
            Need::AdminOrDepartment,
            Need::ClerkOrApplicant,
            Need::AdminOrApplicant,
            Need::Applicant,
        ] {
            for (name, role) in &roles {
                assert_eq!(
                    need.roles().contains(name),
                    permits(role, need),
                    "{need:?} and {name}"
                );
            }
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in [
            "admin",
            "clerk",
            "online-service",
            "citizen",
            "department:public-security",
        ] {
            assert_eq!(r.parse::<Role>().unwrap().to_string(), r);
        }
        // Tokens stored before citizens could sign in name the online service `applicant`.
        assert_eq!("applicant".parse::<Role>().unwrap(), Role::OnlineService);
        assert!("department:".parse::<Role>().is_err());
        assert!("department:../x".parse::<Role>().is_err());
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn the_policy_table() {
        let admin = Role::Admin;
        let clerk = Role::Clerk;
        let dept = Role::Department("tax".into());
        let online = Role::OnlineService;
        let citizen = Role::Citizen;
        let table = [
            (Need::Any, [true, true, true, true, true]),
            (Need::Staff, [true, true, true, false, false]),
            (Need::Clerk, [true, true, false, false, false]),
            (Need::Admin, [true, false, false, false, false]),
            (Need::Department, [false, false, true, false, false]),
            (Need::AdminOrDepartment, [true, false, true, false, false]),
            (Need::ClerkOrApplicant, [true, true, false, true, true]),
            (Need::AdminOrApplicant, [true, false, false, true, true]),
            (Need::Applicant, [false, false, false, true, true]),
        ];
        for (need, expected) in table {
            let got = [
                permits(&admin, need),
                permits(&clerk, need),
                permits(&dept, need),
                permits(&online, need),
                permits(&citizen, need),
            ];
            assert_eq!(got, expected, "{need:?}");
        }
    }
}
