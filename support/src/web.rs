//! A driver of the sandbox's Web journey over plain HTTP, without a browser: given a `web.href`,
//! the files to upload per classifier and the choices to make, it reads each page's form (with
//! an HTML parser, as a browser would), submits it as `multipart/form-data` the way a browser
//! does (same-origin `Origin` and `Sec-Fetch-Site`), and returns where the journey ended.
//!
//! ```no_run
//! # async fn example(href: &str) -> Result<(), jumio_kyx_test_support::web::JourneyError> {
//! use jumio_kyx_test_support::web::Journey;
//!
//! let end = Journey::with_samples().outcome("#reject").run(href).await?;
//! assert_eq!(end.acquisition_status, "SUCCESS");
//! println!("redirected to {:?}", end.redirect);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::multipart::{Form as Multipart, Part};
use scraper::{ElementRef, Html, Selector};
use url::Url;

/// The `User-Agent` the driver sends.
pub const USER_AGENT: &str = "JumioKyxTests web-journey/1.0";

/// Most pages a journey may take before the driver gives up (a journey has at most eight steps,
/// and three refusals).
const MAX_PAGES: usize = 32;

/// What the finish step's panel is told to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Finish the journey (the panel's default).
    Finish,
    /// Abandon it.
    Abandon,
    /// Let the session expire now.
    Expire,
}

impl Action {
    fn value(self) -> &'static str {
        match self {
            Self::Finish => "finish",
            Self::Abandon => "abandon",
            Self::Expire => "expire",
        }
    }
}

/// A file to upload.
#[derive(Clone)]
struct File {
    bytes: Vec<u8>,
    name: String,
}

/// The files and choices of one walk through a journey. Every choice not made takes the form's
/// default (the option marked `selected`).
#[derive(Clone)]
pub struct Journey {
    files: BTreeMap<String, Vec<File>>,
    choices: BTreeMap<String, String>,
    action: Action,
    origin: Option<String>,
}

impl Default for Journey {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Journey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: BTreeMap<&str, usize> = self
            .files
            .iter()
            .map(|(classifier, files)| (classifier.as_str(), files.len()))
            .collect();
        f.debug_struct("Journey")
            .field("files", &files)
            .field("choices", &self.choices)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

impl Journey {
    /// A journey with no files and every default choice.
    pub fn new() -> Self {
        Self {
            files: BTreeMap::new(),
            choices: BTreeMap::new(),
            action: Action::Finish,
            origin: None,
        }
    }

    /// A journey with the committed sample images: `FRONT` `id-front.jpg`, `BACK`
    /// `id-back.jpg`, `FACE` `selfie.jpg`.
    pub fn with_samples() -> Self {
        Self::new()
            .file("FRONT", crate::sample_bytes("id-front.jpg"))
            .file("BACK", crate::sample_bytes("id-back.jpg"))
            .file("FACE", crate::sample_bytes("selfie.jpg"))
    }

    /// Adds a file for the file input `classifier` (`FRONT`, `BACK`, `FACE`, `DOCUMENT`). Files
    /// of one classifier are used in turn: a refused submission is followed by one with the
    /// next file (the last one is sent again).
    pub fn file(mut self, classifier: &str, bytes: Vec<u8>) -> Self {
        let files = self.files.entry(classifier.to_owned()).or_default();
        let name = format!(
            "{}-{}.bin",
            classifier.to_ascii_lowercase(),
            files.len() + 1
        );
        files.push(File { bytes, name });
        self
    }

    /// Chooses `value` in the `<select name="{name}">` of a step (`country`, `type`,
    /// `outcome`), instead of its default.
    pub fn choose(mut self, name: &str, value: &str) -> Self {
        self.choices.insert(name.to_owned(), value.to_owned());
        self
    }

    /// The issuing country (ISO 3166-1 alpha-3) of the document-type step.
    pub fn country(self, country: &str) -> Self {
        self.choose("country", country)
    }

    /// The document type of the document-type step (`PASSPORT`, `ID_CARD`, ...).
    pub fn document_type(self, type_: &str) -> Self {
        self.choose("type", type_)
    }

