//! What smsagent answers to a keyword (STOP, START, HELP, a goodbye), in the contact's language. Each carries
//! what carriers require of it (docs/compliance.md#wording).

use crate::Language;

/// The one confirmation of an opt-out: who, no further messages, how to come back.
pub fn opted_out(program: &str, language: Language) -> String {
    match language {
        Language::Es => format!(
            "{program}: Se ha dado de baja y no recibirá más mensajes. Responda START para volver a suscribirse."
        ),
        Language::En => {
            format!("{program}: You're unsubscribed and will receive no further messages. Reply START to resubscribe.")
        }
    }
}

/// The confirmation of an opt-in: who, help, stop, rates.
pub fn opted_in(program: &str, language: Language) -> String {
    match language {
        Language::Es => format!(
            "{program}: Se ha suscrito de nuevo. Responda HELP para ayuda o STOP para darse de baja. Pueden aplicarse tarifas de mensajes y datos."
        ),
        Language::En => {
            format!("{program}: You're resubscribed. Reply HELP for help, STOP to opt out. Msg & data rates may apply.")
        }
    }
}

/// The answer to HELP: who, a support contact, frequency, rates, how to stop.
pub fn help(program: &str, support: Option<&str>, language: Language) -> String {
    match language {
        Language::Es => format!(
            "{program}: {} Frecuencia de mensajes variable. Pueden aplicarse tarifas de mensajes y datos. Responda STOP para darse de baja.",
            support.unwrap_or("Responda aquí y nuestro equipo le contestará.")
        ),
        Language::En => format!(
            "{program}: {} Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out.",
            support.unwrap_or("Reply here and our team will get back to you.")
        ),
    }
}

pub fn goodbye(language: Language) -> &'static str {
    match language {
        Language::Es => "Gracias por escribirnos. ¡Hasta pronto! Escríbanos cuando quiera.",
        Language::En => "Thanks for chatting with us. Goodbye! Text us anytime.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opt_out_confirmation_names_the_program_and_the_way_back() {
        for language in [Language::En, Language::Es] {
            let text = opted_out("Maple Court", language);
            assert!(text.starts_with("Maple Court: ") && text.contains("START"), "{text}");
        }
        assert!(help("Maple Court", None, Language::En).contains("Reply STOP to opt out"));
    }
}
