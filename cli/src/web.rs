//! `jumio-kyx web`: a Web journey from the terminal. Creates an account whose `web.successUrl`,
//! `web.errorUrl` and `callbackUrl` point at receivers this command serves on this machine,
//! prints the `web.href` for the user to open (and opens it with `--open`), waits for the
//! landing, the callback or the polled status, and prints what retrieval says.
//!
//! Jumio refuses IP addresses and ports in these URLs, so the loopback receivers are used only
//! when the API is on this machine (the embedded sandbox, a `jumio-kyx sandbox`, a proxy).
//! Against Jumio the URLs are the ones given with `--success-url`, `--error-url` and
//! `--callback-url` (a tunnel of yours may forward them to `--listen`, paths kept), or none:
//! polling the status alone finds the result.
//!
//! The link embeds the journey's authorization token: it is printed, because the user must open
//! it, and handed to the system's opener with `--open`, but never logged.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Args;
use jumio_kyx::callback::{self, Callback};
use jumio_kyx::generated::types::WorkflowStatus;
use jumio_kyx::{
    ConfirmedLanding, ExecutionIds, JumioClient, Landing, LandingError, Retry, Service,
    VerificationResult, WebSettings, Workflow, WorkflowRequest,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::connect::SandboxOrConnectArgs;
use crate::steps::RequestArgs;
use crate::summary;

/// Longest callback body the receiver reads, in bytes (Jumio's are a few hundred).
const MAX_CALLBACK_BYTES: usize = 64 * 1024;
/// Pauses between two status polls grow from the first to the longest.
const FIRST_POLL: Duration = Duration::from_secs(1);
const LONGEST_POLL: Duration = Duration::from_secs(10);
/// How long open connections to the receivers may delay the end of the command.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long the receivers wait for the browser's landing once the result is there.
const LANDING_GRACE: Duration = Duration::from_secs(10);

/// Options of `jumio-kyx web`.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// Workflow: 10011 (ID, selfie, liveness), 10013, or another key.
    #[arg(long, default_value = "10011")]
    workflow: Workflow,
    /// Your reference for the transaction (customerInternalReference; no personal data).
    #[arg(long)]
    reference: Option<String>,
    /// Language of the journey (web.locale), e.g. en, de, pt-BR.
    #[arg(long)]
    locale: Option<String>,
    #[command(flatten)]
    filters: RequestArgs,
    /// Transaction token lifetime, e.g. 30m (5m to 60d).
    #[arg(long)]
    token_lifetime: Option<String>,
    /// Open the link with the system's browser opener (BROWSER, xdg-open, open, start).
    #[arg(long)]
    open: bool,
    /// Where the receivers of the landing and the callback listen: an address of this machine.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// web.successUrl to set, instead of the local receiver (needed against Jumio, which
    /// refuses IP addresses and ports).
    #[arg(long, value_name = "URL")]
    success_url: Option<String>,
    /// web.errorUrl to set, instead of the local receiver.
    #[arg(long, value_name = "URL")]
    error_url: Option<String>,
    /// callbackUrl to set, instead of the local receiver.
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// Print JSON: one line when the journey is ready (with webHref), one with the result.
    #[arg(long)]
    json: bool,
    /// Give up waiting for the journey and its result after this many seconds.
    #[arg(long, default_value_t = 900)]
    wait: u64,
    #[command(flatten)]
    connect: SandboxOrConnectArgs,
}

/// The URLs of the account request: the ones given, else, when the API is on this machine, the
/// local receivers at `local`; against Jumio none (it refuses IP addresses and ports).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Destinations {
    success_url: Option<String>,
    error_url: Option<String>,
    callback_url: Option<String>,
}

impl Destinations {
    fn choose(args: &WebArgs, api_on_this_machine: bool, local: SocketAddr) -> Destinations {
        let receiver = |path: &str| api_on_this_machine.then(|| format!("http://{local}/{path}"));
        Destinations {
            success_url: args.success_url.clone().or_else(|| receiver("success")),
            error_url: args.error_url.clone().or_else(|| receiver("error")),
            callback_url: args.callback_url.clone().or_else(|| receiver("callback")),
        }
    }

