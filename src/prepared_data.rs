//! Prepared (supporting) data of a DATA credential: a typed builder for the fields Jumio documents,
//! and the checks of their formats, shared with the sandbox.

use std::fmt;

use chrono::NaiveDate;

use crate::generated::types;
use crate::limits::Violation;
use crate::workflow::IdType;

/// The end user's data for a DATA credential (workflows 10005, 10006, 10008, 10010, 10163), built
/// field by field and checked before it is sent. Personal data: its `Debug` shows which fields are
/// set, never their values.
///
/// ```
/// use chrono::NaiveDate;
/// use jumio_kyx::{PreparedAddress, PreparedData};
///
/// let data = PreparedData::new()
///     .first_name("JANE")
///     .last_name("DOE")
///     .date_of_birth(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap())
///     .personal_number("12345678909")
///     .address(PreparedAddress::new().city("SAO PAULO").country("BRA"))
///     .build()
///     .expect("valid");
/// assert_eq!(data.first_name.as_deref(), Some("JANE"));
/// assert!(PreparedData::new().email("not an address").build().is_err());
/// ```
#[derive(Clone, Default)]
pub struct PreparedData {
    body: types::PreparedData,
}

/// The postal address of [`PreparedData`].
#[derive(Clone, Debug, Default)]
pub struct PreparedAddress {
    address: types::PreparedDataAddress,
}

macro_rules! text_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.set().$name = Some(value.into());
                self
            }
        )*
    };
}

impl PreparedData {
    /// No field set.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(&mut self) -> &mut types::PreparedData {
        &mut self.body
    }

    text_setters! {
        /// Name suffix or title (`Mr.`).
        suffix,
        /// First name.
        first_name,
        /// Middle name.
        middle_name,
        /// Last name.
        last_name,
        /// Sex: `M`, `F` or `X`.
        sex,
        /// US social security number.
        social_security_number,
        /// Nationality, ISO 3166-1 alpha-3.
        nationality,
        /// E-mail address.
        email,
        /// Phone number in E.164 format (`+` and the digits; dashes and spaces are tolerated).
        phone_number,
        /// A second phone number.
        phone_number2,
        /// Personal or national number (the Brazilian CPF for 10005 and 10006).
        personal_number,
    }

    /// Date of birth.
    pub fn date_of_birth(mut self, date: NaiveDate) -> Self {
        self.body.date_of_birth = Some(date);
        self
    }

    /// Postal address.
    pub fn address(mut self, address: PreparedAddress) -> Self {
        self.body.address = Some(address.address);
        self
    }

    /// Identity document: its type (passport, driving licence or ID card), number, and the dates
    /// when known.
    pub fn id_document(
        mut self,
        id_type: IdType,
        number: impl Into<String>,
        issuing_date: Option<NaiveDate>,
        expiry_date: Option<NaiveDate>,
    ) -> Self {
        self.body.id = Some(types::PreparedDataDocument {
            id_number: Some(number.into()),
            issuing_date,
            expiry_date,
            type_: id_type.as_str().parse().ok(),
        });
        self
    }

    /// Data read from a JSON document of the prepared-data body (as in Jumio's example).
    pub fn from_json(json: &[u8]) -> crate::Result<Self> {
        let body = serde_json::from_slice(json).map_err(|e| crate::Error::Validation {
            field: "prepared data".to_owned(),
            reason: format!("is not a prepared-data JSON object: {e}"),
        })?;
        Ok(PreparedData { body })
    }

    /// Checks every field (see [`check`]) and returns the body to send.
    pub fn build(&self) -> crate::Result<types::PreparedData> {
        check(&self.body)?;
        Ok(self.body.clone())
    }
}

impl fmt::Debug for PreparedData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = serde_json::to_value(&self.body).unwrap_or_default();
        let fields: Vec<&String> = value
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        f.debug_struct("PreparedData")
            .field("fields", &fields)
            .finish_non_exhaustive()
    }
}

macro_rules! address_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.address.$name = Some(value.into());
                self
            }
        )*
    };
}

impl PreparedAddress {
    /// No field set.
    pub fn new() -> Self {
        Self::default()
    }

    address_setters! {
        /// First line.
        line1,
        /// Second line.
        line2,
        /// Third line.
        line3,
        /// Fourth line.
        line4,
        /// Fifth line.
        line5,
        /// Postal code.
        postal_code,
        /// City.
        city,
        /// State, province or other subdivision.
        subdivision,
        /// Country: ISO 3166-1 alpha-3 (`BRA`) or alpha-2 (`BR`).
        country,
    }
}

