//! The stats streams of one host: open only for the running containers of the selected
//! service, reopened when that set changes, and closed (dropped) otherwise.

use std::collections::{BTreeSet, HashMap};
use std::pin::Pin;

use bollard::Docker;
use bollard::query_parameters::StatsOptions;
use futures::stream::{SelectAll, Stream, StreamExt};

use super::convert;
use crate::model::docker::{ContainerInfo, ContainerStats, RunState};

type StatsStream = Pin<Box<dyn Stream<Item = (String, ContainerStats)> + Send>>;

/// The open stats streams and the container ids they are for.
#[derive(Default)]
pub struct StatsSet {
    ids: BTreeSet<String>,
    streams: SelectAll<StatsStream>,
}

impl StatsSet {
    /// Open exactly the streams for `selected`'s running containers among `known`.
    pub fn sync(
        &mut self,
        docker: &Docker,
        selected: Option<&str>,
        known: &HashMap<String, ContainerInfo>,
    ) {
        let want: BTreeSet<String> = selected
            .map(|svc| {
                known
                    .values()
                    .filter(|c| c.state == RunState::Running && c.services.iter().any(|s| s == svc))
                    .map(|c| c.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if want == self.ids {
            return;
        }
        // Dropping the old streams closes their connections.
        self.streams = SelectAll::new();
        for id in &want {
            let key = id.clone();
            let s = docker
                .stats(
                    id,
                    Some(StatsOptions {
                        stream: true,
                        one_shot: false,
                    }),
                )
                .take_while(|r| std::future::ready(r.is_ok()))
                .filter_map(move |r| {
                    let key = key.clone();
                    std::future::ready(r.ok().as_ref().and_then(convert::stats).map(|s| (key, s)))
                });
            self.streams.push(Box::pin(s));
        }
        self.ids = want;
    }

    /// Close every stream.
    pub fn clear(&mut self) {
        self.streams = SelectAll::new();
        self.ids.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// The next sample of any stream (pending forever when none is open: guard with
    /// [`StatsSet::is_empty`]).
    pub async fn next(&mut self) -> Option<(String, ContainerStats)> {
        self.streams.next().await
    }
}
