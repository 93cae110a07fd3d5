//! `uwlr demo`: the gateway's main job end to end on loopback, with nothing to set up.
//!
//! A mock ParnasSys serves a generated school over real HTTP. The school takes the
//! koppeling there and gets a key; the gateway requests the link with it, support approves;
//! a full fetch becomes an import proposal, shown and applied. ParnasSys then changes four
//! things (a pupil moves, one joins, one leaves, a teacher without e-mail arrives) and the
//! next proposal holds exactly those; the admin fills in the new teacher's e-mail address
//! and applies it. Then the next school year: ParnasSys moves on (everyone a jaargroep up,
//! groep 8 gone, new class groups), the admin prepares the year on a clock set to 20 August,
//! and its import finds every continuing pupil and teacher as existing: the pupil who moved
//! keeps its record and Boom number in its new group. The gateway's database stays in the
//! data folder for the `uwlr koppeling|import|school|mail` commands; the mails are `.eml`
//! files beside it.
//!
//! The mock and the gateway read the same system clock, in one process: the mock's changes
//! are stamped after the moment the first import's watermark records, so the delta fetch
//! right after that import rightly gets `geenwijzigingen`, and nothing is lost.

use crate::cli::koppeling::line as koppeling_line;
use crate::cli::output::{mask, proposal_text};
use crate::cli::{mail::drain, Failure};
use crate::clock::ManualClock;
use crate::gateway::imports::{ApplyOptions, FetchOutcome, Progress};
use crate::gateway::koppelingen::KoppelingRequest;
use crate::gateway::{Gateway, Settings};
use crate::import::{Decision, RecordRef, Tab};
use crate::koppeling::Kind;
use crate::message::values::Schooljaar;
use crate::mock::las::{IssueKeyRequest, LeerlingUpdate, NewLeerkracht, NewLeerling, SchoolSetup};
use crate::mock::{AdminError, Klant, MockLas, Profile};
use crate::notify::MailTransport;
use crate::server::{bind, serve, ServerConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The school the demo runs on.
pub const LOCATION: &str = "99DE00";
/// Who does what in the audit trail.
pub const SCHOOL_ADMIN: &str = "admin@school";
pub const SUPPORT: &str = "support@boom";
/// The address review mails go to.
pub const SCHOOL_ADMIN_MAIL: &str = "admin@school.example";
/// The keys of the pupil and the teacher the demo adds in ParnasSys.
pub const NEW_PUPIL: &str = "NIEUW-1";
pub const NEW_TEACHER: &str = "LK-NIEUW";

/// The file that marks a folder as the demo's, so a later run may replace its database.
const MARKER: &str = "uwlr-demo.txt";
/// What a run replaces in a folder with the marker; anything else there stays.
const OWNED: [&str; 5] = ["uwlr.sqlite3", "uwlr.sqlite3-wal", "uwlr.sqlite3-shm", "master.key", "mail"];

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the gateway keeps its state (`./uwlr-demo`).
    pub data_dir: PathBuf,
    /// Pupils of the generated school.
    pub pupils: usize,
    /// Rows per tab shown of the first, all-new proposal (`None`: all). The second is
    /// always shown in full.
    pub first_rows: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options { data_dir: PathBuf::from("./uwlr-demo"), pupils: 200, first_rows: Some(8) }
    }
}

/// What a run left behind, for a caller that looks further.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub koppeling_id: i64,
    /// The first import, applied.
    pub first_proposal: i64,
    /// The proposal with the four changes, applied after the e-mail address was filled in.
    pub second_proposal: i64,
    /// The next school year's first import, applied.
    pub year_proposal: i64,
    /// The pupil who moved in step 5 (its record id) and its Boom number, kept across the years.
    pub mover: (i64, String),
    /// Mails written to `<data_dir>/mail`.
    pub mails: usize,
    /// Whether a previous demo's database was replaced.
    pub replaced: bool,
    /// The console's sign-in the demo made (a school admin of its school) and its random
    /// password, printed once; the store keeps only its argon2id hash.
    pub sign_in: (String, String),
}

