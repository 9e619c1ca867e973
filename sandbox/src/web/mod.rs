//! The Web journey: the page at `web.href` that a person goes through in a browser instead of the
//! backend uploading images through the API (the WEB channel). Server-rendered HTML forms that
//! work without JavaScript; journey.js only adds image previews and the iFrame events. See the
//! *Web journey* section of the README for the steps, states, codes and the security design.

mod end;
mod journey;
mod locale;
mod pages;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::Markup;

use self::end::EndState;
use self::journey::{Ending, Step};
use self::locale::Strings;
use self::pages::{EndPage, Event, StepPage};
use super::auth::{constant_time_eq, random_token};
use super::errors::ApiError;
use super::scenarios;
use super::state::{AppState, Execution, Store};
use super::store::{DocumentChoice, StatusChange, StoredPart, WebEnd, timestamp};
use super::upload;
use jumio_kyx::generated::types::{
    ConsentDetails, ConsentObtained, PartClassifier, UploadClassifier,
};

/// The journey: its pages (GET) and its forms (POST).
pub(crate) const JOURNEY_PATH: &str = "/web/client";
/// The older documented form of `web.href`, an alias of [`JOURNEY_PATH`].
const LEGACY_PATH: &str = "/web/v4/app";
/// The end page.
pub(crate) const END_PATH: &str = "/web/client/end";
pub(crate) const ASSET_JS: &str = "/web/client/assets/journey.js";
pub(crate) const ASSET_CSS: &str = "/web/client/assets/journey.css";

/// Jumio's error code of a server-side error.
pub(crate) const ERROR_SERVER: u16 = 9100;
/// Jumio's error code of a token that is absent, malformed, not the link's, or expired.
pub(crate) const ERROR_TOKEN: u16 = 9200;
/// Jumio's error code of a session that timed out once the journey was under way.
pub(crate) const ERROR_SESSION: u16 = 9210;
/// Jumio's error code of three submissions that could not be used.
pub(crate) const ERROR_ATTEMPTS: u16 = 9835;
/// The code of a journey the user abandoned. Jumio documents no numeric code for it (its Web
/// client names the case only in its alphanumeric codes, domain `G`, "cancelled by end user");
/// the client's numeric fallback for an error without a code of its own is 9100.
pub(crate) const ABANDONED: u16 = ERROR_SERVER;
/// Refused submissions after which the journey ends with [`ERROR_ATTEMPTS`].
const MAX_REFUSALS: u8 = 3;
/// Most fields a form of the journey may have (it has at most six).
const MAX_FIELDS: usize = upload::MAX_MULTIPART_FIELDS;
/// Longest text field of a form (the token is the longest, well below).
const MAX_TEXT_BYTES: usize = 8 * 1024;
/// Longest query string of the link.
const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Longest `locale` read; Jumio's are at most 5 characters (`sr-Latn` excepted).
const MAX_LOCALE_CHARS: usize = 16;

/// The page's policy: scripts, styles and images from the sandbox only (previews are `blob:`
/// URLs), forms to the sandbox only (the last one answers with a redirect to the end page, on
/// the same origin), no plugins, and framing by loopback pages (the sandbox serves this machine).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'self' \
     http://127.0.0.1:* http://localhost:* http://[::1]:*";

const JOURNEY_JS: &str = include_str!("assets/journey.js");
const JOURNEY_CSS: &str = include_str!("assets/journey.css");

/// The routes of the journey, merged into the sandbox's router.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            JOURNEY_PATH,
            get(open)
                .post(submit)
                .layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route(LEGACY_PATH, get(open))
        .route(END_PATH, get(end_page))
        .route(
            ASSET_JS,
            get(|| asset(JOURNEY_JS, "text/javascript; charset=utf-8")),
        )
        .route(
            ASSET_CSS,
            get(|| asset(JOURNEY_CSS, "text/css; charset=utf-8")),
        )
}

/// The headers of every page: the policy above, no sniffing, no referrer (the first URL holds
/// the token), and no caching (the pages hold the token and personal data).
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn page(status: StatusCode, markup: Markup) -> Response {
    secured((status, Html(markup.into_string())).into_response())
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    secured(response)
}