/// Checks the fields of a prepared-data body by Jumio's documented formats: `sex` `M`, `F` or `X`;
/// `nationality` ISO 3166-1 alpha-3; `email` an address; `phoneNumber` and `phoneNumber2` E.164
/// (`+`, 2 to 15 digits; dashes and spaces tolerated, as in Jumio's own example);
/// `address.country` ISO 3166-1 alpha-3 or alpha-2; no text field empty. Dates and the document
/// type are checked by their types. Which fields a workflow needs is not checked here: a workflow
/// missing one reports `NOT_ENOUGH_DATA`.
pub fn check(data: &types::PreparedData) -> Result<(), Violation> {
    let texts = [
        ("suffix", &data.suffix),
        ("firstName", &data.first_name),
        ("middleName", &data.middle_name),
        ("lastName", &data.last_name),
        ("socialSecurityNumber", &data.social_security_number),
        ("personalNumber", &data.personal_number),
    ];
    for (field, value) in texts {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(Violation::new(field, "must not be empty"));
        }
    }
    if let Some(sex) = &data.sex
        && !matches!(sex.as_str(), "M" | "F" | "X")
    {
        return Err(Violation::new("sex", format!("`{sex}` is not M, F or X")));
    }
    if let Some(nationality) = &data.nationality
        && nationality.parse::<types::CountryCode>().is_err()
    {
        return Err(Violation::new(
            "nationality",
            format!("`{nationality}` is not an ISO 3166-1 alpha-3 country code"),
        ));
    }
    if let Some(email) = &data.email {
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        }) && !email.contains(char::is_whitespace);
        if !valid {
            return Err(Violation::new(
                "email",
                format!("`{email}` is not an e-mail address"),
            ));
        }
    }
    for (field, phone) in [
        ("phoneNumber", &data.phone_number),
        ("phoneNumber2", &data.phone_number2),
    ] {
        if let Some(phone) = phone {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let valid = phone.starts_with('+')
                && phone[1..]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
                && (2..=15).contains(&digits);
            if !valid {
                return Err(Violation::new(
                    field,
                    format!(
                        "`{phone}` is not a phone number in E.164 format (+ and 2 to 15 digits)"
                    ),
                ));
            }
        }
    }
    if let Some(country) = data.address.as_ref().and_then(|a| a.country.as_ref()) {
        let alpha2 = country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase());
        if !alpha2 && country.parse::<types::CountryCode>().is_err() {
            return Err(Violation::new(
                "address.country",
                format!("`{country}` is not an ISO 3166-1 alpha-3 or alpha-2 country code"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumios_example_passes_and_wrong_formats_name_their_field() {
        let example =
            include_str!("../tests/fixtures/jumio-docs/prepared-data-upload-request-10005.json");
        let data = PreparedData::from_json(example.as_bytes()).unwrap();
        // The body sent is the document read, field for field.
        let sent = serde_json::to_value(data.build().unwrap()).unwrap();
        let read: serde_json::Value = serde_json::from_str(example).unwrap();
        assert_eq!(sent, read);
        let error = PreparedData::from_json(b"[1, 2]").unwrap_err().to_string();
        assert!(
            error.contains("is not a prepared-data JSON object"),
            "{error}"
        );
        let cases = [
            (PreparedData::new().sex("male"), "sex"),
            (PreparedData::new().nationality("BR"), "nationality"),
            (PreparedData::new().email("jane@"), "email"),
            (
                PreparedData::new().phone_number("0049 30 1234"),
                "phoneNumber",
            ),
            (
                PreparedData::new().address(PreparedAddress::new().country("Brazil")),
                "address.country",
            ),
            (PreparedData::new().first_name(" "), "firstName"),
        ];
        for (data, field) in cases {
            let error = data.build().unwrap_err().to_string();
            assert!(error.contains(field), "{field}: {error}");
        }
        // E.164 with the separators people write: dashes and spaces, nothing else.
        for phone in ["+49 30 1234-5678", "+4930-12345678", "+12"] {
            PreparedData::new().phone_number(phone).build().unwrap();
        }
        for phone in ["+49/30/1234", "+49.30", "+1", "+1234567890123456"] {
            let error = PreparedData::new().phone_number(phone).build().unwrap_err();
            assert!(error.to_string().contains("E.164"), "{phone}: {error}");
        }
        // A country is two capital letters, or a three-letter code Jumio lists.
        let country = |code: &str| {
            PreparedData::new()
                .address(PreparedAddress::new().country(code))
                .build()
        };
        for code in ["BR", "BRA", "DEU"] {
            country(code).unwrap();
        }
        for code in ["br", "Br", "B", "BRAZIL", "bra", "B1"] {
            let error = country(code).unwrap_err().to_string();
            assert!(error.contains("address.country"), "{code}: {error}");
        }
        assert!(format!("{:?}", PreparedData::new().first_name("JANE")).contains("firstName"));
        assert!(!format!("{:?}", PreparedData::new().first_name("JANE")).contains("JANE"));
    }
}