/// Runs the demo, writing its account to `out`.
pub async fn run(opts: &Options, out: &mut dyn Write) -> Result<Report, Failure> {
    let started = Instant::now();
    let replaced = prepare(&opts.data_dir)?;
    let dir = opts.data_dir.display().to_string();
    say(out, format!("uwlr demo: the gateway end to end on loopback; its database goes to {dir}"))?;
    if replaced {
        say(out, format!("  (removed the previous demo's database from {dir})"))?;
    }

    let year = Schooljaar::containing(crate::clock::dutch_date(chrono::Utc::now()))
        .or_else(|| Schooljaar::new(2025))
        .ok_or_else(|| Failure::usage("no school year for today"))?;
    let las = MockLas::builder(Profile::Parnassys)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", opts.pupils, 1, year))
        .build()
        .map_err(Failure::usage)?;
    let listener = bind("127.0.0.1:0".parse().expect("a loopback address"))
        .map_err(|e| Failure::usage(format!("cannot listen on loopback: {e}")))?;
    let server = serve(Arc::new(las.clone()), listener, ServerConfig::default())
        .await
        .map_err(|e| Failure::usage(format!("cannot serve the mock LAS: {e}")))?;
    let endpoint = format!("{}/uwlr", server.base_url());
    let gw = Gateway::open(&opts.data_dir, None, Settings::default()).await?;
    let story = Story { opts, las: &las, gw: &gw, endpoint, year, dir: crate::cli::shell_word(&dir) };
    let result = story.tell(out, started).await;
    server.shutdown().await;
    gw.store().close().await;
    result.map(|mut r| {
        r.replaced = replaced;
        r
    })
}

/// Makes `dir` ready: created when missing; a previous demo's database removed (the
/// marker file says it is one); any other non-empty folder refused, so a mistyped
/// `--data-dir` never costs someone their data. Returns whether something was removed.
fn prepare(dir: &Path) -> Result<bool, Failure> {
    let io = |what: &str, e: std::io::Error| Failure::usage(format!("{what} {}: {e}", dir.display()));
    let mut replaced = false;
    if dir.join(MARKER).exists() {
        for name in OWNED {
            let p = dir.join(name);
            let removed = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
            match removed {
                Ok(()) => replaced = true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("cannot remove the previous demo from", e)),
            }
        }
    } else if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| io("cannot read", e))?;
        if entries.next().is_some() {
            return Err(Failure::usage(format!(
                "{} is not empty and was not made by uwlr demo; pass another --data-dir",
                dir.display()
            )));
        }
    }
    crate::private::create_dir_all(dir).map_err(|e| io("cannot create", e))?;
    crate::private::write(
        &dir.join(MARKER),
        b"Made by `uwlr demo`. The next `uwlr demo` run here replaces the database, master key and mail.\n",
    )
    .map_err(|e| io("cannot write into", e))?;
    Ok(replaced)
}

fn say(out: &mut dyn Write, line: impl AsRef<str>) -> Result<(), Failure> {
    writeln!(out, "{}", line.as_ref()).map_err(|e| Failure::usage(format!("cannot write the demo's output: {e}")))
}

fn las_err(e: AdminError) -> Failure {
    Failure::usage(format!("the mock LAS: {e}"))
}

/// What ParnasSys changed between the two imports, as the demo tells it.
struct Changes {
    /// The mover's LAS key.
    mover: String,
    lines: [String; 4],
}

struct Story<'a> {
    opts: &'a Options,
    las: &'a MockLas,
    gw: &'a Gateway,
    endpoint: String,
    year: Schooljaar,
    dir: String,
}