    /// The outcome of the finish step's sandbox panel: `pass`, or a marker such as `#reject` or
    /// `#reject:imageChecks:DIGITAL_COPY`.
    pub fn outcome(self, marker: &str) -> Self {
        self.choose("outcome", marker)
    }

    /// What the finish step does (default [`Action::Finish`]).
    pub fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// Sends `Origin: {origin}` and `Sec-Fetch-Site: cross-site` with every form, as a page of
    /// another site would (the journey refuses those); by default the driver acts as the
    /// journey's own page.
    pub fn from_origin(mut self, origin: &str) -> Self {
        self.origin = Some(origin.to_owned());
        self
    }

    /// Walks the journey of `href` to its end page.
    pub async fn run(&self, href: &str) -> Result<End, JourneyError> {
        let driver = Driver::new()?;
        let mut visited = Vec::new();
        let mut used: BTreeMap<String, usize> = BTreeMap::new();
        let mut response = driver.get(href).await?;
        for _ in 0..MAX_PAGES {
            if let Some(location) = response.location.clone() {
                visited.push(Visit::of(&response, None));
                response = driver.get(&location).await?;
                continue;
            }
            let page = Page::parse(&response)?;
            visited.push(Visit::of(&response, Some(&page)));
            if page.step.as_deref() == Some("end") {
                return End::from_page(page, visited);
            }
            let form = page.form.clone().ok_or_else(|| JourneyError::Unexpected {
                url: response.url.clone(),
                status: response.status,
                detail: match &page.alert {
                    Some(alert) => format!("the page has no form; it says: {alert}"),
                    None => "the page has no form".to_owned(),
                },
            })?;
            let mut fields = form.fields.clone();
            for (name, value) in &mut fields {
                if let Some(choice) = self.choices.get(name.as_str()) {
                    value.clone_from(choice);
                }
            }
            if !form.actions.is_empty() {
                fields.push(("action".to_owned(), self.action.value().to_owned()));
            }
            let mut files = Vec::new();
            for classifier in &form.files {
                let candidates = self
                    .files
                    .get(classifier)
                    .filter(|files| !files.is_empty())
                    .ok_or_else(|| JourneyError::MissingFile(classifier.clone()))?;
                let turn = used.entry(classifier.clone()).or_default();
                let file = &candidates[(*turn).min(candidates.len() - 1)];
                // The next submission of this input takes the next file, should this one be
                // refused.
                *turn += 1;
                files.push((classifier.clone(), file.clone()));
            }
            let action = resolve(&response.url, &form.action)?;
            response = driver
                .post(&action, fields, files, self.origin.as_deref())
                .await?;
        }
        Err(JourneyError::TooManyPages(MAX_PAGES))
    }
}

/// A page or redirect the driver went through.
#[derive(Clone, Debug)]
pub struct Visit {
    /// Its URL.
    pub url: String,
    /// Its status.
    pub status: StatusCode,
    /// Its `data-step` (`consent`, `id-front`, ..., `end`), if it is a page of the journey.
    pub step: Option<String>,
    /// The message of its `role="alert"` element, on a refused submission.
    pub alert: Option<String>,
}

impl Visit {
    fn of(response: &Response, page: Option<&Page>) -> Self {
        Self {
            url: response.url.clone(),
            status: response.status,
            step: page.and_then(|p| p.step.clone()),
            alert: page.and_then(|p| p.alert.clone()),
        }
    }
}

/// Where a journey ended: its end page.
#[derive(Clone, Debug)]
pub struct End {
    /// `SUCCESS` or `ERROR` (`data-acquisition-status`).
    pub acquisition_status: String,
    /// The error code of an error (`data-error-code`), such as 9200.
    pub error_code: Option<u16>,
    /// Where the end page sends the browser (the account's success or error URL with its
    /// parameters), or `None` when the account has none.
    pub redirect: Option<String>,
    /// The end page's language (`<html lang>`).
    pub lang: String,
    /// The end page's text, without markup.
    pub text: String,
    /// Its URL.
    pub url: String,
    /// Every page and redirect on the way, the end page last.
    pub visited: Vec<Visit>,
}

impl End {
    fn from_page(page: Page, visited: Vec<Visit>) -> Result<Self, JourneyError> {
        Ok(Self {
            acquisition_status: page.acquisition_status.unwrap_or_default(),
            error_code: page.error_code,
            redirect: page.continue_href,
            lang: page.lang,
            text: page.text,
            url: page.url,
            visited,
        })
    }