async fn asset(text: &'static str, content_type: &'static str) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The origins the sandbox's pages have: that of its base URL, and that of the `Host` the
/// request was sent to (`localhost` and `127.0.0.1` are different origins).
fn own_origins(app: &AppState, headers: &HeaderMap) -> Vec<String> {
    let mut origins = vec![app.base_url.clone()];
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        origins.push(format!("http://{host}"));
    }
    origins
}

/// Why a POST is refused as cross-site, if it is: `Sec-Fetch-Site` other than `same-origin`,
/// or an `Origin` other than the sandbox's (`null`, which browsers send under the pages'
/// `no-referrer` policy, proves nothing either way and leaves the decision to the CSRF token).
fn cross_site(app: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("?");
        if site != "same-origin" {
            return Some(format!("Sec-Fetch-Site is `{site}`"));
        }
    }
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("?");
    (origin != "null" && !own_origins(app, headers).iter().any(|own| own == origin))
        .then(|| "the Origin is not the sandbox's".to_owned())
}

/// The origin of the page that loaded the link (`Referer`), when it is another page: the page
/// that embeds the journey, when it is framed.
fn referring_origin(app: &AppState, headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let origin = url.origin().ascii_serialization();
    (!own_origins(app, headers).contains(&origin)).then_some(origin)
}

/// The parameters of the link that the journey reads; every other one (`baseUrl`, `linked`) is
/// accepted and ignored: the sandbox serves its journey and its API on one address.
struct LinkQuery {
    token: String,
    locale: Option<String>,
}

fn link_query(query: Option<&str>) -> LinkQuery {
    let query = query
        .filter(|q| q.len() <= MAX_QUERY_BYTES)
        .unwrap_or_default();
    let mut link = LinkQuery {
        token: String::new(),
        locale: None,
    };
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "authorizationToken" if link.token.is_empty() => link.token = value.into_owned(),
            "locale" if link.locale.is_none() => {
                link.locale = Some(value.chars().take(MAX_LOCALE_CHARS).collect());
            }
            _ => {}
        }
    }
    link
}

/// The end state of `ending`, in the language and with the embedding origin of its journey when
/// the execution is known, else with `strings` and `parent_origin`.
fn end_state(
    store: &Store,
    ending: Ending,
    strings: &'static Strings,
    parent_origin: Option<String>,
) -> EndState {
    let session = ending
        .ids
        .as_ref()
        .and_then(|(account, execution)| store.execution(account, execution))
        .map(|execution| &execution.web);
    let language = session.and_then(|web| web.locale).unwrap_or(strings.code);
    let origin = session
        .and_then(|web| web.parent_origin.clone())
        .or(parent_origin);
    EndState::new(ending, language, origin)
}

/// `GET /web/client` (and `/web/v4/app`): the journey's current step, once the link's token is
/// checked. Loading it starts nothing; the session starts with the first form sent.
async fn open(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let link = link_query(query.as_deref());
    let requested = link
        .locale
        .as_deref()
        .map(|code| locale::resolve(Some(code)));
    let strings = requested.unwrap_or_else(|| locale::resolve(None));
    let referrer = referring_origin(&app, &headers);
    let ids = match journey::ids_of(&app, &link.token) {
        Ok(ids) => ids,
        Err(ending) => return refused_link(&app, ending, strings, referrer),
    };
    app.advance_one(&ids.0, &ids.1);
    let mut store = app.lock();
    if let Err(ending) = journey::check(&store, &ids, &link.token) {
        return see_other(&end_state(&store, ending, strings, referrer).location(&app));
    }
    let Some(execution) = store.execution_mut(&ids.0, &ids.1) else {
        return see_other(
            &EndState::new(server_error(&ids), strings.code, referrer).location(&app),
        );
    };
    let missing = journey::acquired_elsewhere_missing(execution);
    if !missing.is_empty() {
        tracing::info!(
            workflow_execution = %execution.id,
            missing = %missing.join(", "),
            "the Web journey cannot acquire every credential of the workflow; upload the others \
             through the API first"
        );
        let state = EndState::new(server_error(&ids), strings.code, referrer);
        return see_other(&state.location(&app));
    }
    let web = &mut execution.web;
    web.csrf.get_or_insert_with(random_token);
    if let Some(requested) = requested {
        web.locale = Some(requested.code);
    }
    if referrer.is_some() {
        web.parent_origin = referrer;
    }
    let step = journey::current_step(execution);
    page(
        StatusCode::OK,
        step_page(execution, step, None, Some("loaded")),
    )
}