    fn apply(&self, mut request: WorkflowRequest, locale: Option<&str>) -> WorkflowRequest {
        let mut web = WebSettings::default();
        if let Some(url) = &self.success_url {
            web = web.success_url(url);
        }
        if let Some(url) = &self.error_url {
            web = web.error_url(url);
        }
        if let Some(locale) = locale {
            web = web.locale(locale);
        }
        if let Some(url) = &self.callback_url {
            request = request.callback_url(url);
        }
        request.web(web)
    }
}

/// What the receivers got.
#[derive(Debug)]
enum Event {
    Landing {
        /// `success` or `error`: the receiver the browser came to.
        receiver: &'static str,
        landing: Result<Landing, LandingError>,
    },
    Callback(Callback),
}

/// A reference unique enough to find the transaction in the portal.
fn default_reference() -> String {
    format!(
        "jumio-kyx-cli-web-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    )
}

pub async fn run(args: WebArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.listen.ip().is_loopback(),
        "--listen {} is not an address of this machine; the receivers take landings with \
         references and accept callbacks unauthenticated, so they listen on 127.0.0.1 or ::1 \
         only (forward a tunnel to them to receive from outside)",
        args.listen
    );
    let reference = args.reference.clone().unwrap_or_else(default_reference);
    let mut request = args
        .filters
        .apply(WorkflowRequest::new(args.workflow, &reference));
    if let Some(lifetime) = &args.token_lifetime {
        request = request.token_lifetime(lifetime);
    }
    // Everything that can be checked locally is checked before any connection is made.
    let given = Destinations {
        success_url: args.success_url.clone(),
        error_url: args.error_url.clone(),
        callback_url: args.callback_url.clone(),
    };
    given
        .apply(request.clone(), args.locale.as_deref())
        .build()?;

    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let local = listener.local_addr()?;
    let (events, mut received) = mpsc::channel(16);
    let router = receivers(events);
    let (stop_server, server) = crate::serve::spawn(listener, router);

    let connection = args.connect.connect().await?;
    let on_sandbox = connection.sandbox.is_some();
    let client = &connection.client;
    let api_on_this_machine = reqwest::Url::parse(client.service_url(Service::Account))
        .is_ok_and(|url| jumio_kyx::limits::is_loopback(&url));
    let destinations = Destinations::choose(&args, api_on_this_machine, local);
    // The browser lands on the receivers only when the success URL is theirs.
    let expect_landing = api_on_this_machine && args.success_url.is_none();
    let request = destinations.apply(request, args.locale.as_deref());

    let outcome = async {
        let session = client.create_account(&request).await?;
        let ids = session.ids().clone();
        let href = session.web_href().ok_or_else(|| {
            anyhow::anyhow!(
                "Jumio returned no web.href for {ids}; it makes one only when the Customer \
                 Portal has a Domain Name Prefix"
            )
        })?;
        announce(&args, &ids, href, &destinations, &reference, on_sandbox)?;
        if args.open {
            open_link(href);
        }
        wait(
            client,
            &ids,
            &mut received,
            Duration::from_secs(args.wait),
            expect_landing,
        )
        .await
        .map(|outcome| (ids, outcome))
    }
    .await;
    let _ = stop_server.send(());
    // A browser may hold a connection open; it does not hold up the command for long.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, server).await;
    connection.close().await;
    let (ids, outcome) = outcome?;
    print_outcome(&ids, &outcome, args.json, on_sandbox)
}

/// The receivers: `GET /success` and `GET /error` for the browser's landing, `POST /callback`
/// for Jumio's callbacks. They answer at once and hand what they got to the waiting command.
fn receivers(events: mpsc::Sender<Event>) -> Router {
    Router::new()
        .route("/success", get(land_success))
        .route("/error", get(land_error))
        .route("/callback", post(receive_callback))
        .layer(DefaultBodyLimit::max(MAX_CALLBACK_BYTES))
        .with_state(events)
}

async fn land_success(State(events): State<mpsc::Sender<Event>>, query: RawQuery) -> Response {
    land("success", events, query).await
}

async fn land_error(State(events): State<mpsc::Sender<Event>>, query: RawQuery) -> Response {
    land("error", events, query).await
}