impl Story<'_> {
    async fn tell(&self, out: &mut dyn Write, started: Instant) -> Result<Report, Failure> {
        let (gw, las, dir) = (self.gw, self.las, &self.dir);
        let data = las.data(LOCATION).await.map_err(las_err)?;
        say(out, "")?;
        say(
            out,
            format!(
                "1. ParnasSys (a mock) serves school {LOCATION}, schooljaar {}: {} pupils, {} groups, {} teachers",
                self.year,
                data.leerlingen.len(),
                data.groepen.len(),
                data.leerkrachten.len()
            ),
        )?;
        say(out, format!("   UWLR endpoint: {} (WSDL: {}/leerlinggegevens?wsdl)", self.endpoint, self.endpoint))?;

        // 2. The handshake, ParnasSys style: the key first, then the request, then approval.
        say(out, "")?;
        say(out, "2. The koppeling")?;
        let issued = las.issue_key(LOCATION, &IssueKeyRequest::default()).await.map_err(las_err)?;
        let key = issued.autorisatiesleutel;
        say(
            out,
            format!(
                "   the school takes \"Boom testcentrum UWLR\" in ParnasSys and sets a new key; ParnasSys shows it once: \
                 {}",
                mask(&key)
            ),
        )?;
        let req = KoppelingRequest {
            location: LOCATION.into(),
            schooljaar: self.year.to_string(),
            kind: Kind::Parnassys,
            endpoint: Some(self.endpoint.clone()),
            key: Some(key.clone()),
            reason: None,
        };
        let k = gw.request_koppeling(&req, SCHOOL_ADMIN).await?;
        say(out, format!("   {SCHOOL_ADMIN} requests it with that key: {}", koppeling_line(&k).trim_end()))?;
        let k = gw.approve_koppeling(k.id, SUPPORT, None).await?;
        say(out, format!("   {SUPPORT} approves it: {}", koppeling_line(&k).trim_end()))?;
        gw.add_school_admin(LOCATION, SCHOOL_ADMIN_MAIL, SCHOOL_ADMIN).await?;
        say(out, format!("   review mails for {LOCATION} go to {SCHOOL_ADMIN_MAIL}"))?;

        // 3. The first import.
        say(out, "")?;
        say(out, "3. The first import: a full fetch")?;
        let first = self.fetch(out, k.id, true).await?;
        let shown = match self.opts.first_rows {
            Some(n) => format!(
                " (at most {n} rows per tab; `uwlr import show {} --data-dir {dir}` shows all)",
                first.proposal_id
            ),
            None => String::new(),
        };
        say(out, format!("   proposal {}{shown}:", first.proposal_id))?;
        say(out, "")?;
        say(out, proposal_text(&first.proposal, self.opts.first_rows).trim_end())?;

        // 4. Applied; and at once a delta, which has nothing to tell.
        say(out, "")?;
        let report = gw.apply_proposal(first.proposal_id, SCHOOL_ADMIN, ApplyOptions::default()).await?;
        say(
            out,
            format!(
                "4. {SCHOOL_ADMIN} applies proposal {}: created {} groepen, {} leerkrachten, {} leerlingen; {} teacher \
                 invitations queued",
                first.proposal_id,
                report.created[0],
                report.created[1],
                report.created[2],
                report.invitations.len()
            ),
        )?;
        let quiet = gw.fetch(k.id, false, SCHOOL_ADMIN, &|_| {}).await?;
        say(
            out,
            format!(
                "   fetch again at once, as a delta since the first fetch: {}, {}",
                quiet.fetch.outcome,
                if quiet.nothing_to_do { "nothing to review" } else { "UNEXPECTED: something to review" }
            ),
        )?;

        // 5. ParnasSys changes four things.
        say(out, "")?;
        say(out, "5. Meanwhile in ParnasSys:")?;
        let changes = self.change_the_school().await?;
        for l in &changes.lines {
            say(out, format!("   - {l}"))?;
        }

        // 6. The next import shows exactly those.
        say(out, "")?;
        say(out, "6. The next import: a full fetch (a delta never tells who left: only a complete answer does)")?;
        let second = self.fetch(out, k.id, true).await?;
        say(out, format!("   proposal {}, in full:", second.proposal_id))?;
        say(out, "")?;
        say(out, proposal_text(&second.proposal, None).trim_end())?;
        say(out, "")?;
        say(out, format!("   {}", pending_line(&second)))?;

        // 7. The admin fills in Sanne's address and applies; then the next school year.
        say(out, "")?;
        let email = Decision::Email {
            record: RecordRef::new(Tab::Leerkrachten, NEW_TEACHER),
            email: "s.visser@school.example".into(),
        };
        gw.decide(second.proposal_id, &[email], SCHOOL_ADMIN).await?;
        let report = gw.apply_proposal(second.proposal_id, SCHOOL_ADMIN, ApplyOptions::default()).await?;
        say(
            out,
            format!(
                "7. {SCHOOL_ADMIN} fills in s.visser@school.example for {NEW_TEACHER} and applies proposal {}: {} \
                 created, {} updated, {} deactivated; {} invitation queued",
                second.proposal_id,
                report.created.iter().sum::<usize>(),
                report.updated.iter().sum::<usize>(),
                report.deactivated.iter().sum::<usize>(),
                report.invitations.len()
            ),
        )?;
        let year = self.next_year(out, k.id, &changes.mover).await?;

        // 9. Mail.
        say(out, "")?;
        let mail_dir = self.opts.data_dir.join("mail");
        let sent = drain(gw, &MailTransport::File(mail_dir.clone())).await?;
        let kinds =
            gw.outbox(10_000).await?.iter().fold((0, 0), |(r, t), e| match serde_json::from_str::<serde_json::Value>(
                &e.notification,
            )
            .ok()
            .and_then(|v| v["kind"].as_str().map(String::from))
            {
                Some(k) if k == "review_waiting" => (r + 1, t),
                Some(k) if k == "teacher_invitation" => (r, t + 1),
                _ => (r, t),
            });
        say(
            out,
            format!(
                "9. Mail: {} notifications written to {} as .eml files ({} review waiting, {} teacher invitations)",
                sent.sent,
                mail_dir.display(),
                kinds.0,
                kinds.1
            ),
        )?;

        // 10. The console on this data.
        let password = crate::console::accounts::new_token()?[..20].to_string();
        crate::console::accounts::add_account(
            gw,
            SCHOOL_ADMIN_MAIL,
            "Beheerder (demo)",
            crate::console::accounts::Role::SchoolAdmin,
            Some(&password),
            SUPPORT,
        )
        .await?;
        crate::console::accounts::grant(gw, SCHOOL_ADMIN_MAIL, LOCATION, SUPPORT).await?;
        say(out, "")?;
        say(out, format!("10. The console on this data: uwlr serve --data-dir {dir}"))?;
        say(
            out,
            format!(
                "   then open http://127.0.0.1:8080/console/ and sign in as {SCHOOL_ADMIN_MAIL} with password {password}"
            ),
        )?;
        say(out, "   (the password is shown only now; the database keeps its argon2id hash)")?;
        say(out, "")?;
        say(
            out,
            format!(
                "Done in {:.1} s. The gateway's database stays in {dir}; look around:",
                started.elapsed().as_secs_f64()
            ),
        )?;
        for c in [
            "koppeling list".to_string(),
            format!("koppeling audit --location {LOCATION}"),
            format!("import show {}", year.proposal),
            format!("school records {LOCATION}"),
            format!("school records {LOCATION} --schooljaar {}", self.year),
            format!("school numbers {LOCATION} --format csv"),
            "mail list".to_string(),
        ] {
            say(out, format!("  uwlr {c} --data-dir {dir}"))?;
        }
        Ok(Report {
            koppeling_id: k.id,
            first_proposal: first.proposal_id,
            second_proposal: second.proposal_id,
            year_proposal: year.proposal,
            mover: year.mover,
            mails: sent.sent,
            replaced: false,
            sign_in: (SCHOOL_ADMIN_MAIL.to_string(), password),
        })
    }

    /// Step 8: the next school year, on a clock set to 20 August of it (the gateway prepares
    /// a year from 1 August until 1 October). The pupil who moved in step 5 carries on.
    async fn next_year(&self, out: &mut dyn Write, link: i64, mover: &str) -> Result<NextYear, Failure> {
        let next = Schooljaar::new(self.year.start() + 1).ok_or_else(|| Failure::usage("no next school year"))?;
        let aug20 = chrono::NaiveDate::from_ymd_opt(i32::from(self.year.start()) + 1, 8, 20)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .ok_or_else(|| Failure::usage("no 20 August"))?
            .and_utc();
        let gw = self.gw.with_clock(Arc::new(ManualClock::new(aug20)));
        let before = gw.records(LOCATION).await?;
        let groups = |s: &crate::import::Snapshot, id: Option<i64>| {
            id.and_then(|id| s.groepen.iter().find(|g| g.id == id)).map_or("-".to_string(), |g| g.naam.clone())
        };
        let pupil = before
            .leerlingen
            .iter()
            .find(|l| l.external.as_ref().and_then(|e| e.las_key.as_deref()) == Some(mover))
            .ok_or_else(|| Failure::usage(format!("the mover {mover} is not among the records")))?
            .clone();
        let number = pupil.boom_nummer.clone().unwrap_or_default();
        say(out, "")?;
        say(
            out,
            format!("8. The next school year, {next}: on 20 August {} ParnasSys moves on", self.year.start() + 1),
        )?;
        let r = self.las.rollover(LOCATION).await.map_err(las_err)?;
        say(
            out,
            format!(
                "   everyone a jaargroep up: {} pupils stay, {} leave with groep 8, {} class groups renewed",
                r.moved_up, r.left, r.groepen
            ),
        )?;
        let start = gw.prepare_school_year(LOCATION, SCHOOL_ADMIN).await?;
        let proposal = start.proposal_id.ok_or_else(|| {
            Failure::usage(format!("the new year's first fetch failed: {}", start.fetch_error.unwrap_or_default()))
        })?;
        let view = gw.proposal(proposal).await?;
        let (p, s) = (&view.proposal, &view.proposal.summary);
        let linked = p.leerlingen.iter().filter(|i| matches!(i.category, crate::import::Category::Existing { .. }));
        say(
            out,
            format!(
                "   {SCHOOL_ADMIN} prepares it: koppeling {link} carries on as {} with its key; proposal {proposal}: \
                 groepen {} new; leerkrachten {} new ({} existing); leerlingen {} new, {} existing (found by their \
                 LAS key, nothing to link by hand), {} leaver(s)",
                start.koppelingen[0].1,
                s.groepen.new,
                s.leerkrachten.new,
                s.leerkrachten.existing_changed + s.leerkrachten.unchanged,
                s.leerlingen.new,
                linked.count(),
                p.deactivations.iter().filter(|d| d.tab == Tab::Leerlingen).count()
            ),
        )?;
        let applied = gw.apply_proposal(proposal, SCHOOL_ADMIN, ApplyOptions::default()).await?;
        let after = gw.records(LOCATION).await?;
        let now = after.leerlingen.iter().find(|l| l.id == pupil.id);
        let same = now.is_some_and(|l| l.boom_nummer.as_deref() == Some(number.as_str()));
        say(
            out,
            format!(
                "   applied: {} groups created, {} pupils carried on, {} invitation(s); {next} is complete",
                applied.created[0],
                applied.updated[2],
                applied.invitations.len()
            ),
        )?;
        say(
            out,
            format!(
                "   the pupil who moved in step 5 ({mover}) {}: record {}, Boom number {number}; {} in {}, {} in {next}",
                if same { "carries on" } else { "UNEXPECTED: did not carry on" },
                pupil.id,
                groups(&before, pupil.groep),
                self.year,
                groups(&after, now.and_then(|l| l.groep)),
            ),
        )?;
        Ok(NextYear { proposal, mover: (pupil.id, number) })
    }

    /// A fetch, with the LAS call's size and time in one line.
    async fn fetch(&self, out: &mut dyn Write, id: i64, full: bool) -> Result<FetchOutcome, Failure> {
        let seen: Mutex<(Option<Instant>, String)> = Mutex::new((None, String::new()));
        let progress = |p: Progress| {
            let mut s = seen.lock().unwrap_or_else(|e| e.into_inner());
            match p {
                Progress::Calling { .. } => s.0 = Some(Instant::now()),
                Progress::Received { groepen, leerkrachten, leerlingen } => {
                    let ms = s.0.map(|t| t.elapsed().as_millis()).unwrap_or_default();
                    s.1 = format!("{groepen} groups, {leerlingen} pupils, {leerkrachten} teachers in {ms} ms");
                }
                Progress::Proposing => {}
            }
        };
        let outcome = self.gw.fetch(id, full, SCHOOL_ADMIN, &progress).await?;
        let received = seen.into_inner().unwrap_or_else(|e| e.into_inner()).1;
        say(out, format!("   HaalLeerlinggegevens: {received}"))?;
        Ok(outcome)
    }

    /// One pupil moves to a parallel group (or another group), one joins, one leaves, and a
    /// teacher without e-mail address arrives in the mover's new group.
    async fn change_the_school(&self) -> Result<Changes, Failure> {
        let las = self.las;
        let groups: Vec<_> =
            las.groepen(LOCATION).await.map_err(las_err)?.into_iter().filter(|g| !g.samengesteld).collect();
        let pupils = las.leerlingen(LOCATION).await.map_err(las_err)?;
        let name = |g: &Option<String>| {
            g.as_ref()
                .and_then(|k| groups.iter().find(|x| &x.key == k))
                .map_or("(no group)".to_string(), |x| x.naam.clone())
        };
        // A parallel group of the same year if there is one: the most ordinary move.
        // Not in groep 8: the demo follows the mover into the next school year.
        let stays = |p: &&crate::mock::las::LeerlingInfo| p.key.is_some() && p.jaargroep.as_deref() != Some("8");
        let pick = pupils.iter().filter(stays).find_map(|p| {
            let from = groups.iter().find(|g| Some(&g.key) == p.groep.as_ref())?;
            let to = groups.iter().find(|g| g.key != from.key && g.jaargroep == from.jaargroep)?;
            Some((p, to))
        });
        let (mover, target) = match pick {
            Some(m) => m,
            None => {
                let p = pupils.iter().find(stays).ok_or_else(|| Failure::usage("the school has no pupils"))?;
                let to = groups
                    .iter()
                    .find(|g| Some(&g.key) != p.groep.as_ref())
                    .ok_or_else(|| Failure::usage("the school has one group only"))?;
                (p, to)
            }
        };
        let mover_key = mover.key.clone().unwrap_or_default();
        // A pupil keeps its own jaargroep in a combination group (jaargroep C); a group of
        // one year sets it.
        let year_of_group = target.jaargroep.clone().filter(|j| j.parse::<u8>().is_ok());
        let jaargroep = year_of_group.clone().filter(|j| Some(j) != mover.jaargroep.as_ref());
        let upd = LeerlingUpdate { groep: Some(target.key.clone()), jaargroep, ..Default::default() };
        las.update_leerling(LOCATION, &mover_key, upd).await.map_err(las_err)?;

        let leaver = pupils
            .iter()
            .rev()
            .find(|p| p.key.is_some() && p.key != mover.key)
            .ok_or_else(|| Failure::usage("the school has one pupil only"))?;
        let leaver_key = leaver.key.clone().unwrap_or_default();
        las.remove_leerling(LOCATION, &leaver_key).await.map_err(las_err)?;

        let jaargroep = year_of_group.or_else(|| mover.jaargroep.clone());
        let age = jaargroep.as_deref().and_then(|j| j.parse::<i32>().ok()).map_or(8, |j| j + 4);
        let born = format!("{}-03-04", i32::from(self.year.start()) - age);
        let new = NewLeerling {
            key: NEW_PUPIL.into(),
            achternaam: Some("Bakker".into()),
            voorvoegsel: Some("de".into()),
            roepnaam: "Noor".into(),
            geboortedatum: Some(born),
            geslacht: Some("2".into()),
            jaargroep,
            groep: Some(target.key.clone()),
            ..Default::default()
        };
        las.add_leerling(LOCATION, new).await.map_err(las_err)?;

        let teacher = NewLeerkracht {
            key: NEW_TEACHER.into(),
            achternaam: Some("Visser".into()),
            roepnaam: "Sanne".into(),
            emailadres: None,
            groepen: vec![target.key.clone()],
            ..Default::default()
        };
        las.add_leerkracht(LOCATION, teacher).await.map_err(las_err)?;

        let person = |p: &crate::mock::las::LeerlingInfo| {
            [&p.roepnaam, &p.voorvoegsel, &p.achternaam]
                .iter()
                .filter_map(|s| s.as_deref())
                .collect::<Vec<_>>()
                .join(" ")
        };
        Ok(Changes {
            mover: mover_key.clone(),
            lines: [
                format!("{} ({mover_key}) moves from {} to {}", person(mover), name(&mover.groep), target.naam),
                format!("a new pupil, Noor de Bakker ({NEW_PUPIL}), joins {}", target.naam),
                format!("{} ({leaver_key}, {}) leaves the school", person(leaver), name(&leaver.groep)),
                format!(
                    "a new teacher, Sanne Visser ({NEW_TEACHER}), teaches {}; ParnasSys has no e-mail address for her",
                    target.naam
                ),
            ],
        })
    }
}

/// What the next school year left behind.
struct NextYear {
    proposal: i64,
    mover: (i64, String),
}

/// `proposal 3: 4 changes (2 new, 1 changed, 1 leaver), nothing else; it waits for review`.
fn pending_line(o: &FetchOutcome) -> String {
    let s = &o.proposal.summary;
    let tabs = [&s.groepen, &s.leerkrachten, &s.leerlingen];
    let new: usize = tabs.iter().map(|t| t.new).sum();
    let changed: usize = tabs.iter().map(|t| t.existing_changed).sum();
    let skip: usize = tabs.iter().map(|t| t.skip).sum();
    let leavers = o.proposal.deactivations.len();
    let total = new + changed + skip + leavers;
    let mut parts = vec![format!("{new} new"), format!("{changed} changed")];
    if skip > 0 {
        parts.push(format!("{skip} to skip"));
    }
    parts.push(format!("{leavers} leaver{}", if leavers == 1 { "" } else { "s" }));
    format!("proposal {}: {total} changes ({}), nothing else; it waits for review", o.proposal_id, parts.join(", "))
}
