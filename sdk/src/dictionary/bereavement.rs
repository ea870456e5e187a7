//! Dictionary entries of 身后一件事: death certificate, cremation, household cancellation,
//! and the deceased's insurance and housing fund accounts.

use super::{FieldDef, MaterialDef, choice, f, m};
use crate::validate::parse_id_number;
use crate::{Application, Date, FieldKind as K, Finding, Manifest, PaperForm as P, Subject};

/// The `deceased.death-kind` of a death the police certify.
pub const UNNATURAL: &str = "非正常死亡";

pub const FIELDS: &[FieldDef] = &[
    f("deceased.name", "逝者姓名", K::Text),
    f("deceased.id-number", "逝者公民身份号码", K::IdNumber),
    f("deceased.death-date", "死亡日期", K::Date),
    f("deceased.death-place", "死亡地点", K::Address),
    choice(
        "deceased.death-kind",
        "死亡性质",
        &["正常死亡", "非正常死亡"],
    ),
    choice(
        "deceased.pension-status",
        "逝者养老保险状况",
        &["已领取养老金", "在职参保", "未参加职工养老保险"],
    ),
    choice(
        "applicant.relation",
        "申请人与逝者关系",
        &["配偶", "子女", "父母", "其他近亲属"],
    ),
    f("cremation.funeral-home", "殡仪馆", K::Text),
    f("heir.bank-account", "继承人银行账号", K::Text),
];

pub const MATERIALS: &[MaterialDef] = &[
    m(
        "death-medical-certificate",
        "居民死亡医学证明（推断）书",
        P::OriginalAndCopy,
        None,
    ),
    m(
        "police-death-proof",
        "公安机关出具的死亡证明",
        P::OriginalAndCopy,
        None,
    ),
    m("deceased-id-card", "逝者居民身份证", P::Original, None),
    m(
        "deceased-household-register",
        "逝者户口簿",
        P::OriginalAndCopy,
        Some("居民户口簿"),
    ),
    m("cremation-certificate", "火化证明", P::Copy, None),
    m("kinship-proof", "亲属关系证明", P::Original, None),
    m("heir-bank-card", "继承人银行卡", P::Copy, None),
];

/// The death date can be neither in the future nor before the deceased was born (the birth
/// date is read from the id number). Malformed values are left to the form review.
pub fn check_death_date(app: &Application) -> Option<Finding> {
    let died: Date = app.field("deceased.death-date")?.parse().ok()?;
    let subject = || Subject::Field("deceased.death-date".into());
    if died > app.today {
        return Some(
            Finding::blocking(subject(), "death.date-future", "死亡日期晚于今天")
                .remedy("按死亡医学证明上的日期填写"),
        );
    }
    let born = app
        .field("deceased.id-number")
        .and_then(|n| parse_id_number(n, app.today).ok())?
        .birth_date;
    (died < born).then(|| {
        Finding::blocking(subject(), "death.before-birth", "死亡日期早于逝者出生日期")
            .remedy("核对死亡日期和逝者公民身份号码")
    })
}

/// Heirs of the first order are the spouse, children and parents (《民法典》第一千一百二十七条);
/// anyone else claims a balance only when there are none, which the department must check.
pub fn check_heir_order(app: &Application) -> Option<Finding> {
    app.is("applicant.relation", "其他近亲属").then(|| {
        Finding::advisory(
            Subject::Field("applicant.relation".into()),
            "heir.second-order",
            "申请人不是第一顺序继承人（配偶、子女、父母），须说明没有第一顺序继承人或其已放弃继承",
        )
        .remedy("提交第一顺序继承人放弃继承的书面声明，或由第一顺序继承人申请")
    })
}

/// The proof of death a matter after the death certificate needs: for an unnatural death the
/// police's (no hospital certifies one, not even inside the one-thing); otherwise the death
/// medical certificate, which inside `one_thing` arrives from the prerequisite matter.
pub fn check_death_proof(one_thing: &str, manifest: &Manifest, app: &Application) -> Vec<Finding> {
    if app.is("deceased.death-kind", UNNATURAL) {
        crate::standard::require_material(manifest, "police-death-proof", app)
            .into_iter()
            .collect()
    } else {
        super::require_unless_in(
            one_thing,
            manifest,
            app,
            &["death-medical-certificate"],
            &[],
        )
    }
}
