//! Seal points (DESIGN.md §9.2): after `release-started` is durable, and when the release
//! completes, is rolled back, is abandoned, stops on a failed step, or the operator hangs up
//! (and at exit, when records were written after the last seal), the operator's key signs
//! `{release_id, count, last_hash}` of the journal as durable then. Signing runs in a task of
//! its own (through `ssh-keygen`, which never prompts) so keys and frames never wait for it;
//! its result comes back as an owned [`Sealed`] and is journaled as `seal` or `seal-skipped`.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use crate::journal::Head;
use crate::release::{Event, Outcome};
use crate::trust::SealPayload;

/// The environment variable naming the operator's key (a private key, or a public key whose
/// private half is in `ssh-agent`).
pub const KEY_ENV: &str = "FLIGHTDECK_KEY";

/// The operator's key: `FLIGHTDECK_KEY` when set and not empty. (`--key` sets it too.)
pub fn operator_key() -> Option<PathBuf> {
    std::env::var_os(KEY_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The seal point a durable record is, if any.
pub fn point_of(ev: &Event) -> Option<&'static str> {
    match ev {
        Event::ReleaseStarted { .. } => Some("start"),
        Event::ReleaseFinished { outcome } => Some(outcome.as_str()),
        Event::StepFinished { outcome, .. } if *outcome != Outcome::Succeeded => Some("failed"),
        Event::OperatorDisconnected { .. } => Some("hang-up"),
        _ => None,
    }
}

/// Whether a record is one the seal machinery writes itself (it does not call for a new seal).
pub fn is_own(ev: &Event) -> bool {
    matches!(
        ev,
        Event::Seal { .. } | Event::SealSkipped { .. } | Event::Anchor { .. }
    )
}

/// A seal point's result: the head it covers and the signature, or why there is none.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub point: String,
    pub count: u64,
    pub last_hash: String,
    /// `Ok((fingerprint, signature))`, or why signing was impossible; `None` when the runbook
    /// does not seal (the point only anchors).
    pub signed: Option<Result<(String, String), String>>,
}

impl Sealed {
    /// The record to journal: `seal` or `seal-skipped` (`None` when not sealing).
    pub fn event(&self) -> Option<Event> {
        Some(match self.signed.as_ref()? {
            Ok((key, signature)) => Event::Seal {
                point: self.point.clone(),
                count: self.count,
                last_hash: self.last_hash.clone(),
                key: key.clone(),
                signature: signature.clone(),
            },
            Err(reason) => Event::SealSkipped {
                point: self.point.clone(),
                count: self.count,
                last_hash: self.last_hash.clone(),
                reason: reason.clone(),
            },
        })
    }
}

struct Job {
    point: String,
}

/// What one release seals with.
#[derive(Debug, Clone)]
pub struct SealConfig {
    pub release_id: String,
    /// The journal's head file.
    pub head: PathBuf,
    /// `[trust] seal = true`.
    pub seal: bool,
    /// The operator's key, when one is named.
    pub key: Option<PathBuf>,
}

/// The driver's side of sealing: requests go to one task, in order; results come back.
pub struct Sealer {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    done: mpsc::UnboundedReceiver<Sealed>,
    pending: usize,
    /// Records other than seals and anchors were journaled since the last seal point.
    pub(super) unsealed: bool,
}

impl Sealer {
    /// A sealer that does nothing (observing, or a runbook without seal and anchor).
    pub fn off() -> Sealer {
        let (_, done) = mpsc::unbounded_channel();
        Sealer {
            jobs: None,
            done,
            pending: 0,
            unsealed: false,
        }
    }

    /// A sealer for `cfg`, whose results are wanted for sealing, anchoring or both.
    pub fn new(cfg: SealConfig) -> Sealer {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let (tx, done) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                let cfg = cfg.clone();
                let sealed = tokio::task::spawn_blocking(move || seal_now(&cfg, job.point))
                    .await
                    .unwrap_or_else(|e| Sealed {
                        point: "?".into(),
                        count: 0,
                        last_hash: String::new(),
                        signed: Some(Err(format!("the signing task failed: {e}"))),
                    });
                if tx.send(sealed).is_err() {
                    break;
                }
            }
        });
        Sealer {
            jobs: Some(jobs),
            done,
            pending: 0,
            unsealed: false,
        }
    }

    /// Seal the journal as durable now, at `point`.
    pub fn request(&mut self, point: &str) {
        let Some(jobs) = &self.jobs else { return };
        if jobs
            .send(Job {
                point: point.to_owned(),
            })
            .is_ok()
        {
            self.pending += 1;
            self.unsealed = false;
        }
    }

    /// Whether this sealer does anything.
    pub fn on(&self) -> bool {
        self.jobs.is_some()
    }

    /// No seal is being made.
    pub fn idle(&self) -> bool {
        self.pending == 0
    }

    /// The next result.
    pub async fn next(&mut self) -> Sealed {
        if self.pending == 0 {
            return std::future::pending().await;
        }
        if let Some(s) = self.done.recv().await {
            self.pending -= 1;
            s
        } else {
            self.pending = 0;
            std::future::pending().await
        }
    }
}

