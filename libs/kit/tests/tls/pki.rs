//! A throw-away PKI made by the test: a CA, a server certificate it signs, and a second CA that
//! signs nothing the servers use (the "wrong CA" a misconfigured client trusts).

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// PEM files in `dir`. The server certificate names only `localhost`, so a client that checks
/// host names must connect to `localhost`, not `127.0.0.1`.
pub struct Pki {
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub server_cert_pem: String,
    pub server_key_pem: String,
}

pub const SERVER_NAME: &str = "localhost";

impl Pki {
    pub fn create(dir: &Path) -> Self {
        let (ca_params, ca_key) = ca("djinnbot test CA");
        let (other_params, other_key) = ca("some other CA");
        let issuer = Issuer::new(ca_params.clone(), ca_key);
        let ca_pem = ca_params
            .self_signed(issuer.key())
            .expect("self-sign CA")
            .pem();
        let other_pem = other_params
            .self_signed(&other_key)
            .expect("self-sign other CA")
            .pem();

        let mut server = CertificateParams::new(vec![SERVER_NAME.to_owned()]).expect("params");
        server
            .distinguished_name
            .push(DnType::CommonName, SERVER_NAME);
        let server_key = KeyPair::generate().expect("server key");
        let server_cert_pem = server
            .signed_by(&server_key, &issuer)
            .expect("sign server cert")
            .pem();
        let server_key_pem = server_key.serialize_pem();

        let pki = Self {
            ca: dir.join("ca.pem"),
            other_ca: dir.join("other-ca.pem"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            server_cert_pem,
            server_key_pem,
        };
        write(&pki.ca, &ca_pem);
        write(&pki.other_ca, &other_pem);
        write(&pki.server_cert, &pki.server_cert_pem);
        write(&pki.server_key, &pki.server_key_pem);
        pki
    }
}

fn ca(name: &str) -> (CertificateParams, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params, KeyPair::generate().expect("CA key"))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
