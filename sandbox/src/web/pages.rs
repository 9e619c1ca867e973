//! The journey's pages, server-rendered with maud (which escapes every value it inserts): each
//! step's form, the end page, and the pages of a refused request.

use maud::{DOCTYPE, Markup, html};

use super::journey::{DocumentChoices, Step};
use super::locale::Strings;
use super::{ASSET_CSS, ASSET_JS, JOURNEY_PATH};

/// What journey.js needs to post the iFrame events of a page, on its `<main>` element.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Event<'a> {
    /// `loaded`, `success` or `error`; `None`: the page posts nothing.
    pub value: Option<&'static str>,
    pub code: Option<u16>,
    pub parent_origin: Option<&'a str>,
    pub account: &'a str,
    pub execution: &'a str,
    pub reference: &'a str,
    pub token: &'a str,
}

/// A page: `<html lang>` of `strings`, the style sheet, `refresh` (the end page's way on) in the
/// head, `main`, and journey.js.
impl Event<'_> {
    /// The `<main>` element of a page of step `step` (`end` for the end page, with its
    /// acquisition status), carrying the event's data, around `content`.
    fn main(
        &self,
        strings: &Strings,
        step: &str,
        acquisition_status: Option<&str>,
        content: Markup,
    ) -> Markup {
        html! {
            main data-step=(step)
                data-acquisition-status=[acquisition_status]
                data-error-code=[self.code]
                data-event=[self.value]
                data-parent-origin=[self.parent_origin]
                data-account-id=(self.account)
                data-workflow-execution-id=(self.execution)
                data-customer-internal-reference=(self.reference)
                data-authorization-token=(self.token) {
                p class="sandbox" { (strings.sandbox_note) }
                (content)
            }
        }
    }
}

fn layout(strings: &Strings, refresh: Option<&str>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(strings.code) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (strings.title) }
                @if let Some(url) = refresh {
                    meta http-equiv="refresh" content={ "0; url=" (url) };
                }
                link rel="stylesheet" href=(ASSET_CSS);
            }
            body {
                (main)
                script src=(ASSET_JS) {}
            }
        }
    }
}

/// A page of a step: its form, with the refusal of the last submission if there was one.
pub(crate) struct StepPage<'a> {
    pub strings: &'static Strings,
    pub step: Step,
    pub token: &'a str,
    pub csrf: &'a str,
    pub event: Event<'a>,
    /// The refusal's message, and how many attempts are left.
    pub refusal: Option<(&'a str, u8)>,
    /// The document-type step's choices, with the preselected country and type.
    pub choices: Option<(&'a DocumentChoices, &'a str, &'a str)>,
    /// The finish step's outcome markers (after `pass`).
    pub outcomes: &'a [String],
}

impl StepPage<'_> {
    pub(crate) fn render(&self) -> Markup {
        let s = self.strings;
        let step = self.step.name();
        let heading = match self.step {
            Step::Consent => s.consent_heading,
            Step::DocumentType => s.document_heading,
            Step::IdFront => s.front_heading,
            Step::IdBack => s.back_heading,
            Step::Selfie => s.selfie_heading,
            Step::DocumentUpload => s.document_upload_heading,
            Step::Finish => s.finish_heading,
        };
        let content = html! {
                h1 { (heading) }
                @if let Some((message, left)) = self.refusal {
                    p role="alert" class="error" {
                        (s.refused) " " (message) " " (s.attempts_left) " " (left)
                    }
                }
                form method="post" enctype="multipart/form-data" action=(JOURNEY_PATH)
                    data-step=(step) {
                    input type="hidden" name="authorizationToken" value=(self.token);
                    input type="hidden" name="csrf" value=(self.csrf);
                    input type="hidden" name="step" value=(step);
                    (self.fields())
                    @if self.step == Step::Finish {
                        div class="actions" {
                            button type="submit" name="action" value="finish" { (s.finish_button) }
                            button type="submit" name="action" value="abandon" { (s.abandon_button) }
                            button type="submit" name="action" value="expire" { (s.expire_button) }
                        }
                    } @else {
                        div class="actions" {
                            button type="submit" { (s.continue_button) }
                        }
                    }
                }
        };
        layout(s, None, self.event.main(s, step, None, content))
    }

    fn fields(&self) -> Markup {
        let s = self.strings;
        let image = |name: &str| {
            html! {
                label for=(name) { (s.image_hint) }
                input type="file" id=(name) name=(name) accept="image/jpeg,image/png" required;
                img class="preview" alt="" hidden;
            }
        };
        match self.step {
            Step::Consent => html! {
                p { (s.consent_text) }
                label {
                    input type="checkbox" name="consent" value="yes" required;
                    " " (s.consent_label)
                }
            },
            Step::DocumentType => {
                let Some((choices, country, type_)) = self.choices else {
                    return html! {};
                };
                html! {
                    label for="country" { (s.country_label) }
                    select id="country" name="country" {
                        @for code in &choices.countries {
                            option value=(code) selected[code == country] { (code) }
                        }
                    }
                    label for="type" { (s.type_label) }
                    select id="type" name="type" {
                        @for code in &choices.types {
                            option value=(code) selected[*code == type_] { (s.document_type(code)) }
                        }
                    }
                }
            }
            Step::IdFront => image("FRONT"),
            Step::IdBack => image("BACK"),
            Step::Selfie => image("FACE"),
            Step::DocumentUpload => html! {
                label for="DOCUMENT" { (s.document_hint) }
                input type="file" id="DOCUMENT" name="DOCUMENT"
                    accept="image/jpeg,image/png,application/pdf" required;
                img class="preview" alt="" hidden;
            },
            Step::Finish => html! {
                p { (s.finish_text) }
                label for="outcome" { (s.outcome_label) }
                select id="outcome" name="outcome" {
                    option value="pass" selected { (s.outcome_pass) }
                    @for marker in self.outcomes {
                        option value=(marker) { (marker) }
                    }
                }
            },
        }
    }
}

/// The end page: the outcome, and the way on to the account's URL when it has one (a link, and
/// a refresh that follows it without JavaScript).
pub(crate) struct EndPage<'a> {
    pub strings: &'static Strings,
    pub success: bool,
    pub code: Option<u16>,
    pub abandoned: bool,
    pub redirect: Option<&'a str>,
    pub event: Event<'a>,
}

impl EndPage<'_> {
    pub(crate) fn render(&self) -> Markup {
        let s = self.strings;
        let status = if self.success { "SUCCESS" } else { "ERROR" };
        let content = html! {
                @if self.success {
                    h1 { (s.success_heading) }
                    p { (s.success_text) }
                } @else {
                    h1 { (s.error_heading) }
                    p { (s.error_text(self.code.unwrap_or_default(), self.abandoned)) }
                    @if let Some(code) = self.code {
                        p { (s.error_code) ": " span class="code" { (code) } }
                    }
                }
                @if let Some(url) = self.redirect {
                    p { a id="continue" href=(url) { (s.continue_link) } }
                }
        };
        let main = self.event.main(s, "end", Some(status), content);
        layout(s, self.redirect, main)
    }
}

/// A page that says why a request was refused before it reached its journey.
pub(crate) fn message(strings: &'static Strings, heading: &str, text: &str) -> Markup {
    layout(
        strings,
        None,
        html! {
            main data-step="refused" {
                p class="sandbox" { (strings.sandbox_note) }
                h1 { (heading) }
                p role="alert" class="error" { (text) }
            }
        },
    )
}
