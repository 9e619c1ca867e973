//! The languages of the Web journey: English, German, French and Spanish, and the fallback
//! Jumio's Web client applies to `locale` (`_` read as `-`, then the base language, then English).

/// Every text of the journey's pages in one language.
pub(crate) struct Strings {
    /// The language, as `<html lang>` gives it.
    pub code: &'static str,
    pub title: &'static str,
    pub sandbox_note: &'static str,
    pub continue_button: &'static str,
    pub consent_heading: &'static str,
    pub consent_text: &'static str,
    pub consent_label: &'static str,
    pub document_heading: &'static str,
    pub country_label: &'static str,
    pub type_label: &'static str,
    pub passport: &'static str,
    pub id_card: &'static str,
    pub driving_license: &'static str,
    pub visa: &'static str,
    pub front_heading: &'static str,
    pub back_heading: &'static str,
    pub selfie_heading: &'static str,
    pub document_upload_heading: &'static str,
    pub image_hint: &'static str,
    pub document_hint: &'static str,
    pub finish_heading: &'static str,
    pub finish_text: &'static str,
    pub outcome_label: &'static str,
    pub outcome_pass: &'static str,
    pub finish_button: &'static str,
    pub abandon_button: &'static str,
    pub expire_button: &'static str,
    pub refused: &'static str,
    pub attempts_left: &'static str,
    pub success_heading: &'static str,
    pub success_text: &'static str,
    pub error_heading: &'static str,
    pub error_code: &'static str,
    pub continue_link: &'static str,
    pub error_token: &'static str,
    pub error_session: &'static str,
    pub error_attempts: &'static str,
    pub error_abandoned: &'static str,
    pub error_other: &'static str,
    pub forbidden_heading: &'static str,
    pub forbidden_text: &'static str,
    pub unreadable_heading: &'static str,
}

impl Strings {
    /// What error `code` means for the end page (or that the user abandoned the journey).
    pub(crate) fn error_text(&self, code: u16, abandoned: bool) -> &'static str {
        match code {
            _ if abandoned => self.error_abandoned,
            super::ERROR_TOKEN => self.error_token,
            super::ERROR_SESSION => self.error_session,
            super::ERROR_ATTEMPTS => self.error_attempts,
            _ => self.error_other,
        }
    }

    /// The name of a document type.
    pub(crate) fn document_type(&self, type_: &str) -> &'static str {
        match type_ {
            "PASSPORT" => self.passport,
            "ID_CARD" => self.id_card,
            "DRIVING_LICENSE" => self.driving_license,
            _ => self.visa,
        }
    }
}

const EN: Strings = Strings {
    code: "en",
    title: "Identity verification",
    sandbox_note: "Jumio KYX sandbox: nothing entered here leaves this machine.",
    continue_button: "Continue",
    consent_heading: "Your consent",
    consent_text: "To verify your identity, your ID and a picture of your face are compared. \
                   This processes biometric data.",
    consent_label: "I agree to the processing of my biometric data for this verification.",
    document_heading: "Your document",
    country_label: "Issuing country",
    type_label: "Document type",
    passport: "Passport",
    id_card: "Identity card",
    driving_license: "Driving licence",
    visa: "Visa",
    front_heading: "Front of your document",
    back_heading: "Back of your document",
    selfie_heading: "A picture of your face",
    document_upload_heading: "Your document",
    image_hint: "A JPEG or PNG image.",
    document_hint: "A JPEG or PNG image, or a PDF.",
    finish_heading: "Finish",
    finish_text: "Sandbox only: choose the result of the verification.",
    outcome_label: "Result",
    outcome_pass: "pass (every check passes)",
    finish_button: "Finish",
    abandon_button: "Abandon the verification",
    expire_button: "Let the session expire",
    refused: "This was not accepted:",
    attempts_left: "Attempts left:",
    success_heading: "Thank you",
    success_text: "Your documents were submitted for verification. You can close this page.",
    error_heading: "The verification could not be completed",
    error_code: "Error code",
    continue_link: "Continue",
    error_token: "This link is invalid or has expired.",
    error_session: "The session has expired.",
    error_attempts: "Three submissions could not be used.",
    error_abandoned: "The verification was abandoned.",
    error_other: "Something went wrong on our side.",
    forbidden_heading: "This form was not sent from the verification page",
    forbidden_text: "Open the verification link again and submit the form from there.",
    unreadable_heading: "The form could not be read",
};

