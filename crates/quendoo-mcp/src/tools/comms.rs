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
            description: "Sends an e-mail from the hotel to one address: a real person, and \
                it cannot be taken back. Only what the hotel asked for, to the address they \
                gave. Set `html` when `message` is HTML. Limited per hour.",
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
            description: "Rings a phone number and reads a message aloud (`language`: a \
                text-to-speech code such as `bg-BG`). A real person: only when the hotel asked, \
                with their exact number and message. Limited per hour.",
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
