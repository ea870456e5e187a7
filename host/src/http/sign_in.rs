//! `/auth/{issuer}/…`: the browser's way through the identity provider, and the provider's
//! back-channel logout. Public routes: they are how one gets a session.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::consultation::client_address;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Path, Query};
use crate::app::AppState;
use crate::identity::model::Issuer;
use crate::identity::protocol::{Callback, ProtocolError};
use crate::identity::{MAX_FAILURES, SignInError};

/// The cookie binding a sign-in's answer to the browser that started it.
pub const SIGN_IN_COOKIE: &str = "lb_sign_in";
/// The session cookie.
pub const SESSION_COOKIE: &str = "lb_session";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// A path on this host to come back to (default `/`).
    #[serde(default)]
    return_to: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LogoutForm {
    /// The provider's signed logout token.
    logout_token: String,
}

fn issuer(name: &str) -> Result<Issuer, ApiError> {
    Issuer::parse(name).ok_or_else(|| unknown_issuer(name))
}

fn unknown_issuer(name: &str) -> ApiError {
    ApiError::not_found(
        "unknown_issuer",
        format!("未配置身份提供方 {name}"),
        format!("no identity provider {name} is configured"),
    )
}

pub(super) fn client(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> String {
    client_address(peer.ip(), headers, &app.config.trusted_proxies).to_string()
}

/// A `Set-Cookie` value with the attributes every cookie of the host carries.
pub(super) fn cookie(
    app: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if app.identity.settings().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text =
        format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of cookie `name` in the request.
pub(super) fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// GET /api/v1/auth/{issuer}/login — sends the browser to the identity provider.
#[utoipa::path(get, path = "/auth/{issuer}/login", tag = "identity",
    summary = "Sign in: the browser goes to the identity provider (staff or citizens)",
    params(("issuer" = String, Path, description = "`staff` or `citizens`"), LoginQuery),
    responses(
        (status = 303, description = "to the provider's sign-in page, with the sign-in cookie set"),
        (status = 400, description = "`bad_return_to`: not a path on this host", body = ErrorBody),
        (status = 404, description = "`unknown_issuer`", body = ErrorBody),
        (status = 429, description = "`sign_in_rate_limited`: too many failed sign-ins from this client", body = ErrorBody),
        (status = 502, description = "`identity_provider_unavailable`", body = ErrorBody),
    ))]
pub async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, ApiError> {
    let issuer = issuer(&name)?;
    let client = client(&app, peer, &headers);
    let return_to = query.return_to.unwrap_or_else(|| "/".into());
    let begun = app.identity.begin(issuer, &return_to, &client).await?;
    let mut response = see_other(&begun.redirect);
    let path = format!("/api/v1/auth/{}", issuer.as_str());
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(&app, SIGN_IN_COOKIE, &begun.cookie, &path, 600),
    );
    Ok(response)
}

/// GET /api/v1/auth/{issuer}/callback — the provider's answer; opens the session.
#[utoipa::path(get, path = "/auth/{issuer}/callback", tag = "identity",
    summary = "The identity provider's answer: verified, it opens a session",
    params(("issuer" = String, Path, description = "`staff` or `citizens`"), CallbackQuery),
    responses(
        (status = 303, description = "signed in: to the return address, with the session cookie set"),
        (status = 400, description = "`sign_in_expired`: no sign-in of this browser is waiting; `sign_in_state_mismatch`", body = ErrorBody),
        (status = 401, description = "`sign_in_refused`: the provider's answer does not verify, or the person cancelled", body = ErrorBody),
        (status = 403, description = "`not_in_staff_directory`; `no_id_number`", body = ErrorBody),
        (status = 404, description = "`unknown_issuer`", body = ErrorBody),
        (status = 429, description = "`sign_in_rate_limited`", body = ErrorBody),
        (status = 502, description = "`identity_provider_unavailable`", body = ErrorBody),
    ))]