const DE: Strings = Strings {
    code: "de",
    title: "Identitätsprüfung",
    sandbox_note: "Jumio-KYX-Sandbox: Nichts, was Sie hier eingeben, verlässt diesen Rechner.",
    continue_button: "Weiter",
    consent_heading: "Ihre Einwilligung",
    consent_text: "Um Ihre Identität zu prüfen, werden Ihr Ausweis und ein Bild Ihres Gesichts \
                   verglichen. Dabei werden biometrische Daten verarbeitet.",
    consent_label: "Ich willige in die Verarbeitung meiner biometrischen Daten für diese Prüfung ein.",
    document_heading: "Ihr Dokument",
    country_label: "Ausstellungsland",
    type_label: "Dokumentart",
    passport: "Reisepass",
    id_card: "Personalausweis",
    driving_license: "Führerschein",
    visa: "Visum",
    front_heading: "Vorderseite Ihres Dokuments",
    back_heading: "Rückseite Ihres Dokuments",
    selfie_heading: "Ein Bild Ihres Gesichts",
    document_upload_heading: "Ihr Dokument",
    image_hint: "Ein JPEG- oder PNG-Bild.",
    document_hint: "Ein JPEG- oder PNG-Bild oder ein PDF.",
    finish_heading: "Abschluss",
    finish_text: "Nur in der Sandbox: Wählen Sie das Ergebnis der Prüfung.",
    outcome_label: "Ergebnis",
    outcome_pass: "bestanden (jede Prüfung besteht)",
    finish_button: "Abschließen",
    abandon_button: "Prüfung abbrechen",
    expire_button: "Sitzung ablaufen lassen",
    refused: "Das wurde nicht angenommen:",
    attempts_left: "Verbleibende Versuche:",
    success_heading: "Vielen Dank",
    success_text: "Ihre Dokumente wurden zur Prüfung übermittelt. Sie können diese Seite schließen.",
    error_heading: "Die Prüfung konnte nicht abgeschlossen werden",
    error_code: "Fehlercode",
    continue_link: "Weiter",
    error_token: "Dieser Link ist ungültig oder abgelaufen.",
    error_session: "Die Sitzung ist abgelaufen.",
    error_attempts: "Drei Übermittlungen waren nicht verwendbar.",
    error_abandoned: "Die Prüfung wurde abgebrochen.",
    error_other: "Bei uns ist ein Fehler aufgetreten.",
    forbidden_heading: "Dieses Formular wurde nicht von der Prüfungsseite gesendet",
    forbidden_text: "Öffnen Sie den Link zur Prüfung erneut und senden Sie das Formular von dort.",
    unreadable_heading: "Das Formular konnte nicht gelesen werden",
};

const FR: Strings = Strings {
    code: "fr",
    title: "Vérification d’identité",
    sandbox_note: "Bac à sable Jumio KYX : rien de ce que vous saisissez ici ne quitte cette machine.",
    continue_button: "Continuer",
    consent_heading: "Votre consentement",
    consent_text: "Pour vérifier votre identité, votre pièce d’identité et une photo de votre \
                   visage sont comparées. Des données biométriques sont traitées.",
    consent_label: "J’accepte le traitement de mes données biométriques pour cette vérification.",
    document_heading: "Votre document",
    country_label: "Pays de délivrance",
    type_label: "Type de document",
    passport: "Passeport",
    id_card: "Carte d’identité",
    driving_license: "Permis de conduire",
    visa: "Visa",
    front_heading: "Recto de votre document",
    back_heading: "Verso de votre document",
    selfie_heading: "Une photo de votre visage",
    document_upload_heading: "Votre document",
    image_hint: "Une image JPEG ou PNG.",
    document_hint: "Une image JPEG ou PNG, ou un PDF.",
    finish_heading: "Terminer",
    finish_text: "Bac à sable uniquement : choisissez le résultat de la vérification.",
    outcome_label: "Résultat",
    outcome_pass: "réussite (chaque contrôle réussit)",
    finish_button: "Terminer",
    abandon_button: "Abandonner la vérification",
    expire_button: "Laisser la session expirer",
    refused: "Ceci n’a pas été accepté :",
    attempts_left: "Essais restants :",
    success_heading: "Merci",
    success_text: "Vos documents ont été transmis pour vérification. Vous pouvez fermer cette page.",
    error_heading: "La vérification n’a pas pu être terminée",
    error_code: "Code d’erreur",
    continue_link: "Continuer",
    error_token: "Ce lien est invalide ou a expiré.",
    error_session: "La session a expiré.",
    error_attempts: "Trois envois n’étaient pas exploitables.",
    error_abandoned: "La vérification a été abandonnée.",
    error_other: "Une erreur s’est produite de notre côté.",
    forbidden_heading: "Ce formulaire n’a pas été envoyé depuis la page de vérification",
    forbidden_text: "Ouvrez à nouveau le lien de vérification et envoyez le formulaire depuis cette page.",
    unreadable_heading: "Le formulaire n’a pas pu être lu",
};

