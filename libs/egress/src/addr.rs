//! Which addresses are internal: refused to tenant-supplied URLs unless the installation
//! allow-lists them ([`crate::AllowList`]). Pure.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP network (`10.0.0.0/8`, `fd00::/8`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    /// `a.b.c.d/n`, `x::y/n` or a single address.
    pub fn parse(raw: &str) -> Option<Self> {
        let (ip, prefix) = match raw.split_once('/') {
            Some((ip, len)) => (ip, Some(len.parse::<u8>().ok()?)),
            None => (raw, None),
        };
        let addr = canonical(ip.parse().ok()?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                within(u32::from(net).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                within(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the top `prefix` of `bits` bits of `a` and `b` agree.
fn within(a: u128, b: u128, bits: u8, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = u32::from(bits - prefix);
    (a >> shift) == (b >> shift)
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is that IPv4 address: checks and
/// allow-lists see one form.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// IPv4 ranges no tenant-supplied URL may reach: "this network", private (RFC 1918), CGNAT
/// (also Alibaba's metadata address), loopback, link-local (cloud metadata at
/// 169.254.169.254), IETF protocol assignments (Oracle's metadata at 192.0.0.192),
/// documentation, 6to4 relays, benchmarking, multicast, reserved and broadcast; plus Azure's
/// wire server, which is public address space but answers only inside the VM.
const V4: [(Ipv4Addr, u8); 16] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
    (Ipv4Addr::new(168, 63, 129, 16), 32),
];

/// IPv6 ranges refused outright: unspecified, loopback, IPv4-compatible, local-use NAT64,
/// discard, IETF protocol assignments (Teredo included), documentation, unique-local (AWS
/// metadata at fd00:ec2::254), site-local, link-local and multicast.
const V6: [(Ipv6Addr, u8); 12] = [
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
];

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    V4.iter()
        .any(|(net, prefix)| within(u32::from(*net).into(), u32::from(ip).into(), 32, *prefix))
}

/// Whether `ip` is internal: refused unless allow-listed. IPv6 forms that carry an IPv4
/// address (mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    let v6 = match canonical(ip) {
        IpAddr::V4(v4) => return v4_forbidden(v4),
        IpAddr::V6(v6) => v6,
    };
    let bits = u128::from(v6);
    let embedded = |shift: u32| Ipv4Addr::from(((bits >> shift) & 0xffff_ffff) as u32);
    if within(
        bits,
        u128::from(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0)),
        128,
        96,
    ) {
        return v4_forbidden(embedded(0));
    }
    if within(
        bits,
        u128::from(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0)),
        128,
        16,
    ) {
        return v4_forbidden(embedded(80));
    }
    V6.iter()
        .any(|(net, prefix)| within(u128::from(*net), bits, 128, *prefix))
}
