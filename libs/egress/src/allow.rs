//! What the installation lets outbound requests reach although it is internal
//! (`OUTBOUND_ALLOW`). Pure.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::addr::{Net, is_forbidden};

/// Allow-listed networks (`10.20.0.0/16`, `127.0.0.1`) and host names
/// (`keycloak.auth.svc.cluster.local`: any address that name resolves to), each for every port
/// or, written with one (`127.0.0.1:8090`, `[::1]:8090`, `llm.internal:443`), for that port
/// only: a development install can let tenants reach its fake LLM without opening every
/// service on loopback.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    nets: Vec<(Net, Option<u16>)>,
    hosts: Vec<(String, Option<u16>)>,
}

/// An `OUTBOUND_ALLOW` entry that is neither a network nor a host name (with or without a port).
#[derive(Debug, thiserror::Error)]
#[error(
    "OUTBOUND_ALLOW: `{0}` is neither an IP network (10.0.0.0/8) nor a host name, each optionally \
     with a port (127.0.0.1:8090, [::1]:8090, llm.internal:443)"
)]
pub struct AllowListError(pub String);

fn host_name(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= 253
        && raw.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `host:port` or `[v6]:port` split; anything else (a bare IPv6 network has several colons)
/// has no port.
fn split_port(entry: &str) -> Result<(&str, Option<u16>), ()> {
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inner, "")) => return Ok((inner, None)),
            Some((inner, tail)) => (inner, tail.strip_prefix(':').ok_or(())?),
            None => return Err(()),
        }
    } else if entry.matches(':').count() == 1 {
        entry.split_once(':').ok_or(())?
    } else {
        return Ok((entry, None));
    };
    match port.parse::<u16>() {
        Ok(p) if p != 0 => Ok((host, Some(p))),
        _ => Err(()),
    }
}

/// Whether an entry for `allowed` covers a connection to `port` (`None`: the port is not known,
/// so only entries for every port apply).
fn covers(allowed: Option<u16>, port: Option<u16>) -> bool {
    allowed.is_none() || allowed == port
}

impl AllowList {
    /// Entries separated by commas or white space; empty means nothing internal is allowed.
    pub fn parse(spec: &str) -> Result<Self, AllowListError> {
        let mut list = Self::default();
        for entry in spec.split(|c: char| c == ',' || c.is_whitespace()) {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            let bad = || AllowListError(entry.clone());
            let (host, port) = split_port(&entry).map_err(|()| bad())?;
            let host = host.trim_end_matches('.');
            if let Some(net) = Net::parse(host) {
                list.nets.push((net, port));
            } else if !entry.starts_with('[')
                && !host.contains('/')
                && !host.contains(':')
                && host_name(host)
            {
                list.hosts.push((host.to_owned(), port));
            } else {
                return Err(bad());
            }
        }
        Ok(list)
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.hosts.is_empty()
    }

    /// The ports named by entries: a connection to one of them may be allowed where another
    /// port's is not.
    pub fn ports(&self) -> BTreeSet<u16> {
        let nets = self.nets.iter().filter_map(|(_, p)| *p);
        nets.chain(self.hosts.iter().filter_map(|(_, p)| *p))
            .collect()
    }

    /// Whether the host name itself is allow-listed for every port.
    pub fn allows_host(&self, host: &str) -> bool {
        self.allows_host_on(host, None)
    }

    /// Whether the host name is allow-listed for `port` (every address it resolves to may be
    /// used); `None` when the port is not known.
    pub fn allows_host_on(&self, host: &str, port: Option<u16>) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts
            .iter()
            .any(|(h, p)| covers(*p, port) && h.eq_ignore_ascii_case(host))
    }

    /// Whether a connection to `ip` on any port is allowed: public, or inside a network
    /// allow-listed for every port.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        self.allows_ip_on(ip, None)
    }

    /// Whether a connection to `ip` on `port` is allowed: public, or inside a network
    /// allow-listed for every port or for `port`.
    pub fn allows_ip_on(&self, ip: IpAddr, port: Option<u16>) -> bool {
        !is_forbidden(ip)
            || self
                .nets
                .iter()
                .any(|(n, p)| covers(*p, port) && n.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn entries_without_a_port_allow_every_port() {
        let allow = AllowList::parse("10.20.0.0/16, 127.0.0.1 fd12::/16 Keycloak.Internal.")
            .expect("parses");
        assert!(allow.allows_ip(ip("10.20.3.4")));
        assert!(allow.allows_ip_on(ip("127.0.0.1"), Some(6379)));
        assert!(allow.allows_ip_on(ip("::ffff:127.0.0.1"), Some(1)));
        assert!(!allow.allows_ip(ip("127.0.0.2")));
        assert!(allow.allows_ip(ip("fd12::1")));
        assert!(allow.allows_host_on("keycloak.internal", Some(8443)));
        assert!(!allow.allows_host("keycloak.internal.evil.test"));
        assert!(allow.ports().is_empty());
        assert!(
            allow.allows_ip_on(ip("8.8.8.8"), Some(25)),
            "public is public"
        );
    }

    #[test]
    fn an_entry_with_a_port_allows_only_that_port() {
        let allow = AllowList::parse(
            "127.0.0.1:8090,[::1]:8090 LLM.internal.:443 [fd00::/8]:9000 10.0.0.0/8:80",
        )
        .expect("parses");
        assert_eq!(
            allow.ports().into_iter().collect::<Vec<_>>(),
            [80, 443, 8090, 9000]
        );
        assert!(allow.allows_ip_on(ip("127.0.0.1"), Some(8090)));
        assert!(allow.allows_ip_on(ip("::ffff:127.0.0.1"), Some(8090)));
        assert!(!allow.allows_ip_on(ip("127.0.0.1"), Some(6379)));
        assert!(
            !allow.allows_ip(ip("127.0.0.1")),
            "an unknown port is not that port"
        );
        assert!(allow.allows_ip_on(ip("::1"), Some(8090)));
        assert!(!allow.allows_ip_on(ip("::1"), Some(8091)));
        assert!(allow.allows_ip_on(ip("fd00::5"), Some(9000)));
        assert!(allow.allows_ip_on(ip("10.1.2.3"), Some(80)));
        assert!(!allow.allows_ip_on(ip("10.1.2.3"), Some(443)));
        assert!(allow.allows_host_on("llm.internal", Some(443)));
        assert!(!allow.allows_host_on("llm.internal", Some(80)));
        assert!(!allow.allows_host("llm.internal"));
    }

    #[test]
    fn malformed_entries_are_refused() {
        assert!(AllowList::parse("").expect("empty").is_empty());
        for bad in [
            "10.0.0.0/33",
            "::1/129",
            "http://x",
            "a_b.test",
            "10.0.0.0/x",
            "127.0.0.1:0",
            "127.0.0.1:65536",
            "127.0.0.1:http",
            "host:",
            "[::1]8090",
            "[::1",
            "[::1]:",
            "[host.example]:443",
            ":443",
        ] {
            assert!(AllowList::parse(bad).is_err(), "{bad}");
        }
    }
}
