//! Dictionary entries of 退休一件事: pension, employee medical insurance in retirement, the
//! housing fund on retirement.

use super::{FieldDef, MaterialDef, f, m};
use crate::{FieldKind as K, PaperForm as P};

pub const FIELDS: &[FieldDef] = &[
    f("retiree.name", "退休人员姓名", K::Text),
    f("retiree.id-number", "退休人员公民身份号码", K::IdNumber),
    f("retiree.employer", "退休前所在单位", K::Text),
    f("retiree.retirement-date", "退休日期", K::Date),
    f(
        "retiree.contribution-years",
        "基本养老保险累计缴费年限（年）",
        K::Integer,
    ),
    f(
        "retiree.medical-years",
        "职工基本医疗保险累计缴费年限（年）",
        K::Integer,
    ),
    f("retiree.bank", "养老金发放银行", K::Text),
    f("retiree.bank-account", "养老金发放银行账号", K::Text),
    f("housing-fund.account", "住房公积金个人账号", K::Text),
    f(
        "housing-fund.payout-account",
        "公积金提取到账银行账号",
        K::Text,
    ),
];

pub const MATERIALS: &[MaterialDef] = &[
    m(
        "retirement-form",
        "职工退休申报表（单位盖章）",
        P::Original,
        None,
    ),
    m("personnel-file", "职工人事档案", P::Original, None),
    m(
        "retiree-id-card",
        "退休人员居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
    m(
        "retiree-bank-card",
        "本人社会保障卡或银行卡",
        P::Copy,
        Some("社会保障卡"),
    ),
    m(
        "pension-decision",
        "基本养老保险待遇核定结果",
        P::Copy,
        None,
    ),
];
