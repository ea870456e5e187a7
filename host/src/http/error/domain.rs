//! The host's error types as HTTP: one `From` per domain error, each variant with its status,
//! stable code and both languages' messages.

use axum::http::StatusCode;
use serde_json::json;

use super::ApiError;
use crate::calendar::CalendarError;
use crate::catalog::CatalogError;
use crate::catalog::publication::Refusal;
use crate::consultation::ConsultationError;
use crate::files::FileError;
use crate::precheck::InputError;
use crate::registry::RegistryError;
use crate::runtime::LoadError;
use crate::store::StoreError;
use crate::workflow::WorkflowError;
use crate::workflow::service::ServiceError;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict(msg) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", msg.clone(), msg)
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        let zh = match &e {
            InputError::TooMany { what, count, max } => {
                format!("{what} 数量为 {count}，超过上限 {max}")
            }
            InputError::BadKey(k) => {
                format!("键“{k}”不合规：应为小写字母、数字、点和连字符，以字母开头")
            }
            InputError::TooLong(k) => format!("“{k}”的值过长"),
            InputError::DuplicateMaterial(c) => format!("材料“{c}”重复出现"),
        };
        ApiError::unprocessable("invalid_application", zh, e.to_string())
    }
}

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> ApiError {
        let en = e.to_string();
        let (code, zh) = match &e {
            LoadError::NotAComponent(d) => (
                "plugin_not_a_component",
                format!("上传的文件不是 WebAssembly 组件：{d}"),
            ),
            LoadError::UnsupportedApi(v) => (
                "plugin_unsupported_api",
                format!(
                    "本平台不支持规则接口 {v}，支持的版本：{}",
                    crate::runtime::SUPPORTED_APIS.join("、")
                ),
            ),
            LoadError::WrongWorld(d) => (
                "plugin_wrong_world",
                format!(
                    "组件不符合本平台发布的任何规则接口（{}）：{d}",
                    crate::runtime::SUPPORTED_APIS.join("、")
                ),
            ),
            LoadError::ApiMismatch { declared, found } => (
                "plugin_api_mismatch",
                format!("组件声明依据规则接口 {declared}，实际实现的是 {found}"),
            ),
            LoadError::Compile(d) => ("plugin_compile_failed", format!("组件编译失败：{d}")),
            LoadError::CompileTimeout(limit) => (
                "plugin_compile_timeout",
                format!("组件编译超过 {} 秒的时限，已放弃", limit.as_secs()),
            ),
            LoadError::CompilerBusy(n) => {
                return ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "compiler_busy",
                    format!("已有 {n} 个组件正在编译，请稍后重试"),
                    en,
                );
            }
            LoadError::ManifestFailed(f) => {
                return smoke_failed(f.kind.code(), "manifest", &f.detail, &f.stderr, &f.logs, en);
            }
            LoadError::Artifact(_) => return ApiError::internal(e),
        };
        ApiError::unprocessable(code, zh, en)
    }
}

