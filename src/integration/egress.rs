//! Where the service may send a webhook (the guard against server-side request
//! forgery): only `https`, and only to public addresses after DNS resolution, unless
//! the operator exempts a host or network (`CASELEDGER_WEBHOOK_ALLOW_HOSTS`), where
//! plain `http` is allowed too. The decision is a pure function of the URL, the
//! addresses its host resolves to and the exemptions.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network, `10.0.0.0/8` or `fd00::/8` (a single address is a /32 or /128).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let base: IpAddr = addr.trim_matches(['[', ']']).parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(b) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(b) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The hosts and networks exempt from the guard.
#[derive(Debug, Clone, Default)]
pub struct Exemptions {
    hosts: Vec<String>,
    networks: Vec<Network>,
}

impl Exemptions {
    /// Comma-separated host names and networks; an entry that is neither is refused.
    pub fn parse(text: &str) -> Result<Exemptions, String> {
        let mut out = Exemptions::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some(network) = Network::parse(entry) {
                out.networks.push(network);
            } else if entry
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            {
                out.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!("`{entry}` is neither a host name nor a network"));
            }
        }
        Ok(out)
    }

    fn exempt(&self, host: &str, addresses: &[IpAddr]) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || (!addresses.is_empty()
                && addresses
                    .iter()
                    .all(|a| self.networks.iter().any(|n| n.contains(*a))))
    }
}

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAUrl,
    /// Only `https` (or `http` to an exempt host).
    Scheme,
    /// The host resolved to no address.
    Unresolved,
    /// It resolves to a loopback, private, link-local or otherwise non-public address.
    NotPublic(IpAddr),
    /// Credentials in the URL would be sent to the receiver.
    UserInfo,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::NotAUrl => "must be an absolute http(s) URL".into(),
            Refusal::Scheme => "must use https".into(),
            Refusal::Unresolved => "names a host that does not resolve".into(),
            // The address itself is not told: it would map the service's own network.
            Refusal::NotPublic(_) => "resolves to an address that is not public (the operator can exempt the host with CASELEDGER_WEBHOOK_ALLOW_HOSTS)".into(),
            Refusal::UserInfo => "must not carry a user name or password".into(),
        }
    }
}

/// The IPv4 address an IPv6 address carries, where the network delivers it to that
/// IPv4 address: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), SIIT
/// IPv4-translated (`::ffff:0:a.b.c.d`), the well-known NAT64 prefix
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => Some(last),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(last),
        // `::` and `::1` are judged as themselves, below.
        [0, 0, 0, 0, 0, 0, hi, _] if hi != 0 => Some(last),
        [0x2002, _, _, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local,
/// shared (CGNAT), documentation, benchmarking, multicast, reserved or unspecified,
/// in either family. An IPv6 address that carries an IPv4 address is judged as that
/// IPv4 address; the local-use NAT64 prefix (`64:ff9b:1::/48`, RFC 8215) and the
/// IETF protocol assignments (`2001::/23`, Teredo among them) are not public.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            let second = v6.segments()[1];
            !(v6.is_unspecified()
                || (first == 0x64 && second == 0xff9b && v6.segments()[2] == 1) // local-use NAT64
                || (first == 0x2001 && second < 0x200) // IETF protocol assignments 2001::/23
                || v6.is_loopback()
                || v6.is_multicast()
                || first & 0xfe00 == 0xfc00 // unique local fc00::/7
                || first & 0xffc0 == 0xfe80 // link-local fe80::/10
                || first & 0xffc0 == 0xfec0 // site-local fec0::/10
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || v6.segments()[..4] == [0x100, 0, 0, 0] // discard 100::/64
                || v6 == Ipv6Addr::from(1u128))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// The host of a URL, and its port, to resolve; or why the URL is refused before any
/// lookup.
pub fn target(url: &str) -> Result<(url::Url, String, u16), Refusal> {
    let parsed = url::Url::parse(url).map_err(|_| Refusal::NotAUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refusal::NotAUrl);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::UserInfo);
    }
    let host = parsed.host_str().ok_or(Refusal::NotAUrl)?.to_owned();
    let port = parsed.port_or_known_default().ok_or(Refusal::NotAUrl)?;
    Ok((parsed, host, port))
}