    /// The steps the journey showed, in order, each once (`consent`, `document-type`,
    /// `id-front`, ..., `finish`, `end`).
    pub fn steps(&self) -> Vec<String> {
        let mut steps: Vec<String> = Vec::new();
        for step in self.visited.iter().filter_map(|v| v.step.clone()) {
            if steps.last() != Some(&step) {
                steps.push(step);
            }
        }
        steps
    }

    /// The messages of the refused submissions, in order.
    pub fn refusals(&self) -> Vec<String> {
        self.visited
            .iter()
            .filter_map(|v| v.alert.clone())
            .collect()
    }

    /// The query parameters of [`redirect`](Self::redirect), in order.
    pub fn redirect_parameters(&self) -> Vec<(String, String)> {
        self.redirect
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }
}

/// Why the driver could not walk a journey.
#[derive(Debug)]
#[non_exhaustive]
pub enum JourneyError {
    /// A request failed.
    Http(reqwest::Error),
    /// An answer was not a page of the journey.
    Unexpected {
        url: String,
        status: StatusCode,
        detail: String,
    },
    /// A step asked for a file of this classifier, and the journey has none.
    MissingFile(String),
    /// The journey did not end within this many pages.
    TooManyPages(usize),
}

impl fmt::Display for JourneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(error) => write!(f, "request failed: {error}"),
            Self::Unexpected {
                url,
                status,
                detail,
            } => {
                // The token is in the first URL: only the path is told.
                let path = Url::parse(url).map_or_else(|_| url.clone(), |u| u.path().to_owned());
                write!(f, "{path} answered {status}: {detail}")
            }
            Self::MissingFile(classifier) => {
                write!(
                    f,
                    "the journey asks for a {classifier} file and was given none"
                )
            }
            Self::TooManyPages(pages) => write!(f, "the journey did not end within {pages} pages"),
        }
    }
}

impl std::error::Error for JourneyError {}

impl From<reqwest::Error> for JourneyError {
    fn from(error: reqwest::Error) -> Self {
        Self::Http(error.without_url())
    }
}

/// An answer, read whole.
#[derive(Clone, Debug)]
pub struct Response {
    pub url: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The `Location` of a redirect, made absolute.
    pub location: Option<String>,
    pub body: String,
}

/// Plain HTTP as a browser sends it to the journey, redirects not followed.
#[derive(Clone, Debug)]
pub struct Driver {
    http: reqwest::Client,
}

impl Driver {
    pub fn new() -> Result<Self, JourneyError> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()?;
        Ok(Self { http })
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> Result<Response, JourneyError> {
        let response = self
            .http
            .get(url)
            .header("Sec-Fetch-Site", "none")
            .send()
            .await?;
        Self::read(url, response).await
    }

    /// `POST url` of a form: `fields`, then `files` (classifier and file), as
    /// `multipart/form-data`. `cross_origin` sends that `Origin` with `Sec-Fetch-Site:
    /// cross-site`; `None` acts as the page of `url` itself.
    async fn post(
        &self,
        url: &str,
        fields: Vec<(String, String)>,
        files: Vec<(String, File)>,
        cross_origin: Option<&str>,
    ) -> Result<Response, JourneyError> {
        let files = files
            .into_iter()
            .map(|(name, file)| (name, file.bytes, file.name))
            .collect();
        self.post_form(url, fields, files, cross_origin).await
    }

