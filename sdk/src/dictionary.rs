//! The shared data dictionary: form fields and materials that several matters use, described
//! once. A key means the same thing, with the same label and kind, in every matter; that is
//! what lets one form (一表申请) and one set of materials (一套材料) serve several departments,
//! and why plugins take their specs from here instead of writing their own.

mod bereavement;
mod catering;
mod retirement;

pub use bereavement::{UNNATURAL, check_death_date, check_death_proof, check_heir_order};

use crate::findings::material_mismatch;
use crate::standard::require_material;
use crate::validate::parse_id_number;
use crate::{
    Application, FieldKind, FieldSpec, Finding, Manifest, MaterialSpec, PaperForm, Requirement,
};

/// How the application is handed in: one of [`ROLE_CHOICES`].
pub const APPLICANT_ROLE: &str = "applicant.role";
pub const APPLICANT_NAME: &str = "applicant.name";
pub const APPLICANT_ID_NUMBER: &str = "applicant.id-number";
pub const APPLICANT_MOBILE: &str = "applicant.mobile";

/// The party applies in person (a parent for a child, the legal representative for a company).
pub const ROLE_SELF: &str = "本人办理";
/// Someone else applies on the party's behalf and needs a written authorisation (委托书).
pub const ROLE_AGENT: &str = "委托代办";
pub const ROLE_CHOICES: &[&str] = &[ROLE_SELF, ROLE_AGENT];

/// A dictionary entry for a form field.
pub struct FieldDef {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub choices: &'static [&'static str],
    pub help: Option<&'static str>,
}

const fn f(key: &'static str, label: &'static str, kind: FieldKind) -> FieldDef {
    FieldDef {
        key,
        label,
        kind,
        choices: &[],
        help: None,
    }
}

const fn choice(
    key: &'static str,
    label: &'static str,
    choices: &'static [&'static str],
) -> FieldDef {
    FieldDef {
        key,
        label,
        kind: FieldKind::Choice,
        choices,
        help: None,
    }
}

const fn helped(def: FieldDef, help: &'static str) -> FieldDef {
    FieldDef {
        help: Some(help),
        ..def
    }
}

use FieldKind as K;

