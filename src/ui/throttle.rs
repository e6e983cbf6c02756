//! Frame pacing for the cockpit loop (pure: the loop passes the clock in). Keys are drawn at
//! once; other changes at most `--fps` times a second; the log pane's changes at `--fps` while
//! it changes slowly, and at most [`FAST_FPS`] times a second while it scrolls fast (a human
//! cannot read 30 frames a second of scrolling text, and every frame of it is bytes an SSH link
//! must carry). A terminal that cannot keep up (a draw whose write blocks) spaces log frames
//! further, up to [`MAX_LOG_INTERVAL`], so the newest line is on screen within a second.
//! While log frames are skipped, [`Pacer::throttled`] says so and the loop tells the App
//! (`AppMsg::LogThrottled`), whose log pane title then says `throttled`.

use std::time::{Duration, Instant};

/// Log frames per second while the pane scrolls fast.
pub const FAST_FPS: u32 = 4;
/// Lines per second (over about the last second) above which the pane "scrolls fast".
pub const FAST_LINES: u64 = 20;
/// The longest gap between two log frames, whatever the terminal: the newest line is on
/// screen within a second.
pub const MAX_LOG_INTERVAL: Duration = Duration::from_millis(350);
/// A draw that takes longer than this wrote into a terminal that backs up.
pub const SLOW_WRITE: Duration = Duration::from_millis(30);
/// How many draws' time a slow terminal gets between log frames.
const BACKOFF_FACTOR: u32 = 3;
/// The rate is counted in two buckets of this length.
const BUCKET: Duration = Duration::from_millis(500);

/// The loop's frame pacing state.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// One frame at `--fps`.
    frame: Duration,
    last_draw: Option<Instant>,
    /// A change other than the log pane's waits to be drawn.
    other: bool,
    /// The first log change not drawn yet.
    log_since: Option<Instant>,
    /// Log lines in the current bucket (started at `bucket_at`) and the one before.
    bucket_at: Instant,
    cur: u64,
    prev: u64,
    /// The extra gap a slow terminal asks for (0: it keeps up).
    backoff: Duration,
    /// A log frame was due at `--fps` and not drawn since the pane last went quiet.
    skipped: bool,
}

impl Pacer {
    /// A pacer for `fps` frames a second, starting at `now`.
    pub fn new(fps: u32, now: Instant) -> Pacer {
        Pacer {
            frame: Duration::from_millis(1000 / u64::from(fps.max(1))),
            last_draw: None,
            other: false,
            log_since: None,
            bucket_at: now,
            cur: 0,
            prev: 0,
            backoff: Duration::ZERO,
            skipped: false,
        }
    }

    /// One frame at `--fps`.
    pub fn frame(&self) -> Duration {
        self.frame
    }

    fn roll(&mut self, now: Instant) {
        let Some(age) = now.checked_duration_since(self.bucket_at) else {
            return;
        };
        if age >= BUCKET * 2 {
            (self.prev, self.cur) = (0, 0);
            self.bucket_at = now;
        } else if age >= BUCKET {
            self.prev = self.cur;
            self.cur = 0;
            self.bucket_at += BUCKET;
        }
    }

    /// Log lines over about the last second.
    pub fn rate(&self) -> u64 {
        self.prev + self.cur
    }

    fn fast(&self) -> bool {
        self.rate() > FAST_LINES
    }

    /// The gap between two log frames now.
    pub fn log_interval(&self) -> Duration {
        let base = if self.fast() {
            Duration::from_millis(1000 / u64::from(FAST_FPS)).max(self.frame)
        } else {
            self.frame
        };
        base.max(self.backoff).min(MAX_LOG_INTERVAL.max(self.frame))
    }

    /// `lines` log lines arrived (the log pane changed).
    pub fn log_changed(&mut self, now: Instant, lines: usize) {
        self.roll(now);
        self.cur += lines as u64;
        self.log_since.get_or_insert(now);
    }

    /// Something other than the log pane changed (a step, a gate, a container, a clock): drawn
    /// at the next `--fps` frame.
    pub fn other_changed(&mut self) {
        self.other = true;
    }

    /// When the next frame is due: `None` when nothing waits. Keys are not asked about: the
    /// loop draws them at once.
    pub fn due(&self) -> Option<Instant> {
        let after = |gap: Duration| self.last_draw.map_or(Some(None), |d| Some(Some(d + gap)));
        let other = if self.other { after(self.frame) } else { None };
        let log = self.log_since.and_then(|_| after(self.log_interval()));
        match (other, log) {
            // Never drawn: at once.
            (Some(None), _) | (_, Some(None)) => Some(self.last_draw.unwrap_or(self.bucket_at)),
            (Some(Some(a)), Some(Some(b))) => Some(a.min(b)),
            (Some(Some(a)), None) | (None, Some(Some(a))) => Some(a),
            (None, None) => None,
        }
    }

    /// Whether a frame is due at `now` (a key's frame is always due: the loop does not ask).
    pub fn is_due(&mut self, now: Instant) -> bool {
        let due = self.due().is_some_and(|d| d <= now);
        if !due
            && self.log_since.is_some()
            && self
                .last_draw
                .is_some_and(|d| now >= d + self.frame && self.log_interval() > self.frame)
        {
            // A log frame `--fps` would have drawn is skipped.
            self.skipped = true;
        }
        due
    }

