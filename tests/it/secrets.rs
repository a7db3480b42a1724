//! Secrets never leak: the France Travail client secret, the Adzuna app key and the access tokens
//! the simulator issued appear in no output of a traced run — stdout, stderr (logs at every level,
//! error messages, panic output), the CSV, the Parquet file (bytes, metadata and values), the
//! checkpoint, the summary, the raw archive (decompressed), the Adzuna quota file and its lock —
//! through a good run, runs with wrong credentials, a SIGTERM and a SIGKILL. `Debug` on every type
//! that holds one redacts it, and TLS verification cannot be turned off.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ftcollect::collect::{AdzunaSettings, CollectConfig, FranceTravailSettings};
use ftcollect::http::{self, HttpSettings};
use ftcollect::secret::{Credentials, Secret};
use ftcollect::simulator::{AdzunaSimConfig, SimConfig, SimHandle};
use ftcollect::source::adzuna::{AdzunaClient, AdzunaKeys, Limits};
use ftcollect::source::france_travail::auth::TokenCache;

use crate::harness::*;

const FT_ID: &str = "scan-client-id";
const FT_SECRET: &str = "FtSecret-7d1c9e2a-client-secret";
const AZ_ID: &str = "scan-app";
const AZ_KEY: &str = "AzKey-4b8f0e6d-app-key";
const WRONG_FT: &str = "WrongFtSecret-31a7c5";
const WRONG_AZ: &str = "WrongAzKey-92d4e8";

/// A simulator that accepts only the distinctive credentials, with short-lived tokens so a run
/// renews several.
fn secret_sim() -> SimHandle {
    sim_with(3_000, |c| {
        c.client_id = FT_ID.into();
        c.client_secret = FT_SECRET.into();
        c.token_ttl = Duration::from_secs(1);
        c.adzuna = AdzunaSimConfig {
            app_id: AZ_ID.into(),
            app_key: AZ_KEY.into(),
            offers: 300,
            limits: Limits {
                minute: 10_000,
                day: 10_000,
                week: 10_000,
                month: 10_000,
            },
        };
    })
}

/// `ftcollect collect` from both sources into `dir`, every output on, with `rust_log`.
fn collect_cmd(sim: &SimHandle, dir: &Path, ft_key: &str, az_key: &str, rust_log: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ftcollect"));
    c.args([
        "collect",
        "--source",
        "france-travail,adzuna",
        "--workers",
        "4",
    ])
    .args(["--checkpoint-interval", "50", "--adzuna-delay", "0"])
    .args(["--adzuna-limits", "10000,10000,10000,10000"])
    .arg("--output")
    .arg(dir.join("offers.csv"))
    .arg("--parquet")
    .arg(dir.join("offers.parquet"))
    .arg("--raw-dir")
    .arg(dir.join("raw"))
    .arg("--adzuna-quota-file")
    .arg(dir.join("adzuna-quota.json"))
    .args(["--api-url", &sim.api_url(), "--token-url", &sim.token_url()])
    .args(["--adzuna-url", &sim.adzuna_url()])
    .args(["--now", &sim.now().to_rfc3339()])
    .env("FRANCE_TRAVAIL_ID", FT_ID)
    .env("FRANCE_TRAVAIL_KEY", ft_key)
    .env("ADZUNA_APP_ID", AZ_ID)
    .env("ADZUNA_APP_KEY", az_key)
    .env("RUST_LOG", rust_log)
    .env("RUST_BACKTRACE", "1")
    .env_remove("FRANCE_TRAVAIL_API_URL")
    .env_remove("FRANCE_TRAVAIL_TOKEN_URL")
    .env_remove("ADZUNA_API_URL")
    // No `.env` of the developer's is read: the temp dir has none.
    .current_dir(dir);
    c
}

/// Everything a run left to read: its stdout and stderr, and every file under `dir` (gzip members
/// decompressed, Parquet decoded: metadata and every value).
#[derive(Default)]
struct Seen {
    texts: Vec<(String, Vec<u8>)>,
}

impl Seen {
    fn output(&mut self, what: &str, o: &Output) {
        self.texts
            .push((format!("{what}: stdout"), o.stdout.clone()));
        self.texts
            .push((format!("{what}: stderr"), o.stderr.clone()));
        // ureq_proto at trace level logs every byte sent as hex rows: rebuild them, so a token
        // split across rows would still be found.
        self.texts.push((
            format!("{what}: stderr hex dumps"),
            hex_dump_bytes(&o.stderr),
        ));
    }