/// Form fields of the dictionary used by the first one-things (see [`fields`] for all).
pub const FIELDS: &[FieldDef] = &[
    choice(APPLICANT_ROLE, "办理方式", ROLE_CHOICES),
    f(APPLICANT_NAME, "申请人姓名", K::Text),
    f(APPLICANT_ID_NUMBER, "申请人公民身份号码", K::IdNumber),
    f(APPLICANT_MOBILE, "申请人手机号码", K::Mobile),
    // People around a newborn.
    f("child.name", "新生儿姓名", K::Text),
    choice("child.sex", "新生儿性别", &["男", "女"]),
    f("child.birth-date", "新生儿出生日期", K::Date),
    f("child.birth-place", "出生地点（助产机构）", K::Text),
    f("child.weight-grams", "出生体重（克）", K::Integer),
    f("child.gestational-weeks", "出生孕周", K::Integer),
    f("child.ethnicity", "新生儿民族", K::Text),
    f("mother.name", "母亲姓名", K::Text),
    f("mother.id-number", "母亲公民身份号码", K::IdNumber),
    f("father.name", "父亲姓名", K::Text),
    f("father.id-number", "父亲公民身份号码", K::IdNumber),
    helped(
        f("parents.married", "父母以夫妻名义共同申请", K::Boolean),
        "父母为合法夫妻并以夫妻名义申请的选“是”，需提供结婚证",
    ),
    choice("registration.with", "落户方式", &["随母落户", "随父落户"]),
    f("household.address", "落户地址（户籍地址）", K::Address),
    f("household.head-name", "户主姓名", K::Text),
    f("residence.address", "现居住地址", K::Address),
    choice(
        "vaccination.clinic",
        "预防接种单位",
        &[
            "红旗区渠东街道社区卫生服务中心",
            "红旗区西街街道社区卫生服务中心",
            "红旗区向阳街道社区卫生服务中心",
            "红旗区洪门镇卫生院",
        ],
    ),
    choice(
        "insurance.payment",
        "医保缴费方式",
        &["银行代扣", "线上自助缴费"],
    ),
    f("insurance.bank-account", "代扣银行账号", K::Text),
    choice(
        "card.bank",
        "社会保障卡合作银行",
        &[
            "中国工商银行",
            "中国农业银行",
            "中国银行",
            "中国建设银行",
            "中国邮政储蓄银行",
        ],
    ),
    choice(
        "card.delivery",
        "社会保障卡领取方式",
        &["窗口领取", "邮寄到家"],
    ),
    f("card.mailing-address", "社会保障卡邮寄地址", K::Address),
    // A new enterprise.
    f("company.name", "企业名称", K::Text),
    choice(
        "company.type",
        "企业类型",
        &["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业"],
    ),
    helped(
        f("company.registered-capital", "注册资本（万元）", K::Money),
        "个人独资企业、合伙企业填写出资额",
    ),
    f("company.address", "企业住所", K::Address),
    f("company.business-scope", "经营范围", K::Text),
    helped(
        f("company.uscc", "统一社会信用代码", K::Uscc),
        "已取得营业执照的企业填写；在“企业开办一件事”中由设立登记结果自动带入",
    ),
    f(
        "company.shareholders",
        "股东（发起人、出资人）人数",
        K::Integer,
    ),
    f("company.employees", "从业人数", K::Integer),
    f("company.bank", "基本存款账户开户银行", K::Text),
    f("company.bank-account", "基本存款账户账号", K::Text),
    f("legal-rep.name", "法定代表人（负责人）姓名", K::Text),
    f("legal-rep.id-number", "法定代表人公民身份号码", K::IdNumber),
    f("legal-rep.mobile", "法定代表人手机号码", K::Mobile),
    f("seal.official", "刻制企业公章", K::Boolean),
    f("seal.finance", "刻制财务专用章", K::Boolean),
    f("seal.invoice", "刻制发票专用章", K::Boolean),
    f("seal.contract", "刻制合同专用章", K::Boolean),
    f("seal.legal-rep", "刻制法定代表人名章", K::Boolean),
    choice(
        "seal.maker",
        "印章刻制企业",
        &[
            "红旗区诚信印章刻制有限公司",
            "新乡市公安备案印章服务中心",
            "红旗区政务大厅免费刻章点",
        ],
    ),
    choice(
        "tax.taxpayer-type",
        "纳税人类型",
        &["小规模纳税人", "一般纳税人"],
    ),
    choice(
        "tax.invoice-kind",
        "申领发票种类",
        &["数电普通发票", "数电增值税专用发票"],
    ),
    choice(
        "tax.accounting-standard",
        "适用会计制度",
        &["小企业会计准则", "企业会计准则"],
    ),
    f("tax.officer.name", "办税人员姓名", K::Text),
    f("tax.officer.id-number", "办税人员公民身份号码", K::IdNumber),
    f("tax.officer.mobile", "办税人员手机号码", K::Mobile),
    f(
        "housing-fund.rate",
        "住房公积金单位缴存比例（%）",
        K::Integer,
    ),
    f("housing-fund.contact.name", "公积金经办人姓名", K::Text),
    f(
        "housing-fund.contact.mobile",
        "公积金经办人手机号码",
        K::Mobile,
    ),
];

/// A dictionary entry for a material.
pub struct MaterialDef {
    pub code: &'static str,
    pub name: &'static str,
    pub paper: PaperForm,
    pub elicense: Option<&'static str>,
}

const fn m(
    code: &'static str,
    name: &'static str,
    paper: PaperForm,
    elicense: Option<&'static str>,
) -> MaterialDef {
    MaterialDef {
        code,
        name,
        paper,
        elicense,
    }
}

use PaperForm as P;