const ES: Strings = Strings {
    code: "es",
    title: "Verificación de identidad",
    sandbox_note: "Entorno de pruebas Jumio KYX: nada de lo que introduzca aquí sale de esta máquina.",
    continue_button: "Continuar",
    consent_heading: "Su consentimiento",
    consent_text: "Para verificar su identidad se comparan su documento y una foto de su cara. \
                   Se tratan datos biométricos.",
    consent_label: "Acepto el tratamiento de mis datos biométricos para esta verificación.",
    document_heading: "Su documento",
    country_label: "País de expedición",
    type_label: "Tipo de documento",
    passport: "Pasaporte",
    id_card: "Documento de identidad",
    driving_license: "Permiso de conducir",
    visa: "Visado",
    front_heading: "Anverso de su documento",
    back_heading: "Reverso de su documento",
    selfie_heading: "Una foto de su cara",
    document_upload_heading: "Su documento",
    image_hint: "Una imagen JPEG o PNG.",
    document_hint: "Una imagen JPEG o PNG, o un PDF.",
    finish_heading: "Finalizar",
    finish_text: "Solo en el entorno de pruebas: elija el resultado de la verificación.",
    outcome_label: "Resultado",
    outcome_pass: "aprobado (todas las comprobaciones se superan)",
    finish_button: "Finalizar",
    abandon_button: "Abandonar la verificación",
    expire_button: "Dejar que la sesión caduque",
    refused: "Esto no se aceptó:",
    attempts_left: "Intentos restantes:",
    success_heading: "Gracias",
    success_text: "Sus documentos se enviaron para su verificación. Puede cerrar esta página.",
    error_heading: "No se pudo completar la verificación",
    error_code: "Código de error",
    continue_link: "Continuar",
    error_token: "Este enlace no es válido o ha caducado.",
    error_session: "La sesión ha caducado.",
    error_attempts: "Tres envíos no se pudieron utilizar.",
    error_abandoned: "Se abandonó la verificación.",
    error_other: "Se produjo un error por nuestra parte.",
    forbidden_heading: "Este formulario no se envió desde la página de verificación",
    forbidden_text: "Abra de nuevo el enlace de verificación y envíe el formulario desde allí.",
    unreadable_heading: "No se pudo leer el formulario",
};

/// Every language of the journey.
const LANGUAGES: [&Strings; 4] = [&EN, &DE, &FR, &ES];

/// The strings of `requested` (a `locale` such as `de`, `de-AT`, `pt_BR`): the language itself,
/// else its base language, else English — the fallback of Jumio's Web client.
pub(crate) fn resolve(requested: Option<&str>) -> &'static Strings {
    let Some(requested) = requested else {
        return &EN;
    };
    let normalized = requested.trim().replace('_', "-").to_ascii_lowercase();
    let base = normalized.split('-').next().unwrap_or_default();
    [normalized.as_str(), base]
        .into_iter()
        .find_map(|code| LANGUAGES.into_iter().find(|strings| strings.code == code))
        .unwrap_or(&EN)
}

/// The strings of a language code [`resolve`] gave (English for any other).
pub(crate) fn of(code: Option<&str>) -> &'static Strings {
    LANGUAGES
        .into_iter()
        .find(|strings| Some(strings.code) == code)
        .unwrap_or(&EN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_fall_back_like_jumios_client() {
        let cases = [
            (Some("de"), "de"),
            (Some("de-AT"), "de"),
            (Some("DE_at"), "de"),
            (Some("fr-CA"), "fr"),
            (Some("es_MX"), "es"),
            (Some("en-GB"), "en"),
            (Some("pt-BR"), "en"),
            (Some("<script>"), "en"),
            (Some(""), "en"),
            (None, "en"),
        ];
        for (requested, code) in cases {
            assert_eq!(resolve(requested).code, code, "{requested:?}");
        }
        assert_eq!(of(Some("fr")).code, "fr");
        assert_eq!(of(Some("xx")).code, "en");
    }
}