/// The end page of a link whose token [`journey::ids_of`] refused; the due transitions of its
/// execution, when it names one, are applied first (an expired token's `TOKEN_EXPIRED`).
fn refused_link(
    app: &AppState,
    ending: Ending,
    strings: &'static Strings,
    parent_origin: Option<String>,
) -> Response {
    if let Some((account, execution)) = &ending.ids {
        app.advance_one(account, execution);
    }
    let state = end_state(&app.lock(), ending, strings, parent_origin);
    see_other(&state.location(app))
}

fn server_error(ids: &(String, String)) -> Ending {
    Ending {
        end: WebEnd::Error(ERROR_SERVER),
        ids: Some(ids.clone()),
    }
}

/// The page of `step` of `execution`, with the refusal of the last submission if any.
fn step_page(
    execution: &Execution,
    step: Step,
    refusal: Option<&str>,
    event: Option<&'static str>,
) -> Markup {
    let web = &execution.web;
    let choices = journey::document_choices(execution);
    let pick = |offered: &[&str], wanted: &str| {
        offered
            .iter()
            .find(|o| **o == wanted)
            .or(offered.first())
            .map(|o| (*o).to_owned())
            .unwrap_or_default()
    };
    let countries: Vec<&str> = choices.countries.iter().map(String::as_str).collect();
    let country = pick(&countries, &execution.document.country);
    let type_ = pick(&choices.types, &execution.document.document_type);
    let outcomes = scenarios::markers(&execution.scenario.workflow);
    let left = MAX_REFUSALS.saturating_sub(web.refusals);
    StepPage {
        strings: locale::of(web.locale),
        step,
        token: &web.token,
        csrf: web.csrf.as_deref().unwrap_or_default(),
        event: Event {
            value: event,
            code: None,
            parent_origin: web.parent_origin.as_deref(),
            account: &execution.account_id,
            execution: &execution.id,
            reference: &execution.customer_internal_reference,
            token: &web.token,
        },
        refusal: refusal.map(|message| (message, left)),
        choices: (step == Step::DocumentType).then_some((
            &choices,
            country.as_str(),
            type_.as_str(),
        )),
        outcomes: &outcomes,
    }
    .render()
}

/// The fields of a submitted form. Unknown fields are ignored.
#[derive(Default)]
struct Submission {
    token: Option<String>,
    csrf: Option<String>,
    step: Option<String>,
    consent: Option<String>,
    country: Option<String>,
    type_: Option<String>,
    outcome: Option<String>,
    action: Option<String>,
    /// The file of an image step, named by its classifier.
    file: Option<(UploadClassifier, Bytes)>,
}