/// The decision on a URL whose host resolved to `addresses`.
pub fn decide(
    url: &url::Url,
    addresses: &[IpAddr],
    exemptions: &Exemptions,
) -> Result<(), Refusal> {
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    if exemptions.exempt(host, addresses) {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err(Refusal::Scheme);
    }
    if addresses.is_empty() {
        return Err(Refusal::Unresolved);
    }
    match addresses.iter().find(|a| !is_public(**a)) {
        Some(bad) => Err(Refusal::NotPublic(*bad)),
        None => Ok(()),
    }
}

/// Resolves the URL's host (blocking: call off the executor) and decides.
pub fn check(url: &str, exemptions: &Exemptions) -> Result<(), Refusal> {
    use std::net::ToSocketAddrs;
    let (parsed, host, port) = target(url)?;
    let addresses: Vec<IpAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (host.as_str(), port)
            .to_socket_addrs()
            .map(|found| found.map(|s| s.ip()).collect())
            .unwrap_or_default(),
    };
    decide(&parsed, &addresses, exemptions)
}

/// Resolves hosts for outgoing connections and hands the connector only addresses
/// the guard allows: the addresses checked are the addresses connected to, so a name
/// that resolves elsewhere between the check and the connection (DNS rebinding)
/// reaches nothing. (An address literal is not resolved: `check` has decided it.)
pub struct GuardedResolver {
    exemptions: Exemptions,
}

impl actix_tls::connect::Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> futures_util::future::LocalBoxFuture<
        'a,
        Result<Vec<std::net::SocketAddr>, Box<dyn std::error::Error>>,
    > {
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host, port)).await?.collect();
            Ok(pinned(host, found, &self.exemptions)?)
        })
    }
}

/// The addresses a connection to `host` may use of those it resolved to: all of
/// them for an exempt host, else all of them only when every one is public.
fn pinned(
    host: &str,
    found: Vec<std::net::SocketAddr>,
    exemptions: &Exemptions,
) -> Result<Vec<std::net::SocketAddr>, String> {
    let ips: Vec<IpAddr> = found.iter().map(|a| a.ip()).collect();
    if exemptions.exempt(host, &ips) || (!ips.is_empty() && ips.iter().all(|ip| is_public(*ip))) {
        Ok(found)
    } else {
        Err(format!("{host} does not resolve to public addresses only"))
    }
}

