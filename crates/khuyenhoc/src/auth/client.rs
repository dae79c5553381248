//! Where a request comes from. The socket address is the client, unless it is one of the
//! configured reverse proxies (`trusted_proxies`): then the client is read from the `Forwarded`
//! (RFC 7239) or `X-Forwarded-For` header, walking from the nearest hop back past every trusted
//! proxy. Headers from anyone else are ignored, since any client can write them.

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The client of a request as far as it can be known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// An address: the socket's, or one a trusted proxy forwarded.
    Addr(IpAddr),
    /// A trusted proxy forwarded a client it does not name by address (`unknown`, `_hidden`):
    /// the text, good enough to count its attempts.
    Named(String),
    /// No socket address (a request handed to the router in-process).
    Unknown,
}

impl Client {
    /// A key for counting this client's attempts.
    pub fn key(&self) -> String {
        match self {
            Client::Addr(a) => a.to_string(),
            Client::Named(n) => format!("named:{n}"),
            Client::Unknown => "local".into(),
        }
    }

    pub fn addr(&self) -> Option<IpAddr> {
        match self {
            Client::Addr(a) => Some(*a),
            _ => None,
        }
    }
}

/// The socket address the request came in on.
pub fn peer(ext: &Extensions) -> Option<IpAddr> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()))
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:192.0.2.1`) as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|n| n.contains(&ip))
}

/// Whether the request carries forwarding headers (someone relayed it).
pub fn forwarded(headers: &HeaderMap) -> bool {
    headers.contains_key(axum::http::header::FORWARDED) || headers.contains_key("x-forwarded-for")
}

/// The client of a request, given the trusted proxies.
pub fn client(ext: &Extensions, headers: &HeaderMap, proxies: &[IpNet]) -> Client {
    let Some(peer) = peer(ext) else {
        return Client::Unknown;
    };
    if !trusted(peer, proxies) {
        return Client::Addr(peer);
    }
    let hops = hops(headers);
    // The nearest hop is last; every trusted proxy is skipped, the first other hop is the client.
    let mut client = Client::Addr(peer);
    for hop in hops.into_iter().rev() {
        match parse_hop(&hop) {
            Some(ip) if trusted(ip, proxies) => client = Client::Addr(ip),
            Some(ip) => return Client::Addr(ip),
            None => return Client::Named(hop.chars().take(64).collect()),
        }
    }
    client
}

/// The client addresses the proxies listed, farthest first: `Forwarded`'s `for=` values when
/// that header is present, else `X-Forwarded-For`.
fn hops(headers: &HeaderMap) -> Vec<String> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    let standard = values(axum::http::header::FORWARDED.as_str());
    if !standard.is_empty() {
        return standard
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| v.trim().trim_matches('"').to_owned())
                })
            })
            .collect();
    }
    values("x-forwarded-for")
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ext(peer: &str) -> Extensions {
        let mut e = Extensions::new();
        e.insert(ConnectInfo(
            format!("{peer}:5000").parse::<SocketAddr>().expect("addr"),
        ));
        e
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .filter_map(|s| crate::config::parse_net(s))
            .collect()
    }

    #[test]
    fn headers_count_only_from_a_trusted_proxy() {
        let h = headers(&[("x-forwarded-for", "198.51.100.9")]);
        let a = |s: &str| Client::Addr(s.parse().expect("ip"));
        assert_eq!(client(&ext("192.0.2.1"), &h, &[]), a("192.0.2.1"));
        let proxies = nets(&["10.0.0.0/8"]);
        assert_eq!(client(&ext("192.0.2.1"), &h, &proxies), a("192.0.2.1"));
        assert_eq!(client(&ext("10.1.2.3"), &h, &proxies), a("198.51.100.9"));
        // A client writing its own X-Forwarded-For is not believed: the proxy appends the real one.
        let h = headers(&[("x-forwarded-for", "203.0.113.1, 198.51.100.9, 10.0.0.2")]);
        assert_eq!(client(&ext("10.0.0.1"), &h, &proxies), a("198.51.100.9"));
        let h = headers(&[(
            "forwarded",
            "for=203.0.113.1, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        assert_eq!(
            client(&ext("10.0.0.1"), &h, &proxies),
            a("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            client(&ext("10.0.0.1"), &h, &proxies),
            Client::Named("unknown".into())
        );
        assert_eq!(
            client(&ext("10.0.0.1"), &HeaderMap::new(), &proxies),
            a("10.0.0.1")
        );
        assert_eq!(client(&Extensions::new(), &h, &proxies), Client::Unknown);
        assert_eq!(
            client(&ext("[::ffff:192.0.2.7]"), &HeaderMap::new(), &[]),
            a("192.0.2.7")
        );
    }
}
