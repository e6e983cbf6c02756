//! `tls` gates against a local tokio-rustls server with rcgen certificates: days to expiry,
//! and chain verification with a private CA trusted (through `SSL_CERT_FILE`) or not.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use flightdeck::exec::gates::GateState;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use super::support::{cx, eval};
use crate::run::Dir;

/// A private CA and a leaf for `localhost` / 127.0.0.1 valid for `days` more days (plus an
/// hour, so the whole-day count is exactly `days`).
struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

fn pki(days: u64) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "flightdeck test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.not_after = (SystemTime::now() + Duration::from_secs(days * 86_400 + 3600)).into();
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
    }
}

/// Serve TLS on 127.0.0.1 until the test's runtime ends; returns the port.
async fn serve(p: &Pki) -> u16 {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.key.clone()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(p.chain.clone(), key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let a = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = a.accept(conn).await {
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn min_days_fails_on_a_certificate_expiring_in_three_days() {
    let tmp = tempfile::tempdir().unwrap();
    let port = serve(&pki(3)).await;
    let g = |min: u32| {
        format!(
            "[[gates]]\nid = \"tls\"\nkind = \"tls\"\naddress = \"127.0.0.1:{port}\"\nmin_days = {min}\nverify_chain = false\n"
        )
    };
    let cx = cx(tmp.path());
    let o = eval(&g(14), &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.message, "expires in 3 days < min_days 14");
    assert_eq!(o.value, json!(3));
    let o = eval(&g(2), &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(o.message.starts_with("expires in 3 days"), "{}", o.message);
}

#[tokio::test]
async fn a_refused_tls_connection_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let port = super::support::closed_port();
    let g = format!("[[gates]]\nid = \"tls\"\nkind = \"tls\"\naddress = \"127.0.0.1:{port}\"\n");
    let o = eval(&g, &cx(tmp.path())).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert_eq!(o.message, format!("127.0.0.1:{port}: Connection refused"));
}

/// `flightdeck status --json` with `SSL_CERT_FILE` set to `roots` (or unset); the gate's JSON.
async fn status(d: &Dir, roots: Option<&str>) -> (Option<i32>, Value) {
    let mut cmd = d.cmd(&["status", "--json"]);
    cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    if let Some(r) = roots {
        cmd.env("SSL_CERT_FILE", d.path().join(r));
    }
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", crate::run::out(&o)));
    (o.status.code(), doc["gates"][0].clone())
}

#[tokio::test]
async fn the_chain_verifies_only_with_the_ca_trusted() {
    let p = pki(30);
    let port = serve(&p).await;
    let d = Dir::new(&format!(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n\n[[gates]]\nid = \"tls\"\nkind = \"tls\"\naddress = \"127.0.0.1:{port}\"\nmin_days = 14\n"
    ));
    d.write("ca.pem", &p.ca_pem);
    d.write("other-ca.pem", &pki(30).ca_pem);

    let (code, g) = status(&d, Some("ca.pem")).await;
    assert_eq!(code, Some(0), "{g}");
    assert_eq!(g["state"], "pass");
    assert_eq!(g["value"], 30);
    assert!(
        g["message"].as_str().unwrap().contains("chain verified"),
        "{g}"
    );

    let (code, g) = status(&d, Some("other-ca.pem")).await;
    assert_eq!(code, Some(1), "{g}");
    assert_eq!(g["state"], "fail");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("certificate not trusted"),
        "{g}"
    );

    // The system roots do not know the private CA either.
    let (code, g) = status(&d, None).await;
    assert_eq!(code, Some(1), "{g}");
    assert_ne!(g["state"], "pass");
}
