//! The end of a journey: the end page's address (sealed by the sandbox, so that nobody can make
//! it tell another outcome or redirect elsewhere), and the redirect to the account's success or
//! error URL with Jumio's query parameters.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::super::state::AppState;
use super::super::store::WebEnd;
use super::journey::Ending;

/// What the end page shows, as its address carries it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct EndState {
    /// `SUCCESS` or `ERROR`.
    #[serde(rename = "s")]
    pub status: String,
    /// The error code of an error.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// Account and workflow execution, when known.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<String>,
    /// The page language.
    #[serde(rename = "l")]
    pub language: String,
    /// The user abandoned the journey.
    #[serde(rename = "x", default, skip_serializing_if = "std::ops::Not::not")]
    pub abandoned: bool,
    /// The origin of the embedding page, for the iFrame event.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub parent_origin: Option<String>,
}

impl EndState {
    pub(crate) fn new(ending: Ending, language: &str, parent_origin: Option<String>) -> Self {
        let (status, code) = match ending.end {
            WebEnd::Success => ("SUCCESS", None),
            WebEnd::Error(code) => ("ERROR", Some(code)),
            WebEnd::Abandoned => ("ERROR", Some(super::ABANDONED)),
        };
        let (account, execution) = ending.ids.unzip();
        Self {
            status: status.to_owned(),
            code,
            account,
            execution,
            language: language.to_owned(),
            abandoned: ending.end == WebEnd::Abandoned,
            parent_origin,
        }
    }

    /// The end page's path and query, sealed.
    pub(crate) fn location(&self, app: &AppState) -> String {
        let json = serde_json::to_vec(self).expect("the end state serialises");
        let sealed = app.signer.seal(&URL_SAFE_NO_PAD.encode(json));
        format!("{}?e={sealed}", super::END_PATH)
    }

    /// The end state of a sealed `e` parameter, if the sandbox sealed it.
    pub(crate) fn open(app: &AppState, sealed: &str) -> Option<Self> {
        let data = app.signer.open(sealed)?;
        let json = URL_SAFE_NO_PAD.decode(data).ok()?;
        serde_json::from_slice(&json).ok()
    }

    pub(crate) fn is_success(&self) -> bool {
        self.status == "SUCCESS"
    }
}

/// The account's URL for this end with Jumio's parameters appended (`accountId`,
/// `workflowExecutionId`, `acquisitionStatus`, `customerInternalReference`, and `errorCode` on
/// error), the URL's own parameters kept; `None` without one.
pub(crate) fn redirect(
    url: Option<&str>,
    state: &EndState,
    customer_internal_reference: &str,
) -> Option<String> {
    let mut url = url::Url::parse(url?).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("accountId", state.account.as_deref().unwrap_or_default())
            .append_pair(
                "workflowExecutionId",
                state.execution.as_deref().unwrap_or_default(),
            )
            .append_pair("acquisitionStatus", &state.status)
            .append_pair("customerInternalReference", customer_internal_reference);
        if let Some(code) = state.code {
            query.append_pair("errorCode", &code.to_string());
        }
    }
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(code: Option<u16>) -> EndState {
        EndState {
            status: if code.is_some() { "ERROR" } else { "SUCCESS" }.to_owned(),
            code,
            account: Some("acc".to_owned()),
            execution: Some("wfe".to_owned()),
            language: "en".to_owned(),
            abandoned: false,
            parent_origin: None,
        }
    }

    #[test]
    fn the_redirect_keeps_the_urls_parameters_and_fragment() {
        let url = redirect(
            Some("https://shop.example.com/done?order=7#top"),
            &state(Some(9835)),
            "ref 1&2",
        );
        assert_eq!(
            url.as_deref(),
            Some(
                "https://shop.example.com/done?order=7&accountId=acc&workflowExecutionId=wfe\
                 &acquisitionStatus=ERROR&customerInternalReference=ref+1%262&errorCode=9835#top"
            )
        );
        assert_eq!(redirect(None, &state(None), "r"), None);
    }
}
