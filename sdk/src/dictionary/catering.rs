//! Dictionary entries of 开办餐饮店一件事: food business licence, shop sign, fire safety check.

use super::{FieldDef, MaterialDef, choice, f, m};
use crate::{FieldKind as K, PaperForm as P};

pub const FIELDS: &[FieldDef] = &[
    choice(
        "food.category",
        "主要经营项目",
        &[
            "热食类食品制售",
            "冷食类食品制售",
            "生食类食品制售",
            "半成品制售",
            "自制饮品制售",
        ],
    ),
    f(
        "food.premises-area",
        "经营场所使用面积（平方米）",
        K::Integer,
    ),
    f(
        "food.staff",
        "从事接触直接入口食品工作的从业人员数",
        K::Integer,
    ),
    f(
        "food.staff-certified",
        "其中持有效健康证明的人数",
        K::Integer,
    ),
    f("food.safety-manager", "食品安全管理人员姓名", K::Text),
    f("sign.text", "招牌文字", K::Text),
    f("sign.width-cm", "招牌宽度（厘米）", K::Integer),
    f("sign.height-cm", "招牌高度（厘米）", K::Integer),
    choice(
        "sign.lit",
        "招牌是否带灯光",
        &["不带灯光", "内置灯光", "外打灯光"],
    ),
    f("fire.seats", "餐位数", K::Integer),
    f("fire.uses-gas", "是否使用燃气", K::Boolean),
];

pub const MATERIALS: &[MaterialDef] = &[
    m(
        "food-license-application",
        "食品经营许可申请书",
        P::Original,
        None,
    ),
    m(
        "food-premises-layout",
        "经营场所平面布局图、设备布局及操作流程",
        P::Original,
        None,
    ),
    m(
        "food-safety-rules",
        "食品安全管理制度文本",
        P::Original,
        None,
    ),
    m("health-certificates", "从业人员健康证明", P::Copy, None),
    m("sign-application", "户外招牌设置申请表", P::Original, None),
    m(
        "sign-design",
        "招牌设计效果图（标明尺寸、材质、位置）",
        P::Original,
        None,
    ),
    m(
        "sign-structure-report",
        "大型招牌结构安全说明",
        P::Original,
        None,
    ),
    m(
        "fire-check-application",
        "公众聚集场所投入使用、营业前消防安全检查申请表",
        P::Original,
        None,
    ),
    m("fire-commitment", "消防安全告知承诺书", P::Original, None),
    m(
        "fire-plans",
        "消防安全制度、灭火和应急疏散预案",
        P::Original,
        None,
    ),
    m(
        "fire-floor-plan",
        "场所平面布置图及消防设施平面图",
        P::Original,
        None,
    ),
];
