//! `tls` gates: the certificate served at `address` — days until it expires, and (with
//! `verify_chain`, the default) whether it chains to a trusted root for that host name.
//!
//! Trusted roots are the system's (rustls-native-certs). As with OpenSSL, `SSL_CERT_FILE`
//! (a PEM bundle) and `SSL_CERT_DIR`, when set, name the trusted roots instead; tests use that
//! for a private CA. An untrusted or expired certificate is a *fail*; a refused connection or a
//! failed handshake is an *error*. The value is the number of whole days left.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::{GateCx, GateOutcome, fmt_dur};
use crate::runbook::Tpl;

pub async fn evaluate(
    address: &Tpl,
    min_days: Option<u32>,
    verify_chain: bool,
    cx: &GateCx,
    timeout: Duration,
) -> GateOutcome {
    let address = match cx.render(address) {
        Ok(a) => a,
        Err(why) => return GateOutcome::error(why),
    };
    let started = Instant::now();
    match tokio::time::timeout(timeout, handshake(&address, verify_chain)).await {
        Err(_) => GateOutcome::error(format!(
            "{address}: no TLS handshake within {}",
            fmt_dur(timeout)
        )),
        Ok(Err(o)) => o,
        Ok(Ok(der)) => expiry(&address, &der, min_days, verify_chain, started),
    }
}

fn expiry(
    address: &str,
    der: &[u8],
    min_days: Option<u32>,
    verified: bool,
    started: Instant,
) -> GateOutcome {
    let cert = match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => c,
        Err(e) => return GateOutcome::error(format!("{address}: unreadable certificate: {e}")),
    };
    let not_after = cert.validity().not_after.timestamp();
    let now = chrono::Utc::now().timestamp();
    let days = (not_after - now).div_euclid(86_400);
    let chain = if verified { ", chain verified" } else { "" };
    let took = started.elapsed().as_millis();
    let text = if days < 0 {
        format!("expired {} days ago", -days)
    } else {
        format!("expires in {days} days")
    };
    match min_days {
        Some(min) if days < i64::from(min) => {
            GateOutcome::fail(Value::from(days), format!("{text} < min_days {min}{chain}"))
                .expecting(format!("≥ {min} days"))
        }
        _ => GateOutcome::pass(Value::from(days), format!("{text}{chain} ({took} ms)")),
    }
}

/// Connect, handshake, and return the leaf certificate.
async fn handshake(address: &str, verify_chain: bool) -> Result<Vec<u8>, GateOutcome> {
    let host = host_of(address);
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| GateOutcome::error(format!("{address}: invalid host name: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| GateOutcome::error(format!("TLS setup: {e}")))?;
    let config = if verify_chain {
        builder
            .with_root_certificates(roots()?)
            .with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth()
    };
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| GateOutcome::error(format!("{address}: {}", super::tcp::io_text(&e))))?;
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| handshake_error(address, &e))?;
    let (_, conn) = tls.get_ref();
    conn.peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or_else(|| GateOutcome::error(format!("{address}: no certificate was sent")))
}

/// An untrusted certificate is a failed check; anything else stopped the measurement.
fn handshake_error(address: &str, e: &std::io::Error) -> GateOutcome {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(why)) => GateOutcome::fail(
            Value::Null,
            format!("{address}: certificate not trusted: {why:?}"),
        ),
        _ => GateOutcome::error(format!("{address}: TLS handshake failed: {e}")),
    }
}

fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

fn roots() -> Result<RootCertStore, GateOutcome> {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(found.certs);
    if store.is_empty() {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_owned(), ToString::to_string);
        return Err(GateOutcome::error(format!(
            "no trusted root certificates to verify the chain ({why}); set SSL_CERT_FILE or verify_chain = false"
        )));
    }
    Ok(store)
}

/// `verify_chain = false`: accept any certificate, still checking the handshake signatures.
#[derive(Debug)]
struct AnyCert(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_split_from_the_port() {
        assert_eq!(host_of("example.com:443"), "example.com");
        assert_eq!(host_of("[::1]:8443"), "::1");
        assert_eq!(host_of("127.0.0.1:8443"), "127.0.0.1");
    }
}