    /// A frame was drawn from `start` to `end` (render, write and flush): everything waiting
    /// is on screen. A draw that took long wrote into a terminal that backs up: log frames are
    /// spaced by a few times that, until draws are quick again.
    pub fn drawn(&mut self, start: Instant, end: Instant) {
        let took = end.saturating_duration_since(start);
        self.backoff = if took > SLOW_WRITE {
            took * BACKOFF_FACTOR
        } else {
            Duration::ZERO
        };
        if self.backoff > Duration::ZERO {
            self.skipped = true;
        }
        self.last_draw = Some(end);
        self.other = false;
        self.log_since = None;
    }

    /// The App has nothing to draw (the changes announced changed nothing visible).
    pub fn idle(&mut self) {
        self.other = false;
        self.log_since = None;
    }

    /// When the loop must wake to notice the pane went quiet (only while throttled).
    pub fn recheck_at(&self) -> Option<Instant> {
        self.skipped.then_some(self.bucket_at + BUCKET)
    }

    /// Whether log frames are being skipped: the pane scrolls fast or the terminal backs up.
    /// Rolls the rate buckets to `now`; once the pane has been quiet for about a second and
    /// the terminal keeps up, it is not throttled any more.
    pub fn throttled(&mut self, now: Instant) -> bool {
        self.roll(now);
        if !self.fast() && self.backoff.is_zero() {
            self.skipped = false;
        }
        self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    /// Run a storm of `per_batch` lines every 25 ms for `for_ms`, drawing whenever due; the
    /// times of the frames drawn.
    fn storm(p: &mut Pacer, t0: Instant, from: u64, for_ms: u64, per_batch: usize) -> Vec<u64> {
        let mut frames = Vec::new();
        let mut t = from;
        while t < from + for_ms {
            p.log_changed(ms(t0, t), per_batch);
            if p.is_due(ms(t0, t)) {
                p.drawn(ms(t0, t), ms(t0, t));
                frames.push(t);
            }
            t += 25;
        }
        frames
    }

    #[test]
    fn a_slow_pane_is_drawn_at_fps() {
        let t0 = Instant::now();
        let mut p = Pacer::new(30, t0);
        p.log_changed(t0, 1);
        assert!(p.is_due(t0), "the first change is drawn at once");
        p.drawn(t0, t0);
        p.log_changed(ms(t0, 10), 1);
        assert!(!p.is_due(ms(t0, 20)));
        assert!(p.is_due(ms(t0, 33)));
        assert!(!p.throttled(ms(t0, 33)));
    }

    #[test]
    fn a_fast_pane_is_drawn_a_few_times_a_second_and_says_throttled() {
        let t0 = Instant::now();
        let mut p = Pacer::new(30, t0);
        let frames = storm(&mut p, t0, 0, 2000, 200);
        // About FAST_FPS a second once the rate is known (the first few at fps).
        let late: Vec<&u64> = frames.iter().filter(|&&t| t >= 500).collect();
        assert!(
            late.len() <= 2 * FAST_FPS as usize + 1,
            "{} frames in 1.5 s: {frames:?}",
            late.len()
        );
        assert!(p.throttled(ms(t0, 2000)));
        // The newest line never waits more than a second: no gap between frames over 1 s.
        for w in frames.windows(2) {
            assert!(w[1] - w[0] <= 1000, "{frames:?}");
        }
    }

    #[test]
    fn the_newest_line_is_drawn_within_a_second_even_when_the_terminal_backs_up() {
        let t0 = Instant::now();
        let mut p = Pacer::new(30, t0);
        // Every draw blocks for 400 ms: log frames are spaced, never more than MAX apart.
        let mut t = 0;
        let mut last = None;
        let mut frames = 0;
        p.log_changed(ms(t0, t), 100);
        while t < 5000 {
            if p.is_due(ms(t0, t)) {
                p.drawn(ms(t0, t), ms(t0, t + 400));
                t += 400;
                frames += 1;
                if let Some(l) = last {
                    assert!(t - l <= 400 + 1000, "{l} → {t}");
                }
                last = Some(t);
            }
            t += 10;
            // A line arrives every 10 ms, the newest one after the draw that just ended.
            p.log_changed(ms(t0, t), 1);
        }
        assert!(frames >= 4, "{frames} frames in 5 s");
        assert!(p.throttled(ms(t0, t)), "a backed-up terminal throttles");
        assert!(p.log_interval() <= MAX_LOG_INTERVAL);
    }

    #[test]
    fn other_changes_are_not_slowed_by_a_storm() {
        let t0 = Instant::now();
        let mut p = Pacer::new(30, t0);
        storm(&mut p, t0, 0, 1000, 200);
        p.drawn(ms(t0, 1000), ms(t0, 1000));
        p.log_changed(ms(t0, 1005), 200);
        p.other_changed();
        assert!(!p.is_due(ms(t0, 1020)));
        assert!(
            p.is_due(ms(t0, 1034)),
            "a step's change waits one fps frame only"
        );
    }

    #[test]
    fn the_throttle_ends_about_a_second_after_the_storm() {
        let t0 = Instant::now();
        let mut p = Pacer::new(30, t0);
        storm(&mut p, t0, 0, 1000, 200);
        assert!(p.throttled(ms(t0, 1000)));
        let at = p.recheck_at().expect("a wake-up to notice the quiet");
        assert!(at <= ms(t0, 1500));
        assert!(p.throttled(ms(t0, 1400)), "still within the last second");
        assert!(!p.throttled(ms(t0, 2100)));
        assert_eq!(p.recheck_at(), None);
    }
}
