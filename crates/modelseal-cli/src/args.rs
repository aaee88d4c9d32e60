//! The command line, parsed by clap. Nothing here reaches the libraries: the
//! commands turn it into plain settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use modelseal_engine::Severity;

/// Find what an attacker would find in a model package (keys in training
/// logs, tokens in configs, usernames and internal hosts in metadata) before
/// it is published.
#[derive(Debug, Parser)]
#[command(name = "modelseal", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or nothing \
could be scanned, 3 no findings but part of the input could not be read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, folders or standard input for secrets and metadata leaks.
    #[command(after_long_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// See what an organization has published, as an attacker would: every
    /// model, dataset and space on the hub (hf:ORG) or public repository on
    /// GitHub (gh:ORG), scanned, with a summary per repository.
    #[command(after_long_help = RECON_EXAMPLES)]
    Recon(ReconArgs),
    /// Hide secrets in text as it streams by: a filter for logs.
    #[command(after_long_help = REDACT_EXAMPLES)]
    Redact(RedactArgs),
    /// Run a command with its standard output and error redacted.
    #[command(after_long_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Scan what is staged for the next commit: the pre-commit check.
    #[command(after_long_help = PROTECT_EXAMPLES)]
    Protect(ProtectArgs),
    /// Install a git pre-commit hook that runs `modelseal protect --staged`.
    #[command(after_long_help = INSTALL_HOOK_EXAMPLES)]
    InstallHook(InstallHookArgs),
    /// List, explain and check detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

const RECON_EXAMPLES: &str = "\
Examples:
  modelseal recon hf:acme-ml                       models, datasets and spaces of acme-ml
  modelseal recon gh:acme-ml --format json -o recon.json
  HF_TOKEN=hf_... modelseal recon hf:acme-ml       include what the token can see

Servers and tokens come from the environment, as the services' own tools read them:
HF_ENDPOINT, HF_TOKEN (or the token file `huggingface-cli login` writes), GITHUB_API_URL,
GITHUB_TOKEN or GH_TOKEN. Rate limits and server errors are retried with backoff. Ctrl-C
stops after the current repository and reports what was scanned; a second Ctrl-C quits.

Exit codes: as for scan (0 clean, 1 findings, 2 nothing could be listed, 3 incomplete).";

const PROTECT_EXAMPLES: &str = "\
Examples:
  modelseal protect --staged                     what `git commit` would record
  modelseal protect --staged --format json
  modelseal install-hook                         run it before every commit

New files are scanned whole, through the format readers (a model or an archive is read as
such). For a text file already in HEAD, only the lines the commit adds are scanned; line
numbers are those of the staged file. Configuration (modelseal.toml) and its baseline
apply as for `scan`. Skip the check once with `git commit --no-verify`.

Exit codes: as for scan (0 clean, 1 findings, 2 usage error, 3 something staged could not
be read).";

const INSTALL_HOOK_EXAMPLES: &str = "\
Examples:
  modelseal install-hook                 in the current repository
  modelseal install-hook --repo ../other
  modelseal install-hook --force         replace another hook (kept as pre-commit.bak)

The hook goes where git runs hooks: core.hooksPath when set, else the hooks folder of the
repository (shared by its linked worktrees). A hook modelseal wrote before is updated;
any other hook is left alone unless --force.
With the pre-commit framework, use the `modelseal-staged` hook of .pre-commit-hooks.yaml.";

