//! The API's one error shape, `{"error": {"code", "message", "details"}}`, and the single place
//! where the host's error types become HTTP statuses.
//!
//! Messages are written in both languages where the error is made; the `localize` middleware
//! picks zh-CN (the default) or English per `Accept-Language`.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::Refusal as TokenRefusal;
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

#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            zh: zh.into(),
            en: en.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "缺少有效的访问令牌，请在 Authorization 头中以 Bearer 方式提供",
            "a valid bearer token is required in the Authorization header",
        )
    }

    /// A token presented but not accepted: the holder is told why, since they hold it.
    pub fn refused(refusal: TokenRefusal) -> ApiError {
        match refusal {
            TokenRefusal::Unknown => ApiError::unauthenticated(),
            TokenRefusal::Expired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "访问令牌已过期，请向管理员申请新的令牌",
                "the bearer token has expired; ask the administrator for a new one",
            ),
            TokenRefusal::Revoked => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_revoked",
                "访问令牌已被吊销",
                "the bearer token has been revoked",
            ),
        }
    }

    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", zh, en)
    }

    pub fn not_found(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, zh, en)
    }

    pub fn unprocessable(
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, zh, en)
    }

    pub fn internal(what: impl std::fmt::Display) -> ApiError {
        tracing::error!(%what, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务内部错误，请稍后重试；如持续出现请联系管理员",
            "internal error; please retry later, and contact the administrator if it persists",
        )
    }

    fn body(&self, english: bool) -> Value {
        let message = if english { &self.en } else { &self.zh };
        let mut error = json!({ "code": self.code, "message": message });
        if let Some(d) = &self.details {
            error["details"] = d.clone();
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body(false))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: how to authenticate, and for a refused token that it was the token.
            let challenge = if self.code == "unauthenticated" {
                "Bearer realm=\"lianban\""
            } else {
                "Bearer realm=\"lianban\", error=\"invalid_token\""
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(challenge),
            );
        }
        // Kept for `localize`, which knows the request's language.
        response.extensions_mut().insert(self);
        response
    }
}

/// Whether the client prefers English over Chinese. Only the primary language of each range
/// counts, and quality values decide; without a preference the answer is zh-CN.
pub fn prefers_english(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut best: Option<(f32, bool)> = None;
    for range in value.split(',') {
        let mut parts = range.trim().split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let english = match primary {
            "en" => true,
            "zh" => false,
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, english));
        }
    }
    best.is_some_and(|(_, english)| english)
}

/// Re-renders error bodies in English when the client asks for it.
pub async fn localize(request: Request, next: Next) -> Response {
    let english = prefers_english(request.headers());
    let mut response = next.run(request).await;
    if english && let Some(err) = response.extensions_mut().remove::<ApiError>() {
        return (err.status, Json(err.body(true))).into_response();
    }
    response
}

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

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn language_negotiation() {
        assert!(!prefers_english(&HeaderMap::new()));
        assert!(prefers_english(&headers("en")));
        assert!(prefers_english(&headers("en-US,en;q=0.9")));
        assert!(!prefers_english(&headers("zh-CN,zh;q=0.9,en;q=0.8")));
        assert!(prefers_english(&headers("zh;q=0.5, en-GB;q=0.8")));
        assert!(!prefers_english(&headers("fr")));
        assert!(!prefers_english(&headers("garbage;;;q=x")));
    }
}
