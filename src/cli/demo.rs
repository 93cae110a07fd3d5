//! `uwlr demo`: the story of [`crate::demo`] told on standard output, its database left in
//! the data folder for the other commands to inspect.

use std::path::PathBuf;
use std::process::ExitCode;

/// `uwlr demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where the demo's database goes; a previous demo's database there is replaced.
    #[arg(long, default_value = "./uwlr-demo", value_name = "DIR")]
    pub data_dir: PathBuf,
}

pub fn run(args: DemoArgs) -> ExitCode {
    let options = crate::demo::Options { data_dir: args.data_dir, ..Default::default() };
    let mut out = std::io::stdout();
    super::run(async move { crate::demo::run(&options, &mut out).await.map(|_| ()) })
}
