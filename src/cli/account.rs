//! `uwlr account add | grant | reset | list`: the console's accounts from the command line,
//! for the first support account (before anyone can sign in) and for scripts. A password is
//! read from standard input or typed at a prompt that does not echo it; it is never an
//! argument, where shell history and `ps` would keep it.

use super::output::{when, Table};
use super::{Context, Failure, GatewayArgs};
use crate::console::accounts::{self, Role, MIN_PASSWORD};
use clap::{Args, Subcommand};

/// `uwlr account`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: AccountCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account; its password is read from standard input, or asked for twice at a
    /// terminal.
    Add {
        /// The e-mail address, which is the sign-in name.
        email: String,
        /// support (klantenservice: every location, approves link requests), school-admin
        /// (the granted locations) or teacher.
        #[arg(long, value_parser = Role::parse)]
        role: Role,
        /// The name the console shows [default: the e-mail address].
        #[arg(long)]
        name: Option<String>,
        /// Grant this location (BRIN + dependance or schoolkey); repeat for more.
        #[arg(long = "location", value_name = "LOCATION")]
        locations: Vec<String>,
        /// Add the account without a password (set one later with `uwlr account reset`).
        #[arg(long)]
        no_password: bool,
    },
    /// Grant a location to an account.
    Grant {
        email: String,
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
    },
    /// Set a new password (read as for `add`); every session of the account ends.
    Reset { email: String },
    /// Every account with its role and locations.
    List,
}

pub async fn run(args: AccountArgs) -> Result<(), Failure> {
    let cx = Context::open(&args.gateway, true).await?;
    let gw = &cx.gateway;
    match args.command {
        AccountCommand::Add { email, role, name, locations, no_password } => {
            let password = if no_password { None } else { Some(read_password()?) };
            let row =
                accounts::add_account(gw, &email, name.as_deref().unwrap_or(""), role, password.as_deref(), &cx.actor)
                    .await?;
            let mut granted = Vec::new();
            for l in &locations {
                granted = accounts::grant(gw, &row.email, l, &cx.actor).await?;
            }
            let value = serde_json::json!({ "account": row, "locations": granted });
            cx.out.print(&value, || {
                format!(
                    "account {} added as {}{}\n",
                    row.email,
                    role.as_str(),
                    if granted.is_empty() { String::new() } else { format!(" for {}", granted.join(", ")) }
                )
            });
        }
        AccountCommand::Grant { email, location } => {
            let granted = accounts::grant(gw, &email, &location, &cx.actor).await?;
            let value = serde_json::json!({ "email": email.trim().to_lowercase(), "locations": granted });
            cx.out.print(&value, || format!("{} now has: {}\n", email.trim().to_lowercase(), granted.join(", ")));
        }
        AccountCommand::Reset { email } => {
            let password = read_password()?;
            let ended = accounts::reset_password(gw, &email, &password, &cx.actor).await?;
            let value = serde_json::json!({ "email": email.trim().to_lowercase(), "sessions_ended": ended });
            cx.out.print(&value, || format!("password set; {ended} session(s) ended\n"));
        }
        AccountCommand::List => {
            let list = accounts::list_accounts(gw).await?;
            let value: Vec<_> = list.iter().map(|(a, l)| serde_json::json!({ "account": a, "locations": l })).collect();
            cx.out.print(&value, || {
                let mut t = Table::new(&[
                    ("E-MAIL", 40),
                    ("NAME", 30),
                    ("ROLE", 12),
                    ("PASSWORD", 8),
                    ("LOCATIONS", 40),
                    ("CREATED", 19),
                ]);
                for (a, l) in &list {
                    let locations = if a.role == "support" { "all".to_string() } else { l.join(", ") };
                    let password = if a.disabled {
                        "disabled"
                    } else if a.has_password {
                        "set"
                    } else {
                        "none"
                    };
                    t.row(vec![
                        a.email.clone(),
                        a.name.clone(),
                        a.role.clone(),
                        password.into(),
                        locations,
                        when(a.created_at),
                    ]);
                }
                if t.is_empty() {
                    "no accounts yet; add the first with `uwlr account add EMAIL --role support`\n".into()
                } else {
                    t.render(0)
                }
            });
        }
    }
    Ok(())
}

/// A password from the first line of standard input, or typed twice at a terminal without
/// echo.
fn read_password() -> Result<String, Failure> {
    use std::io::{BufRead, IsTerminal};
    let failed = |e: std::io::Error| Failure::usage(format!("cannot read the password: {e}"));
    let password = if std::io::stdin().is_terminal() {
        let ask = |prompt: &str| {
            let config = rpassword::ConfigBuilder::new()
                .input_file_path("/dev/stdin")
                .output_file_path("/dev/stderr")
                .password_feedback_hide()
                .build();
            rpassword::prompt_password_with_config(prompt, config).map_err(failed)
        };
        let first = ask("password (not shown): ")?;
        if ask("the same password again: ")? != first {
            return Err(Failure::usage("the two passwords differ; nothing was changed"));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(failed)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < MIN_PASSWORD {
        return Err(Failure::usage(format!(
            "a password needs at least {MIN_PASSWORD} characters; pipe it in, e.g. `uwlr account reset EMAIL < pw.txt`"
        )));
    }
    Ok(password)
}