    fn files(&mut self, what: &str, dir: &Path) -> usize {
        let mut n = 0;
        for path in walk(dir) {
            let bytes = std::fs::read(&path).unwrap();
            let name = format!("{what}: {}", path.display());
            if path.extension().is_some_and(|e| e == "gz") {
                // A killed run's archive ends mid-stream: scan everything that decodes.
                let mut out = Vec::new();
                let _ = flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out);
                self.texts.push((format!("{name} (decompressed)"), out));
            }
            if path.extension().is_some_and(|e| e == "parquet") {
                self.texts
                    .push((format!("{name} (decoded)"), parquet_text(&path)));
            }
            self.texts.push((name, bytes));
            n += 1;
        }
        n
    }

    /// Panics naming the output and the needle if any output holds any needle.
    fn assert_none_holds(&self, needles: &[String]) {
        for (what, bytes) in &self.texts {
            for n in needles {
                assert!(
                    !contains(bytes, n.as_bytes()),
                    "{what} holds a secret ({}…)",
                    &n[..6]
                );
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A Parquet file's key-value metadata and every row, as text.
fn parquet_text(path: &Path) -> Vec<u8> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let Ok(reader) = SerializedFileReader::new(std::fs::File::open(path).unwrap()) else {
        // A partial file of a killed run: its bytes are scanned anyway.
        return Vec::new();
    };
    let mut out = format!(
        "{:?}\n",
        reader.metadata().file_metadata().key_value_metadata()
    );
    for row in reader.get_row_iter(None).unwrap() {
        out.push_str(&format!("{:?}\n", row.unwrap()));
    }
    out.into_bytes()
}

/// The bytes of ureq_proto-style hex rows (`504f 5354 202f …  POST./`) in a log.
fn hex_dump_bytes(log: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(log).lines() {
        let Some((_, rest)) = line.split_once("] ") else {
            continue;
        };
        let groups: Vec<&str> = rest.split(' ').take(8).collect();
        if groups.len() == 8
            && groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        {
            for g in groups {
                for pair in [&g[..2], &g[2..]] {
                    if let Ok(b) = u8::from_str_radix(pair, 16) {
                        out.push(b);
                    }
                }
            }
        }
    }
    out
}

/// A file for a spawned run's stdout or stderr (a pipe nobody reads would fill up and stall it).
fn log_file(dir: &Path, name: &str) -> std::fs::File {
    std::fs::File::create(dir.join(name)).unwrap()
}

/// Waits for a spawned run and reads back what it wrote to its `log_file`s.
fn logged_output(mut child: std::process::Child, dir: &Path, name: &str) -> Output {
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: std::fs::read(dir.join(format!("{name}.out"))).unwrap(),
        stderr: std::fs::read(dir.join(format!("{name}.err"))).unwrap(),
    }
}

/// Waits until the simulator has issued `n` tokens in all (a run got one and renewed it).
fn wait_for_tokens(sim: &SimHandle, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.issued_tokens().len() < n {
        assert!(Instant::now() < deadline, "no token renewal within 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn no_secret_or_token_in_any_output_of_traced_runs() {
    let sim = secret_sim();
    let root = tempdir();
    let mut seen = Seen::default();

    // Wrong France Travail secret: exit 1, a message naming the variable, nothing leaked.
    let d = root.path().join("wrong-ft");
    std::fs::create_dir(&d).unwrap();
    let o = collect_cmd(&sim, &d, WRONG_FT, AZ_KEY, "trace")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("FRANCE_TRAVAIL_KEY"), "{err}");
    seen.output("wrong France Travail secret", &o);
    seen.files("wrong France Travail secret", &d);

    // Wrong Adzuna key: a failure naming the variable.
    let d = root.path().join("wrong-adzuna");
    std::fs::create_dir(&d).unwrap();
    let o = collect_cmd(&sim, &d, FT_SECRET, WRONG_AZ, "trace")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("ADZUNA_APP_KEY"), "{err}");
    seen.output("wrong Adzuna key", &o);
    seen.files("wrong Adzuna key", &d);

    // A run stopped by SIGTERM once it renewed its token, with the HTTP stack asked for trace
    // explicitly (it stays capped at debug).
    let d = root.path().join("run");
    std::fs::create_dir(&d).unwrap();
    let csv = d.join("offers.csv");
    let tokens_before = sim.issued_tokens().len();
    let child = collect_cmd(
        &sim,
        &d,
        FT_SECRET,
        AZ_KEY,
        "trace,ureq=trace,ureq_proto=trace,rustls=trace",
    )
    .args(["--rate-limit-delay", "0.5"])
    .stdout(log_file(root.path(), "sigterm.out"))
    .stderr(log_file(root.path(), "sigterm.err"))
    .spawn()
    .unwrap();
    wait_for_tokens(&sim, tokens_before + 2);
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let o = logged_output(child, root.path(), "sigterm");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        ftcollect::collect::checkpoint::path_for(&csv).is_file(),
        "SIGTERM saved a checkpoint"
    );
    seen.output("SIGTERM", &o);
    let interrupted_files = seen.files("after SIGTERM", &d);

    // Resumed, then SIGKILLed once it renewed its token.
    let tokens_before = sim.issued_tokens().len();
    let mut child = collect_cmd(&sim, &d, FT_SECRET, AZ_KEY, "trace")
        .args(["--rate-limit-delay", "0.5"])
        .stdout(log_file(root.path(), "sigkill.out"))
        .stderr(log_file(root.path(), "sigkill.err"))
        .spawn()
        .unwrap();
    wait_for_tokens(&sim, tokens_before + 2);
    child.kill().unwrap();
    let o = logged_output(child, root.path(), "sigkill");
    seen.output("SIGKILL", &o);
    seen.files("after SIGKILL", &d);

    // Resumed to the end.
    let o = collect_cmd(&sim, &d, FT_SECRET, AZ_KEY, "trace")
        .args(["--rate-limit-delay", "0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "{err}");
    seen.output("complete run", &o);
    let files = seen.files("after the complete run", &d);

    // The scan saw what it must: logs at debug level and below, every kind of output.
    assert!(err.contains("DEBUG"), "the run logged at debug level");
    assert!(!err.contains("panicked at"), "{err}");
    assert!(
        interrupted_files >= 4,
        "CSV, checkpoint, raw archive, quota file"
    );
    let names: Vec<String> = walk(&d)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    for want in [
        "offers.csv",
        "offers.parquet",
        "adzuna-quota.json",
        "slices.jsonl",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    assert!(names.iter().any(|n| n.ends_with(".jsonl.gz")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("summary")), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("adzuna-quota.json") && n != "adzuna-quota.json"),
        "the quota file's lock: {names:?}"
    );
    assert!(files >= 7, "{names:?}");
    assert!(
        seen.texts
            .iter()
            .all(|(w, b)| !w.ends_with("hex dumps") || b.is_empty()),
        "the HTTP stack dumped request bytes at trace level"
    );

    let tokens = sim.issued_tokens();
    assert!(
        tokens.len() >= 5,
        "several tokens were issued: {}",
        tokens.len()
    );
    let mut needles: Vec<String> = [FT_SECRET, AZ_KEY, WRONG_FT, WRONG_AZ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    needles.extend(tokens);
    seen.assert_none_holds(&needles);
}

#[test]
fn debug_redacts_every_type_holding_a_secret() {
    let secret = "Sup3rSecretValue-debug";
    let creds = Credentials::new("id", secret);
    let keys = AdzunaKeys::new("app", secret);
    let ft = FranceTravailSettings {
        api_url: "https://api.example/x".into(),
        token_url: "https://token.example/x".into(),
        credentials: creds.clone(),
    };
    let mut config = CollectConfig::new("out.csv", ft.clone());
    config.adzuna = Some(AdzunaSettings::new(
        "https://api.adzuna.com/v1/api",
        keys.clone(),
        "q.json",
    ));
    let sim = sim_with(10, |c| {
        c.client_secret = secret.into();
        c.adzuna.app_key = secret.into();
    });
    let client = client_with(
        &sim,
        Duration::ZERO,
        Duration::from_secs(5),
        "demo-id",
        secret,
    );
    let adzuna = AdzunaClient::new(
        "https://api.adzuna.com/v1/api",
        "fr",
        keys.clone(),
        transport(Duration::ZERO, Duration::from_secs(5)),
        None,
    );
    let shown = [
        format!("{:?}", Secret::new(secret)),
        format!("{}", Secret::new(secret)),
        format!("{creds:?}"),
        format!("{:#?}", creds),
        format!("{keys:?}"),
        format!("{ft:?}"),
        format!("{config:?}"),
        format!("{:?}", config.adzuna),
        format!("{:?}", TokenCache::new("https://t".into(), creds.clone())),
        format!("{client:?}"),
        format!("{adzuna:?}"),
        format!(
            "{:?}",
            SimConfig {
                client_secret: secret.into(),
                ..Default::default()
            }
        ),
        format!(
            "{:?}",
            AdzunaSimConfig {
                app_key: secret.into(),
                ..Default::default()
            }
        ),
        // The parsed `simulate` command line (private to the binary) is checked by the binary's
        // own unit test `cli::args::tests::debug_hides_the_simulators_secrets`.
    ];
    for s in &shown {
        assert!(!s.contains(secret), "{s}");
    }
    // The token the simulator issued to the client, and the client's Debug after using it.
    client.referentiel("departements").unwrap();
    let tokens = sim.issued_tokens();
    assert_eq!(tokens.len(), 1);
    let after = format!("{client:?}");
    assert!(
        !after.contains(&tokens[0]) && !after.contains(secret),
        "{after}"
    );
}

#[test]
fn tls_verification_is_on_and_cannot_be_turned_off() {
    // The agent every client uses verifies certificates against the bundled Mozilla roots.
    let agent = http::build_agent(&HttpSettings::default());
    let tls = agent.config().tls_config();
    assert!(!tls.disable_verification());
    assert!(matches!(tls.root_certs(), ureq::tls::RootCerts::WebPki));
    // No code path can turn it off.
    for path in walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for bad in [
            "disable_verification",
            "dangerous()",
            "danger_accept",
            "KeyLogFile",
        ] {
            assert!(!text.contains(bad), "{} uses {bad}", path.display());
        }
    }
    // No option offers it.
    let help = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["collect", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_lowercase();
    for bad in ["insecure", "no-verify", "verify-ssl", "accept-invalid"] {
        assert!(!help.contains(bad), "collect --help offers {bad}");
    }
}

#[test]
fn plain_http_is_refused_for_real_hosts_on_every_url_option() {
    let dir = tempdir();
    for (args, env, needle) in [
        (
            vec![
                "--api-url",
                "http://api.francetravail.io/partenaire/offresdemploi",
            ],
            None,
            "--api-url",
        ),
        (
            vec![
                "--token-url",
                "http://entreprise.francetravail.fr/connexion",
            ],
            None,
            "--token-url",
        ),
        (
            vec![
                "--source",
                "adzuna",
                "--adzuna-url",
                "http://api.adzuna.com/v1/api",
            ],
            None,
            "--adzuna-url",
        ),
        (
            vec!["--source", "adzuna"],
            Some(("ADZUNA_API_URL", "http://api.adzuna.com/v1/api")),
            "ADZUNA_API_URL",
        ),
        (
            vec![
                "--source",
                "france-travail,adzuna",
                "--adzuna-url",
                "http://127.0.0.1.evil.example/v1/api",
            ],
            None,
            "--adzuna-url",
        ),
        (
            vec![
                "--source",
                "adzuna",
                "--adzuna-url",
                "http://evil.example@127.0.0.1:9/v1/api",
            ],
            None,
            "--adzuna-url",
        ),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ftcollect"));
        c.arg("collect")
            .args(&args)
            .arg("--output")
            .arg(dir.path().join("x.csv"))
            .arg("--adzuna-quota-file")
            .arg(dir.path().join("q.json"))
            .env("FRANCE_TRAVAIL_ID", FT_ID)
            .env("FRANCE_TRAVAIL_KEY", FT_SECRET)
            .env("ADZUNA_APP_ID", AZ_ID)
            .env("ADZUNA_APP_KEY", AZ_KEY)
            .env("RUST_LOG", "trace")
            .env_remove("ADZUNA_API_URL")
            .env_remove("FRANCE_TRAVAIL_API_URL")
            .env_remove("FRANCE_TRAVAIL_TOKEN_URL")
            .current_dir(dir.path());
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        for s in [FT_SECRET, AZ_KEY] {
            assert!(!err.contains(s) && !contains(&o.stdout, s.as_bytes()));
        }
        assert!(!dir.path().join("x.csv").exists(), "nothing was collected");
    }
}