/// Reads the form into `into`, field by field, within the bounds (fields, text lengths; the
/// body limit bounds the file). On error, `into` holds the fields read before it.
async fn read_form(multipart: &mut Multipart, into: &mut Submission) -> Result<(), ApiError> {
    let mut fields = 0_usize;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| upload::multipart_error(&e))?
    {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(ApiError::bad_request(format!(
                "the form has more than {MAX_FIELDS} fields"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let classifier = match name.as_str() {
            "FRONT" => Some(UploadClassifier::Front),
            "BACK" => Some(UploadClassifier::Back),
            "FACE" => Some(UploadClassifier::Face),
            "DOCUMENT" => Some(UploadClassifier::Document),
            _ => None,
        };
        if let Some(classifier) = classifier {
            if into.file.is_some() {
                return Err(ApiError::bad_field(name, "the form has more than one file"));
            }
            let bytes = field
                .bytes()
                .await
                .map_err(|e| upload::multipart_error(&e))?;
            into.file = Some((classifier, bytes));
            continue;
        }
        let slot = match name.as_str() {
            "authorizationToken" => &mut into.token,
            "csrf" => &mut into.csrf,
            "step" => &mut into.step,
            "consent" => &mut into.consent,
            "country" => &mut into.country,
            "type" => &mut into.type_,
            "outcome" => &mut into.outcome,
            "action" => &mut into.action,
            _ => continue,
        };
        let text = read_text(&mut field, &name).await?;
        if slot.is_some() {
            return Err(ApiError::bad_field(
                &name,
                format!("the form has more than one field `{name}`"),
            ));
        }
        *slot = Some(text);
    }
    Ok(())
}

async fn read_text(field: &mut Field<'_>, name: &str) -> Result<String, ApiError> {
    let mut text = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| upload::multipart_error(&e))?
    {
        if text.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(ApiError::bad_field(
                name,
                format!("the field `{name}` is longer than {MAX_TEXT_BYTES} bytes"),
            ));
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text)
        .map_err(|_| ApiError::bad_field(name, format!("the field `{name}` is not UTF-8 text")))
}

/// What a submission leads to.
enum Reply {
    /// A page of the journey (the next step, or the same one again).
    Page(StatusCode, Markup),
    /// The end page.
    End(EndState),
    /// The acquisition is complete: announce the change, then the end page.
    Finished(Box<StatusChange>, EndState),
    /// The session is to expire now: apply it, then the end page.
    Expired(EndState),
}

/// `POST /web/client`: one step's form.
async fn submit(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let english = locale::resolve(None);
    if let Some(reason) = cross_site(&app, &headers) {
        tracing::info!(%reason, "a cross-site submission to the Web journey was refused");
        return page(
            StatusCode::FORBIDDEN,
            pages::message(english, english.forbidden_heading, english.forbidden_text),
        );
    }
    let mut form = Submission::default();
    let read = match multipart {
        Ok(mut multipart) => read_form(&mut multipart, &mut form).await,
        Err(rejection) => Err(ApiError::bad_request(format!(
            "the body must be multipart/form-data: {}",
            rejection.body_text()
        ))),
    };
    let token = form.token.take().unwrap_or_default();
    if let (Err(error), true) = (&read, token.is_empty()) {
        return page(
            StatusCode::BAD_REQUEST,
            pages::message(english, english.unreadable_heading, error.detail()),
        );
    }
    let ids = match journey::ids_of(&app, &token) {
        Ok(ids) => ids,
        Err(ending) => return refused_link(&app, ending, english, None),
    };
    // The file is checked before the store is locked: reading a large one takes a while.
    let checked = match (&read, form.file.take()) {
        (Ok(()), Some((classifier, bytes))) => {
            Some((classifier, upload::check_part(classifier, bytes)))
        }
        _ => None,
    };
    app.advance_one(&ids.0, &ids.1);
    let reply = {
        let mut store = app.lock();
        handle(&app, &mut store, &ids, &token, form, read.err(), checked)
    };
    match reply {
        Reply::Page(status, markup) => page(status, markup),
        Reply::End(state) => see_other(&state.location(&app)),
        Reply::Finished(change, state) => {
            app.announce(vec![*change]);
            upload::end_processing_in_time(&app, &ids.0, &ids.1);
            see_other(&state.location(&app))
        }
        Reply::Expired(state) => {
            app.advance_one(&ids.0, &ids.1);
            see_other(&state.location(&app))
        }
    }
}

/// A checked file of a submission.
type Checked = Option<(UploadClassifier, Result<StoredPart, ApiError>)>;

/// A submission to the journey of `ids`, under the store's lock.
fn handle(
    app: &AppState,
    store: &mut Store,
    ids: &(String, String),
    token: &str,
    form: Submission,
    read_error: Option<ApiError>,
    checked: Checked,
) -> Reply {
    let english = locale::resolve(None);
    if let Err(ending) = journey::check(store, ids, token) {
        return Reply::End(end_state(store, ending, english, None));
    }
    let Some(execution) = store.execution_mut(&ids.0, &ids.1) else {
        return Reply::End(end_state(store, server_error(ids), english, None));
    };
    let strings = locale::of(execution.web.locale);
    let csrf_matches = execution
        .web
        .csrf
        .as_deref()
        .zip(form.csrf.as_deref())
        .is_some_and(|(expected, sent)| constant_time_eq(expected.as_bytes(), sent.as_bytes()));
    if !csrf_matches {
        tracing::info!(
            workflow_execution = %execution.id,
            "a Web journey submission without its CSRF token was refused"
        );
        return Reply::Page(
            StatusCode::FORBIDDEN,
            pages::message(strings, strings.forbidden_heading, strings.forbidden_text),
        );
    }
    let now = Instant::now();
    let timeout = app.config.session_timeout;
    execution.web.session_deadline.get_or_insert(now + timeout);
    execution.started_at.get_or_insert_with(timestamp);
    let step = journey::current_step(execution);
    if form.step.as_deref() != Some(step.name()) {
        // A form of an earlier step (the back button): the step the journey is at.
        return Reply::Page(StatusCode::OK, step_page(execution, step, None, None));
    }
    if let Some(error) = read_error {
        return refuse(store, ids, step, error.detail());
    }
    let mut part = None;
    match step {
        Step::Consent => {
            if form.consent.as_deref() != Some("yes") {
                return refuse(
                    store,
                    ids,
                    step,
                    "the field `consent` must be `yes` to continue",
                );
            }
            execution.consent = Some(ConsentDetails {
                obtained: ConsentObtained::Yes,
                obtained_at: Some(timestamp()),
            });
            execution.web.consent_given = true;
        }
        Step::DocumentType => {
            let choices = journey::document_choices(execution);
            let country = form.country.unwrap_or_default();
            let type_ = form.type_.unwrap_or_default();
            let problem = if !choices.countries.contains(&country) {
                Some(format!(
                    "country `{country}` is not one of the countries offered"
                ))
            } else if !choices.types.contains(&type_.as_str()) {
                Some(format!(
                    "type `{type_}` is not one of the document types offered"
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                return refuse(store, ids, step, &problem);
            }
            execution.document = DocumentChoice {
                document_type: type_,
                country,
            };
            execution.web.document_chosen = true;
        }
        Step::Finish => return finish(app, store, ids, form),
        _ => {
            let Some((classifier, category)) = step.upload() else {
                return Reply::End(end_state(store, server_error(ids), strings, None));
            };
            let credential = execution
                .credential_of(&category)
                .map(|c| c.id.clone())
                .unwrap_or_default();
            match checked {
                Some((sent, Ok(checked))) if sent == classifier => {
                    part = Some((credential, classifier, checked));
                }
                Some((sent, Err(error))) if sent == classifier => {
                    return refuse(store, ids, step, error.detail());
                }
                _ => {
                    let message = format!("the multipart body has no field `{classifier}`");
                    return refuse(store, ids, step, &message);
                }
            }
        }
    }
    execution.web.session_deadline = Some(now + timeout);
    if let Some((credential, classifier, checked)) = part {
        let classifier = PartClassifier::from(classifier.to_string());
        let ids3 = (ids.0.as_str(), ids.1.as_str(), credential.as_str());
        if let Err(error) = upload::keep_part(app, store, ids3, classifier, checked) {
            return refuse(store, ids, step, error.detail());
        }
    }
    match store.execution(&ids.0, &ids.1) {
        Some(execution) => {
            let next = journey::current_step(execution);
            Reply::Page(StatusCode::OK, step_page(execution, next, None, None))
        }
        None => Reply::End(end_state(store, server_error(ids), strings, None)),
    }
}

/// Refuses a submission of `step`: its page again with `message` (`422`), or, at the third, the
/// end of the journey with `9835`.
fn refuse(store: &mut Store, ids: &(String, String), step: Step, message: &str) -> Reply {
    let strings = locale::resolve(None);
    let Some(execution) = store.execution_mut(&ids.0, &ids.1) else {
        return Reply::End(end_state(store, server_error(ids), strings, None));
    };
    execution.web.refusals = execution.web.refusals.saturating_add(1);
    tracing::debug!(
        workflow_execution = %execution.id,
        step = step.name(),
        refusals = execution.web.refusals,
        "a Web journey submission was refused"
    );
    if execution.web.refusals >= MAX_REFUSALS {
        execution.web.ended = Some(WebEnd::Error(ERROR_ATTEMPTS));
        let ending = Ending {
            end: WebEnd::Error(ERROR_ATTEMPTS),
            ids: Some(ids.clone()),
        };
        return Reply::End(end_state(store, ending, strings, None));
    }
    Reply::Page(
        StatusCode::UNPROCESSABLE_ENTITY,
        step_page(execution, step, Some(message), None),
    )
}

/// The finish step: the panel's outcome and one of its three actions.
fn finish(app: &AppState, store: &mut Store, ids: &(String, String), form: Submission) -> Reply {
    let strings = locale::resolve(None);
    let Some(execution) = store.execution_mut(&ids.0, &ids.1) else {
        return Reply::End(end_state(store, server_error(ids), strings, None));
    };
    let ending = |end| Ending {
        end,
        ids: Some(ids.clone()),
    };
    match form.action.as_deref().unwrap_or("finish") {
        "finish" => {
            let outcome = form.outcome.unwrap_or_default();
            let offered = scenarios::markers(&execution.scenario.workflow);
            let marker = match outcome.as_str() {
                "pass" => None,
                marker if offered.iter().any(|m| m == marker) => Some(marker),
                _ => {
                    let message = format!("outcome `{outcome}` is not one the panel offers");
                    return refuse(store, ids, Step::Finish, &message);
                }
            };
            let scenario = match execution.scenario.with_outcome(marker) {
                Ok(scenario) => scenario,
                Err(message) => return refuse(store, ids, Step::Finish, &message),
            };
            execution.scenario = scenario;
            execution.web.ended = Some(WebEnd::Success);
            let change = upload::start_processing(app, execution);
            tracing::debug!(workflow_execution = %execution.id, "Web journey finished");
            let state = end_state(store, ending(WebEnd::Success), strings, None);
            Reply::Finished(Box::new(change), state)
        }
        "abandon" => {
            execution.web.ended = Some(WebEnd::Abandoned);
            Reply::End(end_state(store, ending(WebEnd::Abandoned), strings, None))
        }
        "expire" => {
            execution.web.session_deadline = Some(Instant::now());
            let expired = ending(WebEnd::Error(ERROR_SESSION));
            Reply::Expired(end_state(store, expired, strings, None))
        }
        other => {
            let message = format!("action `{other}` is not finish, abandon or expire");
            refuse(store, ids, Step::Finish, &message)
        }
    }
}

/// `GET /web/client/end?e=...`: the end page of a journey, with the way on to the account's
/// success or error URL when it has one.
async fn end_page(State(app): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let english = locale::resolve(None);
    let sealed = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "e")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let Some(state) = EndState::open(&app, &sealed) else {
        return page(
            StatusCode::BAD_REQUEST,
            pages::message(
                english,
                english.unreadable_heading,
                "this end page address was not made by the sandbox",
            ),
        );
    };
    let strings = locale::of(Some(&state.language));
    let store = app.lock();
    let execution = state
        .account
        .as_deref()
        .zip(state.execution.as_deref())
        .and_then(|(account, execution)| store.execution(account, execution));
    let (reference, token) = execution.map_or(("", ""), |e| {
        (e.customer_internal_reference.as_str(), e.web.token.as_str())
    });
    let url = execution.and_then(|e| {
        if state.is_success() {
            e.web.success_url.as_deref()
        } else {
            e.web.error_url.as_deref()
        }
    });
    let redirect = end::redirect(url, &state, reference);
    let markup = EndPage {
        strings,
        success: state.is_success(),
        code: state.code,
        abandoned: state.abandoned,
        redirect: redirect.as_deref(),
        event: Event {
            value: Some(if state.is_success() {
                "success"
            } else {
                "error"
            }),
            code: state.code,
            parent_origin: state.parent_origin.as_deref(),
            account: state.account.as_deref().unwrap_or_default(),
            execution: state.execution.as_deref().unwrap_or_default(),
            reference,
            token,
        },
    }
    .render();
    drop(store);
    page(StatusCode::OK, markup)
}