    /// `POST url` as `multipart/form-data`: text `fields`, then `files` (name, content, file
    /// name). `cross_origin` sends that `Origin` with `Sec-Fetch-Site: cross-site`; `None` acts
    /// as the page of `url` itself.
    pub async fn post_form(
        &self,
        url: &str,
        fields: Vec<(String, String)>,
        files: Vec<(String, Vec<u8>, String)>,
        cross_origin: Option<&str>,
    ) -> Result<Response, JourneyError> {
        let mut form = Multipart::new();
        for (name, value) in fields {
            form = form.text(name, value);
        }
        for (name, bytes, file_name) in files {
            form = form.part(name, Part::bytes(bytes).file_name(file_name));
        }
        let own = Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let (origin, site) = match cross_origin {
            Some(origin) => (origin.to_owned(), "cross-site"),
            None => (own, "same-origin"),
        };
        let response = self
            .http
            .post(url)
            .header("Origin", origin)
            .header("Sec-Fetch-Site", site)
            .multipart(form)
            .send()
            .await?;
        Self::read(url, response).await
    }

    async fn read(url: &str, response: reqwest::Response) -> Result<Response, JourneyError> {
        let status = response.status();
        let headers = response.headers().clone();
        let location = match headers.get(LOCATION).and_then(|l| l.to_str().ok()) {
            Some(location) if status.is_redirection() => Some(resolve(url, location)?),
            _ => None,
        };
        let body = response.text().await?;
        Ok(Response {
            url: url.to_owned(),
            status,
            headers,
            location,
            body,
        })
    }
}

fn resolve(base: &str, reference: &str) -> Result<String, JourneyError> {
    Url::parse(base)
        .and_then(|base| base.join(reference))
        .map(String::from)
        .map_err(|error| JourneyError::Unexpected {
            url: base.to_owned(),
            status: StatusCode::OK,
            detail: format!("`{reference}` is not a URL: {error}"),
        })
}

/// The form of a page, as a browser would submit it by default.
#[derive(Clone, Debug, Default)]
pub struct Form {
    /// Its `action`.
    pub action: String,
    /// Its `method`.
    pub method: String,
    /// Its `enctype`.
    pub enctype: String,
    /// Its `data-step`.
    pub step: Option<String>,
    /// The fields sent by default, in order: hidden inputs, checked checkboxes (`required` ones
    /// checked, as a user must), and each select's selected option (else its first).
    pub fields: Vec<(String, String)>,
    /// The names of its file inputs.
    pub files: Vec<String>,
    /// The `accept` of each file input, by name.
    pub accepts: BTreeMap<String, String>,
    /// The options of each select, by name.
    pub options: BTreeMap<String, Vec<String>>,
    /// The values of its submit buttons named `action` (the finish step's `finish`, `abandon`,
    /// `expire`), in order.
    pub actions: Vec<String>,
}

impl Form {
    /// The value of field `name` as sent by default.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A page of the journey, read with an HTML parser.
#[derive(Clone, Debug)]
pub struct Page {
    pub url: String,
    pub status: StatusCode,
    /// `<html lang>`.
    pub lang: String,
    /// `data-step` of its form, else of its `<main>`.
    pub step: Option<String>,
    /// The page's forms: exactly one on a step page.
    pub form_count: usize,
    /// Its (first) form.
    pub form: Option<Form>,
    /// The text of its `role="alert"` element.
    pub alert: Option<String>,
    /// Whether that element has `class="error"`.
    pub alert_is_error: bool,
    /// `data-acquisition-status` of the end page.
    pub acquisition_status: Option<String>,
    /// `data-error-code` of an error end page.
    pub error_code: Option<u16>,
    /// `href` of `<a id="continue">`.
    pub continue_href: Option<String>,
    /// The URL of `<meta http-equiv="refresh">`.
    pub refresh: Option<String>,
    /// The `data-*` attributes of `<main>`, by name without `data-`.
    pub main_data: BTreeMap<String, String>,
    /// The `src` of each script.
    pub scripts: Vec<String>,
    /// Whether any script has inline content.
    pub inline_script: bool,
    /// The text of the page, without markup.
    pub text: String,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a valid selector")
}

impl Page {
    /// Reads a page of the journey; an answer that is not HTML is an error.
    pub fn parse(response: &Response) -> Result<Self, JourneyError> {
        let html_type = response
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"));
        if !html_type {
            return Err(JourneyError::Unexpected {
                url: response.url.clone(),
                status: response.status,
                detail: format!("not an HTML page: {}", excerpt(&response.body)),
            });
        }
        Ok(Self::parse_html(
            &response.url,
            response.status,
            &response.body,
        ))
    }