/// The page the browser gets: what was understood, in words of this program only (nothing of the
/// query is repeated), and no caching or referrer, since the URL holds the reference.
async fn land(
    receiver: &'static str,
    events: mpsc::Sender<Event>,
    RawQuery(query): RawQuery,
) -> Response {
    let landing = Landing::from_query(query.as_deref().unwrap_or_default());
    let (status, content_type, body) = match &landing {
        Ok(landing) => (
            StatusCode::OK,
            "text/html; charset=utf-8",
            format!(
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>Journey ended</title></head><body><main data-landing=\"{status}\">\
                 <h1>The journey ended: {status}</h1><p>You can close this window; jumio-kyx \
                 shows the result in the terminal.</p></main></body></html>\n",
                status = if landing.is_success() {
                    "SUCCESS"
                } else {
                    "ERROR"
                },
            ),
        ),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            format!("This is not a landing of a Web journey: {error}.\n"),
        ),
    };
    // A full queue drops the landing rather than hold the answer: the status is polled anyway.
    let _ = events.try_send(Event::Landing { receiver, landing });
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// A callback is only a prompt to ask retrieval: it is parsed, and its ids checked, but nothing
/// in it is believed (callbacks here come through this machine, so their source says nothing).
async fn receive_callback(State(events): State<mpsc::Sender<Event>>, body: Bytes) -> Response {
    match callback::parse(&body) {
        Ok(callback) => {
            let _ = events.try_send(Event::Callback(callback));
            (StatusCode::OK, "received\n").into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
    }
}

/// Prints the link and where the journey ends; with `--json` as one line of JSON.
fn announce(
    args: &WebArgs,
    ids: &ExecutionIds,
    href: &str,
    destinations: &Destinations,
    reference: &str,
    on_sandbox: bool,
) -> anyhow::Result<()> {
    if args.json {
        let line = json!({
            "accountId": ids.account_id(),
            "workflowExecutionId": ids.workflow_execution_id(),
            "customerInternalReference": reference,
            "webHref": href,
            "successUrl": destinations.success_url,
            "errorUrl": destinations.error_url,
            "callbackUrl": destinations.callback_url,
            "sandbox": on_sandbox,
        });
        println!("{}", serde_json::to_string(&line)?);
    } else {
        println!(
            "Open this link in a browser to walk the Web journey (it holds the journey's token: \
             share it with no one else):\n\n  {href}\n"
        );
        eprintln!("Workflow execution {ids}.");
        match (&destinations.success_url, &destinations.callback_url) {
            (None, None) => eprintln!(
                "No successUrl, errorUrl or callbackUrl set (Jumio refuses local addresses): \
                 polling the status."
            ),
            _ => eprintln!(
                "Waiting up to {} s for the landing, the callback or the result.",
                args.wait
            ),
        }
    }
    Ok(())
}

/// Hands the link to the system's opener; a failure is reported, not fatal (the link is printed).
/// The error is the opener's, which does not repeat the link.
fn open_link(href: &str) {
    if let Err(error) = webbrowser::open(href) {
        eprintln!("Could not open a browser ({error}); open the link above by hand.");
    }
}

/// How the wait ended.
#[derive(Debug)]
enum Outcome {
    /// Processed: the result, and the landing seen before, if any.
    Processed {
        result: Box<VerificationResult>,
        landing: Option<Landing>,
    },
    /// Ended without a result: an `ERROR` landing (confirmed to be this execution's) or an
    /// expiry, with the status retrieval gave.
    Ended {
        status: WorkflowStatus,
        landing: Option<Landing>,
    },
}

/// Polls the status, sooner when a landing or a callback of this execution arrives, until it is
/// processed or expired, an `ERROR` landing of it arrives, or `limit` passes. When the browser is
/// to land on this command's receivers (`expect_landing`) and the result comes first, the
/// receivers wait up to [`LANDING_GRACE`] more for it, so that the browser finds them.
async fn wait(
    client: &JumioClient,
    ids: &ExecutionIds,
    events: &mut mpsc::Receiver<Event>,
    limit: Duration,
    expect_landing: bool,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut pause = FIRST_POLL;
    let mut landing: Option<Landing> = None;
    loop {
        let status = client.status(ids).await?.workflow_execution.status;
        match status {
            WorkflowStatus::Processed => {
                let mut result = Box::new(client.details(ids).await?);
                if landing.is_none() && expect_landing {
                    let grace = Instant::now() + LANDING_GRACE;
                    while landing.is_none() {
                        let left = grace.saturating_duration_since(Instant::now());
                        let Ok(Some(event)) = tokio::time::timeout(left, events.recv()).await
                        else {
                            break;
                        };
                        if let Some((arrived, confirmed)) = take(client, ids, event).await? {
                            landing = Some(arrived);
                            if let Some(confirmed) = confirmed.into_result() {
                                result = Box::new(confirmed);
                            }
                        }
                    }
                }
                return Ok(Outcome::Processed { result, landing });
            }
            WorkflowStatus::SessionExpired | WorkflowStatus::TokenExpired => {
                return Ok(Outcome::Ended { status, landing });
            }
            _ => {}
        }
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            anyhow::bail!(
                "no result within {} s: {ids} is {status}; ask again later with `jumio-kyx \
                 status --account {} --workflow-execution {}`",
                limit.as_secs(),
                ids.account_id(),
                ids.workflow_execution_id()
            );
        }
        let event = tokio::select! {
            event = events.recv() => event,
            () = tokio::time::sleep(pause.min(left)) => None,
        };
        pause = (pause + pause / 2).min(LONGEST_POLL);
        let Some(event) = event else { continue };
        if matches!(&event, Event::Callback(callback) if callback.ids() == ids) {
            pause = FIRST_POLL;
            continue;
        }
        let Some((arrived, confirmed)) = take(client, ids, event).await? else {
            continue;
        };
        let ended = !arrived.is_success();
        landing = Some(arrived);
        if let Some(result) = confirmed.into_result() {
            return Ok(Outcome::Processed {
                result: Box::new(result),
                landing,
            });
        }
        if ended {
            return Ok(Outcome::Ended {
                status: client.status(ids).await?.workflow_execution.status,
                landing,
            });
        }
        pause = FIRST_POLL;
    }
}

