//! Tamper detection: checks the hash chain, the seq order and the head file, naming lines.

use std::collections::HashMap;
use std::path::Path;

use color_eyre::eyre::Result;

use super::hash::{Hasher, KEY_ENV};
use super::head::Head;
use super::reader::{Scanned, TornTail, scan};
use super::state_dir::{ReleaseEntry, StateDir};
use super::verify_signatures::SignatureReport;

/// One thing wrong with a journal. `line` is 1-based; 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// The result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Complete, valid records.
    pub records: usize,
    /// Hash of the last complete line: pin it in the release ticket.
    pub final_hash: Option<String>,
    pub problems: Vec<Problem>,
    /// A torn last line is reported here; it is only a problem if the head file counts it.
    pub torn_tail: Option<TornTail>,
    /// What was not checked, and why (say, `--offline`).
    pub notes: Vec<String>,
    /// The approvals and their signatures, when checked ([`TrustCheck::signatures`]).
    pub signatures: Option<SignatureReport>,
}

/// What `journal verify` checks beyond the chain and the head (DESIGN.md §9.2–9.3): seals,
/// anchors and approval signatures, from the runbook and the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustCheck {
    /// The `allowed_signers` file signatures are verified against.
    pub allowed_signers: Option<std::path::PathBuf>,
    /// The runbook seals (`[trust] seal = true`): a journal without seals is a problem.
    pub seal: bool,
    /// Where the runbook anchors the journal.
    pub anchor: Option<super::verify_anchors::AnchorTarget>,
    /// Skip fetching the remote's anchors.
    pub offline: bool,
    /// Check every signed approval against `allowed_signers` (`journal verify`; a resume does
    /// not: its journal was written by this host's releases).
    pub signatures: bool,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies one journal file; its release id is the file stem and its head is `<stem>.head`.
pub fn verify(path: &Path, hasher: &Hasher) -> VerifyReport {
    verify_with(path, hasher, &TrustCheck::default())
}

/// [`verify`], with the seals and anchors checked as `trust` says.
pub fn verify_with(path: &Path, hasher: &Hasher, trust: &TrustCheck) -> VerifyReport {
    let mut report = VerifyReport::default();
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let buf = match std::fs::read(path) {
        Ok(buf) => buf,
        Err(e) => {
            report
                .problems
                .push(problem(0, format!("cannot read the journal: {e}")));
            return report;
        }
    };
    let (lines, torn) = scan(&buf);
    report.torn_tail = torn;
    let line_hashes: Vec<String> = lines.iter().map(|l| hasher.hash(l.bytes)).collect();
    let mut check = Check {
        lines: &lines,
        hashes: &line_hashes,
        seqs: HashMap::new(),
        problems: Vec::new(),
    };
    for (i, line) in lines.iter().enumerate() {
        if let Ok(rec) = &line.record {
            check.seqs.entry(rec.seq).or_insert(i);
        }
    }
    check.chain(&hasher.genesis(&id));
    match Head::read(&path.with_extension("head")) {
        Ok(head) => check.head(&head, &hasher.genesis(&id)),
        Err(e) => check.problems.push(problem(
            0,
            format!("{e:#}; a truncated tail or an edited last line cannot be detected without it"),
        )),
    }
    let genesis = hasher.genesis(&id);
    let (p, notes) = (&mut check.problems, &mut report.notes);
    super::verify_seals::check(&lines, &line_hashes, &genesis, &id, trust, p, notes);
    super::verify_anchors::check(&lines, &line_hashes, &genesis, &id, trust, p, notes);
    if trust.signatures {
        let sigs =
            super::verify_signatures::check_lines(&lines, &id, trust.allowed_signers.as_deref());
        p.extend(sigs.problems());
        report.signatures = Some(sigs);
    }
    report.records = lines.iter().filter(|l| l.record.is_ok()).count();
    report.final_hash = line_hashes.last().cloned();
    report.problems = check.problems;
    report.problems.sort_by_key(|p| p.line);
    report
}

/// Verifies every journal in the state dir, newest first.
pub fn verify_all(dir: &StateDir, hasher: &Hasher) -> Result<Vec<(ReleaseEntry, VerifyReport)>> {
    Ok(dir
        .list()?
        .into_iter()
        .map(|e| {
            let report = verify(&e.path, hasher);
            (e, report)
        })
        .collect())
}

