//! Terminal input on a thread of its own: crossterm's events, read there and handed to the
//! cockpit's loop as owned messages over a channel.
//!
//! crossterm's `EventStream` (and `event::poll(0)`) take the lock of crossterm's one event
//! reader, which its waker thread holds while it waits for input: every poll from the loop
//! then spins on that lock with `sched_yield`, and the loop polls on every driver event (a
//! thousand a second with 100 containers logging; it was a fifth of the cockpit's CPU). Here
//! one thread owns the reader; the loop only looks at a channel.

use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;

/// How often the reader thread, while no input comes, checks that the cockpit still listens
/// (it ends within this time after the cockpit does).
const CHECK_EVERY: Duration = Duration::from_millis(200);

/// The terminal's events, as the reader thread sends them.
pub struct Input {
    rx: mpsc::UnboundedReceiver<std::io::Result<Event>>,
}

impl Input {
    /// Start the reader thread. It ends after a read error (sent first) or once this
    /// `Input` is dropped.
    pub fn spawn() -> std::io::Result<Input> {
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("terminal-input".into())
            .spawn(move || read(&tx))?;
        Ok(Input { rx })
    }

    /// The next event; `None` once the reader has ended (after an error it sent).
    pub async fn next(&mut self) -> Option<std::io::Result<Event>> {
        self.rx.recv().await
    }

    /// Whether an event is already waiting (a key goes in before the next frame).
    pub fn pending(&self) -> bool {
        !self.rx.is_empty()
    }
}

fn read(tx: &mpsc::UnboundedSender<std::io::Result<Event>>) {
    loop {
        let ev = match crossterm::event::poll(CHECK_EVERY) {
            Ok(true) => crossterm::event::read(),
            Ok(false) if tx.is_closed() => return,
            Ok(false) => continue,
            Err(e) => Err(e),
        };
        let failed = ev.is_err();
        if tx.send(ev).is_err() || failed {
            return;
        }
    }
}