/// An HTTP client for calls out of the service (webhook deliveries, published keys):
/// no redirects, the given timeout, and connections only to addresses the guard
/// allows.
pub fn client(exemptions: Exemptions, timeout: std::time::Duration) -> awc::Client {
    let resolver = actix_tls::connect::Resolver::custom(GuardedResolver { exemptions });
    let connector =
        awc::Connector::new().connector(actix_tls::connect::Connector::new(resolver).service());
    awc::Client::builder()
        .connector(connector)
        .timeout(timeout)
        .disable_redirects()
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn connections_use_only_the_addresses_the_guard_allows() {
        let at = |s: &str| std::net::SocketAddr::new(ip(s), 443);
        let none = Exemptions::default();
        assert_eq!(
            pinned("example.org", vec![at("93.184.216.34")], &none).unwrap(),
            vec![at("93.184.216.34")]
        );
        // A name that now resolves to a private address, even beside a public one,
        // gives the connector nothing.
        assert!(pinned("example.org", vec![at("10.0.0.5")], &none).is_err());
        assert!(
            pinned(
                "example.org",
                vec![at("93.184.216.34"), at("127.0.0.1")],
                &none
            )
            .is_err()
        );
        assert!(pinned("example.org", vec![], &none).is_err());
        let exempt = Exemptions::parse("receiver.internal, 127.0.0.0/8").unwrap();
        assert!(pinned("receiver.internal", vec![at("10.0.0.5")], &exempt).is_ok());
        assert!(pinned("other.internal", vec![at("127.0.0.1")], &exempt).is_ok());
        assert!(pinned("other.internal", vec![at("10.0.0.5")], &exempt).is_err());
    }

    #[test]
    fn the_resolver_refuses_a_name_of_this_machine_unless_exempt() {
        use actix_tls::connect::Resolve;
        // `localhost` is answered from the hosts file: no packet leaves the machine.
        actix_web::rt::System::new().block_on(async {
            let guarded = GuardedResolver {
                exemptions: Exemptions::default(),
            };
            assert!(guarded.lookup("localhost", 443).await.is_err());
            let exempt = GuardedResolver {
                exemptions: Exemptions::parse("localhost").unwrap(),
            };
            let found = exempt.lookup("localhost", 443).await.unwrap();
            assert!(found.iter().all(|a| a.ip().is_loopback()), "{found:?}");
        });
    }

    #[test]
    fn only_public_addresses_pass() {
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::6810:84e5",
            "::ffff:8.8.8.8",
            "::8.8.8.8",
            "::ffff:0:808:808",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "ff02::1",
            // The review's: IPv4-compatible, SIIT, local-use NAT64 and 6to4 carrying
            // loopback and link-local addresses.
            "::127.0.0.1",
            "::ffff:0:7f00:1",
            "64:ff9b:1::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
            "::ffff:0:a00:1",
            "::10.0.0.1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
    }

    #[test]
    fn the_decision_on_urls_and_resolved_names() {
        let none = Exemptions::default();
        let public = [ip("93.184.216.34")];
        assert_eq!(
            decide(&url("https://hooks.example/x"), &public, &none),
            Ok(())
        );
        assert_eq!(
            decide(&url("http://hooks.example/x"), &public, &none),
            Err(Refusal::Scheme)
        );
        // A name that resolves to an internal address, or to several of which one
        // is internal, is refused (DNS pointing inside).
        assert_eq!(
            decide(&url("https://inside.example/x"), &[ip("10.0.0.5")], &none),
            Err(Refusal::NotPublic(ip("10.0.0.5")))
        );
        assert_eq!(
            decide(
                &url("https://mixed.example/x"),
                &[ip("93.184.216.34"), ip("127.0.0.1")],
                &none
            ),
            Err(Refusal::NotPublic(ip("127.0.0.1")))
        );
        assert_eq!(
            decide(&url("https://nowhere.example/x"), &[], &none),
            Err(Refusal::Unresolved)
        );
        assert_eq!(
            decide(&url("https://[::1]/x"), &[ip("::1")], &none),
            Err(Refusal::NotPublic(ip("::1")))
        );
        // Exempt hosts and networks, where http is allowed too.
        let exempt = Exemptions::parse("receiver.internal, 127.0.0.0/8, fd00::/8").unwrap();
        assert_eq!(
            decide(
                &url("http://127.0.0.1:9000/hook"),
                &[ip("127.0.0.1")],
                &exempt
            ),
            Ok(())
        );
        assert_eq!(
            decide(
                &url("http://receiver.internal/hook"),
                &[ip("10.9.9.9")],
                &exempt
            ),
            Ok(())
        );
        assert_eq!(
            decide(&url("https://x.example/"), &[ip("fd00::7")], &exempt),
            Ok(())
        );
        assert_eq!(
            decide(&url("http://10.0.0.1/"), &[ip("10.0.0.1")], &exempt),
            Err(Refusal::Scheme)
        );
        assert!(Exemptions::parse("a b").is_err());
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(
            Network::parse("10.0.0.0/8")
                .unwrap()
                .contains(ip("10.200.1.1"))
        );
        assert!(
            !Network::parse("10.0.0.0/8")
                .unwrap()
                .contains(ip("11.0.0.1"))
        );
    }

    #[test]
    fn urls_that_are_refused_before_any_lookup() {
        assert_eq!(target("ftp://x.example/").unwrap_err(), Refusal::NotAUrl);
        assert_eq!(target("not a url").unwrap_err(), Refusal::NotAUrl);
        assert_eq!(
            target("https://user:pw@x.example/").unwrap_err(),
            Refusal::UserInfo
        );
        assert_eq!(target("https://x.example/h").unwrap().2, 443);
    }
}