/// A landing of this execution, confirmed with Jumio; `None` (and a line on standard error) for
/// anything else: a callback, a landing of another execution, a malformed one, or one Jumio's
/// record contradicts.
async fn take(
    client: &JumioClient,
    ids: &ExecutionIds,
    event: Event,
) -> anyhow::Result<Option<(Landing, ConfirmedLanding)>> {
    let (receiver, arrived) = match event {
        Event::Callback(callback) => {
            if callback.ids() != ids {
                eprintln!("Ignored a callback of another workflow execution.");
            }
            return Ok(None);
        }
        Event::Landing {
            receiver,
            landing: Err(error),
        } => {
            eprintln!("Refused a landing on /{receiver}: {error}.");
            return Ok(None);
        }
        Event::Landing {
            receiver,
            landing: Ok(arrived),
        } => (receiver, arrived),
    };
    if arrived.ids() != ids {
        eprintln!("Ignored a landing on /{receiver} of another workflow execution.");
        return Ok(None);
    }
    let confirmed = match client.confirm_landing(&arrived).await {
        Ok(confirmed) => confirmed,
        Err(error @ jumio_kyx::Error::LandingMismatch { .. }) => {
            eprintln!("Refused a landing on /{receiver}: {error}.");
            return Ok(None);
        }
        Err(error) => return Err(error.into()),
    };
    eprintln!(
        "The browser landed on /{receiver} with {} (for display; not evidence). Jumio says {}.",
        describe(&arrived),
        confirmed.status()
    );
    Ok(Some((arrived, confirmed)))
}

/// `SUCCESS`, or `ERROR 9820: meaning. Retry advice.`
fn describe(landing: &Landing) -> String {
    let mut text = landing.acquisition_status().to_string();
    if let Some(code) = landing.error_code() {
        let retry = match code.retry() {
            Retry::Yes => "The user can try again.",
            Retry::NewExecution => "The user can try again with a new link.",
            Retry::OtherDevice => "The user can try again on another device or browser.",
            Retry::AttemptsUsedUp => "The journey's attempts are used up.",
            _ => "Jumio does not say whether the user can try again.",
        };
        text.push_str(&format!(" {code}: {} {retry}", code.meaning()));
    }
    if let Some(code) = landing.public_error_code() {
        text.push_str(&format!(" (public error code {code})"));
    }
    text
}