/// Read the head and sign it (blocking: `ssh-keygen`).
fn seal_now(cfg: &SealConfig, point: String) -> Sealed {
    let (count, last_hash) = match Head::read(&cfg.head) {
        Ok(h) => (h.count, h.last_hash),
        Err(e) => {
            return Sealed {
                point,
                count: 0,
                last_hash: String::new(),
                signed: cfg
                    .seal
                    .then(|| Err(format!("cannot read the journal head: {e:#}"))),
            };
        }
    };
    let signed = cfg
        .seal
        .then(|| sign(&cfg.release_id, count, &last_hash, cfg.key.as_deref()));
    Sealed {
        point,
        count,
        last_hash,
        signed,
    }
}

/// The operator's signature over the seal payload, with the key's fingerprint.
pub fn sign(
    release_id: &str,
    count: u64,
    last_hash: &str,
    key: Option<&Path>,
) -> Result<(String, String), String> {
    let Some(key) = key else {
        return Err(format!(
            "no operator key: give --key or set {KEY_ENV} to sign the journal"
        ));
    };
    let payload = SealPayload {
        count,
        last_hash: last_hash.to_owned(),
        release_id: release_id.to_owned(),
    }
    .canonical();
    let signature = crate::trust::sign(&payload, key).map_err(|e| e.to_string())?;
    let fingerprint = crate::trust::fingerprint(key).unwrap_or_else(|_| "(unknown key)".to_owned());
    Ok((fingerprint, signature))
}

impl super::Driver {
    /// A record is durable: seal (and anchor) when it is a seal point.
    pub(super) fn seal_point(&mut self, ev: &Event) {
        if !self.sealer.on() || self.core.is_none() || is_own(ev) {
            return;
        }
        match point_of(ev) {
            Some(p) => self.sealer.request(p),
            None => self.sealer.unsealed = true,
        }
    }

    /// A seal point's result: journal it, then anchor it.
    pub(super) fn on_sealed(&mut self, s: Sealed) {
        if let Some(ev) = s.event() {
            self.internal(crate::release::Msg::Record(ev), super::now_ms());
        }
        if self.anchorer.on() && !s.last_hash.is_empty() {
            let seal = match &s.signed {
                Some(Ok((key, signature))) => Some(crate::exec::anchor::AnchorSeal {
                    count: s.count,
                    last_hash: s.last_hash.clone(),
                    key: key.clone(),
                    signature: signature.clone(),
                }),
                _ => None,
            };
            self.anchorer.request(super::anchor::Job {
                count: s.count,
                last_hash: s.last_hash,
                seal,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{Phase, ReleaseOutcome};

    #[test]
    fn seal_points_are_the_start_the_ends_a_failure_and_a_hang_up() {
        let finished = |outcome| Event::ReleaseFinished { outcome };
        assert_eq!(
            point_of(&finished(ReleaseOutcome::Completed)),
            Some("completed")
        );
        assert_eq!(
            point_of(&finished(ReleaseOutcome::RolledBack)),
            Some("rolled-back")
        );
        assert_eq!(
            point_of(&finished(ReleaseOutcome::Abandoned)),
            Some("abandoned")
        );
        let step = |outcome| Event::StepFinished {
            step: "deploy".into(),
            phase: Phase::Main,
            outcome,
            exit_code: None,
            reason: None,
            duration_ms: 1,
            captures: std::collections::BTreeMap::new(),
        };
        assert_eq!(point_of(&step(Outcome::Failed)), Some("failed"));
        assert_eq!(point_of(&step(Outcome::TimedOut)), Some("failed"));
        assert_eq!(point_of(&step(Outcome::Succeeded)), None);
        let hup = Event::OperatorDisconnected {
            reason: "SIGHUP".into(),
        };
        assert_eq!(point_of(&hup), Some("hang-up"));
    }

    #[test]
    fn without_a_key_the_seal_is_skipped_with_the_reason() {
        let err = sign("r", 3, "ab", None).expect_err("no key");
        assert!(err.contains("FLIGHTDECK_KEY"), "{err}");
        let s = Sealed {
            point: "start".into(),
            count: 3,
            last_hash: "ab".into(),
            signed: Some(Err(err)),
        };
        assert!(matches!(
            s.event(),
            Some(Event::SealSkipped { count: 3, .. })
        ));
        let off = Sealed { signed: None, ..s };
        assert!(off.event().is_none());
    }
}