/// A component that failed when the host first ran it: the failure's code, where, and what
/// the guest said (the uploader is the department that wrote it).
fn smoke_failed(
    kind: &str,
    export: &str,
    detail: &str,
    stderr: &str,
    logs: &[crate::runtime::LogLine],
    en: String,
) -> ApiError {
    ApiError::unprocessable(
        "plugin_smoke_failed",
        format!("组件试运行失败（{kind}）：{detail}"),
        en,
    )
    .with_details(json!({
        "failure": kind,
        "export": export,
        "stderr": stderr,
        "logs": logs,
    }))
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> ApiError {
        let en = e.to_string();
        match e {
            RegistryError::TooLarge { size, max } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("上传的组件为 {size} 字节，超过上限 {max} 字节"),
                en,
            ),
            RegistryError::Load(load) => load.into(),
            RegistryError::SmokeFailed(f) => smoke_failed(
                f.kind.code(),
                f.export,
                &f.detail,
                &f.stderr,
                &f.logs,
                en,
            ),
            RegistryError::UnknownMatter(m) => {
                ApiError::not_found("unknown_matter", format!("事项清单中没有事项“{m}”"), en)
            }
            RegistryError::WrongDepartment { matter, owner } => ApiError::forbidden(
                format!("事项“{matter}”属于部门 {owner}，只有该部门可以上传其规则"),
                en,
            ),
            RegistryError::MatterMismatch { url, manifest } => ApiError::unprocessable(
                "plugin_matter_mismatch",
                format!("组件声明的事项是“{manifest}”，但上传到了事项“{url}”"),
                en,
            ),
            RegistryError::ManifestInvalid(problems) => ApiError::unprocessable(
                "plugin_manifest_invalid",
                format!("组件清单有误：{}", problems.join("；")),
                en,
            )
            .with_details(json!({ "problems": problems })),
            RegistryError::VersionExists(msg) => ApiError::new(
                StatusCode::CONFLICT,
                "plugin_version_exists",
                format!("该版本号已被使用，请提高版本号后重新上传（{msg}）"),
                en,
            ),
            RegistryError::UnknownVersion { matter, sha256 } => ApiError::not_found(
                "unknown_version",
                format!("事项“{matter}”没有版本 {sha256}"),
                en,
            ),
            RegistryError::NothingToRollBack(m) => ApiError::new(
                StatusCode::CONFLICT,
                "nothing_to_roll_back",
                format!("事项“{m}”没有可回退的上一个版本"),
                en,
            ),
            RegistryError::ScheduleInPast(at) => ApiError::unprocessable(
                "schedule_in_past",
                format!("生效时间 {at} 已经过去；要立即启用，请直接启用该版本"),
                en,
            ),
            RegistryError::UnknownSchedule { matter, sha256 } => ApiError::not_found(
                "unknown_schedule",
                format!("事项“{matter}”没有版本 {sha256} 的定时生效安排"),
                en,
            ),
            RegistryError::NoReplay { matter, sha256 } => ApiError::not_found(
                "no_replay",
                format!("事项“{matter}”的版本 {sha256} 还没有做过回放"),
                en,
            ),
            RegistryError::CapabilityNotGranted {
                matter,
                version,
                missing,
            } => {
                let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
                ApiError::new(
                    StatusCode::CONFLICT,
                    "capability_not_granted",
                    format!(
                        "事项“{matter}”的版本 {version} 需要的能力尚未授权：{}；请管理员先授权后再启用",
                        names.join("、")
                    ),
                    en,
                )
            }
            RegistryError::QuotaExceeded {
                department,
                held,
                max,
            } => ApiError::new(
                StatusCode::CONFLICT,
                "version_quota_exceeded",
                format!(
                    "部门 {department} 已有 {held} 个从未启用的规则版本，达到上限 {max}；请先删除不再需要的版本"
                ),
                en,
            )
            .with_details(json!({ "held": held, "max": max })),
            RegistryError::VersionWasActive { matter, version } => ApiError::new(
                StatusCode::CONFLICT,
                "version_was_active",
                format!("事项“{matter}”的版本 {version} 曾经启用，办件引用它，不能删除"),
                en,
            ),
            RegistryError::VersionScheduled { matter, version } => ApiError::new(
                StatusCode::CONFLICT,
                "version_scheduled",
                format!("事项“{matter}”的版本 {version} 已安排定时生效，请先取消安排再删除"),
                en,
            ),
            RegistryError::ReplayNotReviewed { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "replay_not_reviewed",
                "启用前须先回放该版本并审阅回放报告",
                en,
            ),
            RegistryError::ReplayOutdated { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "replay_outdated",
                "回放之后在用版本已经变了，请重新回放并审阅",
                en,
            ),
            RegistryError::Store(s) => s.into(),
        }
    }
}