    /// Reads the HTML of a page at `url`.
    pub fn parse_html(url: &str, status: StatusCode, html: &str) -> Self {
        let document = Html::parse_document(html);
        let first = |css: &str| document.select(&selector(css)).next();
        let lang = first("html")
            .and_then(|html| html.value().attr("lang"))
            .unwrap_or_default()
            .to_owned();
        let forms: Vec<ElementRef<'_>> = document.select(&selector("form")).collect();
        let form = forms.first().map(|form| read_form(*form));
        let main = first("main");
        let main_data: BTreeMap<String, String> = main
            .map(|main| {
                main.value()
                    .attrs()
                    .filter_map(|(name, value)| {
                        Some((name.strip_prefix("data-")?.to_owned(), value.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let step = form
            .as_ref()
            .and_then(|f| f.step.clone())
            .or_else(|| main_data.get("step").cloned());
        let alert = first("[role=alert]");
        let refresh = first("meta[http-equiv=refresh]")
            .and_then(|meta| meta.value().attr("content"))
            .and_then(|content| content.split_once("url="))
            .map(|(_, url)| url.to_owned());
        let script_selector = selector("script");
        let (mut sources, mut inline_script) = (Vec::new(), false);
        for script in document.select(&script_selector) {
            match script.value().attr("src") {
                Some(src) => sources.push(src.to_owned()),
                None => inline_script = true,
            }
            inline_script |= !script.text().collect::<String>().trim().is_empty();
        }
        let text = first("body")
            .map(|body| {
                body.text()
                    .flat_map(str::split_whitespace)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        Self {
            url: url.to_owned(),
            status,
            lang,
            step,
            form_count: forms.len(),
            form,
            alert: alert.map(|a| a.text().collect::<String>().trim().to_owned()),
            alert_is_error: alert.is_some_and(|a| a.value().classes().any(|c| c == "error")),
            acquisition_status: main_data.get("acquisition-status").cloned(),
            error_code: main_data.get("error-code").and_then(|c| c.parse().ok()),
            continue_href: first("a#continue")
                .and_then(|a| a.value().attr("href"))
                .map(str::to_owned),
            refresh,
            main_data,
            scripts: sources,
            inline_script,
            text,
        }
    }
}

fn read_form(form: ElementRef<'_>) -> Form {
    let attr = |name: &str| form.value().attr(name).unwrap_or_default().to_owned();
    let mut read = Form {
        action: attr("action"),
        method: attr("method"),
        enctype: attr("enctype"),
        step: form.value().attr("data-step").map(str::to_owned),
        ..Form::default()
    };
    for element in form.select(&selector("input, select")) {
        let value = element.value();
        let Some(name) = value.attr("name") else {
            continue;
        };
        if value.name() == "select" {
            let options: Vec<(String, bool)> = element
                .select(&selector("option"))
                .map(|option| {
                    let text = option.text().collect::<String>();
                    let value = option.value().attr("value").map_or(text, str::to_owned);
                    (value, option.value().attr("selected").is_some())
                })
                .collect();
            let chosen = options
                .iter()
                .find(|(_, selected)| *selected)
                .or(options.first())
                .map(|(value, _)| value.clone());
            if let Some(chosen) = chosen {
                read.fields.push((name.to_owned(), chosen));
            }
            read.options.insert(
                name.to_owned(),
                options.into_iter().map(|(v, _)| v).collect(),
            );
            continue;
        }
        let field_value = value.attr("value").unwrap_or("on").to_owned();
        match value.attr("type").unwrap_or("text") {
            "hidden" | "text" => read.fields.push((name.to_owned(), field_value)),
            "checkbox" | "radio"
                if value.attr("checked").is_some() || value.attr("required").is_some() =>
            {
                read.fields.push((name.to_owned(), field_value));
            }
            "file" => {
                read.files.push(name.to_owned());
                read.accepts.insert(
                    name.to_owned(),
                    value.attr("accept").unwrap_or_default().to_owned(),
                );
            }
            _ => {}
        }
    }
    read.actions = form
        .select(&selector("button[type=submit][name=action]"))
        .filter_map(|button| button.value().attr("value").map(str::to_owned))
        .collect();
    read
}

fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}
