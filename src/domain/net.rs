//! Client addresses: networks of trusted proxies, and the key a rate limit counts by.
use std::net::{IpAddr, Ipv6Addr};

/// An address with a prefix length: `10.0.0.0/8`, `::1/128`, or a bare address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(raw: &str) -> Result<IpNet, String> {
        let raw = raw.trim();
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (raw, None),
        };
        let bad = || format!("{raw:?} is not an IP address or network such as 10.0.0.0/8");
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32) == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128) == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 { 0 } else { bits >> (width - prefix) }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (CGNAT), unique-local, multicast, documentation or unspecified. Webhooks go only there
/// unless an operator allows private receivers.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

/// Whether a receiver URL may be delivered to: http(s), no credentials, and an address literal
/// only when it is public (names are checked when they resolve, on every connection).
pub fn webhook_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    if raw.len() > 2000 {
        return Err("url must be at most 2,000 characters".into());
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| "url must be an http:// or https:// URL".to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("url must be an http:// or https:// URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not carry a user name or password; sign with the secret instead".into());
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    let local_name = url.host_str().is_some_and(|h| h.eq_ignore_ascii_case("localhost") || h.ends_with(".localhost"));
    if !allow_private && (literal.is_some_and(|ip| !is_public(ip)) || local_name) {
        return Err(
            "url must point at a public address (set CANDOR_WEBHOOK_ALLOW_PRIVATE for receivers inside your network)"
                .into(),
        );
    }
    Ok(url)
}

/// A receiver URL as it may be registered: with private receivers allowed, any that
/// [`webhook_url`] takes; otherwise only one written as the OpenAPI document describes it
/// (`shapes::webhook_url`): lowercase `http(s)://`, a host name of letters, digits and hyphens
/// under an alphabetic top-level label (no address literal, no `localhost`), perhaps a port and
/// a path; no user, query or fragment. (The URL parser would take more, such as `*` in a host
/// name, which no DNS name holds.)
pub fn registrable_webhook_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    if !allow_private && !written_as_a_public_name(raw) {
        return Err("url must be an http:// or https:// URL whose host is a public name, such as \
                    https://hooks.example.com/candor (set CANDOR_WEBHOOK_ALLOW_PRIVATE for receivers inside your network)"
            .into());
    }
    webhook_url(raw, allow_private)
}

fn written_as_a_public_name(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://")) else { return false };
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|p| !p.starts_with('0') && p.parse::<u16>().is_ok_and(|n| n > 0));
    let path_ok = path.chars().all(|c| c.is_ascii_alphanumeric() || "._~!$&'()*+,;=:@%/-".contains(c));
    port_ok && path_ok && is_public_host_name(host)
}

/// `hooks.example.com`: labels of 1 to 63 lowercase letters, digits and inner hyphens, the last
/// of 2 to 63 letters; never `localhost` or a name under it.
fn is_public_host_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let Some((tld, names)) = labels.split_last() else { return false };
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !names.is_empty()
        && names.iter().all(label_ok)
        && (2..=63).contains(&tld.len())
        && tld.bytes().all(|b| b.is_ascii_lowercase())
        && *tld != "localhost"
}

/// What a per-client limit counts by: an IPv4 address, or the /64 an IPv6 address belongs to
/// (one subscriber gets a whole /64, so counting single addresses would let them rotate).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

/// The client behind a chain of proxies: the right-most address of `X-Forwarded-For` that is
/// not a trusted proxy, when the peer itself is one; otherwise the peer.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else { return peer };
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let net = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains(ip("10.1.2.3")) && !net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.9.9.9")), "IPv4-mapped IPv6 is IPv4");
        assert!(IpNet::parse("::1").unwrap().contains(ip("::1")));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "example.com", "10.0.0.0/x"] {
            assert!(IpNet::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_public_internet_is_public() {
        for private in [
            "127.0.0.1",
            "10.1.1.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn receivers_inside_the_network_are_refused() {
        for bad in [
            "http://127.0.0.1:9/x",
            "http://2130706433/x",
            "http://[::ffff:127.0.0.1]/x",
            "http://169.254.169.254/latest",
            "http://localhost:8080/",
            "https://user:pw@hooks.example.com/",
            "ftp://hooks.example.com/",
        ] {
            assert!(webhook_url(bad, false).is_err(), "{bad}");
        }
        assert!(webhook_url("https://hooks.example.com/candor", false).is_ok());
        assert!(webhook_url("http://127.0.0.1:9/x", true).is_ok(), "an operator may allow on-premise receivers");
    }

    #[test]
    fn receivers_are_registered_as_the_document_describes_them() {
        for ok in ["https://hooks.example.com/candor", "http://a.io", "https://x-1.b2.example.org:8443/h/i"] {
            assert!(registrable_webhook_url(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "https://v.gl.tcuv*",
            "HTTPS://HOOKS.EXAMPLE.COM/",
            " https://hooks.example.com/",
            "https://hooks.example.com/?q=1",
            "https://hooks.example.com/#f",
            "https://8.8.8.8/hook",
            "https://hooks.example.com:0/",
            "https://hooks.example.com:070/",
            "https://-a.example.com/",
            "https://a.localhost/",
            "https://a.b.c1/",
            "https://bücher.example.com/",
            "https://a_b.example.com/",
        ] {
            assert!(registrable_webhook_url(bad, false).is_err(), "{bad}");
        }
        assert!(registrable_webhook_url("http://127.0.0.1:9/x", true).is_ok(), "private receivers, when allowed");
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), limit_key(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(limit_key(ip("2001:db8:1:2::1")), limit_key(ip("2001:db8:1:3::1")));
        assert_eq!(limit_key(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        assert_eq!(client_address(ip("10.0.0.5"), Some("203.0.113.9, 10.0.0.7"), &trusted), ip("203.0.113.9"));
        assert_eq!(
            client_address(ip("198.51.100.1"), Some("203.0.113.9"), &trusted),
            ip("198.51.100.1"),
            "a client cannot claim to be someone else"
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("1.1.1.1, 203.0.113.9"), &trusted),
            ip("203.0.113.9"),
            "the left part is the client's own claim"
        );
        assert_eq!(client_address(ip("10.0.0.5"), None, &trusted), ip("10.0.0.5"));
    }
}