impl From<CalendarError> for ApiError {
    fn from(e: CalendarError) -> ApiError {
        match e {
            CalendarError::Invalid(msg) => {
                ApiError::unprocessable("calendar_invalid", format!("节假日数据有误：{msg}"), msg)
            }
            CalendarError::Store(s) => s.into(),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> ApiError {
        let en = e.to_string();
        match e {
            WorkflowError::WrongState { command, state } => ApiError::new(
                StatusCode::CONFLICT,
                "wrong_state",
                format!("当前状态（{state}）下不能执行“{command}”"),
                en,
            )
            .with_details(json!({ "command": command, "state": state })),
            WorkflowError::UnknownItem(m) => {
                ApiError::not_found("unknown_item", format!("本办件没有联办事项“{m}”"), en)
            }
            WorkflowError::ReasonRequired(what) => {
                ApiError::unprocessable("reason_required", format!("{what}须写明理由"), en)
            }
            WorkflowError::Invalid(msg) => ApiError::unprocessable("invalid_command", msg, en),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        let en = e.to_string();
        match e {
            ServiceError::Workflow(w) => w.into(),
            ServiceError::NotFound(id) => {
                ApiError::not_found("unknown_case", format!("没有办件“{id}”"), en)
            }
            ServiceError::UnknownOneThing(code) => ApiError::unprocessable(
                "unknown_one_thing",
                format!("事项清单中没有一件事“{code}”"),
                en,
            ),
            ServiceError::Forbidden(msg) => ApiError::forbidden(msg, en),
            ServiceError::Invalid(msg) => ApiError::unprocessable("invalid_application", msg, en),
            ServiceError::Input(i) => i.into(),
            // A state of the catalog, not a fault of the server: the one-thing cannot take
            // cases until the bureau puts rules into service for these matters. A 5xx would
            // page whoever watches the server, and tell clients to retry what will not change.
            ServiceError::RulesUnavailable(matters) => ApiError::new(
                StatusCode::CONFLICT,
                "rules_unavailable",
                format!(
                    "以下事项的审查规则暂不可用，暂时无法收件：{}",
                    matters.join("、")
                ),
                en,
            )
            .with_details(json!({ "matters": matters })),
            ServiceError::Contended => ApiError::new(
                StatusCode::CONFLICT,
                "contended",
                "该办件正被同时修改，请稍后重试",
                en,
            ),
            ServiceError::Registry(r) => r.into(),
            ServiceError::Store(s) => s.into(),
        }
    }
}

impl From<FileError> for ApiError {
    fn from(e: FileError) -> ApiError {
        let en = e.to_string();
        match e {
            FileError::TooLarge { size, max } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("文件为 {size} 字节，超过上限 {max} 字节"),
                en,
            ),
            FileError::Forbidden => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "file_type_not_allowed",
                "只接受 PDF、JPEG、PNG 和 OFD 格式的文件",
                en,
            ),
            FileError::Empty => ApiError::unprocessable("empty_file", "文件为空", en),
            FileError::Io(io) => ApiError::internal(io),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> ApiError {
        let en = e.to_string();
        match e {
            CatalogError::UnknownOneThing(code) => ApiError::not_found(
                "unknown_one_thing",
                format!("事项清单中没有一件事“{code}”"),
                en,
            ),
            CatalogError::NoDraft(code) => {
                ApiError::not_found("no_draft", format!("一件事“{code}”没有草案"), en)
            }
            CatalogError::NotLead { one_thing, lead } => ApiError::forbidden(
                format!(
                    "只有牵头部门 {lead} 可以修改一件事“{one_thing}”；更换牵头部门须由区政务服务和大数据管理局决定"
                ),
                en,
            ),
            CatalogError::Refused(refusal) => match refusal {
                Refusal::UnderFiling => ApiError::new(
                    StatusCode::CONFLICT,
                    "draft_under_filing",
                    "草案已报备案，等待区政务服务和大数据管理局答复期间不能修改",
                    en,
                ),
                Refusal::Stale { current } => ApiError::new(
                    StatusCode::CONFLICT,
                    "draft_revision_stale",
                    format!("草案已被修改，当前修订号为 {current}，请刷新后重试"),
                    en,
                )
                .with_details(json!({ "current_revision": current })),
                Refusal::WrongState(state) => ApiError::new(
                    StatusCode::CONFLICT,
                    "draft_wrong_state",
                    format!("草案当前状态（{state:?}）不允许此操作"),
                    en,
                ),
                Refusal::ReasonRequired => {
                    ApiError::unprocessable("reason_required", "退回备案须写明理由", en)
                }
            },
            CatalogError::Invalid(problems) => ApiError::unprocessable(
                "one_thing_invalid",
                format!("一件事定义有误：{}", problems.join("；")),
                en,
            )
            .with_details(json!({ "problems": problems })),
            CatalogError::BatchExists(code) => ApiError::new(
                StatusCode::CONFLICT,
                "batch_exists",
                format!("批次“{code}”已经发布"),
                en,
            ),
            CatalogError::BatchInvalid(problems) => ApiError::unprocessable(
                "batch_invalid",
                format!("批次不能发布：{}", problems.join("；")),
                en,
            )
            .with_details(json!({ "problems": problems })),
            CatalogError::Store(s) => s.into(),
        }
    }
}

impl From<crate::ratings::RatingError> for ApiError {
    fn from(e: crate::ratings::RatingError) -> ApiError {
        use crate::ratings::RatingError;
        let en = e.to_string();
        match e {
            RatingError::NotYet => ApiError::new(
                StatusCode::CONFLICT,
                "not_delivered",
                "办理结果送达后才能评价",
                en,
            ),
            RatingError::Closed => ApiError::new(
                StatusCode::CONFLICT,
                "rating_closed",
                "已超过可以修改评价的期限",
                en,
            ),
            RatingError::Invalid(problems) => {
                ApiError::unprocessable("rating_invalid", problems.join("；"), en)
                    .with_details(json!({ "problems": problems }))
            }
            RatingError::UnknownRectification(id) => ApiError::not_found(
                "unknown_rectification",
                format!("没有编号为 {id} 的差评整改记录"),
                en,
            ),
            RatingError::WrongStage(stage) => ApiError::new(
                StatusCode::CONFLICT,
                "wrong_stage",
                format!("差评整改记录当前处于“{}”阶段，不能进行此操作", stage.zh()),
                en,
            ),
            RatingError::InHand(id) => ApiError::new(
                StatusCode::CONFLICT,
                "complaint_in_hand",
                format!("您对该办件的投诉或差评（第 {id} 号）正在核实，请等待核实结论"),
                en,
            )
            .with_details(json!({ "rectification": id })),
            RatingError::Forbidden(why) => ApiError::forbidden(why, en),
            RatingError::Store(s) => s.into(),
        }
    }
}

impl From<ConsultationError> for ApiError {
    fn from(e: ConsultationError) -> ApiError {
        let en = e.to_string();
        match e {
            ConsultationError::Invalid(problems) => {
                ApiError::unprocessable("proposal_invalid", problems.join("；"), en)
                    .with_details(json!({ "problems": problems }))
            }
            ConsultationError::NotFound(id) => {
                ApiError::not_found("unknown_proposal", format!("没有编号为 {id} 的建议"), en)
            }
            ConsultationError::AlreadySupported(id) => ApiError::new(
                StatusCode::CONFLICT,
                "already_supported",
                format!("您已支持过第 {id} 号建议，每人每条建议只能支持一次"),
                en,
            ),
            ConsultationError::TooMany(secs) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("提交过于频繁，请 {secs} 秒后再试"),
                en,
            )
            .with_details(json!({ "retry_after_secs": secs })),
            ConsultationError::Store(s) => s.into(),
        }
    }
}