/// The landing as JSON: what the browser brought, for display.
fn landing_json(landing: Option<&Landing>) -> Value {
    let Some(landing) = landing else {
        return Value::Null;
    };
    json!({
        "acquisitionStatus": landing.acquisition_status().as_str(),
        "errorCode": landing.error_code().map(|code| code.code()),
        "errorMeaning": landing.error_code().map(|code| code.meaning()),
        "userCanRetry": landing.error_code().map(|code| code.user_can_retry()),
        "publicErrorCode": landing.public_error_code(),
    })
}

/// Prints the outcome: the result as `verify` does (with the landing beside it), or how the
/// journey ended without one, which is an error of the command.
fn print_outcome(
    ids: &ExecutionIds,
    outcome: &Outcome,
    json: bool,
    on_sandbox: bool,
) -> anyhow::Result<()> {
    match outcome {
        Outcome::Processed { result, landing } => {
            if json {
                let mut details = serde_json::to_value(result.details())?;
                if let Some(object) = details.as_object_mut() {
                    object.insert("sandbox".to_owned(), on_sandbox.into());
                    object.insert("landing".to_owned(), landing_json(landing.as_ref()));
                }
                println!("{}", serde_json::to_string(&details)?);
            } else {
                if on_sandbox {
                    println!("{}", summary::SANDBOX_NOTICE);
                }
                if let Some(landing) = landing {
                    println!("Landing: {}", describe(landing));
                }
                print!("{}", summary::render(result));
            }
            Ok(())
        }
        Outcome::Ended { status, landing } => {
            if json {
                let line = json!({
                    "account": {"id": ids.account_id()},
                    "workflow": {"id": ids.workflow_execution_id(), "status": status.as_str()},
                    "sandbox": on_sandbox,
                    "landing": landing_json(landing.as_ref()),
                });
                println!("{}", serde_json::to_string(&line)?);
            }
            match landing {
                Some(landing) if !landing.is_success() => anyhow::bail!(
                    "the journey of {ids} ended with {}; its status is {status}",
                    describe(landing)
                ),
                _ => anyhow::bail!("{ids} ended with status {status}, without a result"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        web: WebArgs,
    }

    fn args(flags: &[&str]) -> WebArgs {
        Command::parse_from(std::iter::once("web").chain(flags.iter().copied())).web
    }

    #[test]
    fn local_receivers_only_when_the_api_is_on_this_machine() {
        let local: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let sandbox = Destinations::choose(&args(&[]), true, local);
        assert_eq!(
            sandbox,
            Destinations {
                success_url: Some("http://127.0.0.1:4321/success".to_owned()),
                error_url: Some("http://127.0.0.1:4321/error".to_owned()),
                callback_url: Some("http://127.0.0.1:4321/callback".to_owned()),
            }
        );
        assert_eq!(
            Destinations::choose(&args(&[]), false, local),
            Destinations::default()
        );
        let given = args(&[
            "--success-url",
            "https://shop.example.com/kyc/done",
            "--callback-url",
            "https://shop.example.com/kyc/callback",
        ]);
        let jumio = Destinations::choose(&given, false, local);
        assert_eq!(
            jumio.success_url.as_deref(),
            Some("https://shop.example.com/kyc/done")
        );
        assert_eq!(jumio.error_url, None);
        assert_eq!(
            Destinations::choose(&given, true, local)
                .error_url
                .as_deref(),
            Some("http://127.0.0.1:4321/error")
        );
    }

    #[test]
    fn the_description_of_a_landing_says_the_code_and_the_retry() {
        let landing = Landing::from_query(
            "accountId=a&workflowExecutionId=b&acquisitionStatus=ERROR\
             &customerInternalReference=r&errorCode=9822",
        )
        .unwrap();
        assert_eq!(
            describe(&landing),
            "ERROR 9822: The browser cannot use the camera. The user can try again on another \
             device or browser."
        );
    }
}
