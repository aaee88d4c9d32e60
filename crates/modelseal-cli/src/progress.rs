//! A progress bar on stderr for scans longer than a moment, only on a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modelseal_scan::Observer;

/// How long a scan runs before the bar appears.
const DELAY: Duration = Duration::from_millis(400);

pub struct Progress {
    bar: Mutex<Option<ProgressBar>>,
    shown: std::sync::atomic::AtomicBool,
    start: Instant,
    enabled: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            bar: Mutex::new(None),
            shown: std::sync::atomic::AtomicBool::new(false),
            start: Instant::now(),
            enabled: enabled && std::io::stderr().is_terminal(),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn started(&self, _files: u64, bytes: u64) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} scanning {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("valid template"),
        );
        *self.bar.lock().expect("progress lock") = Some(bar);
    }

    fn file_done(&self, bytes: u64) {
        let guard = self.bar.lock().expect("progress lock");
        let Some(bar) = guard.as_ref() else { return };
        bar.inc(bytes);
        if !self.shown.load(std::sync::atomic::Ordering::Relaxed) && self.start.elapsed() > DELAY {
            self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }
}
