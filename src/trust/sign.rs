//! Signing a payload with the operator's SSH key, as git does: `ssh-keygen -Y sign -n
//! flightdeck -f KEY`, with `-U` when KEY is a public key whose private half is in `ssh-agent`.
//! Shelling out keeps agents, hardware keys and passphrases (through the agent) working.

use std::path::Path;
use std::time::Duration;

use super::keys::{KeyFile, key_file};
use super::{NAMESPACE, TrustError, keygen};

/// Long enough for a touch on a hardware key.
const SIGN_DEADLINE: Duration = Duration::from_secs(60);

/// Sign `payload` (its canonical text) with the key at `key`; the armored SSHSIG
/// (`-----BEGIN SSH SIGNATURE-----` …). Never prompts: a key with a passphrase must be in the
/// agent.
pub fn sign(payload: &str, key: &Path) -> Result<String, TrustError> {
    sign_with_agent(payload, key, None)
}

/// Like [`sign`], with `agent` as the `ssh-agent` socket instead of `$SSH_AUTH_SOCK` (say, the
/// socket the release started with, when a forwarded agent has since moved).
pub fn sign_with_agent(
    payload: &str,
    key: &Path,
    agent: Option<&Path>,
) -> Result<String, TrustError> {
    let in_agent = matches!(key_file(key)?, KeyFile::Public(_));
    let work = tempfile::tempdir()
        .map_err(|e| TrustError::Tool(format!("cannot make a temporary directory: {e}")))?;
    let message = work.path().join("payload");
    std::fs::write(&message, payload)
        .map_err(|e| TrustError::Tool(format!("cannot write the payload to sign: {e}")))?;
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "-Y".as_ref(),
        "sign".as_ref(),
        "-n".as_ref(),
        NAMESPACE.as_ref(),
        "-f".as_ref(),
        key.as_os_str(),
    ];
    if in_agent {
        args.push("-U".as_ref());
    }
    args.push(message.as_os_str());
    let out = keygen::run(args, None, agent, work.path(), SIGN_DEADLINE)?;
    let sig_path = work.path().join("payload.sig");
    if !out.success {
        let agent_known = agent.is_some() || std::env::var_os("SSH_AUTH_SOCK").is_some();
        return Err(TrustError::Tool(explain(
            &out.said(),
            key,
            in_agent,
            agent_known,
        )));
    }
    std::fs::read_to_string(&sig_path).map_err(|e| {
        TrustError::Tool(format!(
            "ssh-keygen -Y sign wrote no signature ({e}): {}",
            out.said()
        ))
    })
}

/// ssh-keygen's complaint, with what to do about it.
fn explain(said: &str, key: &Path, in_agent: bool, agent_known: bool) -> String {
    let key = key.display();
    let lower = said.to_lowercase();
    let hint = if lower.contains("passphrase") {
        format!("; the key has a passphrase: add it to ssh-agent (`ssh-add {key}`) first")
    } else if in_agent && !agent_known {
        "; no ssh-agent is reachable (SSH_AUTH_SOCK is not set)".to_owned()
    } else if in_agent {
        format!("; is the private half of {key} in ssh-agent? (`ssh-add -L` lists its keys)")
    } else {
        String::new()
    };
    format!("ssh-keygen -Y sign with {key} failed: {said}{hint}")
}
