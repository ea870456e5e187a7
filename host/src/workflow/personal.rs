//! Which parts of a case, a recorded rules input and an outgoing message are personal
//! information, said once: masking for display and sealing at rest both walk these lists, so a
//! field added to one is added to both.
//!
//! Form fields and material attributes are all treated as personal: the catalog defines them,
//! and a one-thing's form holds names, dates of birth, addresses and the parents' identity
//! numbers among ordinary choices.

use std::sync::Arc;

use lianban_sdk::{Application, Field};

use super::model::{Case, Delivery};
use super::outbox::{Message, OutboxMessage};
use crate::privacy::{Keyring, SealError, mask};

/// What a personal value is, which decides how it is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Name,
    IdNumber,
    Mobile,
    Address,
    /// Free text that may hold anything: masked by its shape.
    Text,
}

/// Calls `f` with each personal value of `case` and the path naming it.
pub fn visit_case<E>(
    case: &mut Case,
    mut f: impl FnMut(Kind, &str, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    let a = &mut case.applicant;
    f(Kind::Name, "applicant.name", &mut a.name)?;
    f(Kind::IdNumber, "applicant.id_number", &mut a.id_number)?;
    f(Kind::Mobile, "applicant.mobile", &mut a.mobile)?;
    if let Some(agent) = &mut case.agent {
        f(Kind::Name, "agent.name", &mut agent.name)?;
        f(Kind::IdNumber, "agent.id_number", &mut agent.id_number)?;
        f(Kind::Mobile, "agent.mobile", &mut agent.mobile)?;
    }
    if let Delivery::Mail {
        address,
        recipient,
        mobile,
        ..
    } = &mut case.delivery
    {
        f(Kind::Address, "delivery.address", address)?;
        f(Kind::Name, "delivery.recipient", recipient)?;
        f(Kind::Mobile, "delivery.mobile", mobile)?;
    }
    if !case.fields.is_empty() {
        for (key, value) in Arc::make_mut(&mut case.fields).iter_mut() {
            f(Kind::Text, &format!("fields.{key}"), value)?;
        }
    }
    if case.materials.iter().any(|m| !m.attributes.is_empty()) {
        for m in Arc::make_mut(&mut case.materials).iter_mut() {
            for (key, value) in m.attributes.iter_mut() {
                f(Kind::Text, &format!("materials.{}.{key}", m.code), value)?;
            }
        }
    }
    Ok(())
}

/// Calls `f` with each personal value of a recorded rules input.
pub fn visit_application<E>(
    application: &mut Application,
    mut f: impl FnMut(Kind, &str, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    let each = |fields: &mut Vec<Field>,
                prefix: &str,
                f: &mut dyn FnMut(Kind, &str, &mut String) -> Result<(), E>| {
        for Field { key, value } in fields.iter_mut() {
            f(Kind::Text, &format!("{prefix}{key}"), value)?;
        }
        Ok(())
    };
    each(&mut application.fields, "fields.", &mut f)?;
    for m in application.materials.iter_mut() {
        let prefix = format!("materials.{}.", m.code);
        each(&mut m.attributes, &prefix, &mut f)?;
    }
    Ok(())
}

/// Calls `f` with each personal value of an outgoing message: an SMS's number and text (which
/// names the applicant's one-thing and may carry a name).
pub fn visit_message<E>(
    message: &mut OutboxMessage,
    mut f: impl FnMut(Kind, &str, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    match &mut message.message {
        Message::Sms { to, text } => {
            f(Kind::Mobile, "sms.to", to)?;
            f(Kind::Text, "sms.text", text)
        }
        // A department's duty phone and a card's text name no applicant.
        Message::Webhook { .. } | Message::DutySms { .. } => Ok(()),
    }
}

/// The value as a reader without need of the full value sees it.
pub fn mask(kind: Kind, value: &str) -> String {
    match kind {
        Kind::IdNumber => mask::id_number(value),
        Kind::Mobile => mask::mobile(value),
        Kind::Text => mask::free_text(value),
        Kind::Name | Kind::Address => value.to_owned(),
    }
}

/// The case as a reader without need of the full values sees it (第六项: 查询留痕's masked read).
pub fn masked(case: &Case) -> Case {
    let mut case = case.clone();
    let _ = visit_case(&mut case, |kind, _, value| {
        *value = mask(kind, value);
        Ok::<_, std::convert::Infallible>(())
    });
    case
}

/// An SMS with its number masked, for the bureau's lists of sent and failed messages.
pub fn masked_message(message: &OutboxMessage) -> OutboxMessage {
    let mut message = message.clone();
    let _ = visit_message(&mut message, |kind, _, value| {
        if kind == Kind::Mobile {
            *value = mask(kind, value);
        }
        Ok::<_, std::convert::Infallible>(())
    });
    message
}

/// Where a record's sealed values are bound: its kind and id, then the field's path.
pub fn context(record: &str, id: &str, path: &str) -> String {
    format!("{record}:{id}:{path}")
}

/// Seals every personal value of `case` with the current key.
pub fn seal_case(keys: &Keyring, case: &Case) -> Case {
    let mut sealed = case.clone();
    let id = case.id.clone();
    let _ = visit_case(&mut sealed, |_, path, value| {
        *value = keys.seal(&context("case", &id, path), value);
        Ok::<_, std::convert::Infallible>(())
    });
    sealed
}

/// Opens what [`seal_case`] sealed; values written before sealing come back as they are.
pub fn open_case(keys: &Keyring, mut case: Case) -> Result<Case, SealError> {
    let id = case.id.clone();
    visit_case(&mut case, |_, path, value| {
        keys.seal_or_open(false, &context("case", &id, path), value)
    })?;
    Ok(case)
}

/// Seals (`seal` true) or opens the personal values of a recorded input, bound to its matter
/// and ring slot.
pub fn seal_application(
    keys: &Keyring,
    slot: &str,
    application: &mut Application,
    seal: bool,
) -> Result<(), SealError> {
    let record = format!("replay:{}", application.matter);
    visit_application(application, |_, path, value| {
        keys.seal_or_open(seal, &context(&record, slot, path), value)
    })
}

/// Seals (`seal` true) or opens the personal values of an outgoing message, bound to its id.
pub fn seal_message(
    keys: &Keyring,
    message: &mut OutboxMessage,
    seal: bool,
) -> Result<(), SealError> {
    let id = message.id.to_string();
    visit_message(message, |_, path, value| {
        keys.seal_or_open(seal, &context("outbox", &id, path), value)
    })
}