const REDACT_EXAMPLES: &str = "\
Examples:
  python train.py 2>&1 | modelseal redact > train.log
  modelseal redact --metadata < notebook-output.txt
  modelseal redact --in-place --backup logs/*.log      keeps logs/train.log.orig
  modelseal redact --keep 4 --label '<{rule}>' < app.log

Every match of a secret rule becomes [REDACTED:<rule-id>]; so do the exact values of
this process's secret environment variables (names containing KEY, SECRET, TOKEN,
PASSWORD, PASSWD, CREDENTIAL or PRIVATE, plus [redact] env in modelseal.toml), also in
base64, URL-encoded and JSON-escaped form. Complete lines are written at once; a partial
line is written when the input goes quiet; a private-key block is held until its end.

Exit codes:
  0  done (1 with --exit-code when something was redacted)
  2  usage error, or a file could not be read or written";

const RUN_EXAMPLES: &str = "\
Examples:
  modelseal run -- python train.py --epochs 3
  modelseal run --env INTERNAL_DB_PASS -- ./deploy.sh
  modelseal run --metadata -- bash -c 'env; hostname'

The command's standard output and standard error stay separate and are redacted as
they come, like `modelseal redact`. Its standard input is untouched. Ctrl-C reaches it
as it would without modelseal; SIGTERM, SIGHUP and SIGQUIT sent to modelseal are passed
on.

Exit codes: the command's own; 128+N when a signal N ended it; 127 when it cannot be
found, 126 when it cannot be run; 2 on a usage error.";

const SCAN_EXAMPLES: &str = "\
Examples:
  modelseal scan ./my-model                      human report, secrets masked
  modelseal scan logs/ config.json --format sarif -o modelseal.sarif
  modelseal scan . --fail-on high                fail CI only on high and critical
  modelseal scan . --write-baseline .modelseal-baseline.json
  modelseal scan . --baseline .modelseal-baseline.json
  python train.py 2>&1 | modelseal scan -        standard input
  modelseal scan --git .                         every blob of every commit of every ref
  modelseal scan --git . --since v1.2            only commits not in v1.2 (incremental CI)
  modelseal scan --git . --since '2 weeks ago' --all-objects
  modelseal scan mirror.git                      a bare repository: its history
  modelseal scan hf://acme/sentiment@v1.2        a hub repository, headers of weights only
  modelseal scan hf://datasets/acme/reviews      datasets and spaces too (HF_ENDPOINT, HF_TOKEN)
  modelseal scan ~/.cache/huggingface/hub        the local hub cache, no network
  modelseal scan image.tar                       docker save output or an OCI layout: every layer

A history finding names the commit that introduced the secret at its path, its author and
date, and whether the value is still in some file at HEAD (`repo@3f2a9c1:configs/.env:3`,
\"introduced in 3f2a9c1 by Ada <ada@example.org> on 2024-01-03; gone from HEAD, still in
history\").

Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage error, or nothing could be scanned
  3  no findings, but part of the input could not be read (--allow-incomplete: 0)

Configuration is read from modelseal.toml, .modelseal.toml or [tool.modelseal] in
pyproject.toml, in the scanned folder or the nearest folder above it.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Grouped by file, for people.
    Human,
    /// One JSON document with findings, clues, stats and problems.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0 for code-scanning services.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a report: `auto` colours standard output when it
    /// is a terminal and `NO_COLOR` is not set.
    pub fn colors(self, to_file: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                !to_file
                    && std::io::IsTerminal::is_terminal(&std::io::stdout())
                    && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(value: SeverityArg) -> Self {
        match value {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan, hub repositories (`hf://ORG/NAME[@REV]`), or
    /// `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity
    /// [default: the configuration's `fail_on`, else low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Report only findings at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Info)]
    pub min_severity: SeverityArg,

    /// Print secrets whole instead of masked. The report then holds live
    /// credentials: handle it like one.
    #[arg(long)]
    pub show_secrets: bool,

    /// Read configuration from FILE instead of looking for one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Use no configuration file.
    #[arg(long)]
    pub no_config: bool,

    /// Do not report findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in FILE as accepted, and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Skip files that .gitignore and .ignore files name. By default every
    /// file is read: a published package contains what it contains.
    #[arg(long)]
    pub respect_gitignore: bool,

    /// Parts that could not be read (a broken archive, a member a limit
    /// stopped) are still reported as warnings, but exit 0 instead of 3 when
    /// nothing else is found.
    #[arg(long)]
    pub allow_incomplete: bool,

    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Scan the full history of the git repositories given: every blob of
    /// every commit of every ref (branches, tags, remote-tracking refs, the
    /// stash and its reflog), each blob once. A bare repository is scanned
    /// this way without the flag.
    #[arg(long)]
    pub git: bool,

    /// With --git: also unreachable objects (dangling commits, blobs no
    /// commit holds).
    #[arg(long, requires = "git")]
    pub all_objects: bool,

    /// With --git: only commits newer than a date (`2024-01-31`, `2 weeks
    /// ago`) or not reachable from a revision (`v1.2`, `origin/main`).
    #[arg(long, value_name = "DATE|REV", requires = "git")]
    pub since: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProtectArgs {
    /// Scan what is staged (the index against HEAD). The only mode so far,
    /// and required so the command says what it checks.
    #[arg(long, required = true)]
    pub staged: bool,

    /// The repository [default: the one holding the current folder].
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Exit 1 when a finding is at or above this severity
    /// [default: the configuration's `fail_on`, else low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Report only findings at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Info)]
    pub min_severity: SeverityArg,

    /// Print secrets whole instead of masked.
    #[arg(long)]
    pub show_secrets: bool,

    /// Read configuration from FILE instead of looking for one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Use no configuration file.
    #[arg(long)]
    pub no_config: bool,

    /// Do not report findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Staged parts that could not be read do not fail the check.
    #[arg(long)]
    pub allow_incomplete: bool,

    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// The repository [default: the one holding the current folder].
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Replace a pre-commit hook modelseal did not write (the old one is kept
    /// beside it as pre-commit.bak).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReconArgs {
    /// Whose publications: hf:ORG (a hub user or organization) or gh:ORG.
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Print secrets whole instead of masked.
    #[arg(long)]
    pub show_secrets: bool,

    /// Read configuration from FILE instead of looking for one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Use no configuration file.
    #[arg(long)]
    pub no_config: bool,

    /// Unreadable parts stay warnings and exit 0 instead of 3 when nothing
    /// else is found.
    #[arg(long)]
    pub allow_incomplete: bool,

    /// Say nothing on standard error while working.
    #[arg(long)]
    pub no_progress: bool,

    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// How secrets are found and written in redacted text.
#[derive(Debug, Args)]
pub struct RedactOptions {
    /// Also hide metadata: usernames, internal hosts, home paths, emails.
    #[arg(long)]
    pub metadata: bool,

    /// The label a secret becomes; `{rule}` is the rule id
    /// [default: the configuration's, else "[REDACTED:{rule}]"].
    #[arg(long, value_name = "TEMPLATE")]
    pub label: Option<String>,

    /// Keep the first N characters of each secret before the label (never
    /// more than a quarter of the secret), so keys stay tellable apart.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,

    /// Also hide the exact value of this environment variable (repeatable).
    #[arg(long = "env", value_name = "NAME")]
    pub env: Vec<String>,

    /// Do not hide the values of secret environment variables, only what
    /// the rules find.
    #[arg(long)]
    pub no_env: bool,

    /// A partial line is written after the input has been quiet this long.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub idle_ms: u64,

    /// The longest partial line held, in bytes; a longer line is written in
    /// pieces that overlap for matching.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    pub max_line: usize,

    /// Read configuration from FILE instead of looking for one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Use no configuration file.
    #[arg(long)]
    pub no_config: bool,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Files to redact [default: standard input]; `-` is standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Rewrite the files themselves (atomically) instead of printing.
    #[arg(long, short = 'i')]
    pub in_place: bool,

    /// With --in-place, keep each original beside it as FILE.orig (or
    /// `FILE<SUFFIX>` with --backup=SUFFIX).
    #[arg(
        long,
        value_name = "SUFFIX",
        num_args = 0..=1,
        default_missing_value = ".orig",
        require_equals = true,
        requires = "in_place"
    )]
    pub backup: Option<String>,

    /// Exit 1 when anything was redacted (for CI checks of logs).
    #[arg(long)]
    pub exit_code: bool,

    #[command(flatten)]
    pub options: RedactOptions,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Say nothing of its own (no summary line on standard error).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub options: RedactOptions,

    /// The command and its arguments, after `--`.
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules in force (built-in and from configuration).
    List(RulesListArgs),
    /// Explain one rule: what it finds, why it matters, how to fix it.
    Explain(RulesExplainArgs),
    /// Check rules files: schema, patterns, examples and counter-examples.
    Check(RulesCheckArgs),
    /// Print the rules reference in Markdown (docs/rules.md is made with this).
    Docs,
}

#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Only rules of this kind.
    #[arg(long, value_parser = ["secret", "metadata"])]
    pub kind: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Read configuration from FILE (its extra and disabled rules count).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesExplainArgs {
    /// The rule id, e.g. aws-secret-access-key.
    pub id: String,
    /// Read configuration from FILE (to explain its rules too).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Rules files (TOML, `[[rule]]` blocks) or configuration files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}
