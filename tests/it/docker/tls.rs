//! Certificates for a TLS dockerd, generated in the test (rcgen): a CA, a server certificate
//! for 127.0.0.1 / localhost, and a client certificate, all as PEM files.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use flightdeck::runbook::TlsFiles;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// The server's files and the client's files (both with the same CA).
pub struct Certs {
    pub server: TlsFiles,
    pub client: TlsFiles,
}

fn write(dir: &Path, name: &str, pem: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, pem).expect("write pem");
    p.display().to_string()
}

pub fn generate(dir: &Path) -> Certs {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.distinguished_name
        .push(DnType::CommonName, "flightdeck test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("ca cert");
    let ca_path = write(dir, "ca.pem", &ca_cert.pem());
    let issuer = Issuer::new(ca, ca_key);

    let leaf = |name: &str, purpose: ExtendedKeyUsagePurpose, sans: Vec<String>| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(sans).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![purpose];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        if name == "server" {
            params
                .subject_alt_names
                .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        }
        let cert = params.signed_by(&key, &issuer).expect("sign");
        TlsFiles {
            ca: ca_path.clone(),
            cert: write(dir, &format!("{name}-cert.pem"), &cert.pem()),
            key: write(dir, &format!("{name}-key.pem"), &key.serialize_pem()),
        }
    };
    Certs {
        server: leaf(
            "server",
            ExtendedKeyUsagePurpose::ServerAuth,
            vec!["localhost".to_owned()],
        ),
        client: leaf("client", ExtendedKeyUsagePurpose::ClientAuth, Vec::new()),
    }
}
