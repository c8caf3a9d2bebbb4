//! A document's text: plain text and Markdown as UTF-8, PDF through `pdf-extract`.

/// The kinds of document taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Text,
    Markdown,
    Pdf,
}

impl MediaType {
    /// From a Content-Type (its parameters ignored).
    pub fn parse(content_type: &str) -> Option<MediaType> {
        match content_type.split(';').next()?.trim().to_ascii_lowercase().as_str() {
            "text/plain" => Some(MediaType::Text),
            "text/markdown" => Some(MediaType::Markdown),
            "application/pdf" => Some(MediaType::Pdf),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Text => "text/plain",
            MediaType::Markdown => "text/markdown",
            MediaType::Pdf => "application/pdf",
        }
    }
}

/// Why a document's text could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("the document is not UTF-8 text")]
    NotUtf8,
    #[error("the document does not start as a PDF does (%PDF-)")]
    NotPdf,
    #[error("the PDF's text cannot be read: {0}")]
    Pdf(String),
    #[error("the document holds no text (a scanned PDF needs its text recognised first)")]
    Empty,
}

/// The language a document is written in, by its commonest little words ("the", "and"; "el", "que"): a
/// document has plenty of them, unlike a text message. English when it cannot tell.
pub fn language_of(text: &str) -> smsagent_domain::Language {
    const SPANISH: &[&str] = &[
        "el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "por", "para", "con", "es", "son", "su",
        "al",
    ];
    const ENGLISH: &[&str] = &[
        "the", "and", "of", "to", "in", "is", "are", "for", "with", "on", "that", "you", "your", "we", "our", "be",
        "at",
    ];
    let words = smsagent_domain::text::words(text);
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    if count(SPANISH) > count(ENGLISH) { smsagent_domain::Language::Es } else { smsagent_domain::Language::En }
}

/// The document's text. A PDF that makes the extractor panic is unreadable, not a crash.
pub fn text_of(media_type: MediaType, bytes: &[u8]) -> Result<String, Unreadable> {
    let text = match media_type {
        MediaType::Text | MediaType::Markdown => {
            String::from_utf8(bytes.to_vec()).map_err(|_| Unreadable::NotUtf8)?.replace('\0', "")
        }
        MediaType::Pdf => {
            if !bytes.starts_with(b"%PDF-") {
                return Err(Unreadable::NotPdf);
            }
            let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
                .map_err(|_| Unreadable::Pdf("the extractor gave up on it".into()))?;
            extracted.map_err(|e| Unreadable::Pdf(e.to_string()))?.replace('\0', "")
        }
    };
    if text.trim().is_empty() { Err(Unreadable::Empty) } else { Ok(text) }
}

#[cfg(test)]
mod tests {
    use smsagent_domain::Language;

    use super::*;

    #[test]
    fn a_documents_language_is_told_by_its_little_words() {
        assert_eq!(language_of("Una limpieza dental cuesta 1.200 pesos y dura cuarenta minutos."), Language::Es);
        assert_eq!(language_of("A cleaning costs $80 and takes an hour of your time."), Language::En);
        assert_eq!(language_of("12345"), Language::En, "English when it cannot tell");
    }

    #[test]
    fn only_text_and_real_pdfs_are_read() {
        assert_eq!(text_of(MediaType::Text, &[0xff, 0xfe]), Err(Unreadable::NotUtf8));
        assert_eq!(text_of(MediaType::Pdf, b"hello"), Err(Unreadable::NotPdf));
        assert_eq!(text_of(MediaType::Markdown, b"  \n "), Err(Unreadable::Empty));
        assert!(matches!(text_of(MediaType::Pdf, b"%PDF-1.4 nonsense"), Err(Unreadable::Pdf(_))));
        assert_eq!(MediaType::parse("text/markdown; charset=utf-8"), Some(MediaType::Markdown));
    }
}
