//! A TLS host: certificates generated in the test (rcgen: a CA, a server certificate for
//! 127.0.0.1 / localhost, a client certificate, as PEM files), a private dockerd on
//! `tcp://127.0.0.1:<free port>` with `--tlsverify`, and the test that connects to it.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use flightdeck::runbook::TlsFiles;
use flightdeck::watch::docker::{self, Health, HostStatus, RunState};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use super::daemon::PrivateDaemon;
use super::images::{self, Image, free_port};
use super::support::{Fold, by_name, unique};
use super::{bounded, state};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_host_connects_with_its_ca_cert_and_key() {
    bounded(async {
        let certs_dir = tempfile::tempdir().unwrap();
        let certs = generate(certs_dir.path());
        let port = free_port();
        let Some(d) =
            PrivateDaemon::start_tls("tls", port, &certs.server, certs.client.clone()).await
        else {
            return;
        };
        let client = docker::connect(&d.host)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", d.log_tail()));
        let Some(_) = images::build(&client, Image::Sleep).await else {
            return;
        };
        let run = unique();
        let name = format!("fd-{run}-tls");
        images::run(&client, Image::Sleep, &name, &run, &[], None).await;
        let services = vec![by_name("app", &name)];
        let snap = docker::snapshot(std::slice::from_ref(&d.host), &services)
            .await
            .unwrap();
        assert!(matches!(&snap.hosts[0].status, HostStatus::Live { api } if !api.is_empty()));
        assert_eq!(state(&snap, &name), Some((RunState::Running, Health::None)));

        // Without the client certificate the daemon refuses us: the host is unreachable.
        let mut plain = d.host.clone();
        plain.tls = None;
        let snap = docker::snapshot(&[plain], &services).await.unwrap();
        assert!(
            matches!(snap.hosts[0].status, HostStatus::Unreachable { .. }),
            "{:?}",
            snap.hosts[0].status
        );

        // Watched over TLS, then STALE within 2 s when the daemon goes.
        let mut f = Fold::start(vec![d.host.clone()], &services);
        f.until(Duration::from_secs(10), "listed over TLS", |m| {
            state(m, &name).is_some()
        })
        .await;
        d.terminate();
        f.until(Duration::from_secs(2), "STALE within 2 s", |m| {
            matches!(m.hosts[0].status, HostStatus::Stale { .. })
        })
        .await;
    })
    .await;
}
