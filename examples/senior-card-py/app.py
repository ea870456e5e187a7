"""老年人优待证办理, written in Python: the same rules as `examples/senior-card`, against the same
WIT (`wit/v0.1.0`), to show that the interface does not care which language a department uses.

Built with componentize-py (`cargo xtask guests` does it); the test suite runs this component and
the Rust one on the same fixtures and expects the same findings.
"""

from datetime import date

import wit_world
from wit_world.imports import calendar, log, types
from componentize_py_types import Err

MATTER = "senior-card"
MIN_AGE = 60
# GB 11643: weights of the first 17 digits, and the check character for each remainder mod 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"

ALWAYS = types.Requirement_Always()


def manifest() -> types.Manifest:
    field = lambda key, label, kind: types.FieldSpec(key, label, kind, ALWAYS, [], None)
    return types.Manifest(
        matter=MATTER,
        name="老年人优待证办理",
        department="civil-affairs",
        version="1.0.0",
        legal_days=10,
        promised_days=3,
        fields=[
            field("applicant.name", "申请人姓名", types.FieldKind.TEXT),
            field("applicant.id-number", "申请人公民身份号码", types.FieldKind.ID_NUMBER),
            field("applicant.mobile", "联系电话", types.FieldKind.MOBILE),
        ],
        materials=[
            types.MaterialSpec("applicant-id-card", "申请人居民身份证", ALWAYS,
                               types.PaperForm.ORIGINAL_AND_COPY, 1, "居民身份证", None),
            types.MaterialSpec("photo", "近期一寸免冠彩色照片", ALWAYS,
                               types.PaperForm.COPY, 2, None, None),
        ],
        review_points=["申请人年满六十周岁，身份证件与申请表一致"],
        basis=["《中华人民共和国老年人权益保障法》第二条"],
    )


def blocking(subject, code, message, remedy=None) -> types.Finding:
    return types.Finding(types.Severity.BLOCKING, subject, code, message, remedy)


def field_value(app: types.Application, key: str):
    for f in app.fields:
        if f.key == key and f.value.strip():
            return f.value.strip()
    return None


def material(app: types.Application, code: str):
    return next((m for m in app.materials if m.code == code), None)


def birth_date(number: str, today: types.Date):
    """The birth date of a valid 公民身份号码, or None."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS))
    if CHECK[total % 11] != number[17].upper():
        return None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if born <= date(today.year, today.month, today.day) else None


def age_on(born: date, today: types.Date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def materials_findings(app: types.Application):
    findings = []
    for spec in manifest().materials:
        if material(app, spec.code) is None:
            findings.append(blocking(
                types.Subject_Material(spec.code), "material.missing",
                f"缺少申报材料：{spec.name}", f"请补充提交{spec.name}"))
    return findings


def form_findings(app: types.Application):
    findings = []
    for spec in manifest().fields:
        if field_value(app, spec.key) is None:
            findings.append(blocking(
                types.Subject_Field(spec.key), "field.missing",
                f"请填写“{spec.label}”", None))
    number = field_value(app, "applicant.id-number")
    born = birth_date(number, app.today) if number else None
    if number and born is None:
        findings.append(blocking(
            types.Subject_Field("applicant.id-number"), "field.invalid",
            "公民身份号码不正确", "请核对后重新填写"))
    if born is not None:
        age = age_on(born, app.today)
        log.log(log.Level.DEBUG, f"applicant age {age}")
        if age < MIN_AGE:
            findings.append(blocking(
                types.Subject_Application(), "applicant.too-young",
                f"申请人现年 {age} 周岁，年满 {MIN_AGE} 周岁方可申领老年人优待证",
                f"请于年满 {MIN_AGE} 周岁后再申请"))
        card = material(app, "applicant-id-card")
        on_card = next((a.value for a in card.attributes if a.key == "holder.id-number"),
                       None) if card else None
        if on_card and birth_date(on_card, app.today) and on_card.upper() != number.upper():
            findings.append(blocking(
                types.Subject_Material("applicant-id-card"), "material.mismatch",
                "申请人居民身份证：证件上的公民身份号码与申请表填写的不一致",
                "请核对证件与申请表"))
    return findings


def due(accepted_on: types.Date) -> types.Deadline:
    spec = manifest()
    try:
        day = calendar.add_working_days(accepted_on, spec.promised_days)
    except Err as e:
        raise Err(types.RuleError("calendar.unavailable", str(e.value)))
    return types.Deadline(day, spec.promised_days,
                          f"{spec.basis[0]}；承诺时限 {spec.promised_days} 个工作日")


def result(thunk):
    try:
        return thunk()
    except Err as e:
        return e


class WitWorld(wit_world.WitWorld):
    def manifest(self) -> types.Manifest:
        return manifest()

    def check_materials(self, app: types.Application):
        return materials_findings(app)

    def review_form(self, app: types.Application):
        return form_findings(app)

    def deadline(self, app: types.Application, accepted_on: types.Date) -> types.Deadline:
        return due(accepted_on)

    def evaluate(self, app: types.Application, accepted_on: types.Date) -> types.Evaluation:
        from componentize_py_types import Ok
        deadline = result(lambda: due(accepted_on))
        return types.Evaluation(
            Ok(materials_findings(app)),
            Ok(form_findings(app)),
            deadline if isinstance(deadline, Err) else Ok(deadline),
        )
