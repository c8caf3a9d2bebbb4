//! Media that come with a text (MMS): what the provider says of each item, and what a contact is told
//! when a text carries media and no words.

use crate::Language;

/// Most media one text carries (Twilio's limit).
pub const MAX_MEDIA_PER_TEXT: usize = 10;

/// One media item of an inbound text, as the provider lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMedia {
    /// Where the provider keeps it; `None` where the channel gives no address to fetch it from.
    pub url: Option<String>,
    /// The type the provider declares (the kept file's type comes from its bytes).
    pub content_type: String,
}

/// Whether a text says anything (words, or an emoji such as 👍): one that does not (a photo alone)
/// answers no question and changes no form.
pub fn has_words(body: &str) -> bool {
    !body.trim().is_empty()
}

/// The reply to media without words, when nothing else answers it: thanks, and the question the form waits
/// on (added by the caller).
pub fn received(photos: bool, language: Language) -> &'static str {
    match (language, photos) {
        (Language::En, true) => "Thanks, I got your photo.",
        (Language::En, false) => "Thanks, I got your file.",
        (Language::Es, true) => "Gracias, recibí su foto.",
        (Language::Es, false) => "Gracias, recibí su archivo.",
    }
}

/// The reply to media without words none of which could be kept (a video, a file too big).
pub fn not_kept(language: Language) -> &'static str {
    match language {
        Language::En => "Sorry, I couldn't keep that file. A photo (JPEG, PNG, HEIC or WebP) or a PDF works best.",
        Language::Es => {
            "Disculpe, no pude guardar ese archivo. Una foto (JPEG, PNG, HEIC o WebP) o un PDF funciona mejor."
        }
    }
}
