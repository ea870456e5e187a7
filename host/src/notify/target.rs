//! Where a webhook may point: not at the platform's own network.
//!
//! An administrator sets each department's webhook address, and the host then sends requests
//! there on its own. Pointed at `127.0.0.1`, a private address or a link-local one (a cloud's
//! metadata service at 169.254.169.254), a webhook would make the host a way into services
//! that are not meant to be reached from outside. So by default only public addresses are
//! allowed: an address given as an IP is checked when it is set and when it is used, and a
//! host name is resolved by a resolver that drops every address that is not public, so that
//! a name that later resolves inward (DNS rebinding) reaches nothing. A deployment whose
//! department systems live on a private network allows them explicitly
//! (`--allow-private-webhooks`).

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether the host may send to `ip`: a globally routable unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10, shared address space (carrier-grade NAT).
                || (a == 100 && (64..128).contains(&b))
                // 0.0.0.0/8 and 240.0.0.0/4, reserved.
                || a == 0
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7, unique local.
                || (first & 0xfe00) == 0xfc00
                // fe80::/10, link-local.
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Why a webhook address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("not an http:// or https:// address")]
    Scheme,
    #[error("the address names no host")]
    NoHost,
    #[error("{0} is not a public address")]
    NotPublic(IpAddr),
}

/// Checks a webhook address as far as it can be checked without resolving it: the scheme,
/// and the host when it is an IP address. Names are held to the same rule when they are
/// resolved ([`PublicOnly`]).
pub fn check(url: &str, allow_private: bool) -> Result<(), TargetError> {
    let url = reqwest::Url::parse(url).map_err(|_| TargetError::Scheme)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::Scheme);
    }
    let host = url.host_str().ok_or(TargetError::NoHost)?;
    // An IPv6 host comes in brackets; a name does not parse as an address at all.
    let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(TargetError::NotPublic(ip))
    }
}

/// Resolves host names for webhook deliveries, keeping only public addresses.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inward_addresses_are_refused_unless_allowed() {
        for refused in [
            "http://127.0.0.1:8080/hook",
            "http://10.1.2.3/hook",
            "http://172.16.0.9/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(
                matches!(check(refused, false), Err(TargetError::NotPublic(_))),
                "{refused}"
            );
            assert_eq!(check(refused, true), Ok(()), "{refused}");
        }
        for allowed in [
            "http://203.0.113.0/",
            "http://1.2.3.4/h",
            "https://[2001:4860::8888]/",
        ] {
            // 203.0.113.0/24 is documentation space and stays refused; the others pass.
            let expected = !allowed.contains("203.0.113");
            assert_eq!(check(allowed, false).is_ok(), expected, "{allowed}");
        }
        assert_eq!(check("ftp://1.2.3.4/", true), Err(TargetError::Scheme));
        assert_eq!(check("not a url", true), Err(TargetError::Scheme));
        // Names are checked when resolved.
        assert_eq!(check("http://dept.example.gov.cn/hook", false), Ok(()));
    }
}