/// Materials of the dictionary, with the paper form usually asked for and the electronic
/// certificate (电子证照) that replaces the paper, if one exists.
pub const MATERIALS: &[MaterialDef] = &[
    m(POWER_OF_ATTORNEY, "授权委托书", P::Original, None),
    m(
        AGENT_ID_CARD,
        "受托人居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
    m(
        "applicant-id-card",
        "申请人居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
    m("photo", "近期一寸免冠彩色照片", P::Copy, None),
    m(
        "mother-id-card",
        "母亲居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
    m(
        "father-id-card",
        "父亲居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
    m(
        "birth-record",
        "新生儿出生信息登记表（助产机构出具）",
        P::Original,
        None,
    ),
    m(
        "birth-medical-certificate",
        "出生医学证明",
        P::OriginalAndCopy,
        Some("出生医学证明"),
    ),
    m(
        "marriage-certificate",
        "结婚证",
        P::OriginalAndCopy,
        Some("结婚证"),
    ),
    m(
        "household-register",
        "居民户口簿",
        P::OriginalAndCopy,
        Some("居民户口簿"),
    ),
    m("paternity-test", "亲子鉴定意见书", P::Original, None),
    m(
        "vaccination-record",
        "新生儿首针接种记录（乙肝疫苗、卡介苗）",
        P::Copy,
        None,
    ),
    m("child-photo", "新生儿近期证件照片", P::Copy, None),
    m(
        "business-license",
        "营业执照",
        P::OriginalAndCopy,
        Some("营业执照"),
    ),
    m(
        "legal-rep-id-card",
        "法定代表人居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
    m(
        "registration-application",
        "企业设立登记申请书（法定代表人签署）",
        P::Original,
        None,
    ),
    m(
        "articles-of-association",
        "公司章程（股东签署）",
        P::Original,
        None,
    ),
    m(
        "partnership-agreement",
        "合伙协议（全体合伙人签署）",
        P::Original,
        None,
    ),
    m("premises-proof", "住所（经营场所）使用证明", P::Copy, None),
    m(
        "shareholder-ids",
        "股东（出资人）主体资格证明",
        P::Copy,
        None,
    ),
    m(
        "tax-officer-id-card",
        "办税人员居民身份证",
        P::OriginalAndCopy,
        Some("居民身份证"),
    ),
];

/// Every field of the dictionary: the first two one-things' above, the later ones' in the
/// submodules named for them.
pub fn fields() -> impl Iterator<Item = &'static FieldDef> {
    FIELDS
        .iter()
        .chain(catering::FIELDS)
        .chain(retirement::FIELDS)
        .chain(bereavement::FIELDS)
}

/// Every material of the dictionary.
pub fn materials() -> impl Iterator<Item = &'static MaterialDef> {
    MATERIALS
        .iter()
        .chain(catering::MATERIALS)
        .chain(retirement::MATERIALS)
        .chain(bereavement::MATERIALS)
}

/// The dictionary's spec of a field, with this matter's requirement. An unknown key gets its
/// own key as label; [`unknown_keys`] finds such mistakes in a plugin's tests.
pub fn field(key: &str, requirement: Requirement) -> FieldSpec {
    match fields().find(|d| d.key == key) {
        Some(d) => FieldSpec {
            key: d.key.to_owned(),
            label: d.label.to_owned(),
            kind: d.kind,
            requirement,
            choices: d.choices.iter().map(|c| (*c).to_owned()).collect(),
            help: d.help.map(str::to_owned),
        },
        None => FieldSpec::new(key, key, FieldKind::Text, requirement),
    }
}

/// The dictionary's spec of a material, with this matter's requirement.
pub fn material(code: &str, requirement: Requirement) -> MaterialSpec {
    match materials().find(|d| d.code == code) {
        Some(d) => {
            let spec = MaterialSpec::new(d.code, d.name, requirement, d.paper);
            match d.elicense {
                Some(kind) => spec.elicense(kind),
                None => spec,
            }
        }
        None => MaterialSpec::new(code, code, requirement, PaperForm::Original),
    }
}

/// The applicant's own fields, which every matter asks for: how the application is handed in,
/// and who hands it in.
pub fn applicant_fields() -> Vec<FieldSpec> {
    [
        APPLICANT_ROLE,
        APPLICANT_NAME,
        APPLICANT_ID_NUMBER,
        APPLICANT_MOBILE,
    ]
    .into_iter()
    .map(|key| field(key, Requirement::Always))
    .collect()
}

/// What someone applying on another's behalf brings; see [`check_agent`].
pub fn agent_materials() -> Vec<MaterialSpec> {
    let when = || Requirement::Conditional("委托他人代为申请时".into());
    vec![
        material(POWER_OF_ATTORNEY, when()),
        material(AGENT_ID_CARD, when()),
    ]
}

/// The requirement of a material or field that, inside a one-thing, arrives as the result of a
/// prerequisite matter (`result`, e.g. "设立登记结果") and is brought only when the matter is
/// applied for on its own.
pub fn from_prerequisite(result: &str) -> Requirement {
    Requirement::Conditional(format!("单独办理时提交；在一件事中由{result}直接流转"))
}

/// Requires `materials` and `fields` unless the application belongs to `one_thing`, in which
/// a prerequisite matter produces them (see [`from_prerequisite`]).
pub fn require_unless_in(
    one_thing: &str,
    manifest: &Manifest,
    app: &Application,
    materials: &[&str],
    fields: &[&str],
) -> Vec<Finding> {
    if app.one_thing == one_thing {
        return Vec::new();
    }
    let materials = materials
        .iter()
        .filter_map(|code| require_material(manifest, code, app));
    let fields = fields
        .iter()
        .filter_map(|key| crate::standard::require_field(manifest, key, app));
    materials.chain(fields).collect()
}

/// The material check most matters of a one-thing need: every material as the manifest says,
/// those a prerequisite produces (`from_prerequisites`) only when the matter is applied for
/// outside `one_thing`, and an agent's papers.
pub fn check_joint_materials(
    one_thing: &str,
    manifest: &Manifest,
    app: &Application,
    from_prerequisites: &[&str],
) -> Vec<Finding> {
    let mut findings = crate::standard::check_materials(manifest, app);
    findings.extend(require_unless_in(
        one_thing,
        manifest,
        app,
        from_prerequisites,
        &[],
    ));
    findings.extend(check_agent(manifest, app));
    findings
}

/// Field keys and material codes of a manifest that the dictionary does not know.
pub fn unknown_keys(manifest: &Manifest) -> Vec<String> {
    let fields = manifest
        .fields
        .iter()
        .filter(|s| !fields().any(|d| d.key == s.key))
        .map(|s| s.key.clone());
    let materials = manifest
        .materials
        .iter()
        .filter(|s| !materials().any(|d| d.code == s.code))
        .map(|s| s.code.clone());
    fields.chain(materials).collect()
}

/// Material codes shared across matters.
pub const POWER_OF_ATTORNEY: &str = "power-of-attorney";
pub const AGENT_ID_CARD: &str = "agent-id-card";

/// Attribute read from an identity document: the holder's 公民身份号码.
pub const HOLDER_ID_NUMBER: &str = "holder.id-number";

/// When the applicant is an agent (受托人), the power of attorney and the agent's own identity
/// card are required, and the card must be the applicant's.
pub fn check_agent(manifest: &Manifest, app: &Application) -> Vec<Finding> {
    if !app.is(APPLICANT_ROLE, ROLE_AGENT) {
        return Vec::new();
    }
    let mut findings: Vec<Finding> = [POWER_OF_ATTORNEY, AGENT_ID_CARD]
        .into_iter()
        .filter_map(|code| require_material(manifest, code, app))
        .collect();
    findings.extend(check_holder(
        app,
        AGENT_ID_CARD,
        "受托人身份证件",
        APPLICANT_ID_NUMBER,
    ));
    findings
}

/// Compares the id number read from an identity document with the one on the form. Silent
/// when either is missing or unreadable: the missing or invalid value is reported by its own
/// check, and saying it twice would clutter the notice.
pub fn check_holder(
    app: &Application,
    material: &str,
    material_name: &str,
    field: &str,
) -> Option<Finding> {
    let on_material = app.material(material)?.attribute(HOLDER_ID_NUMBER)?;
    let on_form = app.field(field)?;
    let a = parse_id_number(on_material, app.today).ok()?;
    let b = parse_id_number(on_form, app.today).ok()?;
    (a.number != b.number).then(|| {
        material_mismatch(
            material,
            material_name,
            "证件上的公民身份号码与申请表填写的不一致",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_keys_are_unique_and_choices_present() {
        let mut keys: Vec<_> = fields().map(|d| d.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), fields().count());
        let mut codes: Vec<_> = materials().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), materials().count());
        for d in fields() {
            assert_eq!(
                d.kind == FieldKind::Choice,
                !d.choices.is_empty(),
                "{}",
                d.key
            );
        }
    }

    #[test]
    fn specs_come_from_the_dictionary() {
        let spec = field("child.sex", Requirement::Always);
        assert_eq!(spec.label, "新生儿性别");
        assert_eq!(spec.choices, ["男", "女"]);
        let spec = material("household-register", Requirement::Optional);
        assert_eq!(spec.elicense.as_deref(), Some("居民户口簿"));
        assert_eq!(spec.paper, PaperForm::OriginalAndCopy);
    }

    #[test]
    fn agents_need_authorisation_and_their_own_card() {
        let manifest = Manifest {
            matter: "m".into(),
            name: "m".into(),
            department: "d".into(),
            version: "1.0.0".into(),
            legal_days: 1,
            promised_days: 1,
            fields: vec![field(APPLICANT_ROLE, Requirement::Always)],
            materials: vec![
                material(
                    POWER_OF_ATTORNEY,
                    Requirement::Conditional("委托代办".into()),
                ),
                material(AGENT_ID_CARD, Requirement::Conditional("委托代办".into())),
            ],
            review_points: vec![],
            basis: vec![],
        };
        let app = Application::new(
            "t",
            "m",
            crate::Channel::Window,
            crate::Date::ymd(2026, 11, 27),
        )
        .with_field(APPLICANT_ROLE, ROLE_AGENT)
        .with_field(APPLICANT_ID_NUMBER, "11010519491231002X");
        let codes: Vec<_> = check_agent(&manifest, &app)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, ["material.missing", "material.missing"]);
        let app = app
            .with_material(crate::Material::new(
                POWER_OF_ATTORNEY,
                crate::MaterialForm::Original,
            ))
            .with_material(
                crate::Material::new(AGENT_ID_CARD, crate::MaterialForm::Original)
                    .with_attribute(HOLDER_ID_NUMBER, "410702199001010015"),
            );
        let codes: Vec<_> = check_agent(&manifest, &app)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, ["material.mismatch"]);
        assert!(check_agent(&manifest, &app.with_field(APPLICANT_ROLE, ROLE_SELF)).is_empty());
    }
}
