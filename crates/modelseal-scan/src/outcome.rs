//! What a scan produced: findings, problems and counts. A leaf: sources and
//! the pipeline both build outcomes, and neither needs the other for it.

pub use modelseal_findings::{Problem, ProblemKind, Stats, describe_io};

use modelseal_findings::Finding;

/// What a scan produced.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Parts that could not be read (warnings: the result is incomplete),
    /// parts left out on purpose (skips) and notes, each told by its kind.
    pub problems: Vec<Problem>,
}

impl ScanOutcome {
    /// Both outcomes together.
    #[must_use]
    pub fn merge(mut self, other: ScanOutcome) -> Self {
        self.findings.extend(other.findings);
        self.problems.extend(other.problems);
        self.stats.add(&other.stats);
        self
    }

    /// Findings ordered by location, problems by kind and path.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| (&a.location, &a.rule).cmp(&(&b.location, &b.rule)));
        self.problems.sort();
    }

    /// Whether part of the input could not be read.
    pub fn is_incomplete(&self) -> bool {
        self.problems.iter().any(Problem::is_warning)
    }

    /// The parts that could not be read.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_warning())
    }
}
