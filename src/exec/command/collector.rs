//! Output of a running command: batched per stream into `Output` messages, and scanned for
//! the step's captures.

use std::collections::BTreeMap;
use std::time::Instant;

use tokio::sync::mpsc;

use super::RunSpec;
use crate::journal::OutputBatcher;
use crate::release::Msg;

/// Batches output per stream and scans it for captures.
pub(super) struct Collector<'a> {
    spec: &'a RunSpec,
    tx: &'a mpsc::UnboundedSender<Msg>,
    stdout: OutputBatcher,
    stderr: OutputBatcher,
    /// The first match of each capture, by name.
    pub(super) captures: BTreeMap<String, String>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(spec: &'a RunSpec, tx: &'a mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            spec,
            tx,
            stdout: OutputBatcher::new(),
            stderr: OutputBatcher::new(),
            captures: BTreeMap::new(),
        }
    }

    pub(super) fn push(&mut self, stream: &'static str, line: String) {
        for c in &self.spec.captures {
            if !self.captures.contains_key(&c.name)
                && let Some(m) = c.regex.captures(&line).and_then(|m| m.get(1))
            {
                self.captures.insert(c.name.clone(), m.as_str().to_owned());
            }
        }
        let b = if stream == "stderr" {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        if let Some(batch) = b.push(line, Instant::now()) {
            self.send(stream, batch);
        }
    }

    fn send(&self, stream: &str, lines: Vec<String>) {
        if !lines.is_empty() {
            let _ = self.tx.send(Msg::Output {
                phase: self.spec.phase,
                step: self.spec.step.clone(),
                stream: stream.to_owned(),
                lines,
            });
        }
    }

    pub(super) fn flush_due(&mut self) {
        let now = Instant::now();
        if self.stdout.due(now) {
            let l = self.stdout.take();
            self.send("stdout", l);
        }
        if self.stderr.due(now) {
            let l = self.stderr.take();
            self.send("stderr", l);
        }
    }

    pub(super) fn flush_all(&mut self) {
        let l = self.stdout.take();
        self.send("stdout", l);
        let l = self.stderr.take();
        self.send("stderr", l);
    }
}
