//! What an inbound text is about, labelled once as it arrives so that stats can count by it: an
//! appointment, a question, a complaint, an opt-out, or other. By rules over the contact's own words (a
//! keyword read on arrival decides an opt-out).

use crate::keywords::Keyword;
use crate::text::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Appointment,
    Question,
    Complaint,
    OptOut,
    Other,
}

impl Intent {
    /// As stored (`sms_messages.intent`).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Appointment => "appointment",
            Intent::Question => "question",
            Intent::Complaint => "complaint",
            Intent::OptOut => "opt_out",
            Intent::Other => "other",
        }
    }
}

const APPOINTMENT: &[&str] = &[
    "appointment",
    "appt",
    "book",
    "booking",
    "reschedule",
    "slot",
    "cita",
    "citas",
    "agendar",
    "reservar",
    "reserva",
    "turno",
];
const COMPLAINT: &[&str] = &[
    "complaint",
    "complain",
    "unhappy",
    "terrible",
    "awful",
    "horrible",
    "worst",
    "rude",
    "disappointed",
    "unacceptable",
    "angry",
    "scam",
    "queja",
    "quejarme",
    "reclamo",
    "pesimo",
    "malisimo",
    "molesto",
    "molesta",
    "decepcionado",
    "decepcionada",
    "inaceptable",
    "grosero",
    "grosera",
];
/// Words of a complaint only when the text is not a question ("I want a refund", not "do you refund?").
const GRIEVANCE: &[&str] = &["refund", "reembolso", "devolucion"];
const QUESTION_STARTS: &[&str] = &[
    "what", "when", "where", "which", "who", "why", "how", "do", "does", "is", "are", "can", "could", "will", "que",
    "cual", "cuando", "donde", "quien", "como", "cuanto", "cuanta", "cuantos", "tienen", "hay", "puedo", "aceptan",
];

/// The text's intent. An opt-out keyword is an opt-out; then a complaint (the business wants those first),
/// an appointment, a question.
pub fn label(body: &str, keyword: Option<Keyword>) -> Intent {
    if keyword == Some(Keyword::OptOut) {
        return Intent::OptOut;
    }
    let words = words(body);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let question = body.contains('?') || words.first().is_some_and(|w| QUESTION_STARTS.contains(&w.as_str()));
    if has(COMPLAINT) || words.windows(2).any(|w| w[0] == "not" && w[1] == "happy") || (has(GRIEVANCE) && !question) {
        Intent::Complaint
    } else if has(APPOINTMENT) {
        Intent::Appointment
    } else if question {
        Intent::Question
    } else {
        Intent::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_labelled_as_a_business_would_count_them() {
        assert_eq!(label("STOP", Some(Keyword::OptOut)), Intent::OptOut);
        assert_eq!(label("I'd like to book an appointment", None), Intent::Appointment);
        assert_eq!(label("quiero una cita el martes", None), Intent::Appointment);
        assert_eq!(label("do you take insurance", None), Intent::Question);
        assert_eq!(label("¿Cuánto cuesta?", None), Intent::Question);
        assert_eq!(label("The receptionist was rude and I want a refund", None), Intent::Complaint);
        assert_eq!(label("not happy with my cleaning, can I get an appointment?", None), Intent::Complaint);
        assert_eq!(label("Maria Garcia", None), Intent::Other);
        assert_eq!(label("thanks!", None), Intent::Other);
        assert_eq!(label("do you refund deposits?", None), Intent::Question);
        assert_eq!(label("what's your schedule?", None), Intent::Question);
        assert_eq!(label("tengo una consulta", None), Intent::Other);
    }
}
