use candor::app::App;
use candor::config::{ApiKeyCommand, Cli, Command, Config, KeyCommand};
use candor::db::{Backend, Db};
use candor::domain::api_key::Scope;
use candor::startup::{Application, shutdown_signal};
use clap::Parser;
use std::process::ExitCode;

/// mimalloc rather than the system allocator: a submission is parsed on one thread and freed
/// on the writer's, and glibc's per-thread arenas made those frees a sixth of the server's
/// CPU and let its memory drift upward (`docs/PERFORMANCE.md`). Built without transparent huge
/// pages (`no_thp`): mimalloc asked the kernel for them, and each 2 MiB page touched at all
/// counted whole, 20–30 MiB of the server's memory under load for no measured speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Bad configuration: exit 2 with one line.
fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("candor: {msg}");
    ExitCode::from(2)
}

fn check_config(cli: &Cli) -> Result<(), String> {
    let c = &cli.config;
    let backend = Backend::from_url(&c.database_url)?;
    // A backup needs the database alone: never the key (nor does it create a key file).
    if let Some(Command::Backup { path }) = &cli.command {
        return candor::app::backup::refuse(backend, path).map_or(Ok(()), Err);
    }
    candor::config_check::check(c)?;
    // A rotation reads the old key itself (it may be the published one it moves off).
    if !matches!(cli.command, Some(Command::Key(_))) {
        c.read_server_key()?;
    }
    c.oidc()?;
    match &cli.command {
        Some(Command::LoginLink { email, .. }) => candor::domain::EmailAddress::parse(email).map(|_| ()),
        Some(Command::ApiKey(ApiKeyCommand::Create { name, .. })) => {
            candor::domain::id::parse_label(name, "--name", 100).map(|_| ())
        }
        _ => Ok(()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    candor::observability::init_logs(cli.config.log_format);
    if let Err(msg) = check_config(&cli) {
        return usage_error(msg);
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<candor::startup::KeyError>().is_some() => usage_error(e),
        Err(e) => {
            eprintln!("candor: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(cli.config).await?;
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Migrate => {
            let db = Db::connect(&cli.config.database_url).await?;
            db.migrate().await?;
            // Results of closed cycles an earlier release did not store: here, not on a read.
            let stored = candor::app::closed::backfill(&db).await.map_err(app_error)?;
            println!("migrations applied; results stored for {stored} closed cycle(s)");
            Ok(())
        }
        Command::LoginLink { email, admin } => {
            let email = candor::domain::EmailAddress::parse(&email).map_err(anyhow::Error::msg)?;
            let app = offline_app(cli.config).await?;
            let (person, link) = candor::app::accounts::login_link(&app, &email, admin).await.map_err(app_error)?;
            println!("sign-in link for {person}, valid 15 minutes, once:");
            println!("{link}");
            Ok(())
        }
        Command::Demo => {
            let mut config = cli.config.clone();
            config.org_name.get_or_insert_with(|| "Northwind Trading (demo)".to_string());
            // A sales office in China, so the demo's pages and emails show local times that
            // differ from UTC (CANDOR_TIMEZONE still chooses another zone).
            config.timezone.get_or_insert_with(|| "Asia/Shanghai".to_string());
            let app = Application::build(config).await?;
            let link = candor::demo::seed(app.app(), app.app().config.public_base()).await?;
            println!("demo organisation ready; sign in as the admin (valid 15 minutes):");
            println!("{link}");
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Backup { path } => {
            // The database alone: no key, no migration (a server may be running on it).
            let url = &cli.config.database_url;
            let existing = if url.contains("mode=") {
                url.clone()
            } else {
                format!("{url}{}mode=rw", if url.contains('?') { '&' } else { '?' })
            };
            let db = Db::connect(&existing).await?;
            let written = candor::app::backup::sqlite(&db, &path).await?;
            println!("backup written to {} ({} bytes); integrity check: ok", written.path.display(), written.bytes);
            Ok(())
        }
        Command::Key(KeyCommand::Rotate { from_published }) => {
            let done = candor::key_rotation::rotate(cli.config.clone(), from_published).await?;
            println!(
                "re-sealed {} answers and {} drafts under a new key in {} ({} drafts of an earlier release dropped); \
                 the old key stays in {}.old until the next start succeeds",
                done.answers,
                done.drafts,
                cli.config.key_file.display(),
                done.dropped_drafts,
                cli.config.key_file.display()
            );
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Create { name, scope }) => {
            let app = offline_app(cli.config).await?;
            let scope = Scope::from(scope);
            let cli = candor::app::audit::Actor::Cli;
            let key = candor::app::integrations::create_key(&app, &cli, &name, scope).await.map_err(app_error)?;
            println!("created API key {} ({}) with scope {}; it is shown once:", key.id, name.trim(), scope.as_str());
            println!("{}", key.key);
            Ok(())
        }
    }
}

/// The use cases on a migrated database, without a server: for one-shot commands.
async fn offline_app(mut config: Config) -> anyhow::Result<App> {
    config.public_url = Some(candor::config_check::links_base(&config, None));
    candor::startup::open(config).await
}

fn app_error(e: candor::app::Error) -> anyhow::Error {
    anyhow::anyhow!(e.chain())
}
