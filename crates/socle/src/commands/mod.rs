//! One module per subcommand; `run` dispatches.

mod admin;
mod demo;
mod moving;
mod publish;
mod schemas;
mod serve;
mod validate;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// How a command ended, when it ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command did its job (for `validate`: the file is valid).
    Success,
    /// `validate`/`publish`: the file was read and breaks its schema.
    Invalid,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Invalid => ExitCode::from(1),
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let data = cli.data_dir();
    admin::use_database(cli.database_url.as_deref())?;
    admin::use_blob_store(cli.blob_store.as_deref());
    match cli.command {
        Command::Schemas(args) => schemas::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Init => admin::init(&data),
        Command::Org(command) => admin::org(&data, &command),
        Command::User(command) => admin::user(&data, &command),
        Command::Dataset(command) => admin::dataset(&data, &command),
        Command::Publish(args) => publish::run(&data, &args),
        Command::History(args) => admin::history(&data, &args),
        Command::Demo => demo::run(&data),
        Command::Check => admin::check(&data),
        Command::Migrate => admin::migrate(&data),
        Command::Serve(args) => serve::run(cli.data.as_deref(), &args),
        Command::Token(command) => serve::token(&data, &command),
        Command::Export(args) => moving::export(&data, &args.dir),
        Command::Import(args) => moving::import(&data, &args.dir),
    }
}
