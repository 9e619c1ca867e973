//! The readable summary of a verification result.

use std::fmt::Write as _;

use jumio_kyx::VerificationResult;

/// The first line of the summary of a result of the embedded sandbox.
pub const SANDBOX_NOTICE: &str = "SANDBOX: a synthetic result of the embedded sandbox, not a \
     verification by Jumio (set JUMIO_CLIENT_ID and JUMIO_CLIENT_SECRET to verify with Jumio).";

/// Prints the result of `verify`: the summary, or the details as JSON with a field `sandbox`
/// telling whether the result is the embedded sandbox's synthetic one.
pub fn print_verification(
    result: &VerificationResult,
    json: bool,
    on_sandbox: bool,
) -> anyhow::Result<()> {
    if json {
        let mut details = serde_json::to_value(result.details())?;
        if let Some(object) = details.as_object_mut() {
            object.insert("sandbox".to_owned(), on_sandbox.into());
        }
        println!("{}", serde_json::to_string_pretty(&details)?);
    } else {
        if on_sandbox {
            println!("{SANDBOX_NOTICE}");
        }
        print!("{}", render(result));
    }
    Ok(())
}

/// Decision, risk score, a table of capabilities, and the extracted name and document data.
pub fn render(result: &VerificationResult) -> String {
    let mut out = String::new();
    let details = result.details();
    let decision = result.decision_type();
    let label = result
        .decision_label()
        .filter(|l| l.as_str() != decision.as_str())
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    let risk = result
        .risk_score()
        .map(|s| format!(", risk score {s}"))
        .unwrap_or_default();
    let workflow = details
        .workflow
        .definition_key
        .as_deref()
        .map(|k| format!(" of workflow {k}"))
        .unwrap_or_default();
    writeln!(
        out,
        "Verification {}{workflow}: {}",
        result.workflow_execution_id(),
        result.status()
    )
    .unwrap();
    writeln!(out, "Account {}", result.account_id()).unwrap();
    writeln!(out, "Decision: {decision}{label}{risk}").unwrap();

    let capabilities = result.capabilities();
    if !capabilities.is_empty() {
        let rows: Vec<[String; 4]> = capabilities
            .iter()
            .map(|c| {
                [
                    c.capability.clone(),
                    c.decision.to_string(),
                    c.label
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    c.credentials.join(", "),
                ]
            })
            .collect();
        let header = ["CAPABILITY", "DECISION", "LABEL", "CREDENTIALS"];
        let widths: Vec<usize> = (0..4)
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        writeln!(out).unwrap();
        for row in std::iter::once(header.map(String::from)).chain(rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            writeln!(out, "  {}", line.join("  ").trim_end()).unwrap();
        }
    }

    if let Some(data) = result.extracted() {
        writeln!(out).unwrap();
        let name = [data.first_name.as_deref(), data.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let fields = [
            ("Name", Some(name).filter(|n| !n.is_empty())),
            ("Date of birth", data.date_of_birth.clone()),
            (
                "Document",
                data.type_.as_ref().map(|t| match data.sub_type.as_ref() {
                    Some(sub) => format!("{t} ({sub})"),
                    None => t.to_string(),
                }),
            ),
            ("Number", data.document_number.clone()),
            ("Issuing country", data.issuing_country.clone()),
            ("Issued", data.issuing_date.clone()),
            ("Expires", data.expiry_date.clone()),
        ];
        for (label, value) in fields {
            if let Some(value) = value {
                writeln!(out, "{label:<16} {value}").unwrap();
            }
        }
    }
    out
}