pub async fn callback(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    let issuer = issuer(&name)?;
    let client = client(&app, peer, &headers);
    let answer = Callback {
        code: query.code,
        state: query.state,
        iss: query.iss,
        error: query.error,
        error_description: query.error_description,
    };
    let cookie_value = read_cookie(&headers, SIGN_IN_COOKIE);
    let signed_in = app
        .identity
        .finish(issuer, cookie_value, &answer, &client)
        .await?;
    let mut response = see_other(&signed_in.return_to);
    let max_age = app.identity.settings().absolute.num_seconds();
    let path = format!("/api/v1/auth/{}", issuer.as_str());
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie(&app, SIGN_IN_COOKIE, "", &path, 0),
    );
    headers.append(
        header::SET_COOKIE,
        cookie(&app, SESSION_COOKIE, &signed_in.cookie, "/", max_age),
    );
    tracing::info!(issuer = issuer.as_str(), session = %signed_in.session.id, "signed in");
    Ok(response)
}

/// POST /api/v1/auth/{issuer}/backchannel-logout — the provider ends a person's sessions.
#[utoipa::path(post, path = "/auth/{issuer}/backchannel-logout", tag = "identity",
    summary = "Back-channel logout: the provider says a person signed out; their sessions end",
    params(("issuer" = String, Path, description = "`staff` or `citizens`")),
    request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "the sessions named ended"),
        (status = 400, description = "`invalid_logout_token`", body = ErrorBody),
        (status = 404, description = "`unknown_issuer`", body = ErrorBody),
        (status = 415, description = "not a form", body = ErrorBody),
    ))]
pub async fn backchannel_logout(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let issuer = issuer(&name)?;
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求需使用 application/x-www-form-urlencoded",
            "the request needs application/x-www-form-urlencoded",
        ));
    }
    let form: LogoutForm = serde_urlencoded::from_bytes(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_logout_token",
            format!("缺少登出令牌：{e}"),
            format!("no logout token: {e}"),
        )
    })?;
    let client = client(&app, peer, &headers);
    let ended = match app
        .identity
        .provider_logout(issuer, &form.logout_token, &client)
        .await
    {
        Ok(ended) => ended,
        // Back-Channel Logout 1.0 §2.8: a token that does not verify gets a 400.
        Err(SignInError::Protocol(e)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_logout_token",
                "登出令牌未通过验证",
                format!("the logout token does not verify: {e}"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(issuer = issuer.as_str(), ended, "back-channel logout");
    let mut response = StatusCode::OK.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> ApiError {
        match e {
            SignInError::UnknownIssuer(name) => unknown_issuer(&name),
            SignInError::RateLimited => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "sign_in_rate_limited",
                format!("登录失败次数过多（15 分钟内 {MAX_FAILURES} 次），请稍后再试"),
                format!("too many failed sign-ins ({MAX_FAILURES} in 15 minutes); try later"),
            ),
            SignInError::NoSignIn => ApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_expired",
                "登录已超时或不是在本浏览器发起的，请重新登录",
                "the sign-in expired or was started in another browser; sign in again",
            ),
            SignInError::StateMismatch => ApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_state_mismatch",
                "登录应答与本次登录不符，请重新登录",
                "the answer does not belong to this sign-in; sign in again",
            ),
            SignInError::BadReturn => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_return_to",
                "返回地址须为本站路径",
                "the return address must be a path on this host",
            ),
            SignInError::NotInDirectory(_) => ApiError::new(
                StatusCode::FORBIDDEN,
                "not_in_staff_directory",
                "您的账号未登记在工作人员名录中，请联系数据局管理员",
                "your account is not in the staff directory; ask the bureau's administrator",
            ),
            SignInError::NoIdNumber => ApiError::new(
                StatusCode::FORBIDDEN,
                "no_id_number",
                "身份提供方未提供公民身份号码，无法办理",
                "the identity provider vouched for no identity number",
            ),
            SignInError::Protocol(ProtocolError::Unavailable(detail)) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "identity_provider_unavailable",
                "统一身份认证服务暂时无法访问，请稍后再试",
                format!("the identity provider is unavailable: {detail}"),
            ),
            SignInError::Protocol(e) => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "sign_in_refused",
                "登录未通过验证，请重新登录",
                format!("the sign-in did not verify: {e}"),
            ),
            SignInError::Store(e) => e.into(),
        }
    }
}
