//! The real terminal: enter and leave the alternate screen and raw mode, a panic hook that
//! restores the terminal before the panic is printed, a guard that restores it on drop, mouse
//! capture only when asked, and synchronized output (DEC 2026) around each frame.

use std::io::{self, IsTerminal, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::app::App;
use super::render::render;
use super::theme::Theme;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is in the cockpit's mode (so `restore` is idempotent).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when dropped (on every exit path, including `?` and panics that
/// unwind).
#[derive(Debug)]
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Enter raw mode and the alternate screen (and mouse capture if `mouse`). Fails with a clear
/// message when stdout is not a terminal (e.g. `ssh host flightdeck` without `-t`).
pub fn enter(mouse: bool) -> io::Result<(Tui, Guard)> {
    if !io::stdout().is_terminal() {
        return Err(io::Error::other(
            "stdout is not a terminal: use `ssh -t`, or `--plain` for line output",
        ));
    }
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = Guard(());
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
        MOUSE.store(true, Ordering::SeqCst);
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    terminal.clear()?;
    Ok((terminal, guard))
}

/// Leave the cockpit's terminal mode. Safe to call more than once.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let screen = execute!(
        out,
        EndSynchronizedUpdate,
        LeaveAlternateScreen,
        cursor::Show
    );
    raw.and(screen)
}

/// Restore the terminal before the previous panic hook prints the panic.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        previous(info);
    }));
}

/// Draw one frame inside a synchronized update, so it does not flicker over SSH.
pub fn draw(terminal: &mut Tui, app: &App, theme: &Theme) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = terminal.draw(|f| render(app, theme, f)).map(|_| ());
    queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()?;
    drawn
}
