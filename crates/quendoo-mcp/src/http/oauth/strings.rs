//! Every word the sign-in and consent pages show, per language, in one
//! place. The language is the first of the browser's `Accept-Language`
//! that we have; English otherwise.

use serde::Serialize;

use crate::auth::Scope;

#[derive(Serialize)]
pub struct Strings {
    pub lang: &'static str,
    pub sign_in_title: &'static str,
    /// `{client}` is the client's name.
    pub sign_in_intro: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub expired: &'static str,
    /// `{client}`.
    pub consent_title: &'static str,
    /// `{client}` and `{hotel}`.
    pub consent_intro: &'static str,
    pub consent_redirect: &'static str,
    /// `{email}`.
    pub consent_signed_in_as: &'static str,
    pub allow: &'static str,
    pub deny: &'static str,
    pub error_title: &'static str,
    pub scope_read: &'static str,
    pub scope_write: &'static str,
    pub scope_comms: &'static str,
}

impl Strings {
    pub fn scope(&self, scope: Scope) -> &'static str {
        match scope {
            Scope::Read => self.scope_read,
            Scope::Write => self.scope_write,
            Scope::Comms => self.scope_comms,
        }
    }
}

const EN: Strings = Strings {
    lang: "en",
    sign_in_title: "Sign in to Quendoo",
    sign_in_intro: "{client} wants to connect to your hotel's Quendoo. Sign in with your hotel account.",
    email: "E-mail",
    password: "Password",
    sign_in: "Sign in",
    wrong_credentials: "The e-mail or the password is not right.",
    too_many_attempts: "Too many failed sign-ins. Try again in 15 minutes.",
    expired: "This sign-in page has expired. Go back to the app and connect again.",
    consent_title: "Allow {client}?",
    consent_intro: "{client} asks to act for {hotel} in Quendoo. It will be able to:",
    consent_redirect: "After you decide, you go back to",
    consent_signed_in_as: "Signed in as {email}.",
    allow: "Allow",
    deny: "Deny",
    error_title: "This sign-in cannot go on",
    scope_read: "see the property's settings, rooms, availability, prices and bookings (with guests' names and contact details)",
    scope_write: "change availability, acknowledge bookings, assign rooms and map the property to channels",
    scope_comms: "send e-mails and make phone calls to guests in the hotel's name",
};

const BG: Strings = Strings {
    lang: "bg",
    sign_in_title: "Вход в Quendoo",
    sign_in_intro: "{client} иска да се свърже с Quendoo на вашия хотел. Влезте с хотелския си акаунт.",
    email: "Имейл",
    password: "Парола",
    sign_in: "Вход",
    wrong_credentials: "Имейлът или паролата не са верни.",
    too_many_attempts: "Твърде много неуспешни опити. Опитайте отново след 15 минути.",
    expired: "Тази страница за вход е изтекла. Върнете се в приложението и се свържете отново.",
    consent_title: "Да се разреши ли на {client}?",
    consent_intro: "{client} иска да действа от името на {hotel} в Quendoo. Ще може да:",
    consent_redirect: "След решението ви ще се върнете към",
    consent_signed_in_as: "Влезли сте като {email}.",
    allow: "Разреши",
    deny: "Откажи",
    error_title: "Входът не може да продължи",
    scope_read: "вижда настройките, стаите, наличността, цените и резервациите (с имената и контактите на гостите)",
    scope_write: "променя наличността, потвърждава резервации, разпределя стаи и свързва обекта с канали",
    scope_comms: "изпраща имейли и звъни на гости от името на хотела",
};

/// The strings for an `Accept-Language` header value.
pub fn for_languages(accept_language: Option<&str>) -> &'static Strings {
    let wanted = accept_language.unwrap_or("").split(',').map(|tag| {
        tag.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .split('-')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    for language in wanted {
        match language.as_str() {
            "en" => return &EN,
            "bg" => return &BG,
            _ => {}
        }
    }
    &EN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_language_we_have_wins() {
        assert_eq!(for_languages(Some("bg-BG,bg;q=0.9,en;q=0.8")).lang, "bg");
        assert_eq!(for_languages(Some("de-DE, en;q=0.5")).lang, "en");
        assert_eq!(for_languages(None).lang, "en");
    }
}
