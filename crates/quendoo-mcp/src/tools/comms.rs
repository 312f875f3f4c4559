//! Reaching people: e-mail and voice calls through Quendoo's services, each
//! with the hotel's own credential.

use quendoo_api::{Email, VoiceCall};

use serde_json::json;

use super::{Hints, Preview, Spec, ToolDef, define_write};
use crate::{domain::KeyName, policy::Toolset};

pub fn send_quendoo_email() -> ToolDef {
    define_write(
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
        |_context, args: Email| async move {
            let kind = if args.html { ", HTML" } else { "" };
            Ok(Preview {
                summary: format!(
                    "E-mail to {}, subject \"{}\" ({} characters{kind}).",
                    args.to,
                    args.subject,
                    args.message.chars().count()
                ),
                changes: json!(args),
            })
        },
        |context, args: Email| async move {
            Ok(context
                .client()
                .send_email(context.credential(), &args)
                .await?)
        },
    )
}

pub fn make_call() -> ToolDef {
    define_write(
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
        |_context, args: VoiceCall| async move {
            Ok(Preview {
                summary: format!(
                    "Phone call to {}, reading a message of {} characters aloud in {}.",
                    args.phone,
                    args.message.chars().count(),
                    args.language
                ),
                changes: json!(args),
            })
        },
        |context, args: VoiceCall| async move {
            Ok(context
                .client()
                .make_call(context.credential(), &args)
                .await?)
        },
    )
}
