//! Reaching people: e-mail and voice calls through Quendoo's services, each
//! with the hotel's own credential.

use quendoo_api::{Email, VoiceCall};

use super::{Hints, Spec, ToolDef, define, property::WriteOutcome};
use crate::{domain::KeyName, policy::Toolset};

pub fn send_quendoo_email() -> ToolDef {
    define(
        Spec {
            name: "send_quendoo_email",
            title: "Send an e-mail",
            description: "Sends an e-mail from the hotel through Quendoo's e-mail service to one \
                address. It reaches a real person and cannot be taken back: only send what the \
                hotel asked for, to the address they gave, and say what was sent. Set `html` \
                when `message` is HTML. Needs the hotel's EMAIL_API_KEY; a hotel may send only \
                so many per hour (the server's COMMS_HOURLY_LIMIT).",
            hints: Hints::write(false, false).reaching_people(),
            toolset: Toolset::Comms,
            credential: KeyName::EmailApiKey,
        },
        |context, args: Email| async move {
            let response = context
                .client()
                .send_email(context.credential(), &args)
                .await?;
            Ok(WriteOutcome::new(response))
        },
    )
}

pub fn make_call() -> ToolDef {
    define(
        Spec {
            name: "make_call",
            title: "Place a voice call",
            description: "Calls a phone number and reads a message aloud in the given language \
                (a text-to-speech code such as `bg-BG`, `en-US`). It rings a real person: only \
                call when the hotel asked for it, with their exact number and message. Needs \
                the hotel's QUENDOO_AUTOMATION_BEARER; a hotel may place only so many per hour \
                (the server's COMMS_HOURLY_LIMIT).",
            hints: Hints::write(false, false).reaching_people(),
            toolset: Toolset::Comms,
            credential: KeyName::QuendooAutomationBearer,
        },
        |context, args: VoiceCall| async move {
            let response = context
                .client()
                .make_call(context.credential(), &args)
                .await?;
            Ok(WriteOutcome::new(response))
        },
    )
}