fn problem(line: usize, message: String) -> Problem {
    Problem { line, message }
}

struct Check<'a> {
    lines: &'a [Scanned<'a>],
    hashes: &'a [String],
    /// seq -> index of the first line holding it.
    seqs: HashMap<u64, usize>,
    problems: Vec<Problem>,
}

impl Check<'_> {
    fn push(&mut self, line: usize, message: String) {
        self.problems.push(problem(line, message));
    }

    fn chain(&mut self, genesis: &str) {
        let mut prev_seq: Option<u64> = None;
        for (i, line) in self.lines.iter().enumerate() {
            let n = i + 1;
            let rec = match &line.record {
                Ok(rec) => rec,
                Err(e) => {
                    self.push(n, format!("not a valid journal record ({e})"));
                    prev_seq = None;
                    continue;
                }
            };
            if i == 0 {
                if rec.seq != 0 {
                    self.gap(n, 0, rec.seq, "the first record");
                } else if rec.prev != genesis {
                    self.push(n, format!(
                        "prev is not the hash of the release id: the file was renamed, the prev \
                         was edited, or {KEY_ENV} is not the key it was written with"
                    ));
                }
            } else if let Some(p) = prev_seq {
                if rec.seq == p.saturating_add(1) {
                    if rec.prev != self.hashes[i - 1] {
                        self.push(
                            i,
                            format!(
                                "record was edited: its hash does not match the prev of line {n}"
                            ),
                        );
                    }
                } else if rec.seq > p {
                    self.gap(n, p + 1, rec.seq, "this record");
                } else {
                    self.push(
                        n,
                        format!(
                            "out of order: seq {} comes after seq {p}; records were reordered",
                            rec.seq
                        ),
                    );
                }
            }
            prev_seq = Some(rec.seq);
        }
    }

    /// Seqs `from..to` are not where they should be: deleted, unless they appear elsewhere
    /// (then the out-of-order line reports the reordering).
    fn gap(&mut self, n: usize, from: u64, to: u64, what: &str) {
        let elsewhere = self.seqs.keys().filter(|s| (from..to).contains(s)).count() as u64;
        let missing = (to - from).saturating_sub(elsewhere);
        if missing > 0 {
            self.push(n, format!(
                "{missing} record(s) deleted before this line: {what} has seq {to}, expected {from}"
            ));
        }
    }

    fn head(&mut self, head: &Head, genesis: &str) {
        if head.last_seq != head.count.checked_sub(1) {
            self.push(
                0,
                format!(
                    "head file is inconsistent: count {} but last_seq {:?}",
                    head.count, head.last_seq
                ),
            );
        }
        let last = self
            .seqs
            .iter()
            .max_by_key(|(seq, _)| **seq)
            .map(|(s, i)| (*s, *i));
        let Some((max_seq, at)) = last else {
            if head.count > 0 {
                self.push(
                    1,
                    format!(
                        "{0} records missing from the tail (head says {0})",
                        head.count
                    ),
                );
            } else if head.last_hash != genesis {
                self.push(
                    0,
                    "head file's last_hash is not the hash of the release id".into(),
                );
            }
            return;
        };
        let present = max_seq.saturating_add(1);
        match present.cmp(&head.count) {
            std::cmp::Ordering::Less => self.push(
                self.lines.len() + 1,
                format!(
                    "{} records missing from the tail (head says {})",
                    head.count - present,
                    head.count
                ),
            ),
            std::cmp::Ordering::Equal => {
                if self.hashes[at] != head.last_hash {
                    self.push(
                        at + 1,
                        "record was edited: its hash does not match the head file's last_hash"
                            .into(),
                    );
                }
            }
            std::cmp::Ordering::Greater => {
                // The process may have died between a batch's journal fsync and the head
                // rename: accept any number of extra records after the one the head names
                // (the chain check has already named any of them that is broken).
                let named = match head.count.checked_sub(1) {
                    None => Some(genesis),
                    Some(seq) => self.seqs.get(&seq).map(|&i| self.hashes[i].as_str()),
                };
                if named != Some(head.last_hash.as_str()) {
                    self.push(
                        at + 1,
                        format!(
                            "the head file says {} records but the journal has more; the head \
                             file is stale or was edited",
                            head.count
                        ),
                    );
                }
            }
        }
    }
}
